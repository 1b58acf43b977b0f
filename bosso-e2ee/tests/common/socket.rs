//! Loopback daemons for the socket adapter tests (tokio-tungstenite and axum, both modes), and
//! raw-client helpers.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bosso_e2ee::paseo::HelloReplayGuard;
use bosso_e2ee::socket::{Mode, Paseo, Secure, Socket, SocketConfig, Transport};
use bosso_e2ee::{DaemonKeyPair, Error};
use futures_util::StreamExt as _;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// Every wait in these tests is bounded, so a socket that hangs (what the deadline, the size
/// bound and the cut exist to prevent) fails the test instead of stalling it. Generous: the
/// waits it bounds take milliseconds when the code is right.
pub const HANG: Duration = Duration::from_secs(10);

pub async fn bounded<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(HANG, fut).await {
        Ok(out) => out,
        Err(_) => panic!("{what}: still waiting after {HANG:?}"),
    }
}

/// What a daemon accepts with: its keys, the hello guard all its paseo connections share, and
/// the adapter settings.
#[derive(Clone)]
pub struct Side {
    pub keys: Arc<DaemonKeyPair>,
    pub hellos: Arc<HelloReplayGuard>,
    pub config: SocketConfig,
}

impl Side {
    pub fn new(config: SocketConfig) -> Self {
        Self {
            keys: Arc::new(DaemonKeyPair::generate()),
            hellos: Arc::new(HelloReplayGuard::default()),
            config,
        }
    }
}

pub type TcpWs = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// `accept` and `accept_tcp` for either mode (paseo's take the shared hello guard).
pub trait TestMode: Mode + Send {
    fn accept<W: Transport + Send + 'static>(
        ws: W,
        d: Side,
    ) -> impl Future<Output = Result<Socket<W, Self>, Error>> + Send
    where
        W::Message: Send;

    fn accept_tcp(
        tcp: tokio::net::TcpStream,
        d: Side,
    ) -> impl Future<Output = Result<Socket<TcpWs, Self>, Error>> + Send;
}

impl TestMode for Secure {
    async fn accept<W: Transport + Send + 'static>(ws: W, d: Side) -> Result<Socket<W, Self>, Error>
    where
        W::Message: Send,
    {
        Socket::<W, Secure>::accept_with(ws, &d.keys, &d.config).await
    }

    async fn accept_tcp(tcp: tokio::net::TcpStream, d: Side) -> Result<Socket<TcpWs, Self>, Error> {
        Socket::<TcpWs, Secure>::accept_tcp(tcp, &d.keys, &d.config).await
    }
}

impl TestMode for Paseo {
    async fn accept<W: Transport + Send + 'static>(ws: W, d: Side) -> Result<Socket<W, Self>, Error>
    where
        W::Message: Send,
    {
        Socket::<W, Paseo>::accept_with(ws, &d.keys, &d.hellos, &d.config).await
    }

    async fn accept_tcp(tcp: tokio::net::TcpStream, d: Side) -> Result<Socket<TcpWs, Self>, Error> {
        Socket::<TcpWs, Paseo>::accept_tcp(tcp, &d.keys, &d.hellos, &d.config).await
    }
}

/// Which library the daemon uses.
#[derive(Debug, Clone, Copy)]
pub enum Via {
    Tungstenite,
    #[cfg(feature = "axum")]
    Axum,
}

pub const VIAS: &[Via] = &[
    Via::Tungstenite,
    #[cfg(feature = "axum")]
    Via::Axum,
];

/// What a daemon connection reports: the outcome of `accept`, then (for an accepted socket)
/// how its echo loop ended.
pub type Report = Result<(), Error>;

pub struct Daemon {
    pub addr: SocketAddr,
    pub keys: Arc<DaemonKeyPair>,
    pub hellos: Arc<HelloReplayGuard>,
    pub reports: mpsc::UnboundedReceiver<Report>,
}

impl Daemon {
    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub async fn report(&mut self) -> Report {
        bounded("daemon report", self.reports.recv())
            .await
            .expect("daemon task gone")
    }
}

