//! Login sessions: a user's authenticated session with this server (a cookie or an API
//! bearer), not the remote coding session (`bosso_token::SessionId`) that bosso-auth's attach
//! gate protects. Their tokens are 256-bit random bearer tokens of which the store only ever
//! sees `HMAC-SHA256(server key, token)`, with a sliding inactivity window, a bounded touch rate
//! and an absolute lifetime, rotation on auth events and revocation.
//!
//! A validated login session ([`ValidLoginSession`]) is a principal the attach gate accepts:
//! [`ValidLoginSession::principal`].
//!
//! Why these defaults (from the seeds' session table): 7 days of inactivity ends a session; the
//! last-seen time is written at most once per 24 hours (a read-mostly store, and the idle window
//! is then between 6 and 7 days); no session outlives 30 days from its login.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::sync::Mutex;

use bosso_auth::gate::TrustedPrincipal;
use bosso_token::{Clock, UnixTime, UserId};

use crate::Error;
use crate::token::{BearerToken, TokenHash, TokenKey, TokenKind};

const DAY: u64 = 24 * 60 * 60;

/// Session lifetimes in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSessionConfig {
    /// Inactivity after which a session ends. Default 7 days.
    pub idle_timeout_secs: u64,
    /// Minimum time between last-seen writes. Default 24 hours.
    pub touch_interval_secs: u64,
    /// Lifetime from login, whatever the activity. Default 30 days.
    pub absolute_timeout_secs: u64,
}

impl Default for LoginSessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout_secs: 7 * DAY,
            touch_interval_secs: DAY,
            absolute_timeout_secs: 30 * DAY,
        }
    }
}

/// A session token as issued to the client (`bss_` + 43 base64url characters). `Debug` is
/// redacted; send [`LoginSessionToken::expose`] in an `HttpOnly; Secure` cookie or a subprotocol.
#[derive(Debug, Clone)]
pub struct LoginSessionToken(BearerToken);

impl LoginSessionToken {
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
pub struct LoginSessionRecord {
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

impl LoginSessionRecord {
    /// When the session ends unless more activity is recorded: the end of its idle window or
    /// its absolute expiry, whichever comes first. From then on no token can bring it back, so
    /// a store may drop it.
    pub fn ends_at(&self) -> UnixTime {
        self.last_seen
            .saturating_add(self.idle_timeout_secs)
            .min(self.absolute_expiry)
    }
}

/// A login session that passed every check just now. Only [`LoginSessionManager`] makes one:
/// from a token it validated, or for a session it just created or rotated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidLoginSession {
    user: UserId,
    created: UnixTime,
    mfa: bool,
    expires: UnixTime,
}

impl ValidLoginSession {
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

