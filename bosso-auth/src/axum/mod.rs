//! axum integration (feature `axum`): the gate as a WebSocket upgrade handler, and HTTP
//! statuses for [`Error`] that reveal nothing beyond "unauthenticated" or "forbidden".
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::{Router, extract::{Path, State, ws::WebSocketUpgrade}, http::HeaderMap, routing::get};
//! use bosso_auth::{gate::AttachGate, ownership::MemoryOwnershipStore};
//! use bosso_token::{ChatId, MemoryReplayStore, SessionId};
//!
//! type Gate = AttachGate<MemoryOwnershipStore, MemoryReplayStore>;
//!
//! async fn attach(
//!     State(gate): State<Arc<Gate>>,
//!     Path((session, chat)): Path<(String, String)>,
//!     headers: HeaderMap,
//!     ws: WebSocketUpgrade,
//! ) -> axum::response::Response {
//!     let (Ok(session), Ok(chat)) = (SessionId::new(session), ChatId::new(chat)) else {
//!         return bosso_auth::Error::NotPermitted.into_response_uniform();
//!     };
//!     bosso_auth::axum::upgrade(&gate, ws, &headers, &session, &chat, |mut socket, admission| async move {
//!         // Serve until the daemon goes away, then close.
//!         tokio::select! {
//!             _ = admission.view.cut() => {}
//!             _ = socket.recv() => {}
//!         }
//!     })
//!     .await
//! }
//!
//! fn router(gate: Arc<Gate>) -> Router {
//!     Router::new().route("/attach/{session}/{chat}", get(attach)).with_state(gate)
//! }
//! ```

use std::future::Future;

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bosso_token::{ChatId, ReplayStore, SessionId};

use crate::Error;
use crate::audit::AuditSink;
use crate::gate::{Admission, AttachGate};
use crate::ownership::OwnershipStore;

mod admitted;
mod layer;
mod oidc;
pub use admitted::Admitted;
pub use layer::{Guard, GuardLayer, HeaderPolicy, HostLayer, OriginLayer};
pub use oidc::{DEFAULT_RETRY_AFTER, OidcAuth, OidcRejection, OidcUser, authenticate};

