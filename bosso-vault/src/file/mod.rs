//! The encrypted vault file: one file of sealed entries, authenticated as a whole.

pub(crate) mod format;
pub(crate) mod io;
pub(crate) mod key;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ring::hmac;
use secrecy::ExposeSecret;

use crate::store::secret_from;
use crate::{Backend, EntryName, Error, SecretBytes, SecretStore, aead};
use format::{Header, MAC_LEN, MAX_FILE_LEN, MAX_VALUE_LEN};
use key::{FileKeys, KeySource};

const ENTRY_LABEL: &[u8] = b"bosso-vault/v1/entry";
const KEY_CHECK_LABEL: &[u8] = b"bosso-vault/v1/key-check";

/// A [`SecretStore`] in one encrypted, authenticated file.
///
/// - Every value is sealed (AES-256-GCM, per-message key) with associated data binding the
///   store id and the entry name: a value moved to another name or another vault fails.
/// - The whole file carries an HMAC-SHA256, so any changed, dropped, added or reordered byte is
///   detected ([`Error::Tampered`]); a damaged file is reported, never reset.
/// - Writes take an exclusive lock on `<path>.lock`, re-read the file, apply the change and
///   replace the file atomically and durably, so concurrent writers in several processes lose
///   no update and a crash leaves the old or the new file.
/// - Files are created `0600` and refused when they are symbolic links, owned by another
///   user or accessible by group or others, or when their directory can be changed by
///   another user (the rules of `bosso-fs`).
/// - [`open`](Self::open) never creates a vault: a missing file is [`Error::VaultMissing`];
///   creation is [`create`](Self::create) (or [`open_or_create`](Self::open_or_create) for
///   a first use).
///
/// I/O is blocking and short; the [`SecretStore`] methods run it inside the future. From an
/// async server with many concurrent calls, wrap calls in `spawn_blocking`.
pub struct EncryptedFileStore {
    path: PathBuf,
    header: Header,
    keys: FileKeys,
}

impl std::fmt::Debug for EncryptedFileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedFileStore")
            .field("path", &self.path)
            .field("kdf", &self.header.kdf)
            .field("keys", &"[REDACTED]")
            .finish()
    }
}

fn key_check(keys: &FileKeys, header: &Header) -> hmac::Tag {
    let mut ctx = hmac::Context::with_key(&keys.mac());
    ctx.update(KEY_CHECK_LABEL);
    ctx.update(&header.key_check_input());
    ctx.sign()
}

/// A vault file that is not there is [`Error::VaultMissing`], never a reason to create one.
fn missing(path: &Path, e: Error) -> Error {
    if io::is_not_found(&e) {
        Error::VaultMissing {
            path: path.to_owned(),
        }
    } else {
        e
    }
}

fn entry_ad(store_id: &[u8; 16], name: &EntryName) -> Vec<u8> {
    let mut ad = store_id.to_vec();
    crate::bytes::put_u16_prefixed(&mut ad, name.as_str().as_bytes());
    ad
}

impl EncryptedFileStore {
    /// Opens the existing vault at `path`. Never creates anything: a missing vault file is
    /// [`Error::VaultMissing`], a missing key file an [`Error::Io`] (not found).
    ///
    /// Fails with [`Error::WrongKey`] when the key does not match, [`Error::Tampered`] when the
    /// file was altered, and refuses (without reading) a vault or key file that is a symbolic
    /// link, not a regular file, owned by another user, group/world accessible, or in a
    /// directory others can change (see the crate README, "File trust"). Temp files left by
    /// killed writers (of the vault and of its key file) are removed.
    pub fn open(path: impl Into<PathBuf>, key: KeySource) -> Result<Self, Error> {
        Self::open_with(path.into(), &key)
    }

    fn open_with(path: PathBuf, key: &KeySource) -> Result<Self, Error> {
        let store = Self::open_existing(&path, key)?;
        // Without the lock: only temps whose writer process is gone.
        io::remove_stale_temps(&path, io::Stale::DeadWriters);
        key.remove_stale_temps();
        Ok(store)
    }

    /// Creates a new, empty vault at `path` (and its key file when a [`KeySource::KeyFile`]
    /// does not exist yet; an existing key file is used as it is). Fails with
    /// [`Error::VaultExists`] when anything is already at `path`: an existing vault is never
    /// replaced.
    pub fn create(path: impl Into<PathBuf>, key: KeySource) -> Result<Self, Error> {
        let path = path.into();
        let _lock = io::lock_exclusive(&path)?;
        Self::create_locked(path, &key)
    }

