//! The browser client package (`clients/js`, `@bosso/client`) against the Rust side: its
//! sessions over real WebSockets on 127.0.0.1 to the Rust daemon (secure, paseo, and the
//! in-channel attach record checked by `attach::AwaitingAttach`), its run of the committed
//! vectors, and a differential test of the two pairing-offer parsers. Needs `node` and
//! `npm ci` in clients/js; without them the tests print why and pass, except under CI=true
//! where they fail.
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
use bosso_e2ee::{DaemonHandshake, DaemonKeyPair, Error, PairingOffer};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

fn js_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../clients/js"))
}

/// Whether node and the package's installed dependencies are present (else skip, or fail
/// under CI).
fn node_ready() -> bool {
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return common::require_or_skip("node");
    }
    if !js_dir().join("node_modules/@noble/curves").is_dir() {
        return common::require_or_skip("clients/js/node_modules (run `npm ci` in clients/js)");
    }
    true
}

fn spawn_node(script: &str, args: &[String]) -> tokio::process::Child {
    tokio::process::Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(js_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// A loopback listener, its ws:// URL, and the client script started against it.
async fn daemon_and_client(
    script: &str,
    key_arg: String,
) -> (WebSocketStream<TcpStream>, tokio::process::Child) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let child = spawn_node(script, &[url, key_arg]);
    let (tcp, _) = listener.accept().await.unwrap();
    (tokio_tungstenite::accept_async(tcp).await.unwrap(), child)
}

async fn next_msg(ws: &mut WebSocketStream<TcpStream>) -> Message {
    loop {
        match ws.next().await.unwrap().unwrap() {
            Message::Ping(_) | Message::Pong(_) => {}
            m => return m,
        }
    }
}

async fn next_binary(ws: &mut WebSocketStream<TcpStream>) -> Vec<u8> {
    match next_msg(ws).await {
        Message::Binary(b) => b.to_vec(),
        other => panic!("expected a binary message, got {other:?}"),
    }
}

/// Completes the WebSocket closing handshake (the server closes TCP first, RFC 6455 7.1.1)
/// and returns the client's stdout once it exited successfully.
async fn finish(mut ws: WebSocketStream<TcpStream>, child: tokio::process::Child) -> String {
    let _ = ws.close(None).await;
    while let Some(Ok(_)) = ws.next().await {}
    drop(ws);
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn js_package_checks_the_committed_vectors() {
    if !node_ready() {
        return;
    }
    let out = std::process::Command::new("node")
        .args(["--test", "test/vectors.test.js"])
        .current_dir(js_dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Both secure-mode vector sets (30 frames, each end), the fingerprint, and the paseo
    // known answer (present beside the repository, as CI lays it out).
    let paseo = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/paseo/relay_e2ee_v2.json"
    ));
    assert!(stdout.contains("# pass 4"), "{stdout}");
    assert!(stdout.contains("# fail 0"), "{stdout}");
    if paseo.is_file() {
        assert!(stdout.contains("# skipped 0"), "{stdout}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_mode_js_client_against_rust_daemon() {
    if !node_ready() {
        return;
    }
    let keys = DaemonKeyPair::generate();
    let (mut ws, child) = daemon_and_client(
        "interop/secure_client.mjs",
        common::hex(keys.public().as_bytes()),
    )
    .await;
    let hello = next_binary(&mut ws).await;
    let (pending, ready) = DaemonHandshake::new(&keys).respond(&hello).unwrap();
    ws.send(Message::Binary(ready.into())).await.unwrap();
    let mut channel = pending.read_confirm(&next_binary(&mut ws).await).unwrap();
    for i in 1..=3 {
        let msg = channel.open(&next_binary(&mut ws).await).unwrap();
        assert_eq!(msg, format!("ping {i}").into_bytes());
        let reply = channel.seal(format!("pong: ping {i}").as_bytes()).unwrap();
        ws.send(Message::Binary(reply.into())).await.unwrap();
    }
    let pushed = channel.seal("daemon says hi".as_bytes()).unwrap();
    ws.send(Message::Binary(pushed.into())).await.unwrap();
    let close = next_binary(&mut ws).await;
    assert!(matches!(channel.open(&close), Err(Error::ClosedByPeer)));
    let stdout = finish(ws, child).await;
    assert!(stdout.contains("pushed: daemon says hi"), "{stdout}");
    let binding = common::hex(channel.channel_binding().as_bytes());
    assert!(stdout.contains(&format!("binding: {binding}")), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paseo_mode_tweetnacl_client_against_rust_daemon() {
    if !node_ready() {
        return;
    }
    let keys = DaemonKeyPair::generate();
    let (mut ws, child) =
        daemon_and_client("interop/paseo_client.mjs", keys.public().to_base64()).await;
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
    assert!(finish(ws, child).await.contains("paseo OK"));
}

#[cfg(feature = "attach-token")]
mod attach {
    use std::sync::Arc;

    use bosso_e2ee::attach::{AwaitingAttach, channel_audience};
    use bosso_token::{
        AttachMinter, Audience, Expected, KeyId, KeyRing, MemoryReplayStore, Permission, Scope,
        SigningKey,
    };
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

    use super::*;

    /// The JS client's attach record, with a token the test mints for the audience the client
    /// printed (`minted_for` maps it: the channel's own, or another). Returns what the Rust
    /// daemon made of it and the client's stdout.
    async fn attach_with(minted_for: impl Fn(&str) -> String) -> (Result<(), Error>, String) {
        let keys = DaemonKeyPair::generate();
        let ring =
            KeyRing::new(SigningKey::generate_ed25519(KeyId::new("web-1").unwrap()).unwrap());
        let (mut ws, mut child) = daemon_and_client(
            "interop/attach_client.mjs",
            common::hex(keys.public().as_bytes()),
        )
        .await;
        let hello = next_binary(&mut ws).await;
        let (pending, ready) = DaemonHandshake::new(&keys).respond(&hello).unwrap();
        ws.send(Message::Binary(ready.into())).await.unwrap();
        let channel = pending.read_confirm(&next_binary(&mut ws).await).unwrap();
        let audience = channel_audience(&channel.channel_binding()).unwrap();

        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = stdout.next_line().await.unwrap().unwrap();
        assert_eq!(line, format!("audience: {}", audience.as_str()));
        let scope = Scope::new(
            "alice".parse().unwrap(),
            "s-1".parse().unwrap(),
            "c-1".parse().unwrap(),
            Permission::Editor,
        );
        let minter = AttachMinter::new(
            Arc::clone(ring.active()),
            Audience::new(minted_for(audience.as_str())).unwrap(),
        );
        let token = minter.mint(&scope).unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(format!("{}\n", token.expose_secret()).as_bytes())
            .await
            .unwrap();

        let awaiting = AwaitingAttach::new(channel, ring.verification_keys()).unwrap();
        let expected = Expected::chat("s-1".parse().unwrap(), "c-1".parse().unwrap());
        let first = next_binary(&mut ws).await;
        let result = match awaiting
            .open_first(&first, &expected, &MemoryReplayStore::new())
            .await
        {
            Ok((mut channel, claims)) => {
                assert_eq!(claims.user().as_str(), "alice");
                let msg = channel.open(&next_binary(&mut ws).await).unwrap();
                let reply = channel.seal(&[b"daemon got: ".as_slice(), &msg].concat());
                ws.send(Message::Binary(reply.unwrap().into()))
                    .await
                    .unwrap();
                Ok(())
            }
            Err(e) => Err(e),
        };
        drop(ws); // a refused client sees its WebSocket end without an authenticated close
        let mut rest = String::new();
        while let Ok(Some(l)) = stdout.next_line().await {
            rest.push_str(&l);
            rest.push('\n');
        }
        let _ = child.wait().await;
        (result, rest)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn js_attach_record_with_a_channel_bound_token_is_accepted() {
        if !node_ready() {
            return;
        }
        let (result, stdout) = attach_with(str::to_owned).await;
        assert!(result.is_ok(), "{result:?}");
        assert!(stdout.contains("reply: daemon got: hello"), "{stdout}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn js_attach_record_with_a_token_for_another_audience_is_refused() {
        if !node_ready() {
            return;
        }
        let (result, stdout) = attach_with(|_| "bosso".to_owned()).await;
        assert!(
            matches!(
                result,
                Err(Error::Attach(bosso_token::Error::WrongAudience))
            ),
            "{result:?}"
        );
        assert!(stdout.contains("refused: Transport"), "{stdout}");
    }
}

#[path = "node_interop/offer_cases.rs"]
mod offer_cases;

#[test]
fn js_and_rust_offer_parsers_accept_and_refuse_the_same_offers() {
    if !node_ready() {
        return;
    }
    let cases = offer_cases::generate();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("offers.json");
    std::fs::write(&path, serde_json::to_string(&cases).unwrap()).unwrap();
    let out = std::process::Command::new("node")
        .arg("interop/offer_diff.mjs")
        .arg(&path)
        .current_dir(js_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let js: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(js.len(), cases.len());
    let (mut accepted, mut mismatches) = (0, Vec::new());
    for (url, js) in cases.iter().zip(&js) {
        let rust = match PairingOffer::from_url(url) {
            Ok(o) => {
                accepted += 1;
                serde_json::json!({"ok": [o.server_id.as_str(), o.daemon_public_key.to_base64(), o.relay_endpoint]})
            }
            Err(Error::InvalidOffer(reason)) => serde_json::json!({"err": reason}),
            Err(other) => panic!("{other:?}"),
        };
        if &rust != js {
            mismatches.push(format!("{url}\n  rust {rust}\n  js   {js}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Both outcomes are exercised, not only refusals.
    assert!(accepted > 50 && accepted < cases.len() - 500, "{accepted}");
}