impl Error {
    /// The HTTP status for this error. Every ownership failure says only "forbidden"; every
    /// token failure only "unauthenticated" (401, whatever was wrong with the token); an
    /// unreachable store or key source is 503 (retry later, the credential may be fine); a
    /// malformed request (a repeated Host/Origin, a malformed `Authorization` line) is 400; a
    /// server-side misconfiguration is 500.
    ///
    /// The match names every variant, so a new one cannot fall into a default arm unseen.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::AttachToken(e) => attach_token_status(e),
            Error::JwtMalformed(_)
            | Error::JwtTooLarge { .. }
            | Error::JwtAlgorithmNotAllowed
            | Error::JwtUnsupportedHeader(_)
            | Error::JwtUnknownKey
            | Error::JwtBadSignature
            | Error::JwtExpired
            | Error::JwtNotYetValid
            | Error::JwtIssuerMismatch
            | Error::JwtAudienceMismatch
            | Error::JwtInvalidClaims(_)
            | Error::BearerMissing
            | Error::BearerInvalid => StatusCode::UNAUTHORIZED,
            Error::NotPermitted | Error::HostNotAllowed | Error::OriginNotAllowed => {
                StatusCode::FORBIDDEN
            }
            Error::DaemonOffline => StatusCode::CONFLICT,
            // The issuer's keys could not be had (or not used): the caller's token may be
            // fine, so this is the server's trouble, not a 4xx.
            Error::StoreUnavailable(_) | Error::JwksUnavailable(_) | Error::JwksInvalid(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Error::DuplicateHeader(_) | Error::MalformedAuthorization(_) => StatusCode::BAD_REQUEST,
            Error::InvalidConfig(_) | Error::InvalidKey(_) | Error::Rng => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// A response with [`Error::status`] and only the status's canonical reason as body.
    pub fn into_response_uniform(self) -> Response {
        let status = self.status();
        (status, status.canonical_reason().unwrap_or("error")).into_response()
    }
}

fn attach_token_status(e: &bosso_token::Error) -> StatusCode {
    use bosso_token::Error as T;
    match e {
        T::ReplayStoreFull | T::ReplayStoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        T::InvalidKey(_) | T::InvalidConfig(_) | T::InvalidKeySet(_) | T::Rng => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        // Everything else is about the presented token (or its absence); `bosso_token::Error`
        // is non-exhaustive, so an unknown future variant fails closed as unauthenticated.
        _ => StatusCode::UNAUTHORIZED,
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        self.into_response_uniform()
    }
}

/// Admits the upgrade through `gate` and, if admitted, completes it echoing the application
/// protocol (never the token entry) and hands the socket and the [`Admission`] to `serve`.
/// Refusals become bodies without detail ([`Error::into_response_uniform`]).
pub async fn upgrade<O, R, A, F, Fut>(
    gate: &AttachGate<O, R, A>,
    ws: WebSocketUpgrade,
    headers: &HeaderMap,
    session: &SessionId,
    chat: &ChatId,
    serve: F,
) -> Response
where
    O: OwnershipStore,
    R: ReplayStore,
    A: AuditSink,
    F: FnOnce(WebSocket, Admission) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    match gate.admit(headers, session, chat).await {
        Ok(admission) => Admitted::<AttachGate<O, R, A>>::new(admission, ws).on_upgrade(serve),
        Err(e) => e.into_response_uniform(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bosso_token::Error as T;

    /// Forces this table to grow with the enum: adding a variant breaks the build here until
    /// the variant gets a row below.
    fn listed(e: &Error) {
        match e {
            Error::StoreUnavailable(_)
            | Error::InvalidConfig(_)
            | Error::InvalidKey(_)
            | Error::Rng
            | Error::JwtMalformed(_)
            | Error::JwtTooLarge { .. }
            | Error::JwtAlgorithmNotAllowed
            | Error::JwtUnsupportedHeader(_)
            | Error::JwtUnknownKey
            | Error::JwtBadSignature
            | Error::JwtExpired
            | Error::JwtNotYetValid
            | Error::JwtIssuerMismatch
            | Error::JwtAudienceMismatch
            | Error::JwtInvalidClaims(_)
            | Error::JwksInvalid(_)
            | Error::JwksUnavailable(_)
            | Error::AttachToken(_)
            | Error::NotPermitted
            | Error::DaemonOffline
            | Error::HostNotAllowed
            | Error::OriginNotAllowed
            | Error::DuplicateHeader(_)
            | Error::BearerMissing
            | Error::BearerInvalid
            | Error::MalformedAuthorization(_) => {}
        }
    }

    #[test]
    fn every_error_has_the_status_its_cause_calls_for() {
        let s = |n: u16| StatusCode::from_u16(n).unwrap_or(StatusCode::IM_A_TEAPOT);
        let table = [
            (Error::StoreUnavailable("x".into()), 503),
            (Error::InvalidConfig("x"), 500),
            (Error::InvalidKey("x"), 500),
            (Error::Rng, 500),
            // Every token failure: 401 (RFC 6750 invalid_token), never 400.
            (Error::JwtMalformed("x"), 401),
            (Error::JwtTooLarge { max: 1 }, 401),
            (Error::JwtAlgorithmNotAllowed, 401),
            (Error::JwtUnsupportedHeader("x"), 401),
            (Error::JwtUnknownKey, 401),
            (Error::JwtBadSignature, 401),
            (Error::JwtExpired, 401),
            (Error::JwtNotYetValid, 401),
            (Error::JwtIssuerMismatch, 401),
            (Error::JwtAudienceMismatch, 401),
            (Error::JwtInvalidClaims("x"), 401),
            // The key source, not the caller, is at fault: retry later.
            (Error::JwksInvalid("x"), 503),
            (Error::JwksUnavailable("x".into()), 503),
            (Error::AttachToken(T::Expired), 401),
            (Error::AttachToken(T::Replayed), 401),
            (Error::AttachToken(T::BadSignature), 401),
            (Error::AttachToken(T::MissingAttachToken), 401),
            (Error::AttachToken(T::NoSupportedProtocol), 401),
            (Error::AttachToken(T::ReplayStoreFull), 503),
            (
                Error::AttachToken(T::ReplayStoreUnavailable("x".into())),
                503,
            ),
            (Error::AttachToken(T::InvalidKey("x")), 500),
            (Error::AttachToken(T::InvalidConfig("x")), 500),
            (Error::AttachToken(T::InvalidKeySet("x")), 500),
            (Error::AttachToken(T::Rng), 500),
            (Error::NotPermitted, 403),
            (Error::DaemonOffline, 409),
            (Error::HostNotAllowed, 403),
            (Error::OriginNotAllowed, 403),
            (Error::DuplicateHeader("host"), 400),
            (Error::BearerMissing, 401),
            (Error::BearerInvalid, 401),
            (Error::MalformedAuthorization("x"), 400),
        ];
        for (error, want) in table {
            listed(&error);
            assert_eq!(error.status(), s(want), "{error:?}");
        }
    }
}
