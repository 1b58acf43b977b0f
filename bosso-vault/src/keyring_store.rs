//! The OS credential store through `keyring-core` (macOS Keychain, Windows Credential
//! Manager, Linux Secret Service, Linux keyutils), and keyring-core's mock store for tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use keyring_core::{CredentialStore, Entry};
use secrecy::ExposeSecret;
use zeroize::Zeroizing;

use crate::store::secret_from;
use crate::{Backend, EntryName, Error, SecretBytes, SecretStore};

/// The credential (under the same service) that lists entry names. Its name starts with `.`,
/// which no [`EntryName`] may, so it never collides with an entry.
const INDEX_USER: &str = ".bosso-vault-index";
/// Prefixed to every stored value (format version 1 of an OS-store entry).
const VALUE_PREFIX: u8 = 0x01;

/// A [`SecretStore`] over a `keyring-core` credential store. Each entry is one credential with
/// `service` = the configured service and `user` = the entry name.
///
/// OS stores have no portable "list", so the names are also kept in an index credential
/// (read-modify-written by `put`/`delete`). Within one process, every index update for a
/// service runs under one process-wide mutex per service name (shared by every
/// `KeyringStore` handle), so concurrent writers lose no name. **Across processes** there is
/// no lock (the index lives in the OS store, which offers no compare-and-set): two processes
/// writing the same service at once can still drop names from the index, and a crash between
/// the entry write and the index write leaves it one name off. The entries themselves are
/// never lost; call [`repair_index`](Self::repair_index) to rebuild the index.
pub struct KeyringStore {
    store: Arc<CredentialStore>,
    service: String,
    label: &'static str,
    index_lock: Arc<Mutex<()>>,
}

/// The process-wide lock serialising index updates for `service`.
fn index_lock_for(service: &str) -> Arc<Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<Mutex<()>>>>> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    locks.entry(service.to_owned()).or_default().clone()
}

impl std::fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringStore")
            .field("store", &self.label)
            .field("service", &self.service)
            .finish()
    }
}

/// Maps a keyring error without echoing any bytes it carries (`BadEncoding` holds the secret).
fn map_err(e: keyring_core::Error) -> Error {
    use keyring_core::Error as K;
    let what = match e {
        K::PlatformFailure(_) => "platform failure",
        K::NoStorageAccess(_) => "no access to the credential store (locked or unavailable)",
        K::NoEntry => "no such entry",
        K::BadEncoding(_) => "stored value is not valid UTF-8",
        K::BadDataFormat(..) => "stored value has a bad format",
        K::BadStoreFormat(_) => "credential store has a bad format",
        K::TooLong(..) => "name or value too long for this store",
        K::Invalid(..) => "invalid argument",
        K::Ambiguous(_) => "ambiguous entry",
        K::NoDefaultStore => "no default store",
        K::NotSupportedByStore(_) => "not supported by this store",
        _ => "unknown error",
    };
    Error::Keyring(what.to_owned())
}

impl KeyringStore {
    /// Wraps any keyring-core credential store. `label` names it in `Debug` and reports.
    pub fn new(
        store: Arc<CredentialStore>,
        service: impl Into<String>,
        label: &'static str,
    ) -> Self {
        let service = service.into();
        Self {
            index_lock: index_lock_for(&service),
            store,
            service,
            label,
        }
    }

    /// keyring-core's in-memory mock store: the same code path as the OS stores, for tests.
    pub fn mock(service: impl Into<String>) -> Result<Self, Error> {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().map_err(map_err)?;
        Ok(Self::new(store, service, "keyring-core mock"))
    }

    /// The Linux kernel keyutils store (session keyring: gone after logout or reboot).
    #[cfg(all(feature = "keyutils", target_os = "linux"))]
    pub fn keyutils(service: impl Into<String>) -> Result<Self, Error> {
        let store: Arc<CredentialStore> =
            linux_keyutils_keyring_store::Store::new().map_err(map_err)?;
        Ok(Self::new(store, service, "linux keyutils"))
    }

