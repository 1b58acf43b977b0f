//! bosso-e2ee socket adapters: the first encrypted message round trip on a fresh loopback TCP
//! connection (the handshake is done, untimed; the timer covers the first `send` and the
//! `recv` of its echo), beside the limit (the same round trip as a plaintext tokio-tungstenite
//! message) and beside the same adapter with Nagle's algorithm left on, which is what
//! `tokio_tungstenite::connect_async` and `axum::serve` do: the client's key confirmation gets
//! no reply, so its first data frame waits for the daemon's delayed ACK.
//!
//! Run: `cargo bench --bench e2ee_socket --no-default-features --features e2ee-tokio-tungstenite,e2ee-axum`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

// Until the root Cargo.toml lists this bench with its required features, cargo discovers it
// with the default ones: it then builds to a stub instead of failing.
#[cfg(all(feature = "e2ee-tokio-tungstenite", feature = "e2ee-axum"))]
mod socket {
    use std::future::Future;
    use std::hint::black_box;
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use axum::extract::ws::WebSocketUpgrade;
    use bosso_e2ee::axum_ws::{bounded_upgrade, nodelay};
    use bosso_e2ee::paseo::HelloReplayGuard;
    use bosso_e2ee::socket::{Mode, Secure, Socket, SocketConfig, Transport};
    use bosso_e2ee::ws::{ClientStream, PaseoSocket, SecureSocket, websocket_config};
    use bosso_e2ee::{AxumSecureSocket, DaemonKeyPair};
    use criterion::{BenchmarkGroup, Criterion, criterion_group, measurement::WallTime};
    use futures_util::{SinkExt as _, StreamExt as _};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::runtime::Runtime;
    use tokio_tungstenite::tungstenite::Message;

    const PAYLOAD: &[u8] = b"{\"cmd\":\"status\",\"id\":1}";

