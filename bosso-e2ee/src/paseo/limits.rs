//! Checked local limits for paseo mode.

use crate::error::{Error, Result};

/// Smallest duplicate window [`PaseoLimits::new`] accepts. The window is the only replay and
/// reflection defence inside a paseo session (the wire has no counters); a window of a few
/// frames would let a relay replay a frame after a moment of ordinary traffic, and a window of
/// zero would switch the defence off.
pub const MIN_DUPLICATE_WINDOW: usize = 256;
/// Largest duplicate window [`PaseoLimits::new`] accepts: bounds the memory one channel holds
/// (about 100 bytes per remembered nonce, so at most about 6.5 MiB).
pub const MAX_DUPLICATE_WINDOW: usize = 1 << 16;

/// Local limits for paseo mode.
///
/// Only [`PaseoLimits::new`] (which checks) and [`PaseoLimits::default`] build one, so a
/// channel always remembers at least [`MIN_DUPLICATE_WINDOW`] nonces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaseoLimits {
    max_payload_len: usize,
    duplicate_window: usize,
}

impl PaseoLimits {
    /// Checked limits: `duplicate_window` (how many frame nonces, received and sent, a channel
    /// remembers to refuse duplicates and reflections) from [`MIN_DUPLICATE_WINDOW`] to
    /// [`MAX_DUPLICATE_WINDOW`]; `max_payload_len` is the largest plaintext accepted or produced.
    pub const fn new(max_payload_len: usize, duplicate_window: usize) -> Result<Self> {
        if duplicate_window < MIN_DUPLICATE_WINDOW {
            return Err(Error::InvalidLimits(
                "duplicate_window below MIN_DUPLICATE_WINDOW (256)",
            ));
        }
        if duplicate_window > MAX_DUPLICATE_WINDOW {
            return Err(Error::InvalidLimits(
                "duplicate_window above MAX_DUPLICATE_WINDOW (65536)",
            ));
        }
        Ok(Self {
            max_payload_len,
            duplicate_window,
        })
    }

    /// Largest plaintext accepted or produced.
    #[must_use]
    pub const fn max_payload_len(&self) -> usize {
        self.max_payload_len
    }

    /// Longest data frame text accepted: the standard padded base64 of nonce, tag and the
    /// largest payload, `4 * ceil((max_payload_len + 40) / 3)` (11,184,864 bytes by default).
    /// Longer text is refused before it is decoded; the socket adapters bound the WebSocket
    /// message size to it (or to [`super::MAX_CONTROL_LEN`] if that is larger).
    #[must_use]
    pub const fn max_frame_len(&self) -> usize {
        self.max_payload_len
            .saturating_add(super::NONCE_LEN + super::TAG_LEN)
            .div_ceil(3)
            .saturating_mul(4)
    }

    /// How many frame nonces (received and sent) a channel remembers to refuse duplicates.
    #[must_use]
    pub const fn duplicate_window(&self) -> usize {
        self.duplicate_window
    }
}

impl Default for PaseoLimits {
    /// 8 MiB payloads, a window of 4096 nonces.
    fn default() -> Self {
        Self {
            max_payload_len: 8 << 20,
            duplicate_window: 4096,
        }
    }
}
