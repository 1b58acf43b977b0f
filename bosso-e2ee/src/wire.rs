//! Secure-mode wire constants and the frame header (see `SPEC.md`).

use crate::error::{Error, Result};
use crate::symmetric::TAG_LEN;

/// Protocol version carried in byte 0 of every frame.
pub const VERSION: u8 = 1;
/// Frame kind: client hello (Noise NK message 1).
pub const KIND_HELLO: u8 = 1;
/// Frame kind: daemon ready (Noise NK message 2).
pub const KIND_READY: u8 = 2;
/// Frame kind: encrypted transport record.
pub const KIND_DATA: u8 = 3;
/// Version byte + kind byte.
pub const HEADER_LEN: usize = 2;
/// Length of the hello and ready frames: header, ephemeral key, tag of the empty payload.
pub const HANDSHAKE_FRAME_LEN: usize = HEADER_LEN + 32 + TAG_LEN;
/// Noise's maximum message length (65535) less the tag and record type byte.
pub const MAX_PAYLOAD_LEN: usize = 65535 - TAG_LEN - 1;
/// Noise protocol name (exactly 32 bytes, so it is `h`'s initial value unhashed).
pub const PROTOCOL_NAME: &[u8; 32] = b"Noise_NK_25519_ChaChaPoly_SHA256";
/// Noise prologue: binds the version into the handshake hash.
pub const PROLOGUE: &[u8] = b"bosso-e2ee/1";

/// The type of a decrypted record (last plaintext byte, as in TLS 1.3's inner content type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum RecordType {
    /// Application data.
    App = 1,
    /// Client key confirmation (the client's first record, empty body).
    Confirm = 2,
    /// Authenticated end of stream.
    Close = 3,
}

impl RecordType {
    pub(crate) const fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(Self::App),
            2 => Some(Self::Confirm),
            3 => Some(Self::Close),
            _ => None,
        }
    }
}

/// Limits shared by both ends. The rekey bounds are part of the protocol: both ends must use the
/// same values (the defaults) or their keys diverge. `max_payload_len` is local policy.
///
/// Only [`Limits::new`] (which checks) and [`Limits::default`] build one, so a channel never
/// holds a payload limit above what Noise allows or a rekey bound of zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    max_payload_len: usize,
    rekey_after_messages: u64,
    rekey_after_bytes: u64,
}

impl Limits {
    /// Checked limits: `max_payload_len` at most [`MAX_PAYLOAD_LEN`] (a larger frame is not a
    /// Noise transport message), rekey bounds at least 1.
    pub const fn new(
        max_payload_len: usize,
        rekey_after_messages: u64,
        rekey_after_bytes: u64,
    ) -> Result<Self> {
        if max_payload_len > MAX_PAYLOAD_LEN {
            return Err(Error::InvalidLimits(
                "max_payload_len above MAX_PAYLOAD_LEN (65518)",
            ));
        }
        if rekey_after_messages == 0 || rekey_after_bytes == 0 {
            return Err(Error::InvalidLimits("rekey bounds must be at least 1"));
        }
        Ok(Self {
            max_payload_len,
            rekey_after_messages,
            rekey_after_bytes,
        })
    }

    /// Largest application payload accepted or produced (at most [`MAX_PAYLOAD_LEN`]).
    #[must_use]
    pub const fn max_payload_len(&self) -> usize {
        self.max_payload_len
    }

    /// Largest ciphertext (payload, record type byte, tag) accepted: cannot overflow, since
    /// `max_payload_len` is at most [`MAX_PAYLOAD_LEN`].
    pub(crate) const fn max_ciphertext_len(&self) -> usize {
        self.max_payload_len.saturating_add(1 + TAG_LEN)
    }

    /// Largest data frame accepted (header, payload, record type byte, tag): 65,537 bytes with
    /// the default limits. The socket adapters bound the WebSocket message size to it.
    #[must_use]
    pub const fn max_frame_len(&self) -> usize {
        self.max_ciphertext_len().saturating_add(HEADER_LEN)
    }

    /// Rekey a direction after this many records (at least 1).
    #[must_use]
    pub const fn rekey_after_messages(&self) -> u64 {
        self.rekey_after_messages
    }

    /// Rekey a direction after this many ciphertext bytes (at least 1).
    #[must_use]
    pub const fn rekey_after_bytes(&self) -> u64 {
        self.rekey_after_bytes
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_payload_len: MAX_PAYLOAD_LEN,
            rekey_after_messages: 1 << 16,
            rekey_after_bytes: 1 << 30,
        }
    }
}

/// The header of a handshake frame, checked: version, then kind.
pub(crate) fn split_handshake_frame(frame: &[u8], kind: u8) -> Result<(&[u8; 32], &[u8; 16])> {
    let (header, rest) = frame
        .split_first_chunk::<HEADER_LEN>()
        .ok_or(Error::MalformedFrame("frame shorter than its header"))?;
    check_version(header[0])?;
    if header[1] != kind {
        return Err(kind_error(header[1]));
    }
    if frame.len() != HANDSHAKE_FRAME_LEN {
        return Err(Error::MalformedFrame(
            "handshake frame has the wrong length",
        ));
    }
    let (key, tag) = rest
        .split_first_chunk::<32>()
        .ok_or(Error::MalformedFrame("handshake frame too short"))?;
    let tag: &[u8; 16] = tag
        .try_into()
        .map_err(|_| Error::MalformedFrame("handshake frame has the wrong length"))?;
    Ok((key, tag))
}

/// The ciphertext of a data frame, after checking version and kind.
pub(crate) fn split_data_frame(frame: &[u8]) -> Result<&[u8]> {
    let (header, rest) = frame
        .split_first_chunk::<HEADER_LEN>()
        .ok_or(Error::MalformedFrame("frame shorter than its header"))?;
    check_version(header[0])?;
    match header[1] {
        KIND_DATA => Ok(rest),
        KIND_HELLO => Err(Error::HelloOnOpenChannel),
        other => Err(kind_error(other)),
    }
}

fn check_version(v: u8) -> Result<()> {
    if v == VERSION {
        Ok(())
    } else {
        Err(Error::UnsupportedVersion)
    }
}

fn kind_error(kind: u8) -> Error {
    match kind {
        KIND_HELLO => Error::UnexpectedFrame("hello"),
        KIND_READY => Error::UnexpectedFrame("ready"),
        KIND_DATA => Error::UnexpectedFrame("data before the handshake completed"),
        _ => Error::MalformedFrame("unknown frame kind"),
    }
}
