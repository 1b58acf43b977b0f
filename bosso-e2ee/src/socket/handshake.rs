//! The handshake of both modes as sans-I/O steps, and the one async loop that every adapter
//! (tokio-tungstenite and axum, client and daemon, secure and paseo) runs them with.

use std::time::Duration;

use tokio::time::Instant;

use super::SocketConfig;
use super::transport::{
    CLOSE_DEADLINE, CLOSE_HANDSHAKE_FAILED, Incoming, Outgoing, Transport, close_within_grace,
    next_data, send_frame,
};
use crate::error::{Error, Result};
use crate::paseo::{self, HelloReplayGuard, PaseoChannel};
use crate::{AwaitingConfirm, Channel, ClientHandshake, DaemonHandshake, DaemonKeyPair, PublicKey};

/// Where a handshake stands after one received frame.
pub enum Progress<H: Handshake> {
    /// Not done: maybe a frame to send, then wait for the next one.
    Continue(H, Option<Outgoing>),
    /// Done: the open channel, maybe a last frame to send first.
    Done(H::Channel, Option<Outgoing>),
}

/// One side of one mode's handshake, driven frame by frame.
pub trait Handshake: Sized {
    /// The channel the handshake opens.
    type Channel;
    /// A frame to send again at every resend interval until the peer answers (paseo's hello).
    fn resend(&self) -> Option<Outgoing> {
        None
    }
    /// Consumes one received frame.
    fn step(self, frame: Incoming) -> Result<Progress<Self>>;
}

/// Secure mode, client: hello sent, waiting for ready.
pub struct SecureClient(ClientHandshake);

impl SecureClient {
    pub(crate) fn start(daemon: &PublicKey, config: &SocketConfig) -> Result<(Self, Outgoing)> {
        let (hs, hello) =
            ClientHandshake::start_with(daemon, config.limits(), &mut rand_core::OsRng)?;
        Ok((Self(hs), Outgoing::Binary(hello)))
    }
}

impl Handshake for SecureClient {
    type Channel = Channel;

    fn step(self, frame: Incoming) -> Result<Progress<Self>> {
        let (channel, confirm) = self.0.read_ready(&frame.into_binary()?)?;
        Ok(Progress::Done(channel, Some(Outgoing::Binary(confirm))))
    }
}

/// Secure mode, daemon: waiting for the hello, then for the key confirmation.
pub enum SecureDaemon<'k> {
    /// Nothing received yet.
    Hello(DaemonHandshake<'k>),
    /// Ready sent (boxed: the channel it holds is large beside the first state).
    Confirm(Box<AwaitingConfirm>),
}

impl<'k> SecureDaemon<'k> {
    pub(crate) fn new(keys: &'k DaemonKeyPair, config: &SocketConfig) -> Self {
        Self::Hello(DaemonHandshake::new(keys).with_limits(config.limits()))
    }
}

impl Handshake for SecureDaemon<'_> {
    type Channel = Channel;

    fn step(self, frame: Incoming) -> Result<Progress<Self>> {
        let frame = frame.into_binary()?;
        match self {
            Self::Hello(hs) => {
                let (pending, ready) = hs.respond(&frame)?;
                Ok(Progress::Continue(
                    Self::Confirm(Box::new(pending)),
                    Some(Outgoing::Binary(ready)),
                ))
            }
            Self::Confirm(pending) => Ok(Progress::Done(pending.read_confirm(&frame)?, None)),
        }
    }
}

/// Paseo mode, client: hello sent (and sent again until ready arrives).
pub struct PaseoClient(paseo::ClientHandshake);

impl PaseoClient {
    pub(crate) fn start(daemon: &PublicKey, config: &SocketConfig) -> Result<(Self, Outgoing)> {
        let hs = paseo::ClientHandshake::start_with_rng(
            daemon,
            config.paseo_limits(),
            &mut rand_core::OsRng,
        )?;
        let hello = Outgoing::Text(hs.hello().to_owned());
        Ok((Self(hs), hello))
    }
}

impl Handshake for PaseoClient {
    type Channel = PaseoChannel;

    fn resend(&self) -> Option<Outgoing> {
        Some(Outgoing::Text(self.0.hello().to_owned()))
    }

    fn step(self, frame: Incoming) -> Result<Progress<Self>> {
        Ok(Progress::Done(
            self.0.read_ready(&frame.into_text()?)?,
            None,
        ))
    }
}

/// Paseo mode, daemon: waiting for the hello.
pub struct PaseoDaemon<'k>(paseo::DaemonHandshake<'k>);

impl<'k> PaseoDaemon<'k> {
    pub(crate) fn new(
        keys: &'k DaemonKeyPair,
        hellos: &'k HelloReplayGuard,
        config: &SocketConfig,
    ) -> Self {
        Self(paseo::DaemonHandshake::new(keys, hellos).with_limits(config.paseo_limits()))
    }
}

impl Handshake for PaseoDaemon<'_> {
    type Channel = PaseoChannel;

    fn step(self, frame: Incoming) -> Result<Progress<Self>> {
        let (channel, ready) = self.0.read_hello(&frame.into_text()?)?;
        Ok(Progress::Done(channel, Some(Outgoing::Text(ready))))
    }
}

/// Runs a handshake on `ws` until it opens a channel or `deadline` passes. On any failure the
/// peer gets a close frame (within the close grace) and the error is returned; the caller then
/// drops the socket, so a silent or misbehaving peer never holds the task past the deadline.
pub(crate) async fn run<W: Transport, H: Handshake>(
    ws: &mut W,
    hs: H,
    first: Option<Outgoing>,
    config: &SocketConfig,
    deadline: Instant,
) -> Result<H::Channel> {
    let outcome =
        tokio::time::timeout_at(deadline, exchange(ws, hs, first, config.hello_resend())).await;
    let (code, err) = match outcome {
        Ok(Ok(channel)) => return Ok(channel),
        Ok(Err(e)) => ((CLOSE_HANDSHAKE_FAILED, "handshake failed"), e),
        Err(_) => (
            (CLOSE_DEADLINE, "handshake deadline"),
            Error::HandshakeTimeout,
        ),
    };
    close_within_grace::<W, W>(ws, Some(code)).await;
    Err(err)
}

async fn exchange<W: Transport, H: Handshake>(
    ws: &mut W,
    mut hs: H,
    first: Option<Outgoing>,
    resend_every: Duration,
) -> Result<H::Channel> {
    let mut out = first;
    loop {
        if let Some(frame) = out.take() {
            send_frame::<W, W>(ws, frame).await?;
        }
        let frame = match hs.resend() {
            None => next_data::<W, W>(ws).await?,
            Some(again) => loop {
                // next_data is cancel-safe: a timeout loses no message.
                match tokio::time::timeout(resend_every, next_data::<W, W>(ws)).await {
                    Ok(frame) => break frame?,
                    Err(_) => send_frame::<W, W>(ws, again.clone()).await?,
                }
            },
        };
        match hs.step(frame)? {
            Progress::Continue(next, reply) => {
                hs = next;
                out = reply;
            }
            Progress::Done(channel, last) => {
                if let Some(frame) = last {
                    send_frame::<W, W>(ws, frame).await?;
                }
                return Ok(channel);
            }
        }
    }
}
