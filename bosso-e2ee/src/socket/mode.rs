//! The two modes as types: what each seals, opens and bounds, so the socket code exists once.

use super::SocketConfig;
use super::handshake::{Handshake, PaseoClient, SecureClient};
use super::transport::{Incoming, Outgoing, sealed};
use crate::error::Result;
use crate::paseo::{self, PaseoChannel, Received};
use crate::{Channel, ChannelBinding, HANDSHAKE_FRAME_LEN, PublicKey};

/// What an open channel made of a received frame.
#[derive(Debug)]
pub enum Opened {
    /// Application data.
    Data(Vec<u8>),
    /// A frame to send back (paseo: ready again for a repeated hello); nothing for the caller.
    Reply(Outgoing),
    /// Nothing for anyone (paseo: a repeated ready).
    Nothing,
}

/// A protocol mode a [`super::Socket`] speaks: [`Secure`] or [`Paseo`]. Sealed.
pub trait Mode: sealed::Sealed + Sized + 'static {
    /// The largest WebSocket message (and frame) this mode accepts under `config`: the bound
    /// the adapters set on the WebSocket, so a larger message is refused from its header,
    /// before any of it is buffered.
    fn max_message_len(config: &SocketConfig) -> usize;

    /// For `Debug`.
    #[doc(hidden)]
    const NAME: &'static str;
    /// The open channel.
    #[doc(hidden)]
    type Channel: Send;
    /// What the channel exports for binding credentials (`()` when nothing).
    #[doc(hidden)]
    type Binding: Copy + Send + Sync + 'static;
    /// The client's handshake.
    #[doc(hidden)]
    type Client: Handshake<Channel = Self::Channel>;
    /// Starts the client's handshake: the state and the first frame to send.
    #[doc(hidden)]
    fn client(daemon: &PublicKey, config: &SocketConfig) -> Result<(Self::Client, Outgoing)>;
    /// The channel's binding.
    #[doc(hidden)]
    fn binding(channel: &Self::Channel) -> Self::Binding;
    /// Seals one application message.
    #[doc(hidden)]
    fn seal(channel: &mut Self::Channel, payload: &[u8]) -> Result<Outgoing>;
    /// The authenticated close frame, if the mode has one; the channel is closed after.
    #[doc(hidden)]
    fn seal_close(channel: &mut Self::Channel) -> Result<Option<Outgoing>>;
    /// Opens one received frame (errors close the channel).
    #[doc(hidden)]
    fn open(channel: &mut Self::Channel, frame: Incoming) -> Result<Opened>;
    /// Closes the channel after a transport failure or a cancellation.
    #[doc(hidden)]
    fn abort(channel: &mut Self::Channel);
}

/// Secure mode (Noise NK, binary frames; `SPEC.md`).
#[derive(Debug, Clone, Copy)]
pub struct Secure;

/// Paseo compatibility mode (text frames; [`crate::paseo`]).
#[derive(Debug, Clone, Copy)]
pub struct Paseo;

impl sealed::Sealed for Secure {}
impl sealed::Sealed for Paseo {}

impl Mode for Secure {
    /// The largest data frame the limits allow (65,537 bytes by default), and never less than
    /// a handshake frame.
    fn max_message_len(config: &SocketConfig) -> usize {
        config.limits().max_frame_len().max(HANDSHAKE_FRAME_LEN)
    }

    const NAME: &'static str = "secure";
    type Channel = Channel;
    type Binding = ChannelBinding;
    type Client = SecureClient;

    fn client(daemon: &PublicKey, config: &SocketConfig) -> Result<(SecureClient, Outgoing)> {
        SecureClient::start(daemon, config)
    }

    fn binding(channel: &Channel) -> ChannelBinding {
        channel.channel_binding()
    }

    fn seal(channel: &mut Channel, payload: &[u8]) -> Result<Outgoing> {
        channel.seal(payload).map(Outgoing::Binary)
    }

    fn seal_close(channel: &mut Channel) -> Result<Option<Outgoing>> {
        channel.seal_close().map(|f| Some(Outgoing::Binary(f)))
    }

    fn open(channel: &mut Channel, frame: Incoming) -> Result<Opened> {
        let mut frame = frame.into_binary()?;
        channel
            .open_in_place(&mut frame)
            .map(|payload| Opened::Data(payload.to_vec()))
    }

    fn abort(channel: &mut Channel) {
        channel.abort();
    }
}

impl Mode for Paseo {
    /// The longest text frame the paseo limits allow (11,184,864 bytes for the default 8 MiB
    /// payload), and never less than a control message ([`paseo::MAX_CONTROL_LEN`]).
    fn max_message_len(config: &SocketConfig) -> usize {
        config
            .paseo_limits()
            .max_frame_len()
            .max(paseo::MAX_CONTROL_LEN)
    }

    const NAME: &'static str = "paseo";
    type Channel = PaseoChannel;
    type Binding = ();
    type Client = PaseoClient;

    fn client(daemon: &PublicKey, config: &SocketConfig) -> Result<(PaseoClient, Outgoing)> {
        PaseoClient::start(daemon, config)
    }

    fn binding(_: &PaseoChannel) {}

    fn seal(channel: &mut PaseoChannel, payload: &[u8]) -> Result<Outgoing> {
        channel.seal(payload).map(Outgoing::Text)
    }

    fn seal_close(_: &mut PaseoChannel) -> Result<Option<Outgoing>> {
        Ok(None)
    }

    fn open(channel: &mut PaseoChannel, frame: Incoming) -> Result<Opened> {
        Ok(match channel.open(&frame.into_text()?)? {
            Received::Data(data) => Opened::Data(data),
            Received::HelloAgain(ready) => Opened::Reply(Outgoing::Text(ready)),
            Received::ReadyAgain => Opened::Nothing,
        })
    }

    fn abort(channel: &mut PaseoChannel) {
        channel.abort();
    }
}
