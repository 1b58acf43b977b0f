//! Keyed rate limiting with GCRA (the generic cell rate algorithm) and bounded memory.
//!
//! GCRA keeps one number per key, the theoretical arrival time (TAT). A request at `now` is
//! admitted when `max(TAT, now) - now <= tau` (tau = emission interval x (burst - 1)), and then
//! moves TAT one emission interval later. One number per key and one comparison per request.
//!
//! **Bounded memory under key floods.** Keys are spread over shards with a hard per-shard cap.
//! When a shard is full it first sweeps entries whose TAT is in the past: such an entry is
//! *fully decayed*, exactly equivalent to a key never seen, so dropping it grants nothing. It
//! never evicts an entry that still restrains its key (that would hand the key a fresh burst).
//! If nothing has decayed, the new key is refused ([`Error::RateLimited`], retry when the
//! earliest entry decays, at most `tau + T` away): under a flood, new keys wait; keys already
//! tracked keep exactly their limits. IPv6 sources are keyed by /64 so one host's rotating
//! addresses count as one key; IPv4-mapped IPv6 addresses (dual-stack listeners) are keyed as
//! their IPv4 address.
//!
//! **Key floods are a denial of service of new keys, by design.** Keys are attacker-chosen
//! (random usernames, the 65 536 /64s of one /48): enough of them fill the shards, and then new
//! keys are refused until entries decay. Key login by account only for accounts that exist,
//! always with a per-source key in front, so one source cannot mint keys quickly.
//!
//! **Time.** GCRA at 20 requests per second needs sub-second resolution, which
//! `bosso_token::Clock` (whole seconds, for token lifetimes) deliberately does not have, so the
//! limiter reads a [`NanoClock`]: monotonic in production (immune to wall-clock steps), manual
//! in tests.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bosso_token::UserId;

use crate::Error;

/// A source of monotonic nanoseconds for the rate limiter.
pub trait NanoClock: Send + Sync {
    /// Nanoseconds since an arbitrary fixed origin; never decreases.
    fn now_nanos(&self) -> u64;
}

/// [`Instant`]-based clock: monotonic, not affected by wall-clock changes.
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    origin: Instant,
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl NanoClock for MonotonicClock {
    fn now_nanos(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A clock moved by hand (tests). Clones share the time.
#[derive(Debug, Clone, Default)]
pub struct ManualNanoClock(Arc<AtomicU64>);

impl ManualNanoClock {
    /// A clock at `start` nanoseconds.
    pub fn new(start_nanos: u64) -> Self {
        Self(Arc::new(AtomicU64::new(start_nanos)))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ns = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(ns, Ordering::SeqCst);
    }
}

impl NanoClock for ManualNanoClock {
    fn now_nanos(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl<N: NanoClock + ?Sized> NanoClock for Arc<N> {
    fn now_nanos(&self) -> u64 {
        (**self).now_nanos()
    }
}

/// Longest key kept verbatim; longer keys are replaced by a SHA-256 digest so that the bytes
/// per entry are bounded whatever the caller feeds in.
const MAX_KEY_LEN: usize = 96;

/// What is being limited: a scope and a value, e.g. `login` + an IP or an account.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ThrottleKey(Box<str>);

impl fmt::Debug for ThrottleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ThrottleKey({:?})", &*self.0)
    }
}

impl ThrottleKey {
    /// `scope` + `value`; values making the key longer than 96 bytes are stored as a digest.
    pub fn new(scope: &str, value: &str) -> Self {
        let s = format!("{scope}:{value}");
        if s.len() <= MAX_KEY_LEN {
            return Self(s.into_boxed_str());
        }
        let d = ring::digest::digest(&ring::digest::SHA256, s.as_bytes());
        let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        Self(format!("#{hex}").into_boxed_str())
    }

    /// A source address under `scope`; IPv6 is keyed by its /64 (one host or site), IPv4 by
    /// the whole address. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, how a dual-stack
    /// listener reports IPv4 clients) is keyed as the IPv4 address it carries: by its /64 every
    /// IPv4 client would share one key.
    pub fn ip(scope: &str, addr: IpAddr) -> Self {
        match addr {
            IpAddr::V4(a) => Self::new(scope, &a.to_string()),
            IpAddr::V6(a) => {
                if let Some(v4) = a.to_ipv4_mapped() {
                    return Self::new(scope, &v4.to_string());
                }
                let s = a.segments();
                let p: Vec<String> = s.iter().take(4).map(|x| format!("{x:x}")).collect();
                Self::new(scope, &format!("{}::/64", p.join(":")))
            }
        }
    }

    /// An account under `scope`.
    pub fn account(scope: &str, user: &UserId) -> Self {
        Self::new(scope, &format!("acct={user}"))
    }

    /// An account and a source together (what lockout should key on; see the lockout docs).
    pub fn account_and_ip(scope: &str, user: &UserId, addr: IpAddr) -> Self {
        let ip = Self::ip("", addr);
        Self::new(scope, &format!("acct={user}|ip{}", ip.as_str()))
    }

    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A GCRA quota: `burst` requests at once, refilled one per emission interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    burst: u32,
    emission_ns: u64,
}

impl Quota {
    /// `count` requests per `period`, with a burst of `count`.
    pub fn new(count: u32, period: Duration) -> Result<Self, Error> {
        let period_ns = u64::try_from(period.as_nanos()).unwrap_or(u64::MAX);
        if count == 0 || period_ns < u64::from(count) {
            return Err(Error::InvalidConfig(
                "quota needs count >= 1 and period >= count ns",
            ));
        }
        Ok(Self {
            burst: count,
            emission_ns: period_ns / u64::from(count),
        })
    }

    /// The same rate with another burst size (at least 1).
    pub fn with_burst(self, burst: u32) -> Result<Self, Error> {
        if burst == 0 {
            return Err(Error::InvalidConfig("burst must be at least 1"));
        }
        Ok(Self { burst, ..self })
    }

    /// Login endpoints: 10 requests per minute (the seeds' brute-force protection).
    pub fn login() -> Self {
        Self {
            burst: 10,
            emission_ns: 6_000_000_000,
        }
    }

    /// General API traffic: 20 requests per second (the seeds' default).
    pub fn general() -> Self {
        Self {
            burst: 20,
            emission_ns: 50_000_000,
        }
    }

    /// Requests admitted at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// Time between refills.
    pub fn emission_interval(&self) -> Duration {
        Duration::from_nanos(self.emission_ns)
    }

    fn tau(&self) -> u64 {
        self.emission_ns
            .saturating_mul(u64::from(self.burst.saturating_sub(1)))
    }
}

/// A keyed rate limiter. Implementations must admit no more than the quota allows under any
/// concurrency, and fail closed (an error, never an admission) when they cannot decide.
pub trait RateLimiter: Send + Sync {
    /// Admits one request for `key` (`Ok`) or refuses it ([`Error::RateLimited`] with a retry
    /// hint, or a store error).
    fn check(&self, key: &ThrottleKey) -> impl Future<Output = Result<(), Error>> + Send;
}

#[derive(Debug, Default)]
struct Shard {
    tat: HashMap<ThrottleKey, u64>,
    /// No entry decays before this time: sweeping earlier would find nothing.
    next_sweep: u64,
}

/// In-memory GCRA limiter with a hard cap on tracked keys.
pub struct MemoryRateLimiter<N = MonotonicClock> {
    quota: Quota,
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
    hasher: RandomState,
    clock: N,
}

impl<N> fmt::Debug for MemoryRateLimiter<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryRateLimiter")
            .field("quota", &self.quota)
            .field(
                "capacity",
                &self.per_shard.saturating_mul(self.shards.len()),
            )
            .finish_non_exhaustive()
    }
}

