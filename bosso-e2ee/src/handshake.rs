//! Secure-mode handshake: Noise NK (`<- s ... -> e, es  <- e, ee`) plus a client key
//! confirmation record, as typestates. A handshake value has no `seal`: only the
//! [`Channel`] returned at the end does.
//!
//! ```text
//! client                                   daemon (static key s, known to client)
//! ClientHandshake::start      --hello-->   DaemonHandshake::respond
//! ClientHandshake::read_ready <--ready--   -> AwaitingConfirm
//! -> Channel (+ confirm)      --confirm--> AwaitingConfirm::read_confirm -> Channel
//! ```

use rand_core::{CryptoRng, RngCore};
use x25519_dalek::StaticSecret;

use crate::channel::{Channel, ChannelBinding};
use crate::error::{Error, Result};
use crate::keys::{DaemonKeyPair, PublicKey, agree};
use crate::symmetric::SymmetricState;
use crate::wire::{self, Limits, RecordType};

/// `InitializeSymmetric`, the prologue and NK's pre-message `<- s`.
fn initial_state(daemon_static: &PublicKey) -> SymmetricState {
    let mut ss = SymmetricState::new(wire::PROTOCOL_NAME);
    ss.mix_hash(wire::PROLOGUE);
    ss.mix_hash(daemon_static.as_bytes());
    ss
}

fn handshake_frame(kind: u8, ephemeral: &PublicKey, tag: &[u8; 16]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(wire::HANDSHAKE_FRAME_LEN);
    frame.extend_from_slice(&[wire::VERSION, kind]);
    frame.extend_from_slice(ephemeral.as_bytes());
    frame.extend_from_slice(tag);
    frame
}

fn ephemeral<R: RngCore + CryptoRng>(rng: &mut R) -> (StaticSecret, PublicKey) {
    // A StaticSecret used once and dropped (zeroized) when the handshake ends; the type allows
    // deterministic test vectors through an injected generator.
    let secret = StaticSecret::random_from_rng(rng);
    let public = PublicKey::from_bytes(x25519_dalek::PublicKey::from(&secret).to_bytes());
    (secret, public)
}

/// Client side, hello sent, waiting for the daemon's ready. No `seal` exists here.
// Fuzz builds only: a cloned channel or handshake would reuse nonces, so no real build has it.
#[cfg_attr(fuzzing, derive(Clone))]
pub struct ClientHandshake {
    ss: SymmetricState,
    e: StaticSecret,
    limits: Limits,
}

impl std::fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientHandshake(<redacted>)")
    }
}

impl ClientHandshake {
    /// Starts a handshake towards the daemon whose static key came from the pairing offer.
    /// Returns the state and the hello frame to send.
    pub fn start(daemon_static: &PublicKey) -> Result<(Self, Vec<u8>)> {
        Self::start_with(daemon_static, Limits::default(), &mut rand_core::OsRng)
    }

    /// [`ClientHandshake::start`] with explicit limits and random generator.
    pub fn start_with<R: RngCore + CryptoRng>(
        daemon_static: &PublicKey,
        limits: Limits,
        rng: &mut R,
    ) -> Result<(Self, Vec<u8>)> {
        let mut ss = initial_state(daemon_static);
        let (e, e_pub) = ephemeral(rng);
        // -> e, es
        ss.mix_hash(e_pub.as_bytes());
        let es = agree(&e, daemon_static)?;
        ss.mix_key(es.as_slice())?;
        let tag = ss.encrypt_and_hash_empty()?;
        let hello = handshake_frame(wire::KIND_HELLO, &e_pub, &tag);
        Ok((Self { ss, e, limits }, hello))
    }

    /// Reads the daemon's ready. On success the daemon is authenticated (only the holder of the
    /// static secret could compute `es` and so the tag), and the client gets its channel plus
    /// the key-confirmation frame, which it must send before any application frame.
    pub fn read_ready(self, frame: &[u8]) -> Result<(Channel, Vec<u8>)> {
        let mut channel = self.read_ready_without_confirm(frame)?;
        let confirm = channel.seal_record(RecordType::Confirm, &[])?;
        Ok((channel, confirm))
    }

    /// The channel after the ready, before the confirm record is sealed: tests seal other
    /// records in its place.
    fn read_ready_without_confirm(self, frame: &[u8]) -> Result<Channel> {
        let Self { mut ss, e, limits } = self;
        let (re, tag) = wire::split_handshake_frame(frame, wire::KIND_READY)?;
        let re = PublicKey::from_bytes(*re);
        // <- e, ee
        ss.mix_hash(re.as_bytes());
        let ee = agree(&e, &re)?;
        ss.mix_key(ee.as_slice())?;
        ss.decrypt_and_hash_empty(tag)?;
        let (c2d, d2c, h) = ss.split()?;
        Ok(Channel::new(c2d, d2c, h, limits))
    }
}