    /// Runs `serve` on every connection a fresh loopback listener accepts.
    async fn listen<F, Fut>(serve: F) -> SocketAddr
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                tokio::spawn(serve(tcp));
            }
        });
        addr
    }

    /// Every daemon's connection: echo the first message, then wait for the client to go.
    async fn echo_first<W: Transport, M: Mode>(socket: bosso_e2ee::Result<Socket<W, M>>) {
        let mut s = socket.unwrap();
        let msg = s.recv().await.unwrap();
        s.send(&msg).await.unwrap();
        let _ = s.recv().await;
    }

    /// One daemon key; a daemon per configuration under test.
    struct Daemons {
        keys: Arc<DaemonKeyPair>,
        /// The limit: a plaintext echo on a NODELAY WebSocket.
        plain: SocketAddr,
        /// `accept_tcp` (NODELAY), secure and paseo.
        secure: SocketAddr,
        paseo: SocketAddr,
        /// axum, served from `axum_ws::nodelay`.
        axum: SocketAddr,
        /// What a default tokio-tungstenite server makes: Nagle left on.
        nagle: SocketAddr,
    }

    async fn daemons() -> Daemons {
        let keys = Arc::new(DaemonKeyPair::generate());
        let config = SocketConfig::default();
        let plain = listen(|tcp| async move {
            tcp.set_nodelay(true).unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            if let Some(Ok(msg)) = ws.next().await {
                ws.send(msg).await.unwrap();
            }
            let _ = ws.next().await;
        })
        .await;
        let k = Arc::clone(&keys);
        let secure = listen(move |tcp| {
            let keys = Arc::clone(&k);
            async move { echo_first(SecureSocket::accept_tcp(tcp, &keys, &config).await).await }
        })
        .await;
        // Every iteration is a new client key: room for all of them.
        let hellos = Arc::new(HelloReplayGuard::new(1 << 20, Duration::from_secs(3600)).unwrap());
        let k = Arc::clone(&keys);
        let paseo = listen(move |tcp| {
            let (keys, hellos) = (Arc::clone(&k), Arc::clone(&hellos));
            async move {
                echo_first(PaseoSocket::accept_tcp(tcp, &keys, &hellos, &config).await).await;
            }
        })
        .await;
        let k = Arc::clone(&keys);
        let nagle = listen(move |tcp| {
            let keys = Arc::clone(&k);
            async move {
                let bound = Some(websocket_config::<Secure>(&config));
                let ws = tokio_tungstenite::accept_async_with_config(tcp, bound);
                echo_first(SecureSocket::accept(ws.await.unwrap(), &keys).await).await;
            }
        })
        .await;
        let k = Arc::clone(&keys);
        let app = axum::Router::new().route(
            "/",
            axum::routing::get(move |up: WebSocketUpgrade| {
                let keys = Arc::clone(&k);
                async move {
                    bounded_upgrade::<Secure>(up, &config).on_upgrade(move |ws| async move {
                        echo_first(AxumSecureSocket::accept(ws, &keys).await).await;
                    })
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let axum = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(nodelay(listener), app).await.unwrap() });
        Daemons {
            keys,
            plain,
            secure,
            paseo,
            axum,
            nagle,
        }
    }

    /// The timed part: the first message out and its echo back.
    async fn first_round_trip<M: Mode>(mut s: Socket<ClientStream, M>) -> Duration {
        let start = Instant::now();
        s.send(PAYLOAD).await.unwrap();
        black_box(s.recv().await.unwrap());
        start.elapsed()
    }

    /// Sums `round` (which sets up untimed and returns its timed span) over each iteration.
    fn bench<F, Fut>(group: &mut BenchmarkGroup<'_, WallTime>, rt: &Runtime, name: &str, round: F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Duration>,
    {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += round().await;
                    }
                    total
                })
            });
        });
    }

    fn first_message(c: &mut Criterion) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let d = rt.block_on(daemons());
        let key = d.keys.public();
        let config = SocketConfig::default();
        let url = |addr: SocketAddr| format!("ws://{addr}/");
        let mut group = c.benchmark_group("e2ee_socket/first_round_trip");
        group.sample_size(20);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(2));

        bench(&mut group, &rt, "plain_tungstenite_nodelay", || async {
            let connect = tokio_tungstenite::connect_async_with_config(url(d.plain), None, true);
            let (mut ws, _) = connect.await.unwrap();
            let start = Instant::now();
            ws.send(Message::Binary(PAYLOAD.to_vec().into()))
                .await
                .unwrap();
            black_box(ws.next().await.unwrap().unwrap());
            start.elapsed()
        });
        bench(&mut group, &rt, "secure_tungstenite", || async {
            let s = SecureSocket::connect_url(url(d.secure), key, &config);
            first_round_trip(s.await.unwrap()).await
        });
        bench(&mut group, &rt, "secure_axum_daemon", || async {
            let s = SecureSocket::connect_url(url(d.axum), key, &config);
            first_round_trip(s.await.unwrap()).await
        });
        bench(&mut group, &rt, "paseo_tungstenite", || async {
            let s = PaseoSocket::connect_url(url(d.paseo), key, &config);
            first_round_trip(s.await.unwrap()).await
        });
        bench(&mut group, &rt, "secure_tungstenite_nagle_on", || async {
            let bound = Some(websocket_config::<Secure>(&config));
            let connect = tokio_tungstenite::connect_async_with_config(url(d.nagle), bound, false);
            let s = SecureSocket::connect(connect.await.unwrap().0, key);
            first_round_trip(s.await.unwrap()).await
        });
        group.finish();
    }

    criterion_group!(benches, first_message);
}

#[cfg(all(feature = "e2ee-tokio-tungstenite", feature = "e2ee-axum"))]
criterion::criterion_main!(socket::benches);

#[cfg(not(all(feature = "e2ee-tokio-tungstenite", feature = "e2ee-axum")))]
fn main() {
    eprintln!("e2ee_socket needs --features e2ee-tokio-tungstenite,e2ee-axum");
}
