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
use bosso_auth::gate::{AttachGate, TrustedPrincipal};
use bosso_auth::host::{HostPolicy, OriginPolicy};
use bosso_auth::ownership::MemoryOwnershipStore;
use bosso_token::*;
use futures_util::StreamExt;
use secrecy::ExposeSecret;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Gate = AttachGate<MemoryOwnershipStore, MemoryReplayStore>;

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
        AttachGate::builder(
            AttachMinter::new(ring.active().clone(), aud.clone()),
            AttachVerifier::new(ring.verification_keys(), aud),
            store,
            MemoryReplayStore::new(),
        )
        .origins(OriginPolicy::exact(["http://localhost"]).unwrap())
        .hosts(HostPolicy::local())
        .protocols(["bosso-term.v1"])
        .build()
        .unwrap(),
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

/// Serves the attach route on a fresh loopback port.
async fn serve(gate: Arc<Gate>) -> u16 {
    let app = Router::new()
        .route("/attach/{session}/{chat}", get(attach))
        .with_state(gate);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

async fn token_for_alice(gate: &Gate) -> AttachToken {
    let alice = TrustedPrincipal::assert_verified(UserId::new("alice").unwrap());
    gate.issue(
        &alice,
        SessionId::new("s").unwrap(),
        ChatId::new("c").unwrap(),
        Permission::Editor,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn upgrade_echoes_app_protocol_refuses_replay_and_is_cut() {
    let gate = gate();
    let port = serve(gate.clone()).await;
    let token = token_for_alice(&gate).await;
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

/// Sends `host_lines` and a valid upgrade for `token` over a raw TCP connection (no client
/// library would send two Host lines) and returns the status code and, for a refusal, the body.
async fn raw_upgrade(port: u16, host_lines: &[&str], token: &AttachToken) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let offer = subprotocol::client_header_value("bosso-term.v1", token).unwrap();
    let mut req = String::from("GET /attach/s/c HTTP/1.1\r\n");
    for h in host_lines {
        req.push_str(&format!("Host: {h}\r\n"));
    }
    req.push_str(&format!(
        "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://localhost\r\n\
         Sec-WebSocket-Protocol: {}\r\n\r\n",
        offer.expose_secret()
    ));
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    conn.write_all(req.as_bytes()).await.unwrap();
    // Read the head, then a body if the head announces one; a 101 has none.
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 1024];
        let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "connection closed before a response head");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let mut chunk = [0u8; 1024];
        let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "connection closed inside the body");
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8(buf[head_end..head_end + len].to_vec()).unwrap();
    (status, body)
}

#[tokio::test]
async fn two_host_lines_get_400_from_the_gate_through_a_real_server() {
    let gate = gate();
    let port = serve(gate.clone()).await;
    let here = format!("127.0.0.1:{port}");
    let token = token_for_alice(&gate).await;
    // hyper hands both lines to the handler; the gate refuses with its uniform 400 body
    // (an extractor rejection would carry a different body).
    for lines in [
        [here.as_str(), "evil.example"],
        ["evil.example", here.as_str()],
        [here.as_str(), here.as_str()],
    ] {
        let (status, body) = raw_upgrade(port, &lines, &token).await;
        assert_eq!((status, body.as_str()), (400, "Bad Request"), "{lines:?}");
    }
    // The same raw request with one Host line is admitted, so the 400 above was the Host rule;
    // the refusals did not burn the token.
    let (status, _) = raw_upgrade(port, &[here.as_str()], &token).await;
    assert_eq!(status, 101);
}
