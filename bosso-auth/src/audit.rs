//! Structured audit events. They carry ids, reasons and the failed ownership axis, never a
//! token, secret or credential.

use std::sync::{Mutex, PoisonError};

use bosso_token::{ChatId, DaemonId, Permission, SessionId, TokenId, UserId};

use crate::ownership::Axis;

/// Where in the attach flow a decision was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Minting an attach token.
    Issue,
    /// Admitting a WebSocket upgrade.
    Admit,
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditEvent {
    /// An attach token was minted.
    Issued {
        /// Who asked.
        user: UserId,
        /// For which session.
        session: SessionId,
        /// For which chat.
        chat: ChatId,
        /// With which permission.
        permission: Permission,
        /// The token's id (not the token).
        token_id: TokenId,
    },
    /// An upgrade was admitted.
    Admitted {
        /// The token's user.
        user: UserId,
        /// The session.
        session: SessionId,
        /// The chat.
        chat: ChatId,
        /// The daemon the view is attached to.
        daemon: DaemonId,
        /// The consumed token's id.
        token_id: TokenId,
    },
    /// A request was refused.
    Denied {
        /// Issue or admit.
        stage: Stage,
        /// The user, when known (after authentication).
        user: Option<UserId>,
        /// A short, fixed reason (e.g. `"ownership"`, `"host"`, `"token: token already used"`).
        reason: String,
        /// The ownership axis that failed, for ownership denials.
        axis: Option<Axis>,
    },
    /// A daemon went offline or was replaced; its live views were cut.
    DaemonCut {
        /// The daemon.
        daemon: DaemonId,
        /// How many views were cut.
        views: usize,
    },
}

/// Receives audit events. Called inline on the request path: keep it non-blocking (hand the
/// event to a channel or a logger).
pub trait AuditSink: Send + Sync {
    /// Records one event.
    fn record(&self, event: AuditEvent);
}

/// Discards events.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAudit;

impl AuditSink for NoAudit {
    fn record(&self, _: AuditEvent) {}
}

/// Keeps events in memory (tests, demos).
#[derive(Debug, Default)]
pub struct MemoryAudit {
    events: Mutex<Vec<AuditEvent>>,
}

impl MemoryAudit {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every event so far.
    pub fn events(&self) -> Vec<AuditEvent> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl AuditSink for MemoryAudit {
    fn record(&self, event: AuditEvent) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
    }
}

impl<A: AuditSink + ?Sized> AuditSink for std::sync::Arc<A> {
    fn record(&self, event: AuditEvent) {
        (**self).record(event);
    }
}