impl MemoryRateLimiter<MonotonicClock> {
    /// A limiter tracking at most about `max_keys` keys, on the monotonic clock.
    pub fn new(quota: Quota, max_keys: usize) -> Self {
        Self::with_clock(quota, max_keys, MonotonicClock::default())
    }
}

impl<N: NanoClock> MemoryRateLimiter<N> {
    /// A limiter on the given clock. Memory is bounded by [`Self::capacity`] keys.
    pub fn with_clock(quota: Quota, max_keys: usize, clock: N) -> Self {
        let max_keys = max_keys.max(1);
        // Enough shards that concurrent requests rarely share a lock, few enough that each
        // shard holds a useful number of keys.
        let n = max_keys.div_ceil(256).clamp(1, 64);
        let per_shard = (max_keys / n).max(1);
        let shards = (0..n).map(|_| Mutex::new(Shard::default())).collect();
        Self {
            quota,
            shards,
            per_shard,
            hasher: RandomState::new(),
            clock,
        }
    }

    /// The most keys held at once.
    pub fn capacity(&self) -> usize {
        self.per_shard.saturating_mul(self.shards.len())
    }

    /// Keys currently tracked.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map(|s| s.tat.len()).unwrap_or(0))
            .sum()
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The synchronous check behind [`RateLimiter::check`].
    pub fn check_now(&self, key: &ThrottleKey) -> Result<(), Error> {
        let n = self.shards.len() as u64;
        let idx = usize::try_from(self.hasher.hash_one(key) % n.max(1)).unwrap_or(0);
        let shard = self.shards.get(idx).ok_or(Error::poisoned())?;
        let mut shard = shard.lock().map_err(|_| Error::poisoned())?;
        // Read the clock under the lock so that, per shard, decisions see non-decreasing time.
        let now = self.clock.now_nanos();
        let t = self.quota.emission_ns;
        let tau = self.quota.tau();
        if let Some(tat) = shard.tat.get_mut(key) {
            let start = (*tat).max(now);
            let ahead = start - now;
            if ahead > tau {
                return Err(limited(ahead - tau));
            }
            *tat = start.saturating_add(t);
            return Ok(());
        }
        if shard.tat.len() >= self.per_shard {
            if now >= shard.next_sweep {
                // Drop only fully decayed entries (TAT in the past: identical to a new key).
                shard.tat.retain(|_, tat| *tat > now);
                shard.next_sweep = shard.tat.values().copied().min().unwrap_or(now);
            }
            if shard.tat.len() >= self.per_shard {
                return Err(limited(shard.next_sweep.saturating_sub(now).max(1)));
            }
        }
        let tat = now.saturating_add(t);
        // Keep next_sweep a lower bound of every TAT in the shard.
        shard.next_sweep = shard.next_sweep.min(tat);
        shard.tat.insert(key.clone(), tat);
        Ok(())
    }
}

fn limited(ns: u64) -> Error {
    Error::RateLimited {
        retry_after_ms: ns.div_ceil(1_000_000),
    }
}

impl<N: NanoClock> RateLimiter for MemoryRateLimiter<N> {
    async fn check(&self, key: &ThrottleKey) -> Result<(), Error> {
        self.check_now(key)
    }
}
