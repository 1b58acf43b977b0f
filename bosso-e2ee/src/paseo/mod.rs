//! Paseo compatibility mode: the Paseo relay E2EE wire format, byte for byte.
//!
//! Handshake: the client sends `{"type":"e2ee_hello","key":"<base64 X25519 public key>"}` as a
//! plaintext text frame (re-sent until ready arrives), the daemon answers `{"type":"e2ee_ready"}`.
//! Frames: WebSocket text holding standard padded base64 of `nonce(24) || tag(16) || ciphertext`,
//! NaCl `crypto_box` with a precomputed key (X25519 + HSalsa20, then XSalsa20-Poly1305).
//!
//! What this implementation adds within what the wire allows: a hello with a different key on an
//! open channel is refused; a frame identical to one seen or sent in this session is refused
//! (a bounded window of nonces, which also catches a frame reflected to its sender, since both
//! directions share one key); a hello whose key the daemon accepted in the last 24 hours (on
//! any connection sharing its [`HelloReplayGuard`]) is refused, so a recorded session does not
//! open again on a fresh connection; low-order client keys are refused.
//!
//! **What this mode cannot protect** (the wire has no counters and no ephemeral daemon key):
//! a relay can reorder frames, drop frames, and replay a frame once it has left the duplicate
//! window; it can replay a whole recorded session once the guard has forgotten its hello key
//! (after the guard's TTL, or after the daemon restarts); anyone who later obtains the daemon's
//! static secret can decrypt recorded traffic (no forward secrecy); `e2ee_ready` is
//! unauthenticated; any holder of the pairing offer can connect. Use secure mode where both
//! ends are yours.

mod channel;
mod limits;
mod replay;

use std::sync::Arc;

use crypto_box::SalsaBox;
use rand_core::{CryptoRng, RngCore};
use serde::Deserialize;
use x25519_dalek::StaticSecret;

pub use channel::PaseoChannel;
pub use limits::{MAX_DUPLICATE_WINDOW, MIN_DUPLICATE_WINDOW, PaseoLimits};
pub use replay::{HelloReplayGuard, MAX_HELLO_CAPACITY, MIN_HELLO_TTL};

use crate::error::{Error, Result};
use crate::keys::{DaemonKeyPair, PublicKey, agree};

/// Nonce length (XSalsa20).
pub const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
pub const TAG_LEN: usize = 16;
/// Largest control message (hello or ready) accepted, checked before any JSON parsing. A hello
/// is 72 bytes; the margin leaves room for whitespace or key order a peer may use.
pub const MAX_CONTROL_LEN: usize = 256;
/// The daemon's reply to a valid hello, byte for byte.
pub const READY_JSON: &str = r#"{"type":"e2ee_ready"}"#;

/// What arrived on an open paseo channel.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Received {
    /// Decrypted application bytes.
    Data(Vec<u8>),
    /// (Daemon) the client repeated its hello with the same key: send this ready again.
    HelloAgain(String),
    /// (Client) the daemon repeated ready: nothing to do.
    ReadyAgain,
}

#[derive(Deserialize)]
pub(super) struct ControlMessage {
    #[serde(rename = "type")]
    pub(super) ty: String,
    pub(super) key: Option<String>,
}

fn hello_json(key: &PublicKey) -> String {
    format!(r#"{{"type":"e2ee_hello","key":"{}"}}"#, key.to_base64())
}

/// Every control message goes through here: the size is checked before serde_json sees it.
pub(super) fn parse_control(text: &str) -> Result<ControlMessage> {
    if text.len() > MAX_CONTROL_LEN {
        return Err(Error::FrameTooLarge {
            len: text.len(),
            max: MAX_CONTROL_LEN,
        });
    }
    serde_json::from_str(text).map_err(|_| Error::Json("not a paseo control message"))
}

fn parse_hello(text: &str) -> Result<PublicKey> {
    let msg = parse_control(text)?;
    if msg.ty != "e2ee_hello" {
        return Err(Error::UnexpectedFrame("expected e2ee_hello"));
    }
    PublicKey::from_base64(msg.key.as_deref().ok_or(Error::Json("hello without key"))?)
}

/// The precomputed box key (X25519 then HSalsa20). Immutable, so sharing it changes nothing;
/// fuzz builds clone a prepared channel through it without another X25519.
type SharedBox = Arc<SalsaBox>;

/// Daemon side, waiting for the first message, which must be a valid hello.
#[derive(Debug)]
pub struct DaemonHandshake<'k> {
    keys: &'k DaemonKeyPair,
    hellos: &'k HelloReplayGuard,
    limits: PaseoLimits,
}

