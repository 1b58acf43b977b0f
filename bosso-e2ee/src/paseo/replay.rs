//! Cross-connection replay refusal for paseo mode: the daemon remembers the client hello keys
//! it accepted recently and refuses the same key again.
//!
//! Paseo clients draw a fresh ephemeral key for every connection, and the paseo wire has no
//! daemon ephemeral key, so a recorded hello plus its frames would otherwise open again on a
//! fresh connection (the nonce window is per channel). Nothing changes on the wire.

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::keys::{KEY_LEN, PublicKey};

/// Shortest TTL [`HelloReplayGuard::new`] accepts: a shorter memory would let a relay replay a
/// session it recorded a moment ago.
pub const MIN_HELLO_TTL: Duration = Duration::from_secs(60);
/// Largest capacity [`HelloReplayGuard::new`] accepts (about 100 bytes per remembered key).
pub const MAX_HELLO_CAPACITY: usize = 1 << 20;

struct Seen {
    keys: HashSet<[u8; KEY_LEN]>,
    /// Insertion order with the time each key was accepted; times are non-decreasing because
    /// they are taken under the lock and a key is never refreshed.
    order: VecDeque<(Instant, [u8; KEY_LEN])>,
}

/// The client hello keys a daemon accepted in the last `ttl`, at most `capacity` of them,
/// shared by every paseo connection of that daemon (pass the same guard to every
/// [`super::DaemonHandshake`]; wrap it in an `Arc` to share it between tasks).
///
/// A hello whose key was accepted less than `ttl` ago is refused ([`Error::HelloReplayed`]).
/// When `capacity` keys younger than `ttl` are remembered, every new hello is refused
/// ([`Error::HelloCacheFull`]) until the oldest expires: the guard fails closed rather than
/// forget a key early, since forgetting would let a relay flood hellos and then replay. Memory
/// only: a restarted daemon, or another process without this guard, remembers nothing.
pub struct HelloReplayGuard {
    seen: Mutex<Seen>,
    capacity: usize,
    ttl: Duration,
}

impl HelloReplayGuard {
    /// Default capacity: 16384 keys (under 2 MiB), far above the connections one daemon's
    /// clients open in a day.
    pub const DEFAULT_CAPACITY: usize = 16_384;
    /// Default TTL: 24 hours.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

    /// A guard remembering at most `capacity` keys (1 to [`MAX_HELLO_CAPACITY`]) for `ttl`
    /// (at least [`MIN_HELLO_TTL`]).
    pub fn new(capacity: usize, ttl: Duration) -> Result<Self> {
        if capacity == 0 || capacity > MAX_HELLO_CAPACITY {
            return Err(Error::InvalidLimits(
                "hello guard capacity must be 1 to MAX_HELLO_CAPACITY",
            ));
        }
        if ttl < MIN_HELLO_TTL {
            return Err(Error::InvalidLimits(
                "hello guard TTL below MIN_HELLO_TTL (60 s)",
            ));
        }
        Ok(Self::with_checked(capacity, ttl))
    }

    fn with_checked(capacity: usize, ttl: Duration) -> Self {
        Self {
            seen: Mutex::new(Seen {
                keys: HashSet::new(),
                order: VecDeque::new(),
            }),
            capacity,
            ttl,
        }
    }

    /// How many keys are remembered now (expired ones included until the next check).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().keys.len()
    }

    /// Whether no key is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        // Nothing panics while the lock is held, so a poisoned state is still consistent.
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Refuses a key accepted less than `ttl` before `now`, or any key when full; otherwise
    /// remembers it. Tests pass `now` (never going backwards) to step over the TTL.
    #[cfg(test)]
    fn check_and_remember_at(&self, key: &PublicKey, now: Instant) -> Result<()> {
        self.check_locked(&mut self.lock(), key, now)
    }

    /// [`Self::check_and_remember_at`] at the current time, read under the lock so the times
    /// in `order` never go backwards across threads.
    pub(crate) fn check_and_remember(&self, key: &PublicKey) -> Result<()> {
        let mut seen = self.lock();
        self.check_locked(&mut seen, key, Instant::now())
    }

    fn check_locked(&self, seen: &mut Seen, key: &PublicKey, now: Instant) -> Result<()> {
        while let Some((at, old)) = seen.order.front().copied() {
            if now.saturating_duration_since(at) < self.ttl {
                break;
            }
            seen.order.pop_front();
            seen.keys.remove(&old);
        }
        if seen.keys.contains(key.as_bytes()) {
            return Err(Error::HelloReplayed);
        }
        if seen.keys.len() >= self.capacity {
            return Err(Error::HelloCacheFull);
        }
        seen.keys.insert(*key.as_bytes());
        seen.order.push_back((now, *key.as_bytes()));
        Ok(())
    }
}

