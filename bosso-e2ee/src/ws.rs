//! Adapter: the secure-mode handshake and channel over a `tokio-tungstenite` WebSocket
//! (binary frames). The core stays sans-I/O; this only moves its frames.

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use crate::error::{Error, Result};
use crate::{Channel, ClientHandshake, DaemonHandshake, DaemonKeyPair, PublicKey};

/// A WebSocket carrying an established secure channel.
#[derive(Debug)]
pub struct SecureSocket<S> {
    ws: WebSocketStream<S>,
    channel: Channel,
}

async fn next_binary<S>(ws: &mut WebSocketStream<S>) -> Result<Vec<u8>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match ws.next().await {
            Some(Ok(Message::Binary(b))) => return Ok(b.to_vec()),
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            Some(Ok(Message::Text(_))) => {
                return Err(Error::UnexpectedFrame("text frame in secure mode"));
            }
            Some(Ok(Message::Close(_))) | None => return Err(Error::Transport("closed".into())),
            Some(Err(e)) => return Err(Error::Transport(e.to_string())),
        }
    }
}

async fn send_binary<S>(ws: &mut WebSocketStream<S>, frame: Vec<u8>) -> Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    ws.send(Message::Binary(frame.into()))
        .await
        .map_err(|e| Error::Transport(e.to_string()))
}

impl<S> SecureSocket<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// Client: runs the handshake against the daemon's static key.
    pub async fn connect(mut ws: WebSocketStream<S>, daemon: &PublicKey) -> Result<Self> {
        let (hs, hello) = ClientHandshake::start(daemon)?;
        send_binary(&mut ws, hello).await?;
        let ready = next_binary(&mut ws).await?;
        let (channel, confirm) = hs.read_ready(&ready)?;
        send_binary(&mut ws, confirm).await?;
        Ok(Self { ws, channel })
    }

    /// Daemon: answers the client's handshake and waits for its key confirmation.
    pub async fn accept(mut ws: WebSocketStream<S>, keys: &DaemonKeyPair) -> Result<Self> {
        let hello = next_binary(&mut ws).await?;
        let (pending, ready) = DaemonHandshake::new(keys).respond(&hello)?;
        send_binary(&mut ws, ready).await?;
        let confirm = next_binary(&mut ws).await?;
        let channel = pending.read_confirm(&confirm)?;
        Ok(Self { ws, channel })
    }

    /// The channel (for its binding).
    #[must_use]
    pub const fn channel(&self) -> &Channel {
        &self.channel
    }

    /// Seals and sends one message.
    pub async fn send(&mut self, payload: &[u8]) -> Result<()> {
        let frame = self.channel.seal(payload)?;
        send_binary(&mut self.ws, frame).await
    }

    /// Receives and opens the next message; any error means the connection must be dropped.
    pub async fn recv(&mut self) -> Result<Vec<u8>> {
        let frame = next_binary(&mut self.ws).await?;
        self.channel.open(&frame)
    }

    /// Sends an authenticated close and closes the WebSocket.
    pub async fn close(mut self) -> Result<()> {
        let frame = self.channel.seal_close()?;
        send_binary(&mut self.ws, frame).await?;
        self.ws
            .close(None)
            .await
            .map_err(|e| Error::Transport(e.to_string()))
    }
}
