//! Key-encryption keys: what seals a keyset at rest.

use std::future::Future;

use secrecy::ExposeSecret;
use zeroize::Zeroizing;

use super::keyset::EnvelopeKeyset;
use crate::aead::{self, KEY_LEN, RootKey};
use crate::store::secret_from;
use crate::{EntryName, Error, SecretStore};

const KEK_LABEL: &[u8] = b"bosso-vault/kek/v1";
const KEYSET_AD: &[u8] = b"bosso-vault/keyset/v1/";

/// Seals and unseals small secrets (a keyset) under a key the host controls: a local key,
/// a key in the OS store, or a KMS (implement this trait over the KMS's encrypt/decrypt).
///
/// `ad` must be bound by the implementation: unwrapping with other `ad` must fail.
pub trait KeyEncryptionKey: Send + Sync {
    /// Seals `plaintext`, binding `ad`.
    fn wrap(
        &self,
        plaintext: &[u8],
        ad: &[u8],
    ) -> impl Future<Output = Result<Vec<u8>, Error>> + Send;
    /// Opens what `wrap` produced with the same `ad`.
    fn unwrap(
        &self,
        wrapped: &[u8],
        ad: &[u8],
    ) -> impl Future<Output = Result<Zeroizing<Vec<u8>>, Error>> + Send;
}

/// A KEK held in process memory (loaded from wherever the host keeps it).
pub struct LocalKek {
    key: RootKey,
}

impl std::fmt::Debug for LocalKek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalKek([REDACTED])")
    }
}

impl LocalKek {
    /// A fresh random KEK.
    pub fn generate() -> Result<Self, Error> {
        Ok(Self {
            key: aead::random_key()?,
        })
    }

    /// A KEK from 32 secret bytes.
    pub fn from_secret(key: &crate::SecretBytes) -> Result<Self, Error> {
        let bytes = <[u8; KEY_LEN]>::try_from(key.expose_secret())
            .map_err(|_| Error::KekUnavailable("a KEK is exactly 32 bytes".to_owned()))?;
        Ok(Self {
            key: Zeroizing::new(bytes),
        })
    }

    /// The key bytes, to store them somewhere safe.
    pub fn to_secret(&self) -> crate::SecretBytes {
        secret_from(self.key.as_ref())
    }

    fn wrap_sync(&self, plaintext: &[u8], ad: &[u8]) -> Result<Vec<u8>, Error> {
        aead::seal(self.key.as_ref(), KEK_LABEL, ad, plaintext)
    }

    fn unwrap_sync(&self, wrapped: &[u8], ad: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        aead::open(self.key.as_ref(), KEK_LABEL, ad, wrapped)
    }
}

impl KeyEncryptionKey for LocalKek {
    async fn wrap(&self, plaintext: &[u8], ad: &[u8]) -> Result<Vec<u8>, Error> {
        self.wrap_sync(plaintext, ad)
    }

    async fn unwrap(&self, wrapped: &[u8], ad: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.unwrap_sync(wrapped, ad)
    }
}

/// A KEK kept as an entry of a [`SecretStore`] (the OS store, or the encrypted vault file).
///
/// Call [`init`](Self::init) once (at install or start-up) to create the KEK; neither `wrap`
/// nor `unwrap` ever creates one: both fail with [`Error::KekUnavailable`] when the entry is
/// missing. (Creating the key inside `wrap` let two concurrent sealers each create and store a
/// different KEK, the second replacing the first, so the first sealed keyset could never be
/// opened again.)
#[derive(Debug)]
pub struct StoreKek<S> {
    store: S,
    name: EntryName,
}

impl<S: SecretStore> StoreKek<S> {
    /// The KEK stored under `name` in `store`.
    pub fn new(store: S, name: EntryName) -> Self {
        Self { store, name }
    }

    /// Creates the KEK entry with a random key unless one exists, then reads back and checks
    /// what is stored; `true` when this call created it.
    ///
    /// Creation uses [`SecretStore::put_if_absent`], so concurrent `init` calls agree on one
    /// key in every store where that is atomic (memory, file stores, and the OS store within
    /// one process); with a backend whose `put_if_absent` is the non-atomic default, run
    /// `init` from one place only (e.g. at install time).
    pub async fn init(&self) -> Result<bool, Error> {
        let fresh = LocalKek::generate()?;
        let created = self
            .store
            .put_if_absent(&self.name, &fresh.to_secret())
            .await?;
        // Whatever is stored now is the KEK; it must be a valid one.
        self.load().await?;
        Ok(created)
    }

    async fn load(&self) -> Result<LocalKek, Error> {
        match self.store.get(&self.name).await? {
            Some(k) => LocalKek::from_secret(&k),
            None => Err(Error::KekUnavailable(format!(
                "no KEK entry named {} (call StoreKek::init first)",
                self.name
            ))),
        }
    }
}

impl<S: SecretStore> KeyEncryptionKey for StoreKek<S> {
    async fn wrap(&self, plaintext: &[u8], ad: &[u8]) -> Result<Vec<u8>, Error> {
        self.load().await?.wrap_sync(plaintext, ad)
    }

    async fn unwrap(&self, wrapped: &[u8], ad: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.load().await?.unwrap_sync(wrapped, ad)
    }
}

/// A keyset sealed under a KEK: safe to store in a database or a file.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedEnvelopeKeyset(Vec<u8>);

impl std::fmt::Debug for SealedEnvelopeKeyset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedEnvelopeKeyset({} bytes)", self.0.len())
    }
}

fn keyset_ad(name: &str) -> Vec<u8> {
    [KEYSET_AD, name.as_bytes()].concat()
}

impl SealedEnvelopeKeyset {
    /// The sealed bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Wraps bytes read back from storage (checked when opened).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Unseals with `kek`; `name` must be the one given to [`EnvelopeKeyset::seal`].
    pub async fn open<K: KeyEncryptionKey>(
        &self,
        kek: &K,
        name: &str,
    ) -> Result<EnvelopeKeyset, Error> {
        let plain = kek.unwrap(&self.0, &keyset_ad(name)).await?;
        EnvelopeKeyset::from_bytes(&plain)
    }
}

impl EnvelopeKeyset {
    /// Seals the keyset under `kek`, bound to `name` (which keyset this is).
    pub async fn seal<K: KeyEncryptionKey>(
        &self,
        kek: &K,
        name: &str,
    ) -> Result<SealedEnvelopeKeyset, Error> {
        let plain = self.to_bytes()?;
        Ok(SealedEnvelopeKeyset(
            kek.wrap(&plain, &keyset_ad(name)).await?,
        ))
    }
}