    /// The Linux Secret Service (GNOME Keyring, KWallet) over D-Bus.
    #[cfg(all(feature = "secret-service", target_os = "linux"))]
    pub fn secret_service(service: impl Into<String>) -> Result<Self, Error> {
        let store: Arc<CredentialStore> =
            dbus_secret_service_keyring_store::Store::new().map_err(map_err)?;
        Ok(Self::new(store, service, "linux secret service"))
    }

    /// The macOS login Keychain.
    #[cfg(all(feature = "apple-keychain", target_os = "macos"))]
    pub fn apple_keychain(service: impl Into<String>) -> Result<Self, Error> {
        let store: Arc<CredentialStore> =
            apple_native_keyring_store::keychain::Store::new().map_err(map_err)?;
        Ok(Self::new(store, service, "macos keychain"))
    }

    /// The Windows Credential Manager.
    #[cfg(all(feature = "windows-credential", target_os = "windows"))]
    pub fn windows_credential(service: impl Into<String>) -> Result<Self, Error> {
        let store: Arc<CredentialStore> =
            windows_native_keyring_store::Store::new().map_err(map_err)?;
        Ok(Self::new(store, service, "windows credential manager"))
    }

    /// The persistent OS store compiled into this build for this OS (keyutils is not
    /// persistent across reboots, so it is never chosen here; use [`Self::keyutils`]).
    pub fn platform(service: impl Into<String>) -> Result<Self, Error> {
        let service = service.into();
        #[cfg(all(feature = "apple-keychain", target_os = "macos"))]
        return Self::apple_keychain(service);
        #[cfg(all(feature = "windows-credential", target_os = "windows"))]
        return Self::windows_credential(service);
        #[cfg(all(feature = "secret-service", target_os = "linux"))]
        return Self::secret_service(service);
        #[allow(unreachable_code)]
        {
            let _ = service;
            Err(Error::Keyring(
                "no OS credential store feature is enabled for this OS".to_owned(),
            ))
        }
    }

