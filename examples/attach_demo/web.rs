//! The web service (HTTPS/WSS): issues attach tokens after OIDC + ownership, admits WebSocket
//! upgrades through the gate, and relays opaque end-to-end-encrypted frames to the daemon.
//! The relay is untrusted by design: it never holds a key, and it can be told to misbehave.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bosso::auth::gate::{Admission, AttachGate};
use bosso::auth::oidc::{HttpsJwksSource, JwksCache};
use bosso::token::{ChatId, DaemonId, MemoryReplayStore, Permission, SessionId};
use serde_json::json;
use tokio::sync::mpsc;

use super::sqlite::SqliteOwnership;

pub type Gate = AttachGate<Arc<SqliteOwnership>, MemoryReplayStore>;

/// A view's frames between the relay and the daemon: opaque bytes both ways.
pub struct Pipe {
    pub to_client: mpsc::UnboundedSender<Vec<u8>>,
    pub from_client: mpsc::UnboundedReceiver<Vec<u8>>,
}

pub const HONEST: u8 = 0;
pub const REPLAY: u8 = 1;
pub const REORDER: u8 = 2;

#[derive(Default)]
pub struct Relay {
    daemons: Mutex<HashMap<DaemonId, mpsc::UnboundedSender<Pipe>>>,
    /// What the (untrusted) relay does to the next client frames.
    pub tamper: AtomicU8,
}

impl Relay {
    pub fn register_daemon(&self, id: DaemonId, pipes: mpsc::UnboundedSender<Pipe>) {
        if let Ok(mut d) = self.daemons.lock() {
            d.insert(id, pipes);
        }
    }

    async fn pipe(self: Arc<Self>, mut socket: WebSocket, admission: Admission) {
        let daemon = self
            .daemons
            .lock()
            .ok()
            .and_then(|d| d.get(admission.view.daemon()).cloned());
        let Some(daemon) = daemon else {
            let _ = socket.send(Message::Close(None)).await;
            return;
        };
        let (to_daemon, from_client) = mpsc::unbounded_channel();
        let (to_client, mut from_daemon) = mpsc::unbounded_channel();
        if daemon
            .send(Pipe {
                to_client,
                from_client,
            })
            .is_err()
        {
            return;
        }
        let mut held: Option<Vec<u8>> = None;
        loop {
            tokio::select! {
                _ = admission.view.cut() => {
                    tracing::info!(daemon = %admission.view.daemon(), "relay: daemon offline, cutting live view");
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
                msg = socket.recv() => match msg {
                    Some(Ok(Message::Binary(frame))) => {
                        let frame = frame.to_vec();
                        match self.tamper.swap(HONEST, Ordering::SeqCst) {
                            REPLAY => {
                                tracing::warn!("relay (malicious): replaying a client frame");
                                let _ = to_daemon.send(frame.clone());
                                let _ = to_daemon.send(frame);
                            }
                            REORDER if held.is_none() => {
                                // Hold this frame; the next one overtakes it.
                                self.tamper.store(REORDER, Ordering::SeqCst);
                                held = Some(frame);
                            }
                            _ => {
                                if let Some(first) = held.take() {
                                    tracing::warn!("relay (malicious): delivering two frames in swapped order");
                                    let _ = to_daemon.send(frame);
                                    let _ = to_daemon.send(first);
                                } else {
                                    let _ = to_daemon.send(frame);
                                }
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
                out = from_daemon.recv() => match out {
                    Some(frame) => {
                        if socket.send(Message::Binary(frame.into())).await.is_err() {
                            break;
                        }
                    }
                    None => {
                        let _ = socket.send(Message::Close(None)).await;
                        break;
                    }
                },
            }
        }
    }
}

pub struct Web {
    pub gate: Gate,
    pub oidc: JwksCache<HttpsJwksSource>,
    pub relay: Arc<Relay>,
}

pub fn router(web: Arc<Web>) -> axum::Router {
    // The gate's own Host/Origin policies guard the POST that receives the bearer JWT too.
    let guarded = axum::Router::new()
        .route("/attach-token", post(issue))
        .route_layer(web.gate.host_layer())
        .route_layer(web.gate.origin_layer());
    axum::Router::new()
        .route("/ws/{session}/{chat}", get(attach))
        .merge(guarded)
        .with_state(web)
}

#[derive(serde::Deserialize)]
struct IssueRequest {
    session: String,
    chat: String,
}

async fn issue(State(web): State<Arc<Web>>, headers: HeaderMap, body: String) -> Response {
    // Logged on purpose: bosso-redact must scrub the JWT from the log.
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    tracing::info!(
        authorization = bearer.unwrap_or(""),
        "web: POST /attach-token"
    );
    let principal = match bosso::auth::axum::authenticate(&web.oidc, &headers).await {
        Ok(p) => p,
        Err(refusal) => {
            tracing::info!(error = %refusal.error(), "web: access token refused");
            return refusal.into_response();
        }
    };
    let Ok(req) = serde_json::from_str::<IssueRequest>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let (Ok(session), Ok(chat)) = (SessionId::new(req.session), ChatId::new(req.chat)) else {
        return bosso::auth::Error::NotPermitted.into_response_uniform();
    };
    match web
        .gate
        .issue(&principal, session, chat, Permission::Editor)
        .await
    {
        Ok(token) => {
            tracing::info!("web: issued attach token {}", token.expose_secret());
            Json(json!({"token": token.expose_secret()})).into_response()
        }
        Err(e) => {
            tracing::info!(user = %principal.subject(), error = %e, "web: attach token refused");
            e.into_response_uniform()
        }
    }
}

async fn attach(
    State(web): State<Arc<Web>>,
    Path((session, chat)): Path<(String, String)>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let (Ok(session), Ok(chat)) = (SessionId::new(session), ChatId::new(chat)) else {
        return bosso::auth::Error::NotPermitted.into_response_uniform();
    };
    let relay = web.relay.clone();
    bosso::auth::axum::upgrade(
        &web.gate,
        ws,
        &headers,
        &session,
        &chat,
        move |socket, admission| {
            tracing::info!(user = %admission.claims.user(), "web: admitted");
            relay.pipe(socket, admission)
        },
    )
    .await
}
