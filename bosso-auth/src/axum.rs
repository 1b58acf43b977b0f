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

impl Error {
    /// The HTTP status for this error. Every ownership and token failure maps to a status
    /// that says only "unauthenticated" or "forbidden".
    pub fn status(&self) -> StatusCode {
        match self {
            Error::AttachToken(
                bosso_token::Error::ReplayStoreFull | bosso_token::Error::ReplayStoreUnavailable(_),
            ) => StatusCode::SERVICE_UNAVAILABLE,
            Error::AttachToken(_) | Error::BearerMissing | Error::BearerInvalid => {
                StatusCode::UNAUTHORIZED
            }
            Error::NotPermitted | Error::HostNotAllowed | Error::OriginNotAllowed => {
                StatusCode::FORBIDDEN
            }
            Error::DaemonOffline => StatusCode::CONFLICT,
            Error::StoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// A response with [`Error::status`] and only the status's canonical reason as body.
    pub fn into_response_uniform(self) -> Response {
        let status = self.status();
        (status, status.canonical_reason().unwrap_or("error")).into_response()
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
        Ok(admission) => {
            let echo = admission.echo.clone();
            ws.protocols([echo])
                .on_upgrade(move |socket| serve(socket, admission))
        }
        Err(e) => e.into_response_uniform(),
    }
}
