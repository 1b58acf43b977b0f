//! The browser-facing layer (feature `axum`): a session cookie over [`LoginSessionManager`],
//! CSRF protection, security headers and per-route rate limits, as axum middleware, with audit
//! events through a [`WebAudit`] sink.
//!
//! Layer order (outermost first): [`secure_headers`], [`session_layer`], then per-route
//! [`rate_limit`] (inside the session layer, so `LimitBy::UserOrIp` sees the user; an IP
//! limit that must run before any store lookup can also go outside it).
//!
//! [`LoginSessionManager`]: crate::login_session::LoginSessionManager

pub mod audit;
pub mod cookies;
pub mod csrf;
mod headers;
mod limit;
mod session;

use axum::response::{IntoResponse, Response};
use http::HeaderValue;
use http::header::RETRY_AFTER;

pub use audit::{MemoryWebAudit, NoWebAudit, WebAudit, WebEvent};
pub use csrf::CsrfKey;
pub use headers::{DEFAULT_CSP, SecureHeaders, secure_headers};
pub use limit::{LimitBy, RouteLimit, rate_limit};
pub use session::{SameSiteMode, Session, SignedIn, WebSessionConfig, WebSessions, session_layer};

use crate::Error;

/// [`Error::status`] with the error's fixed message as the body (it never echoes input), and
/// `Retry-After` (whole seconds, rounded up) on [`Error::RateLimited`].
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut r = (self.status(), self.to_string()).into_response();
        if let Error::RateLimited { retry_after_ms } = self {
            let secs = retry_after_ms.div_ceil(1000).max(1);
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(RETRY_AFTER, v);
            }
        }
        r
    }
}
