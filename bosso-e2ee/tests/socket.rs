//! Socket adapters over real loopback WebSockets: tokio-tungstenite on both ends, and an axum
//! daemon (feature `axum`), in both modes. Full duplex, handshake deadline, message bound,
//! cuts, and paseo's hello handling.
#![cfg(feature = "tokio-tungstenite")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use bosso_e2ee::paseo::{self, PaseoLimits, READY_JSON, Received};
use bosso_e2ee::socket::{Mode, Paseo, Secure, Socket, SocketConfig};
use bosso_e2ee::ws::{ClientStream, PaseoSocket, SecureSocket, websocket_config};
use bosso_e2ee::{ClientHandshake, Error, MAX_PAYLOAD_LEN};
use common::socket::{
    Cut, Daemon, Side, TestMode, VIAS, bounded, close_code, daemon, frame_header, next_raw,
    one_connection, raw_client,
};
use futures_util::SinkExt as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_tungstenite::tungstenite::Message;

const BINARY: u8 = 2;
const TEXT: u8 = 1;

/// Paseo limits small enough that a frame at the bound is cheap to build in a debug test.
fn small_paseo() -> SocketConfig {
    SocketConfig::default().with_paseo_limits(PaseoLimits::new(100_000, 4096).unwrap())
}

fn largest_payload<M: Mode>(config: &SocketConfig) -> usize {
    if M::max_message_len(config) == Secure::max_message_len(config) {
        MAX_PAYLOAD_LEN
    } else {
        config.paseo_limits().max_payload_len()
    }
}