impl Default for HelloReplayGuard {
    /// [`HelloReplayGuard::DEFAULT_CAPACITY`] keys for [`HelloReplayGuard::DEFAULT_TTL`].
    fn default() -> Self {
        Self::with_checked(Self::DEFAULT_CAPACITY, Self::DEFAULT_TTL)
    }
}

impl std::fmt::Debug for HelloReplayGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HelloReplayGuard")
            .field("capacity", &self.capacity)
            .field("ttl", &self.ttl)
            .field("remembered", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> PublicKey {
        PublicKey::from_bytes([n; KEY_LEN])
    }

    #[test]
    fn a_key_is_refused_until_exactly_ttl_after_it_was_accepted() {
        let ttl = MIN_HELLO_TTL;
        let guard = HelloReplayGuard::new(8, ttl).unwrap();
        let t0 = Instant::now();
        guard.check_and_remember_at(&key(1), t0).unwrap();
        for at in [t0, t0 + ttl - Duration::from_nanos(1)] {
            assert!(matches!(
                guard.check_and_remember_at(&key(1), at),
                Err(Error::HelloReplayed)
            ));
        }
        // Other keys are unaffected, and the refused attempts did not refresh the first key.
        guard
            .check_and_remember_at(&key(2), t0 + Duration::from_secs(1))
            .unwrap();
        guard.check_and_remember_at(&key(1), t0 + ttl).unwrap();
        assert!(matches!(
            guard.check_and_remember_at(&key(2), t0 + ttl),
            Err(Error::HelloReplayed)
        ));
    }

    #[test]
    fn a_full_guard_refuses_new_keys_and_never_forgets_early() {
        let ttl = MIN_HELLO_TTL;
        let guard = HelloReplayGuard::new(2, ttl).unwrap();
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_secs(10);
        guard.check_and_remember_at(&key(1), t0).unwrap();
        guard.check_and_remember_at(&key(2), t1).unwrap();
        assert!(matches!(
            guard.check_and_remember_at(&key(3), t1),
            Err(Error::HelloCacheFull)
        ));
        // Still remembered: a flood cannot push a recorded hello out.
        assert!(matches!(
            guard.check_and_remember_at(&key(1), t1),
            Err(Error::HelloReplayed)
        ));
        assert_eq!(guard.len(), 2);
        // The oldest expires at t0 + ttl, which frees exactly one place.
        guard.check_and_remember_at(&key(3), t0 + ttl).unwrap();
        assert!(matches!(
            guard.check_and_remember_at(&key(4), t0 + ttl),
            Err(Error::HelloCacheFull)
        ));
        assert!(matches!(
            guard.check_and_remember_at(&key(2), t0 + ttl),
            Err(Error::HelloReplayed)
        ));
    }

    #[test]
    fn bounds_are_checked() {
        for (capacity, ttl) in [
            (0, HelloReplayGuard::DEFAULT_TTL),
            (MAX_HELLO_CAPACITY + 1, HelloReplayGuard::DEFAULT_TTL),
            (1, MIN_HELLO_TTL - Duration::from_nanos(1)),
            (1, Duration::ZERO),
        ] {
            assert!(matches!(
                HelloReplayGuard::new(capacity, ttl),
                Err(Error::InvalidLimits(_))
            ));
        }
        HelloReplayGuard::new(1, MIN_HELLO_TTL).unwrap();
        HelloReplayGuard::new(MAX_HELLO_CAPACITY, MIN_HELLO_TTL).unwrap();
        let d = HelloReplayGuard::default();
        assert_eq!((d.capacity, d.ttl), (16_384, Duration::from_secs(86_400)));
        assert!(d.is_empty());
    }

    #[test]
    fn debug_shows_counts_not_keys() {
        let guard = HelloReplayGuard::default();
        guard.check_and_remember(&key(9)).unwrap();
        let dbg = format!("{guard:?}");
        assert!(dbg.contains("remembered: 1"), "{dbg}");
        assert!(!dbg.contains(&key(9).to_base64()), "{dbg}");
    }
}