/// Daemon side, before any frame: holds the static key pair.
#[derive(Debug)]
pub struct DaemonHandshake<'k> {
    keys: &'k DaemonKeyPair,
    limits: Limits,
}

impl<'k> DaemonHandshake<'k> {
    /// A responder using the daemon's long-term key pair.
    #[must_use]
    pub fn new(keys: &'k DaemonKeyPair) -> Self {
        Self {
            keys,
            limits: Limits::default(),
        }
    }

    /// Overrides the limits (the rekey bounds must match the client's).
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Processes the client's hello and returns the ready frame to send back. The result still
    /// has no `seal`: the daemon sends nothing but `ready` until the client confirms.
    pub fn respond(self, hello: &[u8]) -> Result<(AwaitingConfirm, Vec<u8>)> {
        self.respond_with_rng(hello, &mut rand_core::OsRng)
    }

    /// [`DaemonHandshake::respond`] with an explicit random generator.
    pub fn respond_with_rng<R: RngCore + CryptoRng>(
        self,
        hello: &[u8],
        rng: &mut R,
    ) -> Result<(AwaitingConfirm, Vec<u8>)> {
        let (re, tag) = wire::split_handshake_frame(hello, wire::KIND_HELLO)?;
        let re = PublicKey::from_bytes(*re);
        let mut ss = initial_state(self.keys.public());
        // -> e, es
        ss.mix_hash(re.as_bytes());
        let es = self.keys.agree(&re)?;
        ss.mix_key(es.as_slice())?;
        ss.decrypt_and_hash_empty(tag)?;
        // <- e, ee
        let (e, e_pub) = ephemeral(rng);
        ss.mix_hash(e_pub.as_bytes());
        let ee = agree(&e, &re)?;
        ss.mix_key(ee.as_slice())?;
        let tag = ss.encrypt_and_hash_empty()?;
        let ready = handshake_frame(wire::KIND_READY, &e_pub, &tag);
        let (c2d, d2c, h) = ss.split()?;
        let channel = Channel::new(d2c, c2d, h, self.limits);
        Ok((AwaitingConfirm { channel }, ready))
    }
}

/// Daemon side after sending ready: waits for the client's key confirmation. No `seal` here.
#[derive(Debug)]
#[cfg_attr(fuzzing, derive(Clone))]
pub struct AwaitingConfirm {
    channel: Channel,
}

impl AwaitingConfirm {
    /// The channel binding the client will also compute.
    #[must_use]
    pub const fn channel_binding(&self) -> ChannelBinding {
        self.channel.channel_binding()
    }

    /// Checks the client's key confirmation (its first record, under the client-to-daemon key)
    /// and opens the channel. Anything else (application data, a second hello, garbage) fails.
    pub fn read_confirm(self, frame: &[u8]) -> Result<Channel> {
        let mut channel = self.channel;
        match channel.open_record(frame)? {
            (RecordType::Confirm, body) if body.is_empty() => Ok(channel),
            _ => Err(Error::UnexpectedFrame("expected key confirmation")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A daemon waiting for the confirm and the client's channel, whose first record (counter
    /// 0, the confirm's place) is not sealed yet.
    fn before_confirm() -> (AwaitingConfirm, Channel) {
        let keys = DaemonKeyPair::from_secret_bytes(&[4; 32]);
        let (hs, hello) = ClientHandshake::start(keys.public()).unwrap();
        let (pending, ready) = DaemonHandshake::new(&keys).respond(&hello).unwrap();
        (pending, hs.read_ready_without_confirm(&ready).unwrap())
    }

    #[test]
    fn only_an_empty_confirm_record_opens_the_daemon_channel() {
        for (ty, body) in [
            (RecordType::Confirm, &b"x"[..]),
            (RecordType::Confirm, &[0u8; 32][..]),
            (RecordType::App, &b""[..]),
            (RecordType::Close, &b""[..]),
        ] {
            let (pending, mut client) = before_confirm();
            // Authentic (right key, right counter): only its type and body are wrong.
            let frame = client.seal_record(ty, body).unwrap();
            assert!(
                matches!(
                    pending.read_confirm(&frame),
                    Err(Error::UnexpectedFrame("expected key confirmation"))
                ),
                "{ty:?} with {} body bytes",
                body.len()
            );
        }
        let (pending, mut client) = before_confirm();
        let confirm = client.seal_record(RecordType::Confirm, &[]).unwrap();
        let mut daemon = pending.read_confirm(&confirm).unwrap();
        assert_eq!(daemon.open(&client.seal(b"ok").unwrap()).unwrap(), b"ok");
    }
}