    /// [`open`](Self::open) when the vault exists, [`create`](Self::create) when it does not:
    /// for the first use of a location. Do not use it where a vault is known to exist (a
    /// vault lost to a sync conflict would silently come back empty, and a mistyped
    /// passphrase would become the new one); `open_default` uses it only on the first run.
    pub fn open_or_create(path: impl Into<PathBuf>, key: KeySource) -> Result<Self, Error> {
        let path = path.into();
        match Self::open_with(path.clone(), &key) {
            Err(Error::VaultMissing { .. }) => {
                let _lock = io::lock_exclusive(&path)?;
                match Self::create_locked(path.clone(), &key) {
                    // Another process created it while we waited for the lock.
                    Err(Error::VaultExists { .. }) => Self::open_with(path, &key),
                    other => other,
                }
            }
            other => other,
        }
    }

    fn open_existing(path: &Path, key: &KeySource) -> Result<Self, Error> {
        let bytes = io::read_private(path, MAX_FILE_LEN).map_err(|e| missing(path, e))?;
        let parsed = format::parse(&bytes)?;
        let header = parsed.header.clone();
        let root = key.root_key(header.kdf, &header.salt, false)?;
        let keys = key::derive_file_keys(root.as_ref(), &header.store_id)?;
        let store = Self {
            path: path.to_owned(),
            header,
            keys,
        };
        store.verify(&parsed)?;
        Ok(store)
    }

    /// Creates the vault; the caller holds the write lock.
    fn create_locked(path: PathBuf, key: &KeySource) -> Result<Self, Error> {
        let exists = |path: &Path| Error::VaultExists {
            path: path.to_owned(),
        };
        // Checked before the key derivation (a passphrase costs an Argon2 run).
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(exists(&path));
        }
        io::remove_stale_temps(&path, io::Stale::AnyWriter);
        let mut header = Header {
            kdf: key.header_kdf(),
            salt: [0; 16],
            store_id: [0; 16],
            key_check: [0; 32],
        };
        aead::fill_random(&mut header.salt)?;
        aead::fill_random(&mut header.store_id)?;
        let root = key.root_key(header.kdf, &header.salt, true)?;
        let keys = key::derive_file_keys(root.as_ref(), &header.store_id)?;
        let tag = key_check(&keys, &header);
        header.key_check.copy_from_slice(tag.as_ref());
        let store = Self { path, header, keys };
        // Created whole or not at all, and never over a file that appeared meanwhile.
        io::write_new_private(&store.path, &store.serialize(&BTreeMap::new())?).map_err(|e| {
            if io::is_already_exists(&e) {
                exists(&store.path)
            } else {
                e
            }
        })?;
        tracing::info!(path = %store.path.display(), "created encrypted vault file");
        Ok(store)
    }

    /// Checks the key check (wrong key) and then the file MAC (tampering), in constant time.
    fn verify(&self, parsed: &format::Parsed<'_>) -> Result<(), Error> {
        if parsed.header.store_id != self.header.store_id || parsed.header.kdf != self.header.kdf {
            return Err(Error::WrongKey);
        }
        let input = [KEY_CHECK_LABEL, &parsed.header.key_check_input()].concat();
        hmac::verify(&self.keys.mac(), &input, &parsed.header.key_check)
            .map_err(|_| Error::WrongKey)?;
        hmac::verify(&self.keys.mac(), parsed.authenticated, &parsed.mac)
            .map_err(|_| Error::Tampered)
    }

    /// Reads, parses and authenticates the current file; returns the sealed entries.
    fn load(&self) -> Result<BTreeMap<EntryName, Vec<u8>>, Error> {
        let bytes =
            io::read_private(&self.path, MAX_FILE_LEN).map_err(|e| missing(&self.path, e))?;
        let parsed = format::parse(&bytes)?;
        self.verify(&parsed)?;
        Ok(parsed
            .entries
            .into_iter()
            .map(|(k, v)| (k, v.to_vec()))
            .collect())
    }

    /// The whole file: header, entries, MAC.
    fn serialize(&self, entries: &BTreeMap<EntryName, Vec<u8>>) -> Result<Vec<u8>, Error> {
        let mut bytes = format::serialize(&self.header, entries)?;
        let mac = hmac::sign(&self.keys.mac(), &bytes);
        bytes.extend_from_slice(mac.as_ref());
        debug_assert_eq!(mac.as_ref().len(), MAC_LEN);
        Ok(bytes)
    }

    fn write(&self, entries: &BTreeMap<EntryName, Vec<u8>>) -> Result<(), Error> {
        io::atomic_replace(&self.path, &self.serialize(entries)?)
    }

    /// Runs `change` on the entries under the write lock and writes the result.
    fn modify<T>(
        &self,
        change: impl FnOnce(&mut BTreeMap<EntryName, Vec<u8>>) -> Result<(T, bool), Error>,
    ) -> Result<T, Error> {
        let _lock = io::lock_exclusive(&self.path)?;
        // Under the lock no other writer has a temp file in flight.
        io::remove_stale_temps(&self.path, io::Stale::AnyWriter);
        let mut entries = self.load()?;
        let (out, changed) = change(&mut entries)?;
        if changed {
            self.write(&entries)?;
        }
        Ok(out)
    }

    /// The vault's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Blocking [`SecretStore::get`].
    pub fn get_blocking(&self, name: &EntryName) -> Result<Option<SecretBytes>, Error> {
        let entries = self.load()?;
        let Some(sealed) = entries.get(name) else {
            return Ok(None);
        };
        let plain = aead::open(
            self.keys.entry.as_ref(),
            ENTRY_LABEL,
            &entry_ad(&self.header.store_id, name),
            sealed,
        )
        // The file MAC passed, so a failing entry means a bug or a key mix-up, not noise.
        .map_err(|_| Error::Tampered)?;
        Ok(Some(secret_from(&plain)))
    }

    /// Blocking [`SecretStore::put`]: durable when it returns.
    pub fn put_blocking(&self, name: &EntryName, value: &SecretBytes) -> Result<(), Error> {
        let value = value.expose_secret();
        if value.len() > MAX_VALUE_LEN {
            return Err(Error::TooLarge);
        }
        let sealed = aead::seal(
            self.keys.entry.as_ref(),
            ENTRY_LABEL,
            &entry_ad(&self.header.store_id, name),
            value,
        )?;
        self.modify(|entries| {
            if !entries.contains_key(name) && entries.len() >= format::MAX_ENTRIES {
                return Err(Error::StoreFull);
            }
            entries.insert(name.clone(), sealed);
            Ok(((), true))
        })
    }

    /// Blocking [`SecretStore::put_if_absent`]: the check and the write happen under the
    /// inter-process write lock, so two writers never both store a value.
    pub fn put_if_absent_blocking(
        &self,
        name: &EntryName,
        value: &SecretBytes,
    ) -> Result<bool, Error> {
        let value = value.expose_secret();
        if value.len() > MAX_VALUE_LEN {
            return Err(Error::TooLarge);
        }
        let sealed = aead::seal(
            self.keys.entry.as_ref(),
            ENTRY_LABEL,
            &entry_ad(&self.header.store_id, name),
            value,
        )?;
        self.modify(|entries| {
            if entries.contains_key(name) {
                return Ok((false, false));
            }
            if entries.len() >= format::MAX_ENTRIES {
                return Err(Error::StoreFull);
            }
            entries.insert(name.clone(), sealed);
            Ok((true, true))
        })
    }

    /// Blocking [`SecretStore::delete`].
    pub fn delete_blocking(&self, name: &EntryName) -> Result<bool, Error> {
        self.modify(|entries| {
            let existed = entries.remove(name).is_some();
            Ok((existed, existed))
        })
    }

    /// Blocking [`SecretStore::list`].
    pub fn list_blocking(&self) -> Result<Vec<EntryName>, Error> {
        Ok(self.load()?.into_keys().collect())
    }
}

