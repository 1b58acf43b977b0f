//! Where password hashes live: the [`PasswordStore`] trait and an in-memory implementation.

use std::future::Future;

use bosso_token::UserId;

use super::PasswordHash;
use crate::Error;

/// Where password hashes live (the host's user table, in production).
pub trait PasswordStore: Send + Sync {
    /// The stored hash of `user`, if the account exists.
    fn get(&self, user: &UserId) -> impl Future<Output = Result<Option<String>, Error>> + Send;
    /// Replaces the stored hash of `user`.
    fn set(
        &self,
        user: &UserId,
        hash: PasswordHash,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Replaces the stored hash of `user` only if it is still `expected`, atomically; returns
    /// whether it wrote. [`PasswordHasher::login`](super::PasswordHasher::login) saves rehashes with it, so a rehash never
    /// undoes a password change made meanwhile.
    ///
    /// Required, with no default: a default built on [`Self::get`] and [`Self::set`] could not
    /// be atomic, and one that never writes would silently disable rehash-on-login and the
    /// bcrypt upgrade. In SQL: `UPDATE users SET hash = $new WHERE id = $user AND hash =
    /// $expected`, returning whether a row changed.
    fn set_if(
        &self,
        user: &UserId,
        expected: &str,
        hash: PasswordHash,
    ) -> impl Future<Output = Result<bool, Error>> + Send;
}

/// An in-memory [`PasswordStore`] (tests, single-process tools).
#[derive(Debug, Default)]
pub struct MemoryPasswordStore {
    map: std::sync::Mutex<std::collections::HashMap<UserId, String>>,
}

impl MemoryPasswordStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores a raw hash string as it is (for importing legacy bcrypt hashes).
    pub fn insert_raw(&self, user: UserId, hash: String) -> Result<(), Error> {
        self.map
            .lock()
            .map_err(|_| Error::poisoned())?
            .insert(user, hash);
        Ok(())
    }
}

impl PasswordStore for MemoryPasswordStore {
    async fn get(&self, user: &UserId) -> Result<Option<String>, Error> {
        Ok(self
            .map
            .lock()
            .map_err(|_| Error::poisoned())?
            .get(user)
            .cloned())
    }

    async fn set(&self, user: &UserId, hash: PasswordHash) -> Result<(), Error> {
        self.map
            .lock()
            .map_err(|_| Error::poisoned())?
            .insert(user.clone(), hash.into_string());
        Ok(())
    }

    async fn set_if(
        &self,
        user: &UserId,
        expected: &str,
        hash: PasswordHash,
    ) -> Result<bool, Error> {
        let mut m = self.map.lock().map_err(|_| Error::poisoned())?;
        match m.get_mut(user) {
            Some(cur) if cur.as_str() == expected => {
                *cur = hash.into_string();
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
