//! The envelope ciphertext layout: `version (1) || key id (4, big-endian) || sealed`, where
//! `sealed` is the crate's AEAD output `seed (24) || ciphertext || tag (16)`.

use super::keyset::KeyId;
use crate::Error;

/// The only ciphertext version this build writes and reads.
pub const CIPHERTEXT_VERSION: u8 = 1;
/// Bytes an envelope ciphertext adds to its plaintext.
pub const CIPHERTEXT_OVERHEAD: usize = HEADER_LEN + crate::aead::OVERHEAD;
pub(crate) const HEADER_LEN: usize = 5;
const WHAT: &str = "ciphertext";

/// The parsed, unauthenticated header of an envelope ciphertext: which key sealed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CiphertextHeader {
    /// Format version.
    pub version: u8,
    /// The key that sealed it.
    pub key_id: KeyId,
}

impl CiphertextHeader {
    /// Parses the header and checks the body is long enough to hold seed and tag. Never
    /// panics; says nothing about authenticity (only decryption does).
    pub fn parse(ciphertext: &[u8]) -> Result<(Self, &[u8]), Error> {
        let mut r = crate::bytes::Reader::new(ciphertext, WHAT);
        let version = r.u8()?;
        if version != CIPHERTEXT_VERSION {
            return Err(Error::UnsupportedVersion { what: WHAT });
        }
        let key_id = KeyId::from_u32(r.u32()?).ok_or(Error::malformed(WHAT, "key id 0"))?;
        let body = ciphertext
            .get(HEADER_LEN..)
            .ok_or(Error::malformed(WHAT, "truncated"))?;
        if body.len() < crate::aead::OVERHEAD {
            return Err(Error::malformed(WHAT, "truncated"));
        }
        Ok((Self { version, key_id }, body))
    }

    pub(crate) fn encode(&self) -> [u8; HEADER_LEN] {
        let id = self.key_id.get().to_be_bytes();
        [self.version, id[0], id[1], id[2], id[3]]
    }
}