    /// This session's user as a principal bosso-auth's attach gate accepts
    /// (`AttachGate::issue`).
    ///
    /// The gate's `Authenticated` trait is sealed, and this crate depends on bosso-auth (never
    /// the reverse), so the session goes through [`TrustedPrincipal::assert_verified`]. The
    /// assertion it makes is true by construction: a `ValidLoginSession` exists only after
    /// this crate checked the session against its store (live, unrevoked, within its idle and
    /// absolute lifetimes), or created it for a login the host just completed. A host can never vouch for an unverified identity this
    /// way, since it cannot make a `ValidLoginSession`:
    ///
    /// ```compile_fail,E0451
    /// use bosso_accounts::login_session::ValidLoginSession;
    /// use bosso_token::{UnixTime, UserId};
    ///
    /// let forged = ValidLoginSession {
    ///     user: UserId::new("alice").unwrap(),
    ///     created: UnixTime::from_secs(0),
    ///     mfa: true,
    ///     expires: UnixTime::from_secs(u64::MAX),
    /// };
    /// ```
    ///
    /// Validate again per request: the principal is only as fresh as the validation that made
    /// it.
    pub fn principal(&self) -> TrustedPrincipal {
        TrustedPrincipal::assert_verified(self.user.clone())
    }
}

/// Storage of sessions keyed by [`TokenHash`].
pub trait LoginSessionStore: Send + Sync {
    /// Adds a session.
    fn insert(
        &self,
        hash: TokenHash,
        record: LoginSessionRecord,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// The session under `hash`.
    fn get(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<LoginSessionRecord>, Error>> + Send;
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
struct LoginSessionMaps {
    by_hash: HashMap<TokenHash, LoginSessionRecord>,
    by_user: HashMap<UserId, HashSet<TokenHash>>,
}

impl LoginSessionMaps {
    fn remove(&mut self, hash: &TokenHash) -> Option<LoginSessionRecord> {
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

/// In-memory [`LoginSessionStore`] with a capacity; when full, sessions that have ended
/// ([`LoginSessionRecord::ends_at`]: idle past their inactivity limit, or past their absolute
/// expiry) are dropped first, and if none have, new logins fail with [`Error::StoreFull`].
/// A session that can still validate is never dropped to make room.
pub struct MemoryLoginSessionStore<C> {
    maps: Mutex<LoginSessionMaps>,
    capacity: usize,
    clock: C,
}

impl<C> fmt::Debug for MemoryLoginSessionStore<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.maps.lock() {
            Ok(m) => f
                .debug_struct("MemoryLoginSessionStore")
                .field("sessions", &m.by_hash)
                .finish_non_exhaustive(),
            Err(_) => f.write_str("MemoryLoginSessionStore(poisoned)"),
        }
    }
}

impl<C: Clock> MemoryLoginSessionStore<C> {
    /// A store holding at most `capacity` sessions, reading time from `clock` for purges.
    pub fn new(capacity: usize, clock: C) -> Self {
        Self {
            maps: Mutex::new(LoginSessionMaps::default()),
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

impl<C: Clock> LoginSessionStore for MemoryLoginSessionStore<C> {
    async fn insert(&self, hash: TokenHash, record: LoginSessionRecord) -> Result<(), Error> {
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

    async fn get(&self, hash: &TokenHash) -> Result<Option<LoginSessionRecord>, Error> {
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

/// What [`LoginSessionManager::check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionCheck {
    /// Live. `refreshed`: this check wrote a new last-seen time (once per touch interval).
    Valid {
        /// The session.
        session: ValidLoginSession,
        /// Whether the idle window was just extended.
        refreshed: bool,
    },
    /// It existed but was past its idle or absolute lifetime; it is now removed.
    Expired {
        /// Whose session it was.
        user: UserId,
    },
    /// No such session (never issued, revoked, rotated away or already purged).
    Unknown,
}

/// Issues, validates, rotates and revokes sessions.
pub struct LoginSessionManager<S, C> {
    config: LoginSessionConfig,
    store: S,
    clock: C,
    key: TokenKey,
}

impl<S, C> fmt::Debug for LoginSessionManager<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginSessionManager")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<S: LoginSessionStore, C: Clock> LoginSessionManager<S, C> {
    /// A manager. `key` is the server's HMAC key (keep it out of the store).
    pub fn new(
        config: LoginSessionConfig,
        store: S,
        clock: C,
        key: TokenKey,
    ) -> Result<Self, Error> {
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
        })
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The keyed hash the store sees for `token`.
    pub fn hash_of(&self, token: &LoginSessionToken) -> TokenHash {
        self.key.hash(&token.0)
    }

    /// `last_seen` is what the store now holds (the record's, or `now` if just touched).
    fn valid(&self, r: &LoginSessionRecord, last_seen: UnixTime) -> ValidLoginSession {
        let idle_end = last_seen.saturating_add(self.config.idle_timeout_secs);
        ValidLoginSession {
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
    ) -> Result<(LoginSessionToken, ValidLoginSession), Error> {
        let now = self.clock.now();
        let token = LoginSessionToken(BearerToken::generate(TokenKind::Session)?);
        let record = LoginSessionRecord {
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
    ) -> Result<(LoginSessionToken, ValidLoginSession), Error> {
        self.issue(user.clone(), self.clock.now(), mfa).await
    }

    /// Checks a presented token: known, not idle past the window, not past the absolute
    /// lifetime. Records activity at most once per touch interval. Expired sessions are removed.
    pub async fn validate(&self, token: &str) -> Result<ValidLoginSession, Error> {
        match self.check(token).await? {
            SessionCheck::Valid { session, .. } => Ok(session),
            SessionCheck::Expired { .. } | SessionCheck::Unknown => Err(Error::SessionInvalid),
        }
    }

    /// [`Self::validate`] with the detail a cookie layer needs: whether this call recorded
    /// activity (so the cookie's lifetime moved and is worth re-issuing), and whose session just
    /// ended (for an audit event). A malformed token or an unavailable store is an error.
    pub async fn check(&self, token: &str) -> Result<SessionCheck, Error> {
        let token = LoginSessionToken::parse(token)?;
        let hash = self.hash_of(&token);
        let Some(rec) = self.store.get(&hash).await? else {
            return Ok(SessionCheck::Unknown);
        };
        let now = self.clock.now();
        let idle_end = rec.last_seen.saturating_add(self.config.idle_timeout_secs);
        if now >= idle_end || now >= rec.absolute_expiry {
            self.store.remove(&hash).await?;
            return Ok(SessionCheck::Expired { user: rec.user });
        }
        let mut last_seen = rec.last_seen;
        let refreshed = now.as_secs().saturating_sub(rec.last_seen.as_secs())
            >= self.config.touch_interval_secs;
        if refreshed {
            self.store.touch(&hash, now).await?;
            last_seen = now;
        }
        Ok(SessionCheck::Valid {
            session: self.valid(&rec, last_seen),
            refreshed,
        })
    }

    /// The current time on this manager's clock.
    pub fn now(&self) -> UnixTime {
        self.clock.now()
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
    ) -> Result<(LoginSessionToken, ValidLoginSession), Error> {
        let current = self.validate(token).await?;
        let old = LoginSessionToken::parse(token)?;
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
        let token = LoginSessionToken::parse(token)?;
        self.store.remove(&self.hash_of(&token)).await?;
        Ok(())
    }

    /// Ends every session of `user` (password change, "log out everywhere"); returns how many.
    pub async fn revoke_all(&self, user: &UserId) -> Result<usize, Error> {
        self.store.remove_user(user).await
    }
}
