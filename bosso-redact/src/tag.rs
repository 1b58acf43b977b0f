//! Keyed tags: `[REDACTED:jwt:3f9a1c]`, the same secret gives the same tag under one key, so
//! reports correlate lines without the secret being recoverable.

use crate::Error;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// A per-install HMAC-SHA256 key for keyed tags. Keep it on the machine (e.g. in bosso-vault);
/// anyone holding it can test guesses of a low-entropy secret against a tag.
pub struct TagKey(hmac::Key);

impl TagKey {
    /// Use 32 or more bytes of stored key material.
    pub fn from_bytes(bytes: &[u8]) -> Result<TagKey, Error> {
        if bytes.len() < 32 {
            return Err(Error::TagKeyTooShort);
        }
        Ok(TagKey(hmac::Key::new(hmac::HMAC_SHA256, bytes)))
    }

    /// Fresh key material from the OS random number generator, to store once per install.
    pub fn generate_bytes() -> Result<[u8; 32], Error> {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| Error::Random)?;
        Ok(bytes)
    }

    /// The first 3 bytes of HMAC-SHA256(key, secret), as 6 lower-case hex digits.
    pub fn tag(&self, secret: &[u8]) -> String {
        let mac = hmac::sign(&self.0, secret);
        mac.as_ref()
            .iter()
            .take(3)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl core::fmt::Debug for TagKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TagKey([hidden])")
    }
}
