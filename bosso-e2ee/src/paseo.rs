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
//! directions share one key); low-order client keys are refused.
//!
//! **What this mode cannot protect** (the wire has no counters and no ephemeral daemon key):
//! a relay can reorder frames, drop frames, and replay a frame once it has left the duplicate
//! window; anyone who later obtains the daemon's static secret can decrypt recorded traffic
//! (no forward secrecy); `e2ee_ready` is unauthenticated; any holder of the pairing offer can
//! connect. Use secure mode where both ends are yours.

use std::collections::{HashSet, VecDeque};

use crypto_box::SalsaBox;
use crypto_box::aead::AeadInPlace;
use crypto_box::aead::generic_array::GenericArray;
use rand_core::{CryptoRng, RngCore};
use serde::Deserialize;
use x25519_dalek::StaticSecret;

use crate::b64;
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

/// Local limits for paseo mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaseoLimits {
    /// Largest plaintext accepted or produced.
    pub max_payload_len: usize,
    /// How many frame nonces (received and sent) are remembered to refuse duplicates.
    pub duplicate_window: usize,
}

impl Default for PaseoLimits {
    fn default() -> Self {
        Self {
            max_payload_len: 8 << 20,
            duplicate_window: 4096,
        }
    }
}

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
struct ControlMessage {
    #[serde(rename = "type")]
    ty: String,
    key: Option<String>,
}