/// Each accepted socket is split: a reader task forwards what it opens to a writer task that
/// echoes it, so the daemon side runs both halves at once too.
async fn echo<W, M>(socket: Result<Socket<W, M>, Error>, reports: mpsc::UnboundedSender<Report>)
where
    W: Transport + Send + 'static,
    W::Message: Send,
    M: Mode + Send,
{
    let socket = match socket {
        Ok(s) => s,
        Err(e) => {
            let _ = reports.send(Err(e));
            return;
        }
    };
    let _ = reports.send(Ok(()));
    let (mut tx, mut rx) = socket.split();
    let (queue, mut queued) = mpsc::unbounded_channel::<Vec<u8>>();
    let writer = tokio::spawn(async move {
        while let Some(msg) = queued.recv().await {
            if tx.send(&msg).await.is_err() {
                break;
            }
        }
    });
    let end = loop {
        match rx.recv().await {
            Ok(msg) => {
                let _ = queue.send(msg);
            }
            Err(e) => break e,
        }
    };
    drop(queue);
    let _ = writer.await;
    let _ = reports.send(Err(end));
}

pub async fn daemon<M: TestMode>(via: Via, config: SocketConfig) -> Daemon {
    let side = Side::new(config);
    let (report_tx, reports) = mpsc::unbounded_channel();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let d = side.clone();
    match via {
        Via::Tungstenite => {
            tokio::spawn(async move {
                loop {
                    let (tcp, _) = listener.accept().await.unwrap();
                    let socket = M::accept_tcp(tcp, d.clone());
                    let reports = report_tx.clone();
                    tokio::spawn(async move { echo(socket.await, reports).await });
                }
            });
        }
        #[cfg(feature = "axum")]
        Via::Axum => {
            use axum::extract::ws::WebSocketUpgrade;
            let app = axum::Router::new().route(
                "/ws",
                axum::routing::get(move |up: WebSocketUpgrade| {
                    let (d, reports) = (d.clone(), report_tx.clone());
                    async move {
                        let config = d.config;
                        bosso_e2ee::axum_ws::bounded_upgrade::<M>(up, &config).on_upgrade(
                            move |ws| async move { echo(M::accept(ws, d).await, reports).await },
                        )
                    }
                }),
            );
            let listener = bosso_e2ee::axum_ws::nodelay(listener);
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        }
    }
    Daemon {
        addr,
        keys: side.keys,
        hellos: side.hellos,
        reports,
    }
}

/// A plain WebSocket client (no adapter, default limits) on `url`.
pub async fn raw_client(url: &str) -> TcpWs {
    let addr = url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio_tungstenite::client_async(url, tcp).await.unwrap().0
}

/// The header (no payload) of a masked client frame announcing `len` payload bytes.
pub fn frame_header(opcode: u8, len: u64) -> Vec<u8> {
    let mut header = vec![0x80 | opcode, 0x80 | 127];
    header.extend_from_slice(&len.to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]);
    header
}

/// A daemon the test writes itself, for one connection: `serve` gets the accepted TCP stream
/// and the daemon's keys. Returns the URL, the daemon's public key and `serve`'s task.
pub async fn one_connection<T, Fut>(
    serve: impl FnOnce(tokio::net::TcpStream, DaemonKeyPair) -> Fut + Send + 'static,
) -> (String, bosso_e2ee::PublicKey, tokio::task::JoinHandle<T>)
where
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let keys = DaemonKeyPair::generate();
    let public = *keys.public();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        serve(tcp, keys).await
    });
    (url, public, task)
}

/// The next message on a raw WebSocket (bounded).
pub async fn next_raw(ws: &mut TcpWs) -> tokio_tungstenite::tungstenite::Message {
    bounded("raw message", ws.next()).await.unwrap().unwrap()
}

/// The close code the peer sent, or None if the connection ended without a close frame.
pub async fn close_code(ws: &mut TcpWs) -> Option<u16> {
    use tokio_tungstenite::tungstenite::Message;
    loop {
        match bounded("close", ws.next()).await {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return None,
        }
    }
}

/// A cut signal like `LiveView::cut()`: many waiters, each call a fresh future, and a late
/// waiter sees a cut that already happened.
#[derive(Clone)]
pub struct Cut(watch::Receiver<bool>);

impl Cut {
    pub fn new() -> (watch::Sender<bool>, Self) {
        let (tx, rx) = watch::channel(false);
        (tx, Self(rx))
    }

    pub async fn cut(&self) {
        let mut rx = self.0.clone();
        let _ = rx.wait_for(|cut| *cut).await;
    }
}
