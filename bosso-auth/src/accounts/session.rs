//! Session tokens: 256-bit random bearer tokens of which the store only ever sees
//! `HMAC-SHA256(server key, token)`, with a sliding inactivity window, a bounded touch rate and
//! an absolute lifetime, rotation on auth events and revocation.
//!
//! Why these defaults (from the seeds' session table): 7 days of inactivity ends a session; the
//! last-seen time is written at most once per 24 hours (a read-mostly store, and the idle window
//! is then between 6 and 7 days); no session outlives 30 days from its login.

use ring::rand::SystemRandom;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::sync::Mutex;

use bosso_token::{Clock, UnixTime, UserId};

use super::token::{BearerToken, TokenHash, TokenKey, TokenKind};
use crate::Error;

const DAY: u64 = 24 * 60 * 60;

/// Session lifetimes in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Inactivity after which a session ends. Default 7 days.
    pub idle_timeout_secs: u64,
    /// Minimum time between last-seen writes. Default 24 hours.
    pub touch_interval_secs: u64,
    /// Lifetime from login, whatever the activity. Default 30 days.
    pub absolute_timeout_secs: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout_secs: 7 * DAY,
            touch_interval_secs: DAY,
            absolute_timeout_secs: 30 * DAY,
        }
    }
}

/// A session token as issued to the client (`bss_` + 43 base64url characters). `Debug` is
/// redacted; send [`SessionToken::expose`] in an `HttpOnly; Secure` cookie or a subprotocol.
#[derive(Debug, Clone)]
pub struct SessionToken(BearerToken);

impl SessionToken {
    /// Parses client input (exact format; the error never echoes the input).
    pub fn parse(input: &str) -> Result<Self, Error> {
        BearerToken::parse(TokenKind::Session, input).map(Self)
    }

    /// The token text (a secret).
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// What the store keeps per session: no token, no token-derived secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The account.
    pub user: UserId,
    /// Login time; the absolute lifetime counts from here, across rotations.
    pub created: UnixTime,
    /// Last recorded activity (written at most once per touch interval).
    pub last_seen: UnixTime,
    /// Whether a second factor was proven in this session.
    pub mfa: bool,
    /// When the session ends at the latest (`created + absolute`), so a store can expire it
    /// (a Redis TTL) without knowing the configuration.
    pub absolute_expiry: UnixTime,
    /// The inactivity limit it was issued with, so a store can drop a session that went idle
    /// (past `last_seen + idle_timeout_secs`) without knowing the configuration.
    pub idle_timeout_secs: u64,
}

impl SessionRecord {
    /// When the session ends unless more activity is recorded: the end of its idle window or
    /// its absolute expiry, whichever comes first. From then on no token can bring it back, so
    /// a store may drop it.
    pub fn ends_at(&self) -> UnixTime {
        self.last_seen
            .saturating_add(self.idle_timeout_secs)
            .min(self.absolute_expiry)
    }
}

/// A session that passed every check just now. Only [`SessionManager`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSession {
    user: UserId,
    created: UnixTime,
    mfa: bool,
    expires: UnixTime,
}

impl ValidSession {
    /// The authenticated account.
    pub fn user(&self) -> &UserId {
        &self.user
    }
    /// Login time.
    pub fn created(&self) -> UnixTime {
        self.created
    }
    /// Whether a second factor was proven.
    pub fn mfa(&self) -> bool {
        self.mfa
    }
    /// When the session ends if no more activity is *recorded*: the stored last-seen time plus
    /// the idle timeout (or the absolute limit, if sooner). Last-seen is written at most once
    /// per touch interval, so this can be earlier than "idle from now".
    pub fn expires(&self) -> UnixTime {
        self.expires
    }
}

