//! `Admitted`: the attach gate as an axum extractor.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{FromRef, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use bosso_token::{ChatId, ReplayStore, SessionId};

use crate::Error;
use crate::audit::AuditSink;
use crate::gate::{Admission, AttachGate};
use crate::ownership::OwnershipStore;

/// An upgrade the gate of type `G` admitted, with the protocol to echo.
///
/// Extracting it reads the route's two path parameters as the session and the chat
/// (`/ws/{session}/{chat}`), then runs [`AttachGate::admit`] with the gate from the router's
/// state (`Arc<AttachGate<..>>: FromRef<State>`). A refusal is [`Error::into_response_uniform`]
/// (no detail); an ill-formed session or chat id is [`Error::NotPermitted`], like an unknown
/// one. Finish with [`Admitted::on_upgrade`].
/// `G` is the gate's type, an [`AttachGate`] (name it through a type alias).
#[derive(Debug)]
pub struct Admitted<G> {
    /// The admission: claims, the protocol echoed, the live view.
    pub admission: Admission,
    ws: WebSocketUpgrade,
    gate: PhantomData<fn() -> G>,
}

impl<G> Admitted<G> {
    pub(super) fn new(admission: Admission, ws: WebSocketUpgrade) -> Self {
        Self {
            admission,
            ws,
            gate: PhantomData,
        }
    }

    /// Completes the upgrade echoing the application protocol (never the token entry) and
    /// hands the socket and the [`Admission`] to `serve`.
    pub fn on_upgrade<F, Fut>(self, serve: F) -> Response
    where
        F: FnOnce(WebSocket, Admission) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let admission = self.admission;
        self.ws
            .protocols([admission.echo.clone()])
            .on_upgrade(move |socket| serve(socket, admission))
    }
}

impl<S, O, R, A> FromRequestParts<S> for Admitted<AttachGate<O, R, A>>
where
    Arc<AttachGate<O, R, A>>: FromRef<S>,
    S: Send + Sync,
    O: OwnershipStore,
    R: ReplayStore,
    A: AuditSink,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ws = WebSocketUpgrade::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let ids = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|Path((s, c))| Some((SessionId::new(s).ok()?, ChatId::new(c).ok()?)));
        let Some((session, chat)) = ids else {
            return Err(Error::NotPermitted.into_response_uniform());
        };
        let gate = <Arc<AttachGate<O, R, A>>>::from_ref(state);
        let admission = gate
            .admit(&parts.headers, &session, &chat)
            .await
            .map_err(Error::into_response_uniform)?;
        Ok(Self::new(admission, ws))
    }
}
