//! Audit events of the web layer. They carry a user id, a route scope or a fixed reason, never
//! a token, password, CSRF token or cookie value: no variant has a field that could hold one.

use std::sync::{Mutex, PoisonError};

use bosso_token::UserId;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebEvent {
    /// A login completed and a session was issued for it.
    LoginSucceeded {
        /// The account.
        user: UserId,
    },
    /// A login attempt failed (wrong password or code, locked, throttled).
    LoginFailed {
        /// The account the attempt named, when it named one.
        user: Option<UserId>,
        /// A fixed reason (`"invalid credentials"`, `"locked"`, ...).
        reason: &'static str,
    },
    /// A new session cookie was issued (login, or rotation on a privilege change).
    SessionCreated {
        /// The account.
        user: UserId,
        /// Why: `"login"` or `"rotation"`.
        cause: &'static str,
    },
    /// A presented session had passed its idle or absolute lifetime; it was removed.
    SessionExpired {
        /// The account.
        user: UserId,
    },
    /// A session was ended by logout.
    Logout {
        /// The account.
        user: UserId,
    },
    /// A request was refused: no session, a missing permission, a failed CSRF check, a
    /// malformed cookie or a rate limit.
    Denied {
        /// The account, when the request had a valid session.
        user: Option<UserId>,
        /// A fixed reason (`"csrf: token mismatch"`, `"no session"`, `"rate limited"`, ...).
        reason: &'static str,
    },
}

/// Receives web-layer events. Called inline on the request path: keep it non-blocking.
pub trait WebAudit: Send + Sync {
    /// Records one event.
    fn record(&self, event: WebEvent);
}

/// Discards events.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoWebAudit;

impl WebAudit for NoWebAudit {
    fn record(&self, _: WebEvent) {}
}

/// Keeps events in memory (tests, demos).
#[derive(Debug, Default)]
pub struct MemoryWebAudit {
    events: Mutex<Vec<WebEvent>>,
}

impl MemoryWebAudit {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every event so far.
    pub fn events(&self) -> Vec<WebEvent> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl WebAudit for MemoryWebAudit {
    fn record(&self, event: WebEvent) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
    }
}