/// Storage of sessions keyed by [`TokenHash`].
pub trait SessionStore: Send + Sync {
    /// Adds a session.
    fn insert(
        &self,
        hash: TokenHash,
        record: SessionRecord,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// The session under `hash`.
    fn get(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<SessionRecord>, Error>> + Send;
    /// Records activity.
    fn touch(
        &self,
        hash: &TokenHash,
        now: UnixTime,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Removes one session; returns whether it existed.
    fn remove(&self, hash: &TokenHash) -> impl Future<Output = Result<bool, Error>> + Send;
    /// Removes every session of `user`; returns how many.
    fn remove_user(&self, user: &UserId) -> impl Future<Output = Result<usize, Error>> + Send;
}

#[derive(Debug, Default)]
struct SessionMaps {
    by_hash: HashMap<TokenHash, SessionRecord>,
    by_user: HashMap<UserId, HashSet<TokenHash>>,
}

impl SessionMaps {
    fn remove(&mut self, hash: &TokenHash) -> Option<SessionRecord> {
        let rec = self.by_hash.remove(hash)?;
        if let Some(set) = self.by_user.get_mut(&rec.user) {
            set.remove(hash);
            if set.is_empty() {
                self.by_user.remove(&rec.user);
            }
        }
        Some(rec)
    }
}

/// In-memory [`SessionStore`] with a capacity; when full, sessions that have ended
/// ([`SessionRecord::ends_at`]: idle past their inactivity limit, or past their absolute
/// expiry) are dropped first, and if none have, new logins fail with [`Error::StoreFull`].
/// A session that can still validate is never dropped to make room.
pub struct MemorySessionStore<C> {
    maps: Mutex<SessionMaps>,
    capacity: usize,
    clock: C,
}

impl<C> fmt::Debug for MemorySessionStore<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.maps.lock() {
            Ok(m) => f
                .debug_struct("MemorySessionStore")
                .field("sessions", &m.by_hash)
                .finish_non_exhaustive(),
            Err(_) => f.write_str("MemorySessionStore(poisoned)"),
        }
    }
}

impl<C: Clock> MemorySessionStore<C> {
    /// A store holding at most `capacity` sessions, reading time from `clock` for purges.
    pub fn new(capacity: usize, clock: C) -> Self {
        Self {
            maps: Mutex::new(SessionMaps::default()),
            capacity,
            clock,
        }
    }

    /// Every hash held, for audits and tests: this is all the store knows about tokens.
    pub fn hashes(&self) -> Result<Vec<TokenHash>, Error> {
        let m = self.maps.lock().map_err(|_| Error::poisoned())?;
        Ok(m.by_hash.keys().copied().collect())
    }

    /// Number of sessions held.
    pub fn len(&self) -> Result<usize, Error> {
        Ok(self
            .maps
            .lock()
            .map_err(|_| Error::poisoned())?
            .by_hash
            .len())
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> Result<bool, Error> {
        Ok(self.len()? == 0)
    }
}

impl<C: Clock> SessionStore for MemorySessionStore<C> {
    async fn insert(&self, hash: TokenHash, record: SessionRecord) -> Result<(), Error> {
        let mut m = self.maps.lock().map_err(|_| Error::poisoned())?;
        if m.by_hash.len() >= self.capacity {
            let now = self.clock.now();
            let dead: Vec<TokenHash> = m
                .by_hash
                .iter()
                .filter(|(_, r)| r.ends_at() <= now)
                .map(|(h, _)| *h)
                .collect();
            for h in dead {
                m.remove(&h);
            }
            if m.by_hash.len() >= self.capacity {
                return Err(Error::StoreFull);
            }
        }
        m.by_user
            .entry(record.user.clone())
            .or_default()
            .insert(hash);
        m.by_hash.insert(hash, record);
        Ok(())
    }

    async fn get(&self, hash: &TokenHash) -> Result<Option<SessionRecord>, Error> {
        let m = self.maps.lock().map_err(|_| Error::poisoned())?;
        Ok(m.by_hash.get(hash).cloned())
    }

    async fn touch(&self, hash: &TokenHash, now: UnixTime) -> Result<(), Error> {
        let mut m = self.maps.lock().map_err(|_| Error::poisoned())?;
        if let Some(r) = m.by_hash.get_mut(hash) {
            r.last_seen = r.last_seen.max(now);
        }
        Ok(())
    }

    async fn remove(&self, hash: &TokenHash) -> Result<bool, Error> {
        let mut m = self.maps.lock().map_err(|_| Error::poisoned())?;
        Ok(m.remove(hash).is_some())
    }

