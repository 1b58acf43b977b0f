//! X25519 keys: the daemon's long-term key pair, public keys, fingerprints.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand_core::{CryptoRng, RngCore};
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Length of an X25519 key in bytes.
pub const KEY_LEN: usize = 32;

/// Domain separation of the fingerprint hash (v2: the 40-digit form; v1 was 64 bits of hex).
const FINGERPRINT_DOMAIN: &[u8] = b"bosso-e2ee fingerprint v2";
/// Characters in a fingerprint: 8 groups of 5 digits and 7 spaces.
const FINGERPRINT_LEN: usize = 8 * 5 + 7;

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

    /// The fingerprint people compare out of band (like a safety number): 40 decimal digits
    /// in 8 groups of 5 separated by spaces, e.g. `"66286 96418 40500 64578 93724 57199 20567
    /// 25978"`. With `d = SHA-256("bosso-e2ee fingerprint v2" || key)`, group `i` is the
    /// big-endian `u32` of `d[4i..4i+4]` modulo 100000, zero-padded. Each group carries
    /// log2(100000) = 16.6 bits (the modulo bias is below 2^-15), about 132.9 bits in all:
    /// finding another key with the same fingerprint costs about 2^132 hashes.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(FINGERPRINT_DOMAIN);
        ctx.update(&self.0);
        let digest = ctx.finish();
        let mut out = String::with_capacity(FINGERPRINT_LEN);
        for (i, chunk) in digest.as_ref().chunks_exact(4).enumerate() {
            let group = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) % 100_000;
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&format!("{group:05}"));
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
        let secret = Zeroizing::new(StaticSecret::random_from_rng(rng).to_bytes());
        Self::from_secret_bytes(&secret)
    }

    /// Builds the key pair from a 32-byte secret (clamping is applied by X25519 itself).
    ///
    /// Borrowed, so this function leaves no copy of its own behind: the caller owns the
    /// buffer and wipes it (hold it in a `Zeroizing`). `StaticSecret` wipes its copy on drop.
    #[must_use]
    pub fn from_secret_bytes(secret: &[u8; KEY_LEN]) -> Self {
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
        let kp = DaemonKeyPair::from_secret_bytes(&[7; 32]);
        let dbg = format!("{kp:?}");
        assert!(dbg.contains("redacted"));
        assert!(!dbg.contains(&STANDARD.encode([7u8; 32])));
        assert!(!dbg.contains("7, 7"));
    }

    #[test]
    fn fingerprint_shape_and_distinct() {
        let a = DaemonKeyPair::from_secret_bytes(&[1; 32])
            .public()
            .fingerprint();
        let b = DaemonKeyPair::from_secret_bytes(&[2; 32])
            .public()
            .fingerprint();
        assert_eq!(a.len(), FINGERPRINT_LEN);
        let groups: Vec<&str> = a.split(' ').collect();
        assert_eq!(groups.len(), 8);
        assert!(
            groups
                .iter()
                .all(|g| g.len() == 5 && g.bytes().all(|c| c.is_ascii_digit()))
        );
        assert_ne!(a, b);
    }

    #[test]
    fn fingerprint_groups_keep_leading_zeros() {
        // Each group is below 10000 with probability 0.1, so among 256 keys some fingerprint
        // has such a group: it must still be printed with 5 digits.
        let padded = (0u8..=255)
            .map(|n| {
                DaemonKeyPair::from_secret_bytes(&[n; 32])
                    .public()
                    .fingerprint()
            })
            .find(|f| f.split(' ').any(|g| g.starts_with('0')))
            .unwrap();
        assert!(padded.split(' ').all(|g| g.len() == 5), "{padded}");
    }
}
