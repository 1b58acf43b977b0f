//! The keyset: keys by id, one primary, enable/disable/destroy, encrypt/decrypt.

use ring::{hkdf, hmac};
use zeroize::Zeroizing;

use super::ciphertext::{CIPHERTEXT_VERSION, CiphertextHeader};
use super::context::Context;
use crate::Error;
use crate::aead::{self, KEY_LEN, RootKey};
use crate::bytes::Reader;

/// The most keys a keyset holds (destroyed keys count until removed by a new keyset).
pub const MAX_KEYS: usize = 256;
const MSG_LABEL: &[u8] = b"bosso-vault/envelope/v1/message";
const PRK_SALT: &[u8] = b"bosso-vault/envelope/v1/key";
const WHAT: &str = "keyset";
const MAGIC: &[u8; 8] = b"BOSSOKST";
const VERSION: u8 = 1;

/// A key's id inside its keyset: a random non-zero `u32`, written in every ciphertext.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(u32);

impl KeyId {
    /// `None` for 0 (reserved).
    pub fn from_u32(id: u32) -> Option<Self> {
        (id != 0).then_some(Self(id))
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A key's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Decrypts; may be made primary.
    Enabled,
    /// Kept but refuses to decrypt until enabled again (a reversible step before destroying).
    Disabled,
    /// Material erased; data under it is unrecoverable.
    Destroyed,
}

/// What a keyset says about one key (never the material).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyInfo {
    /// The id.
    pub id: KeyId,
    /// The state.
    pub status: KeyStatus,
    /// Whether it encrypts new data.
    pub primary: bool,
}

struct KeyEntry {
    id: KeyId,
    status: KeyStatus,
    /// `None` once destroyed (wiped on drop).
    material: Option<RootKey>,
    /// HKDF-Extract of the material, cached as bytes in `Zeroizing` (wiped on drop and on
    /// destroy); the ring `Prk` is rebuilt from it per call because ring's key objects are
    /// not wiped when dropped.
    prk: Option<RootKey>,
}

impl KeyEntry {
    fn new(id: KeyId, status: KeyStatus, material: Option<RootKey>) -> Self {
        let prk = material.as_ref().map(|m| {
            // HKDF-Extract is HMAC(salt, ikm); computed with ring's HMAC so the PRK lands in
            // our zeroized buffer instead of staying in an (unwiped) ring `Prk`.
            let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, PRK_SALT), m.as_ref());
            let mut prk = Zeroizing::new([0u8; KEY_LEN]);
            prk.copy_from_slice(tag.as_ref());
            prk
        });
        Self {
            id,
            status,
            material,
            prk,
        }
    }

    /// The tenant's key under this key: HKDF-Expand(PRK, "tenant" || len || tenant).
    fn tenant_key(&self, ctx: &Context) -> Result<RootKey, Error> {
        let prk_bytes = self.prk.as_ref().ok_or(Error::KeyDestroyed(self.id.0))?;
        // Transient ring state for this call only (see the `prk` field).
        let prk = hkdf::Prk::new_less_safe(hkdf::HKDF_SHA256, prk_bytes.as_ref());
        let tenant = ctx.tenant().as_str().as_bytes();
        let len = u16::try_from(tenant.len())
            .map_err(|_| Error::TooLarge)?
            .to_be_bytes();
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        prk.expand(&[b"tenant", &len, tenant], Len32)
            .and_then(|okm| okm.fill(k.as_mut()))
            .map_err(|_| Error::Kdf("hkdf expand"))?;
        Ok(k)
    }
}

struct Len32;
impl hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        KEY_LEN
    }
}

/// A set of envelope keys with one primary. `Debug` shows ids and states, never material.
pub struct EnvelopeKeyset {
    primary: KeyId,
    keys: Vec<KeyEntry>,
}

impl std::fmt::Debug for EnvelopeKeyset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvelopeKeyset")
            .field("primary", &self.primary)
            .field("keys", &self.keys())
            .finish()
    }
}

impl EnvelopeKeyset {
    /// A new keyset with one random primary key.
    pub fn generate() -> Result<Self, Error> {
        let mut ks = Self {
            primary: KeyId(1),
            keys: Vec::new(),
        };
        let id = ks.add_key()?;
        ks.primary = id;
        Ok(ks)
    }

