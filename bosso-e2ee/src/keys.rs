//! X25519 keys: the daemon's long-term key pair, public keys, fingerprints.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand_core::{CryptoRng, RngCore};
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Length of an X25519 key in bytes.
pub const KEY_LEN: usize = 32;

/// An X25519 public key (32 bytes). Public data: shown in full by `Debug`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; KEY_LEN]);

impl PublicKey {
    /// Wraps 32 raw bytes. Low-order points are accepted here and refused at key agreement
    /// (the X25519 result is checked for contributory behaviour there).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// Parses raw bytes; the length must be exactly 32.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        <[u8; KEY_LEN]>::try_from(bytes)
            .map(Self)
            .map_err(|_| Error::InvalidPublicKey)
    }

    /// Parses base64 (standard or url-safe, padded or not), as Paseo peers send it.
    pub fn from_base64(text: &str) -> Result<Self> {
        let bytes = crate::b64::decode_lenient(text).map_err(|_| Error::InvalidPublicKey)?;
        Self::from_slice(&bytes)
    }

    /// The raw bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Standard padded base64 (44 characters).
    #[must_use]
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// A short fingerprint for out-of-band comparison (e.g. "a1b2-c3d4-e5f6-0718"):
    /// the first 8 bytes of SHA-256("bosso-e2ee fingerprint v1" || key), hex in groups of 4.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"bosso-e2ee fingerprint v1");
        ctx.update(&self.0);
        let digest = ctx.finish();
        let mut out = String::with_capacity(19);
        for (i, b) in digest.as_ref().iter().take(8).enumerate() {
            if i > 0 && i % 2 == 0 {
                out.push('-');
            }
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    pub(crate) fn to_dalek(self) -> x25519_dalek::PublicKey {
        x25519_dalek::PublicKey::from(self.0)
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_base64())
    }
}

/// The daemon's long-term X25519 key pair. The secret never appears in `Debug` and is zeroized
/// on drop (x25519-dalek's `StaticSecret` zeroizes itself).
#[derive(Clone)]
pub struct DaemonKeyPair {
    secret: StaticSecret,
    public: PublicKey,
}

impl DaemonKeyPair {
    /// Generates a fresh key pair from the operating system's random generator.
    #[must_use]
    pub fn generate() -> Self {
        Self::generate_with_rng(&mut rand_core::OsRng)
    }

    /// Generates a key pair from the given cryptographic random generator.
    pub fn generate_with_rng<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self::from_secret_bytes(StaticSecret::random_from_rng(rng).to_bytes())
    }

    /// Builds the key pair from a 32-byte secret (clamping is applied by X25519 itself).
    #[must_use]
    pub fn from_secret_bytes(secret: [u8; KEY_LEN]) -> Self {
        let secret = Zeroizing::new(secret);
        let secret = StaticSecret::from(*secret);
        let public = PublicKey(x25519_dalek::PublicKey::from(&secret).to_bytes());
        Self { secret, public }
    }

    /// The public half, to share through a pairing offer.
    #[must_use]
    pub const fn public(&self) -> &PublicKey {
        &self.public
    }

    /// The secret bytes, for the key file and the NaCl precomputation only.
    pub(crate) fn secret_bytes(&self) -> Zeroizing<[u8; KEY_LEN]> {
        Zeroizing::new(self.secret.to_bytes())
    }

    /// X25519 with the peer's key, refusing non-contributory (low-order or zero) results.
    pub(crate) fn agree(&self, peer: &PublicKey) -> Result<Zeroizing<[u8; KEY_LEN]>> {
        agree(&self.secret, peer)
    }
}

impl std::fmt::Debug for DaemonKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DaemonKeyPair")
            .field("public", &self.public)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// X25519 refusing a non-contributory result: a low-order or all-zero peer key would give an
/// output the attacker knows, so the handshake stops there.
pub(crate) fn agree(secret: &StaticSecret, peer: &PublicKey) -> Result<Zeroizing<[u8; KEY_LEN]>> {
    let shared = secret.diffie_hellman(&peer.to_dalek());
    if !shared.was_contributory() {
        return Err(Error::WeakPublicKey);
    }
    Ok(Zeroizing::new(shared.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secret() {
        let kp = DaemonKeyPair::from_secret_bytes([7; 32]);
        let dbg = format!("{kp:?}");
        assert!(dbg.contains("redacted"));
        assert!(!dbg.contains(&STANDARD.encode([7u8; 32])));
        assert!(!dbg.contains("7, 7"));
    }

    #[test]
    fn fingerprint_shape_and_distinct() {
        let a = DaemonKeyPair::from_secret_bytes([1; 32])
            .public()
            .fingerprint();
        let b = DaemonKeyPair::from_secret_bytes([2; 32])
            .public()
            .fingerprint();
        assert_eq!(a.len(), 19);
        assert_eq!(a.matches('-').count(), 3);
        assert_ne!(a, b);
    }
}