    /// The store's label.
    pub fn label(&self) -> &'static str {
        self.label
    }

    fn entry(&self, user: &str) -> Result<Entry, Error> {
        self.store.build(&self.service, user, None).map_err(map_err)
    }

    /// Writes, reads back and deletes a probe entry: proves the store is usable right now
    /// (a locked or absent Secret Service fails here rather than at the first real write).
    pub fn probe(&self) -> Result<(), Error> {
        let e = self.entry(".bosso-vault-probe")?;
        let mut probe = [0u8; 16];
        crate::aead::fill_random(&mut probe)?;
        e.set_secret(&probe).map_err(map_err)?;
        let back = Zeroizing::new(e.get_secret().map_err(map_err)?);
        let _ = e.delete_credential();
        if back.as_slice() != probe {
            return Err(Error::Keyring(
                "probe read back a different value".to_owned(),
            ));
        }
        Ok(())
    }

    fn read_index(&self) -> Result<Vec<EntryName>, Error> {
        match self.entry(INDEX_USER)?.get_secret() {
            Ok(bytes) => Ok(String::from_utf8_lossy(&bytes)
                .lines()
                .filter_map(|l| EntryName::new(l).ok())
                .collect()),
            Err(keyring_core::Error::NoEntry) => Ok(Vec::new()),
            Err(e) => Err(map_err(e)),
        }
    }

    fn write_index(&self, names: &[EntryName]) -> Result<(), Error> {
        // The header line is never a valid entry name, and keeps the payload non-empty.
        let mut text: Vec<&str> = vec!["#bosso-vault-index v1"];
        text.extend(names.iter().map(EntryName::as_str));
        self.entry(INDEX_USER)?
            .set_secret(text.join("\n").as_bytes())
            .map_err(map_err)
    }

    /// Blocking [`SecretStore::get`].
    pub fn get_blocking(&self, name: &EntryName) -> Result<Option<SecretBytes>, Error> {
        match self.entry(name.as_str())?.get_secret() {
            Ok(v) => {
                let v = Zeroizing::new(v);
                match v.split_first() {
                    Some((&VALUE_PREFIX, value)) => Ok(Some(secret_from(value))),
                    _ => Err(Error::Keyring(
                        "entry was not written by bosso-vault (missing value prefix)".to_owned(),
                    )),
                }
            }
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    fn lock_index(&self) -> MutexGuard<'_, ()> {
        // A poisoned lock only means another thread panicked; the index is re-read anyway.
        self.index_lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a credential exists for `name` (any content).
    fn exists(&self, name: &EntryName) -> Result<bool, Error> {
        match self.entry(name.as_str())?.get_secret() {
            Ok(v) => {
                drop(Zeroizing::new(v));
                Ok(true)
            }
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_err(e)),
        }
    }

    /// Rebuilds the name index: keeps the indexed names whose entry still exists and adds
    /// each of `candidates` that exists (OS stores cannot enumerate entries portably, so
    /// names missing from the index must be supplied, e.g. the names your app uses).
    /// Returns the repaired list.
    pub fn repair_index(&self, candidates: &[EntryName]) -> Result<Vec<EntryName>, Error> {
        let _guard = self.lock_index();
        let mut names = self.read_index()?;
        names.extend(candidates.iter().cloned());
        names.sort();
        names.dedup();
        let mut kept = Vec::with_capacity(names.len());
        for n in names {
            if self.exists(&n)? {
                kept.push(n);
            }
        }
        self.write_index(&kept)?;
        Ok(kept)
    }

    /// Blocking [`SecretStore::put_if_absent`] (atomic within this process only).
    pub fn put_if_absent_blocking(
        &self,
        name: &EntryName,
        value: &SecretBytes,
    ) -> Result<bool, Error> {
        let guard = self.lock_index();
        if self.exists(name)? {
            return Ok(false);
        }
        self.put_locked(name, value, &guard)?;
        Ok(true)
    }

    /// Blocking [`SecretStore::put`].
    pub fn put_blocking(&self, name: &EntryName, value: &SecretBytes) -> Result<(), Error> {
        let guard = self.lock_index();
        self.put_locked(name, value, &guard)
    }

    fn put_locked(
        &self,
        name: &EntryName,
        value: &SecretBytes,
        _guard: &MutexGuard<'_, ()>,
    ) -> Result<(), Error> {
        // A one-byte prefix: some stores (kernel keyutils) refuse empty payloads.
        let mut stored = Zeroizing::new(Vec::with_capacity(value.expose_secret().len() + 1));
        stored.push(VALUE_PREFIX);
        stored.extend_from_slice(value.expose_secret());
        self.entry(name.as_str())?
            .set_secret(&stored)
            .map_err(map_err)?;
        let mut names = self.read_index()?;
        if !names.contains(name) {
            names.push(name.clone());
            names.sort();
            self.write_index(&names)?;
        }
        Ok(())
    }

    /// Blocking [`SecretStore::delete`].
    pub fn delete_blocking(&self, name: &EntryName) -> Result<bool, Error> {
        let _guard = self.lock_index();
        let existed = match self.entry(name.as_str())?.delete_credential() {
            Ok(()) => true,
            Err(keyring_core::Error::NoEntry) => false,
            Err(e) => return Err(map_err(e)),
        };
        let mut names = self.read_index()?;
        let before = names.len();
        names.retain(|n| n != name);
        if names.len() != before {
            self.write_index(&names)?;
        }
        Ok(existed)
    }

    /// Blocking [`SecretStore::list`].
    pub fn list_blocking(&self) -> Result<Vec<EntryName>, Error> {
        let mut names = self.read_index()?;
        names.sort();
        names.dedup();
        Ok(names)
    }
}

impl SecretStore for KeyringStore {
    fn backend(&self) -> Backend {
        Backend::OsKeychain
    }

    async fn get(&self, name: &EntryName) -> Result<Option<SecretBytes>, Error> {
        self.get_blocking(name)
    }

    async fn put(&self, name: &EntryName, value: &SecretBytes) -> Result<(), Error> {
        self.put_blocking(name, value)
    }

    async fn put_if_absent(&self, name: &EntryName, value: &SecretBytes) -> Result<bool, Error> {
        self.put_if_absent_blocking(name, value)
    }

    async fn delete(&self, name: &EntryName) -> Result<bool, Error> {
        self.delete_blocking(name)
    }

    async fn list(&self) -> Result<Vec<EntryName>, Error> {
        self.list_blocking()
    }
}