    /// The primary key's id.
    pub fn primary(&self) -> KeyId {
        self.primary
    }

    /// Every key's id and state, in the order they were added.
    pub fn keys(&self) -> Vec<KeyInfo> {
        self.keys
            .iter()
            .map(|k| KeyInfo {
                id: k.id,
                status: k.status,
                primary: k.id == self.primary,
            })
            .collect()
    }

    fn find(&self, id: KeyId) -> Result<&KeyEntry, Error> {
        self.keys
            .iter()
            .find(|k| k.id == id)
            .ok_or(Error::UnknownKey(id.0))
    }

    fn find_mut(&mut self, id: KeyId) -> Result<&mut KeyEntry, Error> {
        self.keys
            .iter_mut()
            .find(|k| k.id == id)
            .ok_or(Error::UnknownKey(id.0))
    }

    /// Adds a new enabled key (not primary) and returns its id.
    pub fn add_key(&mut self) -> Result<KeyId, Error> {
        if self.keys.len() >= MAX_KEYS {
            return Err(Error::StoreFull);
        }
        let id = loop {
            let mut b = [0u8; 4];
            aead::fill_random(&mut b)?;
            if let Some(id) = KeyId::from_u32(u32::from_be_bytes(b))
                && self.find(id).is_err()
            {
                break id;
            }
        };
        self.keys.push(KeyEntry::new(
            id,
            KeyStatus::Enabled,
            Some(aead::random_key()?),
        ));
        Ok(id)
    }

    /// Makes an enabled key the primary.
    pub fn set_primary(&mut self, id: KeyId) -> Result<(), Error> {
        match self.find(id)?.status {
            KeyStatus::Enabled => {
                self.primary = id;
                Ok(())
            }
            KeyStatus::Disabled => Err(Error::KeyDisabled(id.0)),
            KeyStatus::Destroyed => Err(Error::KeyDestroyed(id.0)),
        }
    }

    /// Adds a new key and makes it the primary; old keys stay enabled so old data decrypts.
    pub fn rotate(&mut self) -> Result<KeyId, Error> {
        let id = self.add_key()?;
        self.set_primary(id)?;
        Ok(id)
    }

    /// Disables a non-primary key: it stops decrypting until enabled again.
    pub fn disable(&mut self, id: KeyId) -> Result<(), Error> {
        if id == self.primary {
            return Err(Error::PrimaryKey(id.0));
        }
        let k = self.find_mut(id)?;
        match k.status {
            KeyStatus::Destroyed => Err(Error::KeyDestroyed(id.0)),
            _ => {
                k.status = KeyStatus::Disabled;
                Ok(())
            }
        }
    }

    /// Enables a disabled key again.
    pub fn enable(&mut self, id: KeyId) -> Result<(), Error> {
        let k = self.find_mut(id)?;
        match k.status {
            KeyStatus::Destroyed => Err(Error::KeyDestroyed(id.0)),
            _ => {
                k.status = KeyStatus::Enabled;
                Ok(())
            }
        }
    }

    /// Erases a disabled key's material (irreversible). The id stays, so ciphertexts under it
    /// report [`Error::KeyDestroyed`] rather than [`Error::UnknownKey`].
    ///
    /// This wipes the key from this `EnvelopeKeyset` (its material and cached PRK are zeroized) and
    /// from every keyset sealed **after** this call. It does not reach copies made before:
    /// any earlier [`SealedEnvelopeKeyset`](super::SealedEnvelopeKeyset) still holds the key, and anyone with
    /// it and the KEK can decrypt the data. The data is unrecoverable only once every older
    /// sealed copy (database rows, backups, replicas) is deleted or replaced.
    pub fn destroy(&mut self, id: KeyId) -> Result<(), Error> {
        if id == self.primary {
            return Err(Error::PrimaryKey(id.0));
        }
        let k = self.find_mut(id)?;
        match k.status {
            KeyStatus::Enabled => Err(Error::NotDisabled(id.0)),
            _ => {
                k.status = KeyStatus::Destroyed;
                k.material = None; // Zeroizing wipes both on drop
                k.prk = None;
                Ok(())
            }
        }
    }

    fn ad(header: &CiphertextHeader, ctx: &Context) -> Vec<u8> {
        let mut ad = header.encode().to_vec();
        ad.extend_from_slice(&ctx.encode());
        ad
    }

