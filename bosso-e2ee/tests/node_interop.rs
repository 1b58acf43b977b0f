//! The JavaScript reference clients (js/) against the Rust daemon side over a real WebSocket on
//! 127.0.0.1, plus the JS check of the committed vectors. Needs `node` and `npm ci` in js/;
//! without them the tests print why and pass, except under CI=true where they fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use std::path::PathBuf;
use std::process::Stdio;

use bosso_e2ee::paseo::{self, Received};
use bosso_e2ee::{DaemonHandshake, DaemonKeyPair, Error};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

fn js_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/js"))
}

/// Whether node and the installed JS dependencies are present (else skip, or fail under CI).
fn node_ready() -> bool {
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return common::require_or_skip("node");
    }
    if !js_dir().join("node_modules/@noble/curves").is_dir() {
        return common::require_or_skip("js/node_modules (run `npm ci` in bosso-e2ee/js)");
    }
    true
}

fn spawn_node(script: &str, args: &[String]) -> tokio::process::Child {
    tokio::process::Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(js_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[test]
fn js_implementation_checks_the_committed_vectors() {
    if !node_ready() {
        return;
    }
    let out = std::process::Command::new("node")
        .arg("check_vectors.mjs")
        .arg("../vectors/secure_v1.json")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/vectors/paseo/relay_e2ee_v2.json"
        ))
        .current_dir(js_dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("OK: 30 secure frames, the fingerprint"),
        "{stdout}"
    );
}

async fn next_msg<S>(ws: &mut tokio_tungstenite::WebSocketStream<S>) -> Message
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        match ws.next().await.unwrap().unwrap() {
            Message::Ping(_) | Message::Pong(_) => {}
            m => return m,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_mode_js_client_against_rust_daemon() {
    if !node_ready() {
        return;
    }
    let keys = DaemonKeyPair::generate();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let child = spawn_node(
        "secure_client.mjs",
        &[url, common::hex(keys.public().as_bytes())],
    );
    let (tcp, _) = listener.accept().await.unwrap();
    let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();

    let Message::Binary(hello) = next_msg(&mut ws).await else {
        panic!("expected binary hello")
    };
    let (pending, ready) = DaemonHandshake::new(&keys).respond(&hello).unwrap();
    ws.send(Message::Binary(ready.into())).await.unwrap();
    let Message::Binary(confirm) = next_msg(&mut ws).await else {
        panic!("expected confirm")
    };
    let mut channel = pending.read_confirm(&confirm).unwrap();
    for i in 1..=3 {
        let Message::Binary(frame) = next_msg(&mut ws).await else {
            panic!("expected data")
        };
        let msg = channel.open(&frame).unwrap();
        assert_eq!(msg, format!("ping {i}").into_bytes());
        let reply = channel.seal(format!("pong: ping {i}").as_bytes()).unwrap();
        ws.send(Message::Binary(reply.into())).await.unwrap();
    }
    let pushed = channel.seal("daemon says hi".as_bytes()).unwrap();
    ws.send(Message::Binary(pushed.into())).await.unwrap();
    let Message::Binary(close) = next_msg(&mut ws).await else {
        panic!("expected close frame")
    };
    assert!(matches!(channel.open(&close), Err(Error::ClosedByPeer)));

    // Complete the WebSocket closing handshake so the client exits at once.
    let _ = ws.close(None).await;
    while let Some(Ok(_)) = ws.next().await {}
    // The server closes the TCP connection first (RFC 6455 7.1.1); the client waits for it.
    drop(ws);
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("pushed: daemon says hi"), "{stdout}");
    let binding = format!(
        "binding: {}",
        common::hex(channel.channel_binding().as_bytes())
    );
    assert!(stdout.contains(&binding), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paseo_mode_tweetnacl_client_against_rust_daemon() {
    if !node_ready() {
        return;
    }
    let keys = DaemonKeyPair::generate();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let child = spawn_node("paseo_client.mjs", &[url, keys.public().to_base64()]);
    let (tcp, _) = listener.accept().await.unwrap();
    let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();

    let Message::Text(hello) = next_msg(&mut ws).await else {
        panic!("expected text hello")
    };
    let guard = paseo::HelloReplayGuard::default();
    let (mut channel, ready) = paseo::DaemonHandshake::new(&keys, &guard)
        .read_hello(hello.as_str())
        .unwrap();
    ws.send(Message::Text(ready.into())).await.unwrap();
    let mut pings = 0;
    while pings < 3 {
        let Message::Text(text) = next_msg(&mut ws).await else {
            panic!("expected text")
        };
        match channel.open(text.as_str()).unwrap() {
            Received::HelloAgain(ready) => ws.send(Message::Text(ready.into())).await.unwrap(),
            Received::Data(bytes) => {
                let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(v["type"], "ping");
                pings += 1;
                assert_eq!(v["n"], pings);
                let reply = serde_json::json!({"type": "pong", "n": pings}).to_string();
                let frame = channel.seal(reply.as_bytes()).unwrap();
                ws.send(Message::Text(frame.into())).await.unwrap();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // Complete the WebSocket closing handshake so the client exits at once.
    let _ = ws.close(None).await;
    while let Some(Ok(_)) = ws.next().await {}
    // The server closes the TCP connection first (RFC 6455 7.1.1); the client waits for it.
    drop(ws);
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("paseo OK"), "{stdout}");
}