/// A writer task streams messages while a reader task receives their echoes at the same time,
/// on both ends (the daemon echoes through its own split halves). The largest message makes
/// a frame of exactly the WebSocket bound, so the bound is not one byte too tight.
async fn full_duplex<M: TestMode>(via: common::socket::Via, config: SocketConfig) {
    let mut d = daemon::<M>(via, config).await;
    let socket = Socket::<ClientStream, M>::connect_url(d.url(), d.keys.public(), &config)
        .await
        .unwrap();
    assert_eq!(d.report().await.unwrap(), ());
    let largest = largest_payload::<M>(&config);
    let messages: Vec<Vec<u8>> = (0..200usize)
        .map(|i| vec![u8::try_from(i % 251).unwrap(); (i * 997) % 20_000])
        .chain([vec![7; largest]])
        .collect();
    let (mut tx, mut rx) = socket.split();
    let expected = messages.clone();
    let reader = tokio::spawn(async move {
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(&rx.recv().await.unwrap(), want, "message {i}");
        }
        rx
    });
    let writer = tokio::spawn(async move {
        for msg in &messages {
            tx.send(msg).await.unwrap();
        }
        tx
    });
    let tx = bounded("writer", writer).await.unwrap();
    let _rx = bounded("reader", reader).await.unwrap();
    tx.close().await.unwrap();
    let end = d.report().await;
    if M::max_message_len(&config) == Secure::max_message_len(&config) {
        assert!(matches!(end, Err(Error::ClosedByPeer)), "{end:?}");
    } else {
        // Paseo has no authenticated close: the WebSocket close ends the stream.
        assert!(matches!(end, Err(Error::Transport(_))), "{end:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_duplex_echo_with_a_writer_task_and_a_reader_task() {
    for &via in VIAS {
        full_duplex::<Secure>(via, SocketConfig::default()).await;
        full_duplex::<Paseo>(via, small_paseo()).await;
    }
}

async fn silent_client<M: TestMode>(via: common::socket::Via) {
    let config = SocketConfig::default().with_handshake_deadline(Duration::from_millis(200));
    let mut d = daemon::<M>(via, config).await;
    // Upgrades, then never sends a hello.
    let mut ws = raw_client(&d.url()).await;
    assert!(matches!(d.report().await, Err(Error::HandshakeTimeout)));
    assert_eq!(close_code(&mut ws).await, Some(1008), "{via:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_recv_loses_nothing() {
    let config = SocketConfig::default();
    for &via in VIAS {
        let d = daemon::<Secure>(via, config).await;
        let mut s = SecureSocket::connect_url(d.url(), d.keys.public(), &config)
            .await
            .unwrap();
        // Nothing to receive yet: the recv future is dropped while it waits.
        assert!(
            tokio::time::timeout(Duration::from_millis(50), s.recv())
                .await
                .is_err()
        );
        s.send(b"after a dropped recv").await.unwrap();
        assert_eq!(
            bounded("recv", s.recv()).await.unwrap(),
            b"after a dropped recv"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_client_is_closed_at_the_handshake_deadline() {
    for &via in VIAS {
        silent_client::<Secure>(via).await;
        silent_client::<Paseo>(via).await;
    }
}

#[tokio::test(start_paused = true)]
async fn the_default_handshake_deadline_is_ten_seconds() {
    // In-memory pipe, so the paused clock only moves when every task waits.
    let (server_io, _silent_client) = tokio::io::duplex(1 << 16);
    let config = SocketConfig::default();
    let ws = tokio_tungstenite::WebSocketStream::from_raw_socket(
        server_io,
        tokio_tungstenite::tungstenite::protocol::Role::Server,
        Some(websocket_config::<Secure>(&config)),
    )
    .await;
    let keys = bosso_e2ee::DaemonKeyPair::generate();
    let start = tokio::time::Instant::now();
    let out = Socket::<_, Secure>::accept(ws, &keys).await;
    assert!(matches!(out, Err(Error::HandshakeTimeout)));
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(10) && waited < Duration::from_secs(11),
        "{waited:?}"
    );
}

/// A frame header announcing one byte more than the bound, and no payload: a daemon that
/// waited for the payload (to buffer it and check it later) would wait forever.
async fn oversized_hello<M: TestMode>(via: common::socket::Via, opcode: u8) {
    let config = SocketConfig::default();
    let mut d = daemon::<M>(via, config).await;
    let ws = raw_client(&d.url()).await;
    let mut tcp = ws.into_inner();
    let over = u64::try_from(M::max_message_len(&config)).unwrap() + 1;
    tcp.write_all(&frame_header(opcode, over)).await.unwrap();
    assert!(
        matches!(d.report().await, Err(Error::Transport(_))),
        "{via:?}"
    );
    // The daemon dropped the connection.
    let mut sink = Vec::new();
    let _ = bounded("daemon closes", tcp.read_to_end(&mut sink)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_message_is_refused_from_its_header() {
    for &via in VIAS {
        oversized_hello::<Secure>(via, BINARY).await;
        oversized_hello::<Paseo>(via, TEXT).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_message_on_an_open_channel_is_refused_from_its_header() {
    for &via in VIAS {
        let mut d = daemon::<Secure>(via, SocketConfig::default()).await;
        let mut ws = raw_client(&d.url()).await;
        let (hs, hello) = ClientHandshake::start(d.keys.public()).unwrap();
        ws.send(Message::Binary(hello.into())).await.unwrap();
        let ready = next_raw(&mut ws).await.into_data();
        let (_channel, confirm) = hs.read_ready(&ready).unwrap();
        ws.send(Message::Binary(confirm.into())).await.unwrap();
        assert_eq!(d.report().await.unwrap(), ());
        let mut tcp = ws.into_inner();
        tcp.write_all(&frame_header(BINARY, 65_538)).await.unwrap();
        assert!(matches!(d.report().await, Err(Error::Transport(_))));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_without_the_bound_is_refused() {
    let config = SocketConfig::default();
    let d = daemon::<Secure>(common::socket::Via::Tungstenite, config).await;
    let key = d.keys.public();
    let ws = |bound| tokio_tungstenite::connect_async_with_config(d.url(), bound, true);
    // None: tokio-tungstenite's defaults (64 MiB messages). The paseo bound is far above the
    // secure one, so a paseo-bounded WebSocket is refused too.
    for bound in [None, Some(websocket_config::<Paseo>(&config))] {
        let out = SecureSocket::connect(ws(bound).await.unwrap().0, key).await;
        assert!(matches!(out, Err(Error::InvalidLimits(_))), "{out:?}");
    }
    let out = PaseoSocket::connect(ws(None).await.unwrap().0, key).await;
    assert!(matches!(out, Err(Error::InvalidLimits(_))), "{out:?}");
    // Built with websocket_config: accepted, and the channel works.
    let bounded_ws = ws(Some(websocket_config::<Secure>(&config)))
        .await
        .unwrap()
        .0;
    let mut s = SecureSocket::connect(bounded_ws, key).await.unwrap();
    s.send(b"bounded").await.unwrap();
    assert_eq!(s.recv().await.unwrap(), b"bounded");
}

/// A client socket whose daemon completes the handshake and then never reads or writes.
async fn stalled_peer<M: TestMode>() -> Socket<ClientStream, M> {
    let config = SocketConfig::default();
    let (url, public, _daemon) = one_connection(move |tcp, keys| async move {
        let side = Side {
            keys: Arc::new(keys),
            ..Side::new(config)
        };
        let socket = M::accept_tcp(tcp, side).await;
        std::future::pending::<()>().await;
        drop(socket);
    })
    .await;
    Socket::<ClientStream, M>::connect_url(url, &public, &config)
        .await
        .unwrap()
}

/// Sends until a send has not completed for 300 ms: the TCP buffers towards the stalled peer
/// are full.
async fn fill_until_blocked<M: TestMode>(
    tx: &mut bosso_e2ee::socket::SocketSender<ClientStream, M>,
) {
    let chunk = vec![0u8; 60_000];
    while tokio::time::timeout(Duration::from_millis(300), tx.send(&chunk))
        .await
        .is_ok()
    {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_dropped_midway_closes_the_channel() {
    let (mut tx, _rx) = stalled_peer::<Secure>().await.split();
    // The last send was dropped by the timeout, its frame sealed but maybe not sent whole.
    fill_until_blocked(&mut tx).await;
    let next = bounded("send after a dropped send", tx.send(b"x")).await;
    assert!(matches!(next, Err(Error::ChannelClosed)), "{next:?}");
}

/// The peer never reads, so the writer ends up blocked in `send` with full TCP buffers; the
/// reader waits in `recv`. One cut ends both, and the channel stays closed.
async fn cut_both_halves<M: TestMode>() {
    let socket = stalled_peer::<M>().await;
    let (cut_tx, cut) = Cut::new();
    let (mut tx, mut rx) = socket.split();
    let reader_cut = cut.clone();
    let reader = tokio::spawn(async move { rx.recv_until(reader_cut.cut()).await });
    let (sent_tx, mut sent) = tokio::sync::mpsc::unbounded_channel();
    let writer = tokio::spawn(async move {
        let chunk = vec![0u8; 60_000];
        loop {
            if let Err(e) = tx.send_until(&chunk, cut.cut()).await {
                return (tx, e);
            }
            let _ = sent_tx.send(());
        }
    });
    // Wait until sends stop completing: the writer is blocked on the peer.
    loop {
        match tokio::time::timeout(Duration::from_millis(300), sent.recv()).await {
            Ok(Some(())) => {}
            Ok(None) => panic!("writer ended before the cut"),
            Err(_) => break,
        }
    }
    cut_tx.send(true).unwrap();
    let (mut tx, sent_err) = bounded("writer after cut", writer).await.unwrap();
    assert!(matches!(sent_err, Error::Cancelled), "{sent_err:?}");
    let read = bounded("reader after cut", reader).await.unwrap();
    assert!(matches!(read, Err(Error::Cancelled)), "{read:?}");
    assert!(matches!(tx.send(b"after").await, Err(Error::ChannelClosed)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_ends_a_blocked_writer_and_a_waiting_reader() {
    cut_both_halves::<Secure>().await;
    cut_both_halves::<Paseo>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_in_the_receiver_closes_the_sender() {
    let (url, public, _daemon) = one_connection(|tcp, keys| async move {
        // A daemon speaking the core by hand, then a text frame secure mode never carries.
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let hello = next_raw(&mut ws).await.into_data();
        let (pending, ready) = bosso_e2ee::DaemonHandshake::new(&keys)
            .respond(&hello)
            .unwrap();
        ws.send(Message::Binary(ready.into())).await.unwrap();
        let confirm = next_raw(&mut ws).await.into_data();
        let _channel = pending.read_confirm(&confirm).unwrap();
        ws.send(Message::Text("not binary".into())).await.unwrap();
        std::future::pending::<()>().await;
    })
    .await;
    let socket = SecureSocket::connect_url(url, &public, &SocketConfig::default())
        .await
        .unwrap();
    let (mut tx, mut rx) = socket.split();
    let out = bounded("recv", rx.recv()).await;
    assert!(matches!(out, Err(Error::UnexpectedFrame(_))), "{out:?}");
    assert!(matches!(tx.send(b"x").await, Err(Error::ChannelClosed)));
}

/// A paseo daemon, and a raw client whose hello it accepted: the client's handshake (ready
/// already checked), its hello text and its WebSocket.
async fn paseo_opened(
    via: common::socket::Via,
) -> (
    Daemon,
    paseo::ClientHandshake,
    String,
    common::socket::TcpWs,
) {
    let mut d = daemon::<Paseo>(via, SocketConfig::default()).await;
    let client = paseo::ClientHandshake::start(d.keys.public()).unwrap();
    let hello = client.hello().to_owned();
    let mut ws = raw_client(&d.url()).await;
    ws.send(Message::Text(hello.clone().into())).await.unwrap();
    assert_eq!(d.report().await.unwrap(), ());
    let ready = next_raw(&mut ws).await.into_text().unwrap();
    assert_eq!(ready.as_str(), READY_JSON);
    (d, client, hello, ws)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paseo_hello_replayed_on_a_new_connection_is_refused_by_the_shared_guard() {
    for &via in VIAS {
        let (mut d, _client, hello, _first) = paseo_opened(via).await;
        // The relay replays the recorded hello on a second connection.
        let mut replay = raw_client(&d.url()).await;
        replay.send(Message::Text(hello.into())).await.unwrap();
        assert!(matches!(d.report().await, Err(Error::HelloReplayed)));
        assert_eq!(close_code(&mut replay).await, Some(1011));
        // One key: the first hello. The refused replay added nothing.
        assert_eq!(d.hellos.len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paseo_repeated_hello_on_an_open_channel_gets_ready_again() {
    for &via in VIAS {
        let (_d, client, hello, mut ws) = paseo_opened(via).await;
        let mut channel = client.read_ready(READY_JSON).unwrap();
        ws.send(Message::Text(hello.into())).await.unwrap();
        let again = next_raw(&mut ws).await.into_text().unwrap();
        assert_eq!(again.as_str(), READY_JSON);
        let frame = channel.seal(b"still open").unwrap();
        ws.send(Message::Text(frame.into())).await.unwrap();
        let echo = next_raw(&mut ws).await.into_text().unwrap();
        assert_eq!(
            channel.open(echo.as_str()).unwrap(),
            Received::Data(b"still open".to_vec())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paseo_client_repeats_its_hello_until_ready() {
    let (url, public, daemon) = one_connection(|tcp, keys| async move {
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let first = next_raw(&mut ws).await.into_text().unwrap();
        // Ignored, as by a relay whose daemon was not connected yet.
        let second = next_raw(&mut ws).await.into_text().unwrap();
        let guard = paseo::HelloReplayGuard::default();
        let (mut channel, ready) = paseo::DaemonHandshake::new(&keys, &guard)
            .read_hello(second.as_str())
            .unwrap();
        ws.send(Message::Text(ready.into())).await.unwrap();
        let frame = next_raw(&mut ws).await.into_text().unwrap();
        (first == second, channel.open(frame.as_str()).unwrap())
    })
    .await;
    let config = SocketConfig::default().with_hello_resend(Duration::from_millis(50));
    let mut socket = PaseoSocket::connect_url(url, &public, &config)
        .await
        .unwrap();
    socket.send(b"after two hellos").await.unwrap();
    let (same, got) = bounded("daemon", daemon).await.unwrap();
    assert!(same, "the repeated hello is the same hello");
    assert_eq!(got, Received::Data(b"after two hellos".to_vec()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secure_binding_is_the_same_on_both_ends() {
    let (url, public, daemon) = one_connection(|tcp, keys| async move {
        let s = SecureSocket::accept_tcp(tcp, &keys, &SocketConfig::default())
            .await
            .unwrap();
        let (tx, rx) = s.split();
        (tx.channel_binding(), rx.channel_binding())
    })
    .await;
    let socket = SecureSocket::connect_url(url, &public, &SocketConfig::default())
        .await
        .unwrap();
    let (tx_binding, rx_binding) = bounded("daemon", daemon).await.unwrap();
    assert_eq!(socket.channel_binding(), tx_binding);
    assert_eq!(socket.channel_binding(), rx_binding);
    // Debug shows the mode, never keys.
    assert_eq!(format!("{socket:?}"), r#"Socket { mode: "secure", .. }"#);
}

#[cfg(feature = "axum")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_axum_nodelay_listener_sets_tcp_nodelay() {
    use axum::serve::Listener as _;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut listener = bosso_e2ee::axum_ws::nodelay(listener);
    let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (tcp, _) = bounded("accept", listener.accept()).await;
    assert!(tcp.nodelay().unwrap());
}