fn hello_json(key: &PublicKey) -> String {
    format!(r#"{{"type":"e2ee_hello","key":"{}"}}"#, key.to_base64())
}

/// Every control message goes through here: the size is checked before serde_json sees it.
fn parse_control(text: &str) -> Result<ControlMessage> {
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

/// Daemon side, waiting for the first message, which must be a valid hello.
#[derive(Debug)]
pub struct DaemonHandshake<'k> {
    keys: &'k DaemonKeyPair,
    limits: PaseoLimits,
}

impl<'k> DaemonHandshake<'k> {
    /// A responder with the daemon's long-term key pair.
    #[must_use]
    pub fn new(keys: &'k DaemonKeyPair) -> Self {
        Self {
            keys,
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
    pub fn read_hello(self, text: &str) -> Result<(PaseoChannel, String)> {
        let client = parse_hello(text)?;
        // Refuse low-order keys (crypto_box itself would accept them).
        let _ = self.keys.agree(&client)?;
        let secret = self.keys.secret_bytes();
        let cipher = SalsaBox::new(
            &crypto_box::PublicKey::from(*client.as_bytes()),
            &crypto_box::SecretKey::from(*secret),
        );
        let channel = PaseoChannel::new(cipher, Role::Daemon { client }, self.limits);
        Ok((channel, READY_JSON.to_owned()))
    }
}

/// Client side: hello sent (re-send [`ClientHandshake::hello`] until ready arrives).
pub struct ClientHandshake {
    cipher: SalsaBox,
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
        let cipher = SalsaBox::new(
            &crypto_box::PublicKey::from(*daemon.as_bytes()),
            &crypto_box::SecretKey::from(*e_bytes),
        );
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
enum Role {
    Daemon { client: PublicKey },
    Client,
}

/// Remembers recent nonces in insertion order, bounded.
struct NonceWindow {
    set: HashSet<[u8; NONCE_LEN]>,
    order: VecDeque<[u8; NONCE_LEN]>,
    cap: usize,
}

impl NonceWindow {
    fn contains(&self, n: &[u8; NONCE_LEN]) -> bool {
        self.set.contains(n)
    }

    fn insert(&mut self, n: [u8; NONCE_LEN]) {
        if self.cap == 0 || !self.set.insert(n) {
            return;
        }
        self.order.push_back(n);
        while self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }
}

/// An open paseo channel (either end). Any error closes it (the daemon closes with 1011).
pub struct PaseoChannel {
    cipher: SalsaBox,
    role: Role,
    seen: NonceWindow,
    limits: PaseoLimits,
    closed: bool,
}

impl std::fmt::Debug for PaseoChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaseoChannel")
            .field("role", &self.role)
            .field("closed", &self.closed)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl PaseoChannel {
    fn new(cipher: SalsaBox, role: Role, limits: PaseoLimits) -> Self {
        Self {
            cipher,
            role,
            seen: NonceWindow {
                set: HashSet::new(),
                order: VecDeque::new(),
                cap: limits.duplicate_window,
            },
            limits,
            closed: false,
        }
    }

    /// Whether the channel refuses further frames.
    #[must_use]
    pub const fn is_closed(&self) -> bool {
        self.closed
    }

    /// Encrypts with a fresh random nonce into a base64 text frame.
    pub fn seal(&mut self, plaintext: &[u8]) -> Result<String> {
        self.seal_with_rng(plaintext, &mut rand_core::OsRng)
    }

    /// [`PaseoChannel::seal`] drawing the nonce from `rng`.
    pub fn seal_with_rng<R: RngCore + CryptoRng>(
        &mut self,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Result<String> {
        use base64::Engine as _;
        if self.closed {
            return Err(Error::ChannelClosed);
        }
        if plaintext.len() > self.limits.max_payload_len {
            return Err(Error::FrameTooLarge {
                len: plaintext.len(),
                max: self.limits.max_payload_len,
            });
        }
        let mut nonce = [0u8; NONCE_LEN];
        rng.try_fill_bytes(&mut nonce).map_err(|_| Error::Random)?;
        let mut frame = Vec::with_capacity(NONCE_LEN + TAG_LEN + plaintext.len());
        frame.extend_from_slice(&nonce);
        frame.extend_from_slice(&[0u8; TAG_LEN]);
        frame.extend_from_slice(plaintext);
        let (head, body) = frame.split_at_mut(NONCE_LEN + TAG_LEN);
        let tag = self
            .cipher
            .encrypt_in_place_detached(&GenericArray::from(nonce), b"", body)
            .map_err(|_| Error::Internal)?;
        head.get_mut(NONCE_LEN..)
            .ok_or(Error::Internal)?
            .copy_from_slice(tag.as_slice());
        // Remember our own nonce: a reflected frame would otherwise decrypt (one key, both ways).
        self.seen.insert(nonce);
        Ok(base64::engine::general_purpose::STANDARD.encode(frame))
    }

    /// Handles one incoming text frame. Errors close the channel.
    pub fn open(&mut self, text: &str) -> Result<Received> {
        if self.closed {
            return Err(Error::ChannelClosed);
        }
        let result = self.open_inner(text);
        if result.is_err() {
            self.closed = true;
        }
        result
    }

    fn open_inner(&mut self, text: &str) -> Result<Received> {
        if text.starts_with('{') {
            return self.control_on_open_channel(text);
        }
        let max_frame = self
            .limits
            .max_payload_len
            .saturating_add(NONCE_LEN + TAG_LEN);
        let max_text = max_frame.div_ceil(3).saturating_mul(4);
        if text.len() > max_text {
            return Err(Error::FrameTooLarge {
                len: text.len(),
                max: max_text,
            });
        }
        let mut frame = b64::decode_lenient(text)?;
        let (nonce, rest) = frame
            .split_first_chunk::<NONCE_LEN>()
            .ok_or(Error::MalformedFrame("shorter than nonce and tag"))?;
        let nonce = *nonce;
        let tag = *rest
            .first_chunk::<TAG_LEN>()
            .ok_or(Error::MalformedFrame("shorter than nonce and tag"))?;
        if self.seen.contains(&nonce) {
            return Err(Error::DuplicateFrame);
        }
        let body = frame
            .get_mut(NONCE_LEN + TAG_LEN..)
            .ok_or(Error::MalformedFrame("shorter than nonce and tag"))?;
        self.cipher
            .decrypt_in_place_detached(
                &GenericArray::from(nonce),
                b"",
                body,
                &GenericArray::from(tag),
            )
            .map_err(|_| Error::Authentication)?;
        self.seen.insert(nonce);
        frame.drain(..NONCE_LEN + TAG_LEN);
        Ok(Received::Data(frame))
    }

    fn control_on_open_channel(&self, text: &str) -> Result<Received> {
        let msg = parse_control(text)?;
        match (self.role, msg.ty.as_str()) {
            (Role::Daemon { client }, "e2ee_hello") => {
                let key = PublicKey::from_base64(
                    msg.key.as_deref().ok_or(Error::Json("hello without key"))?,
                )?;
                if key == client {
                    Ok(Received::HelloAgain(READY_JSON.to_owned()))
                } else {
                    Err(Error::HelloOnOpenChannel)
                }
            }
            (Role::Client, "e2ee_ready") => Ok(Received::ReadyAgain),
            _ => Err(Error::UnexpectedFrame(
                "plaintext message on an open channel",
            )),
        }
    }
}
