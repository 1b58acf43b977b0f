//! An open paseo channel: base64 text frames, NaCl box with a precomputed key, and the bounded
//! nonce window that refuses duplicates and reflections.

use std::collections::{HashSet, VecDeque};

use crypto_box::aead::AeadInPlace;
use crypto_box::aead::generic_array::GenericArray;
use rand_core::{CryptoRng, RngCore};

use super::{
    NONCE_LEN, PaseoLimits, READY_JSON, Received, Role, SharedBox, TAG_LEN, parse_control,
};
use crate::b64;
use crate::error::{Error, Result};
use crate::keys::PublicKey;

/// Remembers recent nonces in insertion order, bounded.
#[cfg_attr(fuzzing, derive(Clone))]
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
        if !self.set.insert(n) {
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
// Fuzz builds only: a clone would fork the duplicate window, so no real build has it.
#[cfg_attr(fuzzing, derive(Clone))]
pub struct PaseoChannel {
    cipher: SharedBox,
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
    pub(super) fn new(cipher: SharedBox, role: Role, limits: PaseoLimits) -> Self {
        Self {
            cipher,
            role,
            seen: NonceWindow {
                set: HashSet::new(),
                order: VecDeque::new(),
                cap: limits.duplicate_window(),
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

    /// Closes the channel (a socket adapter's transport failed or was cut).
    #[cfg(any(feature = "tokio-tungstenite", feature = "axum"))]
    pub(crate) fn abort(&mut self) {
        self.closed = true;
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
        if plaintext.len() > self.limits.max_payload_len() {
            return Err(Error::FrameTooLarge {
                len: plaintext.len(),
                max: self.limits.max_payload_len(),
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
        let max_text = self.limits.max_frame_len();
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