    /// Encrypts `plaintext` for `ctx` under the primary key.
    pub fn encrypt(&self, ctx: &Context, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let key = self.find(self.primary)?;
        let header = CiphertextHeader {
            version: CIPHERTEXT_VERSION,
            key_id: key.id,
        };
        let sealed = aead::seal(
            key.tenant_key(ctx)?.as_ref(),
            MSG_LABEL,
            &Self::ad(&header, ctx),
            plaintext,
        )?;
        let mut out = header.encode().to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts a ciphertext made for exactly `ctx`, with the key its header names.
    pub fn decrypt(&self, ctx: &Context, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let (header, body) = CiphertextHeader::parse(ciphertext)?;
        let key = self.find(header.key_id)?;
        match key.status {
            KeyStatus::Enabled => {}
            KeyStatus::Disabled => return Err(Error::KeyDisabled(key.id.0)),
            KeyStatus::Destroyed => return Err(Error::KeyDestroyed(key.id.0)),
        }
        aead::open(
            key.tenant_key(ctx)?.as_ref(),
            MSG_LABEL,
            &Self::ad(&header, ctx),
            body,
        )
    }

    /// Re-encrypts under the primary; `None` when the ciphertext already uses it (after
    /// checking that it decrypts).
    pub fn reencrypt(&self, ctx: &Context, ciphertext: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        let plain = self.decrypt(ctx, ciphertext)?;
        let (header, _) = CiphertextHeader::parse(ciphertext)?;
        if header.key_id == self.primary {
            return Ok(None);
        }
        self.encrypt(ctx, &plain).map(Some)
    }

    /// The keyset's plaintext serialization (only ever handed to a KEK to seal).
    pub(crate) fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut out = Zeroizing::new(MAGIC.to_vec());
        out.push(VERSION);
        out.extend_from_slice(&self.primary.0.to_be_bytes());
        let n = u16::try_from(self.keys.len()).map_err(|_| Error::StoreFull)?;
        out.extend_from_slice(&n.to_be_bytes());
        for k in &self.keys {
            out.extend_from_slice(&k.id.0.to_be_bytes());
            out.push(match k.status {
                KeyStatus::Enabled => 1,
                KeyStatus::Disabled => 2,
                KeyStatus::Destroyed => 3,
            });
            match &k.material {
                Some(m) => out.extend_from_slice(m.as_ref()),
                None => out.extend_from_slice(&[0u8; KEY_LEN]),
            }
        }
        Ok(out)
    }

    /// Parses a serialized keyset (after the KEK unsealed it). Public for fuzzing and tools.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes, WHAT);
        if r.take(8)? != MAGIC {
            return Err(Error::malformed(WHAT, "bad magic"));
        }
        if r.u8()? != VERSION {
            return Err(Error::UnsupportedVersion { what: WHAT });
        }
        let primary = KeyId::from_u32(r.u32()?).ok_or(Error::malformed(WHAT, "key id 0"))?;
        let n = usize::from(r.u16()?);
        if n == 0 || n > MAX_KEYS {
            return Err(Error::malformed(WHAT, "key count out of range"));
        }
        let mut ks = Self {
            primary,
            keys: Vec::with_capacity(n),
        };
        for _ in 0..n {
            let id = KeyId::from_u32(r.u32()?).ok_or(Error::malformed(WHAT, "key id 0"))?;
            let status = match r.u8()? {
                1 => KeyStatus::Enabled,
                2 => KeyStatus::Disabled,
                3 => KeyStatus::Destroyed,
                _ => return Err(Error::malformed(WHAT, "unknown key status")),
            };
            let material = Zeroizing::new(r.array::<KEY_LEN>()?);
            if ks.find(id).is_ok() {
                return Err(Error::malformed(WHAT, "duplicate key id"));
            }
            let material = (status != KeyStatus::Destroyed).then_some(material);
            ks.keys.push(KeyEntry::new(id, status, material));
        }
        r.finish()?;
        if !matches!(ks.find(primary).map(|k| k.status), Ok(KeyStatus::Enabled)) {
            return Err(Error::malformed(WHAT, "primary key missing or not enabled"));
        }
        Ok(ks)
    }
}
