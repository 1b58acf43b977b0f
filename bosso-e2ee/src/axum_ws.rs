//! Adapter: the daemon side of secure mode over an axum WebSocket (binary frames), for daemons
//! that accept clients directly or through a relay speaking HTTP to them.

use axum::extract::ws::{Message, WebSocket};

use crate::error::{Error, Result};
use crate::{Channel, DaemonHandshake, DaemonKeyPair};

/// An axum WebSocket carrying an established secure channel (daemon side).
#[derive(Debug)]
pub struct AxumSecureSocket {
    ws: WebSocket,
    channel: Channel,
}

async fn next_binary(ws: &mut WebSocket) -> Result<Vec<u8>> {
    loop {
        match ws.recv().await {
            Some(Ok(Message::Binary(b))) => return Ok(b.to_vec()),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(Message::Text(_))) => {
                return Err(Error::UnexpectedFrame("text frame in secure mode"));
            }
            Some(Ok(Message::Close(_))) | None => return Err(Error::Transport("closed".into())),
            Some(Err(e)) => return Err(Error::Transport(e.to_string())),
        }
    }
}

async fn send_binary(ws: &mut WebSocket, frame: Vec<u8>) -> Result<()> {
    ws.send(Message::Binary(frame.into()))
        .await
        .map_err(|e| Error::Transport(e.to_string()))
}

impl AxumSecureSocket {
    /// Answers the client's handshake and waits for its key confirmation.
    pub async fn accept(mut ws: WebSocket, keys: &DaemonKeyPair) -> Result<Self> {
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
        let mut frame = next_binary(&mut self.ws).await?;
        self.channel.open_in_place(&mut frame).map(<[u8]>::to_vec)
    }

    /// Sends an authenticated close and closes the WebSocket.
    pub async fn close(mut self) -> Result<()> {
        let frame = self.channel.seal_close()?;
        send_binary(&mut self.ws, frame).await?;
        self.ws
            .send(Message::Close(None))
            .await
            .map_err(|e| Error::Transport(e.to_string()))
    }
}
