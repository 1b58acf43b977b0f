//! The plaintext fallback: only through an explicit, logged opt-in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;
use zeroize::Zeroizing;

use crate::bytes::Reader;
use crate::file::format::{MAX_ENTRIES, MAX_FILE_LEN, MAX_VALUE_LEN};
use crate::file::io;
use crate::store::secret_from;
use crate::{Backend, EntryName, Error, SecretBytes, SecretStore};

const MAGIC: &[u8; 8] = b"BOSSOPLN";
const VERSION: u8 = 1;
const WHAT: &str = "plaintext store file";

/// A [`SecretStore`] that keeps values **unencrypted** in a `0600` file.
///
/// It exists for machines with no OS store where the user refuses a passphrase and accepts the
/// risk. It keeps every other property of the file store (atomic durable writes, locking,
/// `0600` creation, the file-trust rules: no symbolic links, no file of another user, no
/// group/world access, no directory others can change) but anyone who can read the file
/// reads the secrets. The only constructor is [`allow_insecure`](Self::allow_insecure), which
/// logs a `tracing` warning every time.
pub struct PlaintextFileStore {
    path: PathBuf,
}

/// Proof that the caller opted into plaintext storage; only [`InsecureOptIn::i_accept_plaintext_secrets`]
/// makes one, so the opt-in is visible at the call site.
#[derive(Debug, Clone, Copy)]
pub struct InsecureOptIn(());

impl InsecureOptIn {
    /// The explicit opt-in.
    pub fn i_accept_plaintext_secrets() -> Self {
        Self(())
    }
}

impl std::fmt::Debug for PlaintextFileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaintextFileStore")
            .field("path", &self.path)
            .finish()
    }
}

impl PlaintextFileStore {
    /// Opens (creating when missing) a plaintext store. Logs a warning naming the path.
    pub fn allow_insecure(path: impl Into<PathBuf>, _opt_in: InsecureOptIn) -> Result<Self, Error> {
        let path = path.into();
        tracing::warn!(
            path = %path.display(),
            "bosso-vault: INSECURE plaintext secret store opted in; secrets are not encrypted at rest"
        );
        let store = Self { path };
        let _lock = io::lock_exclusive(&store.path)?;
        io::remove_stale_temps(&store.path, io::Stale::AnyWriter);
        match io::read_private(&store.path, MAX_FILE_LEN) {
            Ok(bytes) => {
                parse(&bytes)?;
            }
            Err(e) if io::is_not_found(&e) => {
                store.write(&BTreeMap::new())?;
            }
            Err(e) => return Err(e),
        }
        Ok(store)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self) -> Result<BTreeMap<EntryName, Zeroizing<Vec<u8>>>, Error> {
        parse(&io::read_private(&self.path, MAX_FILE_LEN)?)
    }

    fn write(&self, entries: &BTreeMap<EntryName, Zeroizing<Vec<u8>>>) -> Result<(), Error> {
        let mut out = Zeroizing::new(MAGIC.to_vec());
        out.push(VERSION);
        let count = u32::try_from(entries.len()).map_err(|_| Error::StoreFull)?;
        out.extend_from_slice(&count.to_be_bytes());
        for (name, v) in entries {
            crate::bytes::put_u16_prefixed(&mut out, name.as_str().as_bytes());
            let len = u32::try_from(v.len()).map_err(|_| Error::TooLarge)?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(v);
        }
        io::atomic_replace(&self.path, &out)
    }

    fn modify<T>(
        &self,
        change: impl FnOnce(&mut BTreeMap<EntryName, Zeroizing<Vec<u8>>>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let _lock = io::lock_exclusive(&self.path)?;
        io::remove_stale_temps(&self.path, io::Stale::AnyWriter);
        let mut entries = self.load()?;
        let out = change(&mut entries)?;
        self.write(&entries)?;
        Ok(out)
    }
}

fn parse(bytes: &[u8]) -> Result<BTreeMap<EntryName, Zeroizing<Vec<u8>>>, Error> {
    let mut r = Reader::new(bytes, WHAT);
    if r.take(8)? != MAGIC {
        return Err(Error::malformed(WHAT, "bad magic"));
    }
    if r.u8()? != VERSION {
        return Err(Error::UnsupportedVersion { what: WHAT });
    }
    let count = usize::try_from(r.u32()?).map_err(|_| Error::TooLarge)?;
    if count > MAX_ENTRIES {
        return Err(Error::malformed(WHAT, "too many entries"));
    }
    let mut out = BTreeMap::new();
    for _ in 0..count {
        let n = usize::from(r.u16()?);
        let name = EntryName::from_bytes(r.take(n)?)
            .map_err(|_| Error::malformed(WHAT, "invalid entry name"))?;
        let len = usize::try_from(r.u32()?).map_err(|_| Error::TooLarge)?;
        if len > MAX_VALUE_LEN {
            return Err(Error::malformed(WHAT, "value too large"));
        }
        let v = Zeroizing::new(r.take(len)?.to_vec());
        if out.insert(name, v).is_some() {
            return Err(Error::malformed(WHAT, "duplicate entry name"));
        }
    }
    r.finish()?;
    Ok(out)
}

/// Parses a plaintext store file and returns its entry names (for fuzzing and tools).
pub fn inspect_plaintext_file(bytes: &[u8]) -> Result<Vec<EntryName>, Error> {
    Ok(parse(bytes)?.into_keys().collect())
}

impl SecretStore for PlaintextFileStore {
    fn backend(&self) -> Backend {
        Backend::InsecurePlaintextFile
    }

    async fn get(&self, name: &EntryName) -> Result<Option<SecretBytes>, Error> {
        Ok(self.load()?.get(name).map(|v| secret_from(v)))
    }

    async fn put(&self, name: &EntryName, value: &SecretBytes) -> Result<(), Error> {
        let value = value.expose_secret();
        if value.len() > MAX_VALUE_LEN {
            return Err(Error::TooLarge);
        }
        self.modify(|e| {
            if !e.contains_key(name) && e.len() >= MAX_ENTRIES {
                return Err(Error::StoreFull);
            }
            e.insert(name.clone(), Zeroizing::new(value.to_vec()));
            Ok(())
        })
    }

    async fn put_if_absent(&self, name: &EntryName, value: &SecretBytes) -> Result<bool, Error> {
        let value = value.expose_secret();
        if value.len() > MAX_VALUE_LEN {
            return Err(Error::TooLarge);
        }
        // Checked and written under the write lock (an unchanged file is rewritten as is).
        self.modify(|e| {
            if e.contains_key(name) {
                return Ok(false);
            }
            if e.len() >= MAX_ENTRIES {
                return Err(Error::StoreFull);
            }
            e.insert(name.clone(), Zeroizing::new(value.to_vec()));
            Ok(true)
        })
    }

    async fn delete(&self, name: &EntryName) -> Result<bool, Error> {
        self.modify(|e| Ok(e.remove(name).is_some()))
    }

    async fn list(&self) -> Result<Vec<EntryName>, Error> {
        Ok(self.load()?.into_keys().collect())
    }
}
