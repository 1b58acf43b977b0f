//! Signing keys, verification keys, and the key ring that rotates them.
//!
//! The key type decides the token version, and the version decides the algorithm: an Ed25519
//! key only ever verifies `bat1e.` tokens and an HMAC key only `bat1h.` tokens, whatever key id
//! a token claims. There is no way to verify a token with "whatever algorithm it names".

use std::fmt;
use std::sync::Arc;

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, Ed25519KeyPair, KeyPair as _};
use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox, SecretSlice};

use crate::format::Version;
use crate::{Error, KeyId};

/// Shortest HMAC key accepted: the full output size of SHA-256 (RFC 2104 section 3).
pub const MIN_HMAC_KEY_LEN: usize = 32;

/// A key that mints tokens: Ed25519 (default) or HMAC-SHA256.
///
/// The secret is held in `secrecy` types and zeroized on drop; `Debug` shows only the key id
/// and algorithm. (ring's internal key schedule is not zeroized by ring; see the README.)
pub struct SigningKey {
    kid: KeyId,
    inner: SigningInner,
}

enum SigningInner {
    Ed25519 {
        pair: Ed25519KeyPair,
        seed: SecretBox<[u8; 32]>,
    },
    Hmac(Arc<HmacSecret>),
}

pub(crate) struct HmacSecret {
    key: hmac::Key,
    bytes: SecretSlice<u8>,
}

impl SigningKey {
    /// A fresh Ed25519 key from the system RNG.
    pub fn generate_ed25519(kid: KeyId) -> Result<Self, Error> {
        let mut seed = SecretBox::new(Box::new([0u8; 32]));
        SystemRandom::new()
            .fill(seed.expose_secret_mut().as_mut_slice())
            .map_err(|_| Error::Rng)?;
        Self::ed25519_from_secret(kid, seed)
    }

    /// An Ed25519 key from its 32-byte RFC 8032 secret (seed), as stored by [`Self::secret_bytes`].
    pub fn ed25519_from_seed(kid: KeyId, seed: &[u8]) -> Result<Self, Error> {
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| Error::InvalidKey("Ed25519 seed must be 32 bytes"))?;
        Self::ed25519_from_secret(kid, SecretBox::new(Box::new(seed)))
    }

    fn ed25519_from_secret(kid: KeyId, seed: SecretBox<[u8; 32]>) -> Result<Self, Error> {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed.expose_secret())
            .map_err(|_| Error::InvalidKey("Ed25519 seed rejected"))?;
        Ok(Self {
            kid,
            inner: SigningInner::Ed25519 { pair, seed },
        })
    }

    /// A fresh 256-bit HMAC-SHA256 key from the system RNG.
    pub fn generate_hmac(kid: KeyId) -> Result<Self, Error> {
        let mut bytes = vec![0u8; MIN_HMAC_KEY_LEN];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| Error::Rng)?;
        Self::hmac_from_bytes(kid, SecretSlice::from(bytes))
    }

    /// An HMAC-SHA256 key from at least [`MIN_HMAC_KEY_LEN`] secret bytes.
    pub fn hmac_from_bytes(kid: KeyId, secret: SecretSlice<u8>) -> Result<Self, Error> {
        if secret.expose_secret().len() < MIN_HMAC_KEY_LEN {
            return Err(Error::InvalidKey("HMAC key shorter than 32 bytes"));
        }
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret.expose_secret());
        Ok(Self {
            kid,
            inner: SigningInner::Hmac(Arc::new(HmacSecret { key, bytes: secret })),
        })
    }

    /// The key id written into every token this key mints.
    pub fn key_id(&self) -> &KeyId {
        &self.kid
    }

    /// The token version (and so the algorithm) this key mints.
    pub fn version(&self) -> Version {
        match self.inner {
            SigningInner::Ed25519 { .. } => Version::V1Ed25519,
            SigningInner::Hmac(_) => Version::V1HmacSha256,
        }
    }

    /// The secret to persist (Ed25519: the 32-byte seed; HMAC: the key bytes). Store it in a
    /// secret store (e.g. bosso-vault), never in logs or config files.
    pub fn secret_bytes(&self) -> &[u8] {
        match &self.inner {
            SigningInner::Ed25519 { seed, .. } => seed.expose_secret(),
            SigningInner::Hmac(h) => h.bytes.expose_secret(),
        }
    }

    /// The key that verifies this key's tokens. For Ed25519 it holds only the public key and
    /// can be exported; for HMAC it holds the shared secret and cannot.
    pub fn verification_key(&self) -> VerificationKey {
        let inner = match &self.inner {
            SigningInner::Ed25519 { pair, .. } => {
                let mut pk = [0u8; 32];
                pk.copy_from_slice(pair.public_key().as_ref());
                VerifyInner::Ed25519(pk)
            }
            SigningInner::Hmac(h) => VerifyInner::Hmac(Arc::clone(h)),
        };
        VerificationKey {
            kid: self.kid.clone(),
            inner,
        }
    }

    pub(crate) fn sign(&self, msg: &[u8]) -> Signature {
        match &self.inner {
            SigningInner::Ed25519 { pair, .. } => Signature::Ed25519(pair.sign(msg)),
            SigningInner::Hmac(h) => Signature::Hmac(hmac::sign(&h.key, msg)),
        }
    }
}

/// A signature or tag, kept on the stack.
pub(crate) enum Signature {
    Ed25519(signature::Signature),
    Hmac(hmac::Tag),
}

