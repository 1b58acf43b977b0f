//! Account lockout: after `max_failures` failures within a window, refuse attempts for a lock
//! duration that doubles on each repeat lock (up to a cap); a success resets the key.
//!
//! Why these defaults: 5 failures in 15 minutes is a human typing badly at worst; the first
//! lock lasts 1 minute and doubles each time up to 1 hour, so a sustained guessing run gets at
//! most a few dozen guesses per day per key, while a user who fat-fingered is back in a minute.
//! The escalation is forgotten after 24 hours without a lock.
//!
//! # Not locking victims out
//!
//! A lock keyed by account alone lets anyone lock any account by typing wrong passwords. Key
//! lockout by **account and source together** ([`ThrottleKey::account_and_ip`]), so an attacker
//! locks only their own (account, address) pair, and protect the account as a whole with a
//! *rate limit* ([`crate::ratelimit`], keyed by [`ThrottleKey::account`]) that slows
//! distributed guessing without ever refusing outright. Call [`Lockout::begin_attempt`]
//! *before* verifying the password: it counts the attempt atomically up front (so concurrent
//! attempts cannot all slip past the limit, and a full store refuses before the guess), and a
//! locked key learns nothing; call [`Lockout::success`] after a correct password. Keep locks
//! temporary, tell the user by email when a lock happens, and let a second factor or a
//! password reset end a lock.
//!
//! # Key floods
//!
//! Keys are attacker-chosen (random usernames, the /64s of a /48): a flood of fresh keys fills
//! the store, and then *new* keys are refused with [`Error::StoreFull`] until states decay
//! (fail closed; tracked keys keep their exact state). Key the account part only for accounts
//! that exist, and put a per-source rate limit ([`ThrottleKey::ip`]) in front of lockout so
//! one source cannot mint keys quickly.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Mutex;

use bosso_token::{Clock, UnixTime};

use crate::Error;
use crate::ratelimit::ThrottleKey;

/// When to lock and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures within `window_secs` that trigger a lock. Default 5.
    pub max_failures: u32,
    /// Failure counting window. Default 15 minutes.
    pub window_secs: u64,
    /// First lock duration. Default 60 s.
    pub base_lock_secs: u64,
    /// Longest lock. Default 1 hour.
    pub max_lock_secs: u64,
    /// Escalation is forgotten this long after the last lock ended. Default 24 hours.
    pub forget_after_secs: u64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window_secs: 15 * 60,
            base_lock_secs: 60,
            max_lock_secs: 60 * 60,
            forget_after_secs: 24 * 60 * 60,
        }
    }
}

impl LockoutPolicy {
    /// Duration of the lock number `n` (0-based): `base * 2^n`, capped.
    pub fn lock_duration(&self, n: u32) -> u64 {
        let factor = 1u64.checked_shl(n.min(63)).unwrap_or(u64::MAX);
        self.base_lock_secs
            .saturating_mul(factor)
            .min(self.max_lock_secs)
    }
}

/// Per-key lockout state; the logic lives here so every store applies it identically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockState {
    /// Failures in the current window.
    pub failures: u32,
    /// Start of the current window.
    pub window_start: UnixTime,
    /// Locks so far (drives escalation).
    pub locks: u32,
    /// End of the current (or last) lock.
    pub locked_until: Option<UnixTime>,
}

impl Default for LockState {
    fn default() -> Self {
        Self {
            failures: 0,
            window_start: UnixTime::from_secs(0),
            locks: 0,
            locked_until: None,
        }
    }
}

impl LockState {
    /// The end of the lock in force at `now`, if any.
    pub fn locked_at(&self, now: UnixTime) -> Option<UnixTime> {
        self.locked_until.filter(|u| now < *u)
    }