    async fn remove_user(&self, user: &UserId) -> Result<usize, Error> {
        let mut m = self.maps.lock().map_err(|_| Error::poisoned())?;
        let hashes = m.by_user.remove(user).unwrap_or_default();
        for h in &hashes {
            m.by_hash.remove(h);
        }
        Ok(hashes.len())
    }
}

/// Why a session is being rotated (the old token stops working in every case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RotationReason {
    /// Roles or permissions changed.
    PrivilegeChange,
    /// A second factor was just proven: the new session is marked `mfa`.
    StepUp,
    /// Any other authentication event.
    Other,
}

/// Issues, validates, rotates and revokes sessions.
pub struct SessionManager<S, C> {
    config: SessionConfig,
    store: S,
    clock: C,
    key: TokenKey,
    rng: SystemRandom,
}

impl<S, C> fmt::Debug for SessionManager<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<S: SessionStore, C: Clock> SessionManager<S, C> {
    /// A manager. `key` is the server's HMAC key (keep it out of the store).
    pub fn new(config: SessionConfig, store: S, clock: C, key: TokenKey) -> Result<Self, Error> {
        if config.idle_timeout_secs == 0
            || config.absolute_timeout_secs == 0
            || config.touch_interval_secs > config.idle_timeout_secs
        {
            return Err(Error::InvalidConfig(
                "session timeouts must be positive and touch interval <= idle timeout",
            ));
        }
        Ok(Self {
            config,
            store,
            clock,
            key,
            rng: SystemRandom::new(),
        })
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The keyed hash the store sees for `token`.
    pub fn hash_of(&self, token: &SessionToken) -> TokenHash {
        self.key.hash(&token.0)
    }

    /// `last_seen` is what the store now holds (the record's, or `now` if just touched).
    fn valid(&self, r: &SessionRecord, last_seen: UnixTime) -> ValidSession {
        let idle_end = last_seen.saturating_add(self.config.idle_timeout_secs);
        ValidSession {
            user: r.user.clone(),
            created: r.created,
            mfa: r.mfa,
            expires: idle_end.min(r.absolute_expiry),
        }
    }

    async fn issue(
        &self,
        user: UserId,
        created: UnixTime,
        mfa: bool,
    ) -> Result<(SessionToken, ValidSession), Error> {
        let now = self.clock.now();
        let token = SessionToken(BearerToken::generate(TokenKind::Session, &self.rng)?);
        let record = SessionRecord {
            user,
            created,
            last_seen: now,
            mfa,
            absolute_expiry: created.saturating_add(self.config.absolute_timeout_secs),
            idle_timeout_secs: self.config.idle_timeout_secs,
        };
        let valid = self.valid(&record, now);
        self.store.insert(self.hash_of(&token), record).await?;
        Ok((token, valid))
    }

    /// A new session after a login (`mfa`: whether a second factor was proven).
    pub async fn create(
        &self,
        user: &UserId,
        mfa: bool,
    ) -> Result<(SessionToken, ValidSession), Error> {
        self.issue(user.clone(), self.clock.now(), mfa).await
    }

    /// Checks a presented token: known, not idle past the window, not past the absolute
    /// lifetime. Records activity at most once per touch interval. Expired sessions are removed.
    pub async fn validate(&self, token: &str) -> Result<ValidSession, Error> {
        let token = SessionToken::parse(token)?;
        let hash = self.hash_of(&token);
        let rec = self.store.get(&hash).await?.ok_or(Error::SessionInvalid)?;
        let now = self.clock.now();
        let idle_end = rec.last_seen.saturating_add(self.config.idle_timeout_secs);
        if now >= idle_end || now >= rec.absolute_expiry {
            self.store.remove(&hash).await?;
            return Err(Error::SessionInvalid);
        }
        let mut last_seen = rec.last_seen;
        if now.as_secs().saturating_sub(rec.last_seen.as_secs()) >= self.config.touch_interval_secs
        {
            self.store.touch(&hash, now).await?;
            last_seen = now;
        }
        Ok(self.valid(&rec, last_seen))
    }

    /// Replaces a valid session by a new token on an auth event; the old token stops working.
    /// The absolute lifetime still counts from the original login.
    ///
    /// The new session is stored *before* the old one is removed, and kept only if this call
    /// is the one that removed the old one. So a concurrent [`Self::revoke_all`] (or
    /// [`Self::revoke`], or another rotation) wins whichever step it lands between: either it
    /// removes the new session itself, or it removed the old one first and this rotation then
    /// withdraws the new one and fails with [`Error::SessionInvalid`]. The new token is handed
    /// out only after that, so nobody can use it in between. Rotation therefore needs one free
    /// slot in a bounded store for a moment ([`Error::StoreFull`] leaves the old session as is).
    pub async fn rotate(
        &self,
        token: &str,
        reason: RotationReason,
    ) -> Result<(SessionToken, ValidSession), Error> {
        let current = self.validate(token).await?;
        let old = SessionToken::parse(token)?;
        let mfa = current.mfa || reason == RotationReason::StepUp;
        let (new, valid) = self.issue(current.user, current.created, mfa).await?;
        if !self.store.remove(&self.hash_of(&old)).await? {
            // Revoked, logged out everywhere or rotated by someone else in between: that wins.
            self.store.remove(&self.hash_of(&new)).await?;
            return Err(Error::SessionInvalid);
        }
        Ok((new, valid))
    }

    /// Ends one session (logout). Unknown tokens are not an error.
    pub async fn revoke(&self, token: &str) -> Result<(), Error> {
        let token = SessionToken::parse(token)?;
        self.store.remove(&self.hash_of(&token)).await?;
        Ok(())
    }

    /// Ends every session of `user` (password change, "log out everywhere"); returns how many.
    pub async fn revoke_all(&self, user: &UserId) -> Result<usize, Error> {
        self.store.remove_user(user).await
    }
}