impl AsRef<[u8]> for Signature {
    fn as_ref(&self) -> &[u8] {
        match self {
            Signature::Ed25519(s) => s.as_ref(),
            Signature::Hmac(t) => t.as_ref(),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("version", &self.version())
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

/// A key that verifies tokens of one key id and one algorithm.
#[derive(Clone)]
pub struct VerificationKey {
    kid: KeyId,
    inner: VerifyInner,
}

#[derive(Clone)]
enum VerifyInner {
    Ed25519([u8; 32]),
    Hmac(Arc<HmacSecret>),
}

impl VerificationKey {
    /// An Ed25519 public key (32 bytes, RFC 8032 encoding). A key of small order
    /// ([`crate::ed25519::is_small_order`]) is refused: one forged signature would verify
    /// every token under it.
    pub fn ed25519_public(kid: KeyId, public_key: &[u8]) -> Result<Self, Error> {
        let pk: [u8; 32] = public_key
            .try_into()
            .map_err(|_| Error::InvalidKey("Ed25519 public key must be 32 bytes"))?;
        if crate::ed25519::is_small_order(&pk) {
            return Err(Error::InvalidKey("Ed25519 public key of small order"));
        }
        Ok(Self {
            kid,
            inner: VerifyInner::Ed25519(pk),
        })
    }

    /// The key id.
    pub fn key_id(&self) -> &KeyId {
        &self.kid
    }

    /// The token version this key verifies.
    pub fn version(&self) -> Version {
        match self.inner {
            VerifyInner::Ed25519(_) => Version::V1Ed25519,
            VerifyInner::Hmac(_) => Version::V1HmacSha256,
        }
    }

    /// The Ed25519 public key, or `None` for an HMAC key (whose "public" half is the secret).
    pub fn ed25519_public_key(&self) -> Option<&[u8; 32]> {
        match &self.inner {
            VerifyInner::Ed25519(pk) => Some(pk),
            VerifyInner::Hmac(_) => None,
        }
    }

    /// Constant time for HMAC (`ring::hmac::verify`); Ed25519 verification involves no secret.
    pub(crate) fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), Error> {
        match &self.inner {
            VerifyInner::Ed25519(pk) => signature::UnparsedPublicKey::new(&signature::ED25519, pk)
                .verify(msg, sig)
                .map_err(|_| Error::BadSignature),
            VerifyInner::Hmac(h) => hmac::verify(&h.key, msg, sig).map_err(|_| Error::BadSignature),
        }
    }
}

impl fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("VerificationKey");
        d.field("kid", &self.kid).field("version", &self.version());
        match &self.inner {
            VerifyInner::Ed25519(pk) => d.field("public_key", &crate::jwk::b64(pk)),
            VerifyInner::Hmac(_) => d.field("secret", &"[REDACTED]"),
        };
        d.finish()
    }
}

/// The set of keys a verifier accepts, looked up by (algorithm, key id).
#[derive(Clone, Debug, Default)]
pub struct VerificationKeys {
    keys: Vec<VerificationKey>,
}

impl VerificationKeys {
    /// An empty set (verifies nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key. A key id may appear once per algorithm.
    pub fn insert(&mut self, key: VerificationKey) -> Result<(), Error> {
        if self
            .keys
            .iter()
            .any(|k| k.kid == key.kid && k.version() == key.version())
        {
            return Err(Error::InvalidKeySet("duplicate key id"));
        }
        self.keys.push(key);
        Ok(())
    }

    /// Removes every key with this id; returns whether one was removed.
    pub fn remove(&mut self, kid: &KeyId) -> bool {
        let before = self.keys.len();
        self.keys.retain(|k| &k.kid != kid);
        before != self.keys.len()
    }

    /// The keys, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &VerificationKey> {
        self.keys.iter()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub(crate) fn find(&self, version: Version, kid: &[u8]) -> Option<&VerificationKey> {
        // Linear: a ring holds a handful of keys, and a scan beats hashing at that size.
        self.keys
            .iter()
            .find(|k| k.version() == version && k.kid.as_str().as_bytes() == kid)
    }
}

/// One active signing key plus every key still accepted for verification.
///
/// Rotation with overlap: [`KeyRing::rotate`] makes a new key active and keeps the previous one
/// for verification, so tokens minted just before the rotation still verify; once the longest
/// token lifetime plus leeway has passed, [`KeyRing::retire`] drops it.
#[derive(Debug)]
pub struct KeyRing {
    active: Arc<SigningKey>,
    verify: VerificationKeys,
}

impl KeyRing {
    /// A ring whose only key is `active`.
    pub fn new(active: SigningKey) -> Self {
        let mut verify = VerificationKeys::new();
        // An empty set cannot contain a duplicate, so insertion cannot fail.
        let _ = verify.insert(active.verification_key());
        Self {
            active: Arc::new(active),
            verify,
        }
    }

    /// The key new tokens are minted with.
    pub fn active(&self) -> &Arc<SigningKey> {
        &self.active
    }

    /// Makes `next` the active key; the previous active key keeps verifying until retired.
    pub fn rotate(&mut self, next: SigningKey) -> Result<(), Error> {
        self.verify.insert(next.verification_key())?;
        self.active = Arc::new(next);
        Ok(())
    }

    /// Stops accepting tokens of `kid`. The active key cannot be retired.
    pub fn retire(&mut self, kid: &KeyId) -> Result<(), Error> {
        if kid == self.active.key_id() {
            return Err(Error::InvalidKeySet("cannot retire the active key"));
        }
        if !self.verify.remove(kid) {
            return Err(Error::InvalidKeySet("no such key id"));
        }
        Ok(())
    }

    /// Adds a verification-only key (e.g. another node's public key).
    pub fn add_verification_key(&mut self, key: VerificationKey) -> Result<(), Error> {
        self.verify.insert(key)
    }

    /// The keys a verifier should accept now.
    pub fn verification_keys(&self) -> VerificationKeys {
        self.verify.clone()
    }
}
