//! Adapter over a `tokio-tungstenite` WebSocket (client and daemon), both modes. The handshake,
//! the split halves, the deadline and the message bound are [`crate::socket`]'s; this module
//! only teaches it tokio-tungstenite's types and opens sockets the way the adapter needs them.
//!
//! [`Socket::connect_url`] and [`Socket::accept_tcp`] make the WebSocket themselves: with
//! `TCP_NODELAY` (without it the first encrypted message waits for a delayed ACK, about 40 ms
//! on Linux loopback, because the client's key confirmation gets no reply) and with the
//! mode's message bound. A WebSocket made elsewhere must carry the bound
//! ([`websocket_config`]), or `connect`/`accept` refuse it with [`Error::InvalidLimits`];
//! set `TCP_NODELAY` on its TCP stream yourself.

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{Error, Result};
use crate::paseo::HelloReplayGuard;
use crate::socket::handshake::{Handshake, PaseoDaemon, SecureDaemon};
use crate::socket::{
    Mode, Paseo, Secure, Socket, SocketConfig, Transport, message_conversions, open_socket, sealed,
    transport_error,
};
use crate::{DaemonKeyPair, PublicKey};

/// A secure-mode socket over a tokio-tungstenite WebSocket on `S`.
pub type SecureSocket<S> = Socket<WebSocketStream<S>, Secure>;
/// A paseo-mode socket over a tokio-tungstenite WebSocket on `S`.
pub type PaseoSocket<S> = Socket<WebSocketStream<S>, Paseo>;
/// The WebSocket [`Socket::connect_url`] opens.
pub type ClientStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

impl<S: AsyncRead + AsyncWrite + Unpin> sealed::Sealed for WebSocketStream<S> {}

impl<S: AsyncRead + AsyncWrite + Unpin> Transport for WebSocketStream<S> {
    type Message = Message;
    type Failure = tokio_tungstenite::tungstenite::Error;

    message_conversions!(Message::Ping(_), Message::Pong(_), Message::Frame(_));

    fn close_message(code: u16, reason: &'static str) -> Message {
        Message::Close(Some(CloseFrame {
            code: code.into(),
            reason: reason.into(),
        }))
    }

    fn check_bound(&self, max_len: usize) -> Result<()> {
        let config = self.get_config();
        let within = |limit: Option<usize>| limit.is_some_and(|l| l <= max_len);
        if within(config.max_message_size) && within(config.max_frame_size) {
            Ok(())
        } else {
            Err(Error::InvalidLimits(
                "WebSocket accepts messages or frames above the mode's bound (see ws::websocket_config)",
            ))
        }
    }
}

/// A WebSocket configuration refusing messages and frames over mode `M`'s bound
/// ([`Mode::max_message_len`]): pass it to `tokio_tungstenite::accept_async_with_config` or
/// `connect_async_*_with_config` when you make the WebSocket yourself.
#[must_use]
pub fn websocket_config<M: Mode>(config: &SocketConfig) -> WebSocketConfig {
    let max = M::max_message_len(config);
    WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
}

impl<M: Mode> Socket<ClientStream, M> {
    /// Client: connects to `request` (a `ws://` URL, or a request with headers; `wss://` needs
    /// one of tokio-tungstenite's TLS features) with `TCP_NODELAY` and the mode's message bound,
    /// then runs the handshake. The deadline covers the TCP connect, the upgrade and the
    /// handshake together.
    pub async fn connect_url<R>(
        request: R,
        daemon: &PublicKey,
        config: &SocketConfig,
    ) -> Result<Self>
    where
        R: IntoClientRequest + Unpin,
    {
        let deadline = config.deadline_from_now();
        let ws = connect_stream::<M, R>(request, config, deadline).await?;
        Self::connect_by(ws, daemon, config, deadline).await
    }
}

/// The client side of the upgrade: `TCP_NODELAY` (tokio-tungstenite's `disable_nagle`), the
/// mode's bound, within the deadline.
async fn connect_stream<M: Mode, R: IntoClientRequest + Unpin>(
    request: R,
    config: &SocketConfig,
    deadline: tokio::time::Instant,
) -> Result<ClientStream> {
    let ws_config = Some(websocket_config::<M>(config));
    let connect = tokio_tungstenite::connect_async_with_config(request, ws_config, true);
    let (ws, _) = tokio::time::timeout_at(deadline, connect)
        .await
        .map_err(|_| Error::HandshakeTimeout)?
        .map_err(transport_error)?;
    Ok(ws)
}

/// The server side of the upgrade on an accepted TCP stream: `TCP_NODELAY`, the mode's bound,
/// within the deadline.
async fn upgrade<M: Mode>(
    tcp: TcpStream,
    config: &SocketConfig,
    deadline: tokio::time::Instant,
) -> Result<WebSocketStream<TcpStream>> {
    tcp.set_nodelay(true).map_err(transport_error)?;
    let accept =
        tokio_tungstenite::accept_async_with_config(tcp, Some(websocket_config::<M>(config)));
    tokio::time::timeout_at(deadline, accept)
        .await
        .map_err(|_| Error::HandshakeTimeout)?
        .map_err(transport_error)
}

/// The daemon side on an accepted TCP stream: the upgrade, then the handshake `hs`, both
/// within one deadline.
async fn accept_tcp_with<M: Mode, H: Handshake<Channel = M::Channel>>(
    tcp: TcpStream,
    hs: H,
    config: &SocketConfig,
) -> Result<Socket<WebSocketStream<TcpStream>, M>> {
    let deadline = config.deadline_from_now();
    let ws = upgrade::<M>(tcp, config, deadline).await?;
    open_socket(ws, hs, None, config, deadline).await
}

impl Socket<WebSocketStream<TcpStream>, Secure> {
    /// Daemon: takes an accepted TCP connection, sets `TCP_NODELAY`, upgrades it with the
    /// message bound and runs the handshake, all within the deadline.
    pub async fn accept_tcp(
        tcp: TcpStream,
        keys: &DaemonKeyPair,
        config: &SocketConfig,
    ) -> Result<Self> {
        accept_tcp_with(tcp, SecureDaemon::new(keys, config), config).await
    }
}

impl Socket<WebSocketStream<TcpStream>, Paseo> {
    /// Daemon: [`Socket::<WebSocketStream<TcpStream>, Secure>::accept_tcp`] for paseo mode,
    /// with the hello guard every connection of this daemon shares.
    pub async fn accept_tcp(
        tcp: TcpStream,
        keys: &DaemonKeyPair,
        hellos: &HelloReplayGuard,
        config: &SocketConfig,
    ) -> Result<Self> {
        accept_tcp_with(tcp, PaseoDaemon::new(keys, hellos, config), config).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_sockets_the_adapter_makes_have_nodelay_and_the_bound() {
        let config = SocketConfig::default();
        let deadline = config.deadline_from_now();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            upgrade::<Paseo>(tcp, &config, deadline).await.unwrap()
        });
        let client = connect_stream::<Secure, _>(url, &config, deadline)
            .await
            .unwrap();
        let server = server.await.unwrap();
        let MaybeTlsStream::Plain(tcp) = client.get_ref() else {
            unreachable!("ws:// is plain TCP")
        };
        assert!(tcp.nodelay().unwrap());
        assert!(server.get_ref().nodelay().unwrap());
        let secure = Secure::max_message_len(&config);
        let paseo = Paseo::max_message_len(&config);
        assert!(client.check_bound(secure).is_ok());
        assert!(client.check_bound(secure - 1).is_err());
        assert!(server.check_bound(paseo).is_ok());
        assert!(server.check_bound(paseo - 1).is_err());
    }
}