    /// Applies one failure at `now`; returns the end of a lock if this failure started one.
    pub fn on_failure(&mut self, now: UnixTime, p: &LockoutPolicy) -> Option<UnixTime> {
        if let Some(until) = self.locked_at(now) {
            return Some(until);
        }
        if let Some(until) = self.locked_until
            && now >= until.saturating_add(p.forget_after_secs)
        {
            self.locks = 0;
        }
        if self.failures == 0 || now >= self.window_start.saturating_add(p.window_secs) {
            self.failures = 0;
            self.window_start = now;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures >= p.max_failures {
            let until = now.saturating_add(p.lock_duration(self.locks));
            self.locks = self.locks.saturating_add(1);
            self.failures = 0;
            self.locked_until = Some(until);
            return Some(until);
        }
        None
    }

    /// Whether this state is indistinguishable from a key never seen (safe to drop).
    pub fn is_fresh_equivalent(&self, now: UnixTime, p: &LockoutPolicy) -> bool {
        let window_over =
            self.failures == 0 || now >= self.window_start.saturating_add(p.window_secs);
        let escalation_forgotten = match self.locked_until {
            None => self.locks == 0,
            Some(u) => now >= u.saturating_add(p.forget_after_secs),
        };
        window_over && escalation_forgotten
    }
}

/// Storage of lockout state. Operations are atomic per key.
pub trait LockoutStore: Send + Sync {
    /// The end of the lock on `key` in force at `now`, if any.
    fn locked_until(
        &self,
        key: &ThrottleKey,
        now: UnixTime,
    ) -> impl Future<Output = Result<Option<UnixTime>, Error>> + Send;
    /// Records a failure; returns the end of the lock in force after it, if any.
    fn record_failure(
        &self,
        key: &ThrottleKey,
        now: UnixTime,
        policy: &LockoutPolicy,
    ) -> impl Future<Output = Result<Option<UnixTime>, Error>> + Send;
    /// Forgets `key` (after a success).
    fn reset(&self, key: &ThrottleKey) -> impl Future<Output = Result<(), Error>> + Send;
}

/// In-memory [`LockoutStore`] holding at most `capacity` keys. When full it drops only states
/// equivalent to a fresh key; if none, a failure cannot be recorded and
/// [`Error::StoreFull`] is returned. Through [`Lockout::begin_attempt`] that refusal comes
/// before the password is checked (fail closed); [`LockoutStore::locked_until`] (and so
/// [`Lockout::check`]) reports an untracked key as unlocked.
#[derive(Debug)]
pub struct MemoryLockoutStore {
    map: Mutex<HashMap<ThrottleKey, LockState>>,
    capacity: usize,
}

impl MemoryLockoutStore {
    /// A store of at most `capacity` keys.
    pub fn new(capacity: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// Keys tracked.
    pub fn len(&self) -> Result<usize, Error> {
        Ok(self.map.lock().map_err(|_| Error::poisoned())?.len())
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> Result<bool, Error> {
        Ok(self.len()? == 0)
    }
}

impl LockoutStore for MemoryLockoutStore {
    async fn locked_until(
        &self,
        key: &ThrottleKey,
        now: UnixTime,
    ) -> Result<Option<UnixTime>, Error> {
        let m = self.map.lock().map_err(|_| Error::poisoned())?;
        Ok(m.get(key).and_then(|s| s.locked_at(now)))
    }

    async fn record_failure(
        &self,
        key: &ThrottleKey,
        now: UnixTime,
        policy: &LockoutPolicy,
    ) -> Result<Option<UnixTime>, Error> {
        let mut m = self.map.lock().map_err(|_| Error::poisoned())?;
        if !m.contains_key(key) && m.len() >= self.capacity {
            m.retain(|_, s| !s.is_fresh_equivalent(now, policy));
            if m.len() >= self.capacity {
                return Err(Error::StoreFull);
            }
        }
        Ok(m.entry(key.clone()).or_default().on_failure(now, policy))
    }

    async fn reset(&self, key: &ThrottleKey) -> Result<(), Error> {
        self.map.lock().map_err(|_| Error::poisoned())?.remove(key);
        Ok(())
    }
}

/// Lockout over a [`LockoutStore`] and a [`Clock`].
pub struct Lockout<S, C> {
    policy: LockoutPolicy,
    store: S,
    clock: C,
}

impl<S, C> fmt::Debug for Lockout<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lockout")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<S: LockoutStore, C: Clock> Lockout<S, C> {
    /// Lockout with `policy`.
    pub fn new(policy: LockoutPolicy, store: S, clock: C) -> Result<Self, Error> {
        if policy.max_failures == 0 || policy.window_secs == 0 || policy.base_lock_secs == 0 {
            return Err(Error::InvalidConfig(
                "lockout needs max_failures, window and base lock above zero",
            ));
        }
        Ok(Self {
            policy,
            store,
            clock,
        })
    }

    /// Call **before** checking credentials, and only proceed on `Ok`: counts this attempt as
    /// a failure up front, in the store's one atomic operation, so no number of concurrent
    /// attempts can get past the limit while their passwords are being verified (a read-only
    /// check followed by a later write can: every concurrent attempt passes the check).
    ///
    /// `Ok` means the attempt may proceed; at most `max_failures` attempts proceed per window.
    /// The next one starts the lock and fails with [`Error::Locked`], as do all attempts while it
    /// lasts. On a correct password call [`Self::success`], which resets the key (the refund);
    /// on a wrong one do nothing more: it is already counted. A store that cannot track the
    /// key (full, [`Error::StoreFull`], or unreachable) refuses the attempt here, before the
    /// password is looked at: fail closed.
    pub async fn begin_attempt(&self, key: &ThrottleKey) -> Result<(), Error> {
        // The attempt is recorded before the outcome is known, so the store's threshold is one
        // above the policy's: the `max_failures` recorded attempts proceed, the one after them
        // is the failure that locks (and it is refused). With the policy's own threshold only
        // `max_failures - 1` guesses would proceed.
        let pre_counted = LockoutPolicy {
            max_failures: self.policy.max_failures.saturating_add(1),
            ..self.policy.clone()
        };
        match self
            .store
            .record_failure(key, self.clock.now(), &pre_counted)
            .await?
        {
            Some(until) => Err(Error::Locked { until }),
            None => Ok(()),
        }
    }

    /// Read-only lock check: [`Error::Locked`] if `key` is locked now.
    ///
    /// **Not a guard for a login on its own**: it reads without counting, so concurrent
    /// attempts all pass it before any of their failures is recorded, and a full store admits
    /// a key it cannot track. Use [`Self::begin_attempt`] before verifying credentials; this
    /// stays for displaying a lock (e.g. "try again at ...") without spending an attempt.
    pub async fn check(&self, key: &ThrottleKey) -> Result<(), Error> {
        match self.store.locked_until(key, self.clock.now()).await? {
            Some(until) => Err(Error::Locked { until }),
            None => Ok(()),
        }
    }

    /// Records one failure that did not go through [`Self::begin_attempt`]; [`Error::Locked`]
    /// if the key is now locked. Do **not** call it after an attempt admitted by
    /// [`Self::begin_attempt`]: that attempt is already counted. ([`Self::check`], verify, then
    /// `failure` is unsafe under concurrency; see [`Self::begin_attempt`].)
    pub async fn failure(&self, key: &ThrottleKey) -> Result<(), Error> {
        match self
            .store
            .record_failure(key, self.clock.now(), &self.policy)
            .await?
        {
            Some(until) => Err(Error::Locked { until }),
            None => Ok(()),
        }
    }

    /// Call after a successful attempt: the key starts over (this refunds the attempt counted
    /// by [`Self::begin_attempt`]).
    pub async fn success(&self, key: &ThrottleKey) -> Result<(), Error> {
        self.store.reset(key).await
    }
}