impl SecretStore for EncryptedFileStore {
    fn backend(&self) -> Backend {
        Backend::EncryptedFile
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

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &Path) -> EncryptedFileStore {
        EncryptedFileStore::create(dir.join("v"), KeySource::KeyFile(dir.join("v.key"))).unwrap()
    }

    /// A value moved to another name, with the file MAC recomputed by someone holding the MAC
    /// key, still fails: the entry AEAD binds the name.
    #[test]
    fn moved_ciphertext_fails_even_with_valid_mac() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let (a, b) = (EntryName::new("a").unwrap(), EntryName::new("b").unwrap());
        s.put_blocking(&a, &secret_from(b"alpha")).unwrap();
        s.put_blocking(&b, &secret_from(b"beta")).unwrap();
        let mut entries = s.load().unwrap();
        let ca = entries.get(&a).unwrap().clone();
        entries.insert(b.clone(), ca);
        s.write(&entries).unwrap();
        assert_eq!(
            s.get_blocking(&a).unwrap().unwrap().expose_secret(),
            b"alpha"
        );
        assert!(matches!(s.get_blocking(&b), Err(Error::Tampered)));
    }

    /// A value copied into another vault (other store id), MAC recomputed there, fails.
    #[test]
    fn ciphertext_from_another_vault_fails() {
        let d1 = tempfile::tempdir().unwrap();
        let s1 = store(d1.path());
        let d2 = tempfile::tempdir().unwrap();
        // Same key file contents, different vault: only the store id differs.
        std::fs::copy(d1.path().join("v.key"), d2.path().join("v.key")).unwrap();
        let s2 = store(d2.path());
        let a = EntryName::new("a").unwrap();
        s1.put_blocking(&a, &secret_from(b"alpha")).unwrap();
        let mut e2 = s2.load().unwrap();
        e2.insert(a.clone(), s1.load().unwrap().remove(&a).unwrap());
        s2.write(&e2).unwrap();
        assert!(matches!(s2.get_blocking(&a), Err(Error::Tampered)));
    }
}
