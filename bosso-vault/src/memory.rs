//! The in-memory store: for tests and as a bounded cache.

use std::collections::BTreeMap;
use std::sync::Mutex;

use secrecy::ExposeSecret;

use crate::store::secret_from;
use crate::{Backend, EntryName, Error, SecretBytes, SecretStore};

/// A [`SecretStore`] in process memory, bounded in entry count. Values are zeroized on drop.
pub struct MemoryStore {
    entries: Mutex<BTreeMap<EntryName, SecretBytes>>,
    capacity: usize,
}

impl MemoryStore {
    /// An empty store holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(BTreeMap::new()),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<EntryName, SecretBytes>> {
        // A poisoned lock only means another thread panicked mid-call; the map is still whole.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new(10_000)
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("entries", &self.lock().len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl SecretStore for MemoryStore {
    fn backend(&self) -> Backend {
        Backend::Memory
    }

    async fn get(&self, name: &EntryName) -> Result<Option<SecretBytes>, Error> {
        Ok(self
            .lock()
            .get(name)
            .map(|v| secret_from(v.expose_secret())))
    }

    async fn put(&self, name: &EntryName, value: &SecretBytes) -> Result<(), Error> {
        let mut map = self.lock();
        if !map.contains_key(name) && map.len() >= self.capacity {
            return Err(Error::StoreFull);
        }
        map.insert(name.clone(), secret_from(value.expose_secret()));
        Ok(())
    }

    async fn put_if_absent(&self, name: &EntryName, value: &SecretBytes) -> Result<bool, Error> {
        let mut map = self.lock();
        if map.contains_key(name) {
            return Ok(false);
        }
        if map.len() >= self.capacity {
            return Err(Error::StoreFull);
        }
        map.insert(name.clone(), secret_from(value.expose_secret()));
        Ok(true)
    }

    async fn delete(&self, name: &EntryName) -> Result<bool, Error> {
        Ok(self.lock().remove(name).is_some())
    }

    async fn list(&self) -> Result<Vec<EntryName>, Error> {
        Ok(self.lock().keys().cloned().collect())
    }
}
