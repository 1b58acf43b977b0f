//! Feature-gated parts: the socket adapters end to end and QR rendering.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

#[cfg(feature = "tokio-tungstenite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapter_over_loopback_websocket() {
    use bosso_e2ee::DaemonKeyPair;
    use bosso_e2ee::socket::SocketConfig;
    use bosso_e2ee::ws::SecureSocket;

    let keys = DaemonKeyPair::generate();
    let public = *keys.public();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let daemon = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let config = SocketConfig::default();
        let mut s = SecureSocket::accept_tcp(tcp, &keys, &config).await.unwrap();
        let msg = s.recv().await.unwrap();
        s.send(&[msg.as_slice(), b" ack"].concat()).await.unwrap();
        let end = s.recv().await;
        (s.channel_binding(), end)
    });
    let url = format!("ws://{addr}");
    let mut c = SecureSocket::connect_url(url, &public, &SocketConfig::default())
        .await
        .unwrap();
    c.send(b"status").await.unwrap();
    assert_eq!(c.recv().await.unwrap(), b"status ack");
    let binding = c.channel_binding();
    c.close().await.unwrap();
    let (daemon_binding, end) = daemon.await.unwrap();
    assert_eq!(binding, daemon_binding);
    assert!(matches!(end, Err(bosso_e2ee::Error::ClosedByPeer)));
}

#[cfg(feature = "qr")]
#[test]
fn qr_text_and_png() {
    use bosso_e2ee::{DaemonKeyPair, PairingOffer, ServerId};
    let keys = DaemonKeyPair::generate();
    let offer = PairingOffer::new(
        ServerId::generate().unwrap(),
        *keys.public(),
        "relay.example:443",
    )
    .unwrap();
    let text = offer.to_qr_text("https://app.example").unwrap();
    assert!(text.lines().count() > 20);
    assert!(text.contains('█') || text.contains('▀') || text.contains('▄'));
    let png = offer.to_qr_png("https://app.example").unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // Decode with the png crate: square, grayscale, only black and white, with dark modules.
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.width, info.height);
    assert!(
        buf[..info.buffer_size()]
            .iter()
            .all(|p| *p == 0 || *p == 255)
    );
    assert!(buf.contains(&0));
}

#[cfg(all(feature = "axum", feature = "tokio-tungstenite"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_daemon_adapter_over_loopback() {
    use std::sync::Arc;

    use axum::extract::ws::WebSocketUpgrade;
    use bosso_e2ee::axum_ws::bounded_upgrade;
    use bosso_e2ee::socket::{Secure, SocketConfig};
    use bosso_e2ee::ws::SecureSocket;
    use bosso_e2ee::{AxumSecureSocket, DaemonKeyPair};

    let keys = Arc::new(DaemonKeyPair::generate());
    let public = *keys.public();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let done_tx = Arc::new(std::sync::Mutex::new(Some(done_tx)));
    let app = axum::Router::new().route(
        "/ws",
        axum::routing::get(move |up: WebSocketUpgrade| {
            let keys = Arc::clone(&keys);
            let done_tx = Arc::clone(&done_tx);
            async move {
                let config = SocketConfig::default();
                bounded_upgrade::<Secure>(up, &config).on_upgrade(move |socket| async move {
                    let mut s = AxumSecureSocket::accept(socket, &keys).await.unwrap();
                    let msg = s.recv().await.unwrap();
                    s.send(&[b"axum: ".as_slice(), &msg].concat())
                        .await
                        .unwrap();
                    let end = s.recv().await;
                    let binding = s.channel_binding();
                    if let Some(tx) = done_tx.lock().unwrap().take() {
                        let _ =
                            tx.send((binding, matches!(end, Err(bosso_e2ee::Error::ClosedByPeer))));
                    }
                })
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let url = format!("ws://{addr}/ws");
    let mut c = SecureSocket::connect_url(url, &public, &SocketConfig::default())
        .await
        .unwrap();
    c.send(b"hi").await.unwrap();
    assert_eq!(c.recv().await.unwrap(), b"axum: hi");
    let binding = c.channel_binding();
    c.close().await.unwrap();
    let (daemon_binding, ended) = done_rx.await.unwrap();
    assert_eq!(binding, daemon_binding);
    assert!(ended);
}
