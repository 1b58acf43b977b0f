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

/// A boxed, `Send` future (what [`DynSecretStore`] returns).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The object-safe form of [`SecretStore`] (which returns `impl Future` and so cannot be a
/// trait object); same contract, method by method. Implemented for every `SecretStore`, and
/// `Arc<dyn DynSecretStore>` is a `SecretStore` again, so a host can pick its backend at run
/// time and keep one concrete type.
pub trait DynSecretStore: Send + Sync {
    /// [`SecretStore::backend`].
    fn backend_dyn(&self) -> Backend;
    /// [`SecretStore::get`], boxed.
    fn get_boxed<'a>(
        &'a self,
        name: &'a EntryName,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, Error>>;
    /// [`SecretStore::put`], boxed.
    fn put_boxed<'a>(
        &'a self,
        name: &'a EntryName,
        value: &'a SecretBytes,
    ) -> BoxFuture<'a, Result<(), Error>>;
    /// [`SecretStore::delete`], boxed.
    fn delete_boxed<'a>(&'a self, name: &'a EntryName) -> BoxFuture<'a, Result<bool, Error>>;
    /// [`SecretStore::list`], boxed.
    fn list_boxed(&self) -> BoxFuture<'_, Result<Vec<EntryName>, Error>>;
    /// [`SecretStore::put_if_absent`], boxed (the backend's own, atomic where it is).
    fn put_if_absent_boxed<'a>(
        &'a self,
        name: &'a EntryName,
        value: &'a SecretBytes,
    ) -> BoxFuture<'a, Result<bool, Error>>;
}

impl<S: SecretStore> DynSecretStore for S {
    fn backend_dyn(&self) -> Backend {
        self.backend()
    }
    fn get_boxed<'a>(
        &'a self,
        name: &'a EntryName,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, Error>> {
        Box::pin(self.get(name))
    }
    fn put_boxed<'a>(
        &'a self,
        name: &'a EntryName,
        value: &'a SecretBytes,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.put(name, value))
    }
    fn delete_boxed<'a>(&'a self, name: &'a EntryName) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(self.delete(name))
    }
    fn list_boxed(&self) -> BoxFuture<'_, Result<Vec<EntryName>, Error>> {
        Box::pin(self.list())
    }
    fn put_if_absent_boxed<'a>(
        &'a self,
        name: &'a EntryName,
        value: &'a SecretBytes,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(self.put_if_absent(name, value))
    }
}

impl SecretStore for std::sync::Arc<dyn DynSecretStore> {
    fn backend(&self) -> Backend {
        self.as_ref().backend_dyn()
    }
    async fn get(&self, name: &EntryName) -> Result<Option<SecretBytes>, Error> {
        self.as_ref().get_boxed(name).await
    }
    async fn put(&self, name: &EntryName, value: &SecretBytes) -> Result<(), Error> {
        self.as_ref().put_boxed(name, value).await
    }
    async fn delete(&self, name: &EntryName) -> Result<bool, Error> {
        self.as_ref().delete_boxed(name).await
    }
    async fn list(&self) -> Result<Vec<EntryName>, Error> {
        self.as_ref().list_boxed().await
    }
    async fn put_if_absent(&self, name: &EntryName, value: &SecretBytes) -> Result<bool, Error> {
        self.as_ref().put_if_absent_boxed(name, value).await
    }
}

/// Copies secret bytes into a new [`SecretBytes`].
pub(crate) fn secret_from(bytes: &[u8]) -> SecretBytes {
    SecretSlice::from(bytes.to_vec())
}
