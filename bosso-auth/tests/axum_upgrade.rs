//! The gate behind a real axum server on loopback, with a real WebSocket client.
#![cfg(feature = "axum")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::get;
use bosso_auth::gate::{AttachGate, Authenticated};
use bosso_auth::host::{HostPolicy, OriginPolicy};
use bosso_auth::ownership::MemoryOwnershipStore;
use bosso_token::*;
use futures_util::StreamExt;
use secrecy::ExposeSecret;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Gate = AttachGate<MemoryOwnershipStore, MemoryReplayStore>;

struct User(UserId);
impl Authenticated for User {
    fn user(&self) -> &UserId {
        &self.0
    }
}

async fn attach(
    State(gate): State<Arc<Gate>>,
    Path((session, chat)): Path<(String, String)>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> axum::response::Response {
    let (Ok(session), Ok(chat)) = (SessionId::new(session), ChatId::new(chat)) else {
        return bosso_auth::Error::NotPermitted.into_response_uniform();
    };
    bosso_auth::axum::upgrade(
        &gate,
        ws,
        &headers,
        &session,
        &chat,
        |mut socket, admission| async move {
            let _ = socket.send(Message::Text("hello".into())).await;
            admission.view.cut().await;
            let _ = socket.send(Message::Close(None)).await;
        },
    )
    .await
}

fn gate() -> Arc<Gate> {
    let ring = KeyRing::new(SigningKey::generate_ed25519(KeyId::new("k").unwrap()).unwrap());
    let aud = Audience::new("bosso").unwrap();
    let store = MemoryOwnershipStore::new();
    let (alice, d) = (UserId::new("alice").unwrap(), DaemonId::new("d").unwrap());
    store.set_daemon(&alice, &d, Some(InstanceId::new("r1").unwrap()));
    store.set_session(
        &alice,
        &d,
        &SessionId::new("s").unwrap(),
        vec![ChatId::new("c").unwrap()],
    );
    Arc::new(
        AttachGate::new(
            Minter::new(ring.active().clone(), aud.clone()),
            Verifier::new(ring.verification_keys(), aud),
            store,
            MemoryReplayStore::new(),
        )
        .with_origins(OriginPolicy::exact(["http://localhost"]).unwrap())
        .with_hosts(HostPolicy::local())
        .with_protocols(["bosso-term.v1"]),
    )
}

fn request(
    port: u16,
    token: &AttachToken,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut req = format!("ws://127.0.0.1:{port}/attach/s/c")
        .into_client_request()
        .unwrap();
    let v = subprotocol::client_header_value("bosso-term.v1", token).unwrap();
    req.headers_mut()
        .insert("sec-websocket-protocol", v.expose_secret().parse().unwrap());
    req.headers_mut()
        .insert("origin", "http://localhost".parse().unwrap());
    req
}

#[tokio::test]
async fn upgrade_echoes_app_protocol_refuses_replay_and_is_cut() {
    let gate = gate();
    let app = Router::new()
        .route("/attach/{session}/{chat}", get(attach))
        .with_state(gate.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let alice = User(UserId::new("alice").unwrap());
    let token = gate
        .issue(
            &alice,
            SessionId::new("s").unwrap(),
            ChatId::new("c").unwrap(),
            Permission::Editor,
        )
        .await
        .unwrap();
    let (mut ws, resp) = tokio_tungstenite::connect_async(request(port, &token))
        .await
        .unwrap();
    let echoed = resp
        .headers()
        .get("sec-websocket-protocol")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(echoed, "bosso-term.v1");
    let first = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(first.into_text().unwrap().as_str(), "hello");

    // The same token again: the upgrade is refused with 401 and no detail.
    let err = tokio_tungstenite::connect_async(request(port, &token))
        .await
        .unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(r) => assert_eq!(r.status(), 401),
        other => panic!("expected an HTTP refusal, got {other:?}"),
    }

    // The daemon goes offline: the live connection is closed at once.
    assert_eq!(gate.daemon_offline(&DaemonId::new("d").unwrap()), 1);
    let next = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .unwrap();
    assert!(matches!(
        next,
        Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) | None
    ));
}
