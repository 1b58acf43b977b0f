//! The storage trait every local secret backend implements.

use std::future::Future;

use secrecy::SecretSlice;

use crate::{EntryName, Error};

/// Secret bytes: zeroized on drop, `Debug` prints `[REDACTED]`.
pub type SecretBytes = SecretSlice<u8>;

/// Which kind of backend a store is; [`open_default`](crate::open_default) reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// Process memory only (tests, caches).
    Memory,
    /// The OS credential store through `keyring-core`.
    OsKeychain,
    /// The encrypted, authenticated vault file.
    EncryptedFile,
    /// A plaintext file, only after an explicit `allow_insecure` opt-in.
    InsecurePlaintextFile,
}

/// A place that keeps named secrets.
///
/// Methods are async (return-position `impl Future + Send`) because a backend may do I/O or
/// talk to a service; the file and keychain backends do their (short, local) I/O inside the
/// future. Every method fails closed: when the backend cannot answer, the caller gets an
/// error, never a default value.
pub trait SecretStore: Send + Sync {
    /// The kind of backend.
    fn backend(&self) -> Backend;

    /// The secret stored under `name`, or `None` when there is none.
    fn get(
        &self,
        name: &EntryName,
    ) -> impl Future<Output = Result<Option<SecretBytes>, Error>> + Send;

    /// Stores `value` under `name`, replacing any previous value. When this returns `Ok`, the
    /// value is durable (for the file backends: on disk, fsynced).
    fn put(
        &self,
        name: &EntryName,
        value: &SecretBytes,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Removes `name`; `true` when it existed.
    fn delete(&self, name: &EntryName) -> impl Future<Output = Result<bool, Error>> + Send;

    /// The names of all entries, sorted.
    fn list(&self) -> impl Future<Output = Result<Vec<EntryName>, Error>> + Send;

    /// Stores `value` under `name` only when `name` has no value yet; `true` when it was
    /// stored, `false` when an existing value was kept.
    ///
    /// Atomic (no other writer can slip in between the check and the write) in
    /// [`MemoryStore`](crate::MemoryStore) (its mutex), the file stores (the inter-process
    /// write lock) and [`KeyringStore`](crate::KeyringStore) within one process (its
    /// per-service mutex; OS stores offer no cross-process compare-and-set). The default
    /// implementation, for other backends, is a plain `get` then `put` and is **not** atomic:
    /// a backend that can offer a compare-and-set (e.g. Redis `SET NX`) must override it.
    fn put_if_absent(
        &self,
        name: &EntryName,
        value: &SecretBytes,
    ) -> impl Future<Output = Result<bool, Error>> + Send {
        async move {
            if self.get(name).await?.is_some() {
                return Ok(false);
            }
            self.put(name, value).await?;
            Ok(true)
        }
    }
}

/// Copies secret bytes into a new [`SecretBytes`].
pub(crate) fn secret_from(bytes: &[u8]) -> SecretBytes {
    SecretSlice::from(bytes.to_vec())
}