impl<'k> DaemonHandshake<'k> {
    /// A responder with the daemon's long-term key pair and the hello guard that every
    /// connection of this daemon shares (one guard per daemon, not per connection: a fresh
    /// guard per connection remembers nothing and refuses no replayed session).
    #[must_use]
    pub fn new(keys: &'k DaemonKeyPair, hellos: &'k HelloReplayGuard) -> Self {
        Self {
            keys,
            hellos,
            limits: PaseoLimits::default(),
        }
    }

    /// Overrides the local limits.
    #[must_use]
    pub const fn with_limits(mut self, limits: PaseoLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Reads the client's hello; returns the open channel and the ready text to send.
    ///
    /// Refused: anything but a valid hello, a low-order key, a key this daemon's guard accepted
    /// within its TTL ([`Error::HelloReplayed`]: a replayed session), and any hello while the
    /// guard is full ([`Error::HelloCacheFull`]).
    pub fn read_hello(self, text: &str) -> Result<(PaseoChannel, String)> {
        let client = parse_hello(text)?;
        // Refuse low-order keys (crypto_box itself would accept them).
        let _ = self.keys.agree(&client)?;
        // Only a hello that would open a channel is remembered: garbage never fills the guard.
        self.hellos.check_and_remember(&client)?;
        let secret = self.keys.secret_bytes();
        let cipher = Arc::new(SalsaBox::new(
            &crypto_box::PublicKey::from(*client.as_bytes()),
            &crypto_box::SecretKey::from(*secret),
        ));
        let channel = PaseoChannel::new(cipher, Role::Daemon { client }, self.limits);
        Ok((channel, READY_JSON.to_owned()))
    }
}

/// Client side: hello sent (re-send [`ClientHandshake::hello`] until ready arrives).
// Fuzz builds only: a clone would fork the duplicate window, so no real build has it.
#[cfg_attr(fuzzing, derive(Clone))]
pub struct ClientHandshake {
    cipher: SharedBox,
    hello: String,
    limits: PaseoLimits,
}

impl std::fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("paseo::ClientHandshake(<redacted>)")
    }
}

impl ClientHandshake {
    /// Generates a fresh ephemeral key pair and the hello for the given daemon key.
    pub fn start(daemon: &PublicKey) -> Result<Self> {
        Self::start_with_rng(daemon, PaseoLimits::default(), &mut rand_core::OsRng)
    }

    /// [`ClientHandshake::start`] with explicit limits and random generator.
    pub fn start_with_rng<R: RngCore + CryptoRng>(
        daemon: &PublicKey,
        limits: PaseoLimits,
        rng: &mut R,
    ) -> Result<Self> {
        let e = StaticSecret::random_from_rng(rng);
        let _ = agree(&e, daemon)?;
        let e_pub = PublicKey::from_bytes(x25519_dalek::PublicKey::from(&e).to_bytes());
        let e_bytes = zeroize::Zeroizing::new(e.to_bytes());
        let cipher = Arc::new(SalsaBox::new(
            &crypto_box::PublicKey::from(*daemon.as_bytes()),
            &crypto_box::SecretKey::from(*e_bytes),
        ));
        Ok(Self {
            cipher,
            hello: hello_json(&e_pub),
            limits,
        })
    }

    /// The hello text frame (send it, and again every second until ready arrives).
    #[must_use]
    pub fn hello(&self) -> &str {
        &self.hello
    }

    /// Reads the daemon's `e2ee_ready`. Note: ready is unauthenticated in this protocol; a wrong
    /// daemon key shows only at the first failed decryption.
    pub fn read_ready(self, text: &str) -> Result<PaseoChannel> {
        let msg = parse_control(text)?;
        if msg.ty != "e2ee_ready" {
            return Err(Error::UnexpectedFrame("expected e2ee_ready"));
        }
        Ok(PaseoChannel::new(self.cipher, Role::Client, self.limits))
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Role {
    Daemon { client: PublicKey },
    Client,
}
