//! A rotating JWKS cache with TTL refresh, rate-limited unknown-`kid` refresh and single flight.
//!
//! Readers take a read lock only long enough to clone an `Arc<JwksKeySet>`; a refresh fetches and
//! parses the new set with no lock that readers wait on, then swaps it in under a brief write
//! lock. Refreshes are serialised by an async mutex plus a generation counter: a task that
//! waited for the mutex sees the generation moved and reuses the new keys instead of fetching
//! again, so N concurrent tokens with a new `kid` cause one fetch.
//!
//! # Unknown `kid`s: a flood stays bounded, a rotation is seen within seconds
//! A token whose `kid` is not in the cached set may mean the issuer rotated, or may be noise
//! an attacker can send at will; nothing tells the two apart. So refreshes for unknown `kid`s
//! are rate limited, not blocked: at most [`JwksCacheConfig::unknown_kid_burst`] of them back
//! to back (each at least [`JwksCacheConfig::unknown_kid_min_interval`] after the previous),
//! then one per [`JwksCacheConfig::unknown_kid_refill`]. With `B` the burst and `R` the refill
//! period, both in whole seconds (the clock's resolution):
//!
//! - over any span of `T` seconds, unknown `kid`s cause at most `B + floor(T / R)` fetches,
//!   however many requests carry them (defaults: 3 + T / 5 s);
//! - a key the issuer publishes at time `t` verifies for every request at or after `t + R`
//!   (default 5 s), flood or not: the last unknown-`kid` fetch before then was at least `R`
//!   earlier, so the budget has a fetch again. Right after a single probe the wait is only
//!   the minimum interval (default 1 s).
//!
//! Two kinds of `kid` never cause a fetch: one longer than any key set can hold (256 bytes),
//! and one the issuer retired, i.e. present in an earlier key set and absent from the current
//! one (the last [`super::MAX_JWKS_KEYS`] retired `kid`s are remembered), since tokens signed
//! by a retired key keep arriving until they expire.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bosso_token::{Clock, SystemClock, UnixTime};

use super::jwks::MAX_KID_LEN;
use super::verifier::parse_header;
use super::{
    AccessTokenVerifierConfig, JwksKeySet, JwksSource, MAX_JWKS_KEYS, VerifiedAccessToken, claims,
};
use crate::Error;

/// Bounds and timings of a [`JwksCache`]. The unknown-`kid` fields are read in whole seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksCacheConfig {
    /// TTL when the source gives no `max-age` (default 1 h).
    pub default_ttl: Duration,
    /// Lower clamp for a source's `max-age` (default 60 s).
    pub min_ttl: Duration,
    /// Upper clamp for a source's `max-age` (default 24 h).
    pub max_ttl: Duration,
    /// Shortest time between two refreshes triggered by an unknown `kid` (default 1 s; at
    /// most [`JwksCacheConfig::unknown_kid_refill`]).
    pub unknown_kid_min_interval: Duration,
    /// How many unknown-`kid` refreshes may follow each other at the minimum interval after a
    /// quiet spell (default 3, at least 1).
    pub unknown_kid_burst: u32,
    /// Under a sustained flood of unknown `kid`s, one refresh per this period (default 5 s, at
    /// least 1 s). It is also the longest a newly published key waits to be fetched.
    pub unknown_kid_refill: Duration,
    /// After a failed refresh, how long the last good keys are used before retrying
    /// (default 30 s), so a provider outage does not turn every request into a fetch.
    pub retry_after_failure: Duration,
}

impl Default for JwksCacheConfig {
    fn default() -> Self {
        Self {
            default_ttl: Duration::from_secs(3600),
            min_ttl: Duration::from_secs(60),
            max_ttl: Duration::from_secs(24 * 3600),
            unknown_kid_min_interval: Duration::from_secs(1),
            unknown_kid_burst: 3,
            unknown_kid_refill: Duration::from_secs(5),
            retry_after_failure: Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
struct Loaded {
    keys: Arc<JwksKeySet>,
    refresh_at: UnixTime,
    /// `kid`s of earlier sets that the current one dropped, newest first, at most
    /// [`MAX_JWKS_KEYS`].
    retired: Arc<[String]>,
}

/// Why a refresh is asked for.
#[derive(PartialEq, Eq)]
enum Reason {
    Ttl,
    UnknownKid,
}

/// What only the task holding the refresh mutex reads or writes.
struct RefreshState {
    /// GCRA "theoretical arrival time" of the unknown-`kid` budget, in Unix seconds: a
    /// refresh is allowed while `now + (burst - 1) * refill >= tat`.
    kid_tat: u64,
    /// When the last unknown-`kid` refresh started.
    last_kid_fetch: Option<u64>,
    /// When the last fetch failed while no key set was loaded.
    last_cold_failure: Option<u64>,
}

impl RefreshState {
    /// Spends one unknown-`kid` refresh from the budget if the limits allow it now.
    fn admit_unknown_kid(&mut self, now: u64, cache: &JwksCacheConfig) -> bool {
        let refill = cache.unknown_kid_refill.as_secs();
        let min_interval = cache.unknown_kid_min_interval.as_secs();
        if self
            .last_kid_fetch
            .is_some_and(|last| now < last.saturating_add(min_interval))
        {
            return false;
        }
        let tolerance = refill.saturating_mul(u64::from(cache.unknown_kid_burst.saturating_sub(1)));
        if now.saturating_add(tolerance) < self.kid_tat {
            return false;
        }
        self.kid_tat = self.kid_tat.max(now).saturating_add(refill);
        self.last_kid_fetch = Some(now);
        true
    }
}

/// Verifies access tokens of one issuer against its JWKS, fetched from a [`JwksSource`] and
/// kept fresh. One cache per issuer: the unknown-`kid` budget is per issuer.
pub struct JwksCache<S> {
    config: AccessTokenVerifierConfig,
    cache: JwksCacheConfig,
    source: S,
    clock: Arc<dyn Clock>,
    state: RwLock<Option<Loaded>>,
    refresh: tokio::sync::Mutex<RefreshState>,
    generation: AtomicU64,
    fetches: AtomicU64,
}

impl<S> std::fmt::Debug for JwksCache<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksCache")
            .field("config", &self.config)
            .field("cache", &self.cache)
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<S: JwksSource> JwksCache<S> {
    /// A cache with default timings, reading time from the system clock. Nothing is fetched
    /// until the first token (or [`JwksCache::refresh_now`]).
    pub fn new(config: AccessTokenVerifierConfig, source: S) -> Self {
        Self {
            config,
            cache: JwksCacheConfig::default(),
            source,
            clock: Arc::new(SystemClock),
            state: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(RefreshState {
                kid_tat: 0,
                last_kid_fetch: None,
                last_cold_failure: None,
            }),
            generation: AtomicU64::new(0),
            fetches: AtomicU64::new(0),
        }
    }

    /// Replaces the timings. Errors if `min_ttl` is zero or above `max_ttl`, if
    /// `unknown_kid_refill` is under 1 s or below `unknown_kid_min_interval`, or if
    /// `unknown_kid_burst` is zero: each would void a bound of the module docs.
    pub fn with_cache_config(mut self, cache: JwksCacheConfig) -> Result<Self, Error> {
        if cache.min_ttl.is_zero() || cache.min_ttl > cache.max_ttl {
            return Err(Error::InvalidConfig("JWKS TTL bounds"));
        }
        if cache.unknown_kid_refill.as_secs() == 0
            || cache.unknown_kid_min_interval.as_secs() > cache.unknown_kid_refill.as_secs()
            || cache.unknown_kid_burst == 0
        {
            return Err(Error::InvalidConfig("JWKS unknown-kid refresh limits"));
        }
        self.cache = cache;
        Ok(self)
    }

    /// Replaces the clock (tests use `ManualClock`).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How many fetches this cache has started (for monitoring).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The verifier configuration.
    pub fn config(&self) -> &AccessTokenVerifierConfig {
        &self.config
    }

    /// Fetches the JWKS now (e.g. at start-up), regardless of TTL and the unknown-`kid`
    /// limits (it does not spend from their budget either).
    pub async fn refresh_now(&self) -> Result<(), Error> {
        let mut guard = self.refresh.lock().await;
        self.fetch_and_swap(&mut guard).await
    }

    /// Verifies `token`: header rules and signature against the issuer's current keys, then
    /// the claims. May fetch the JWKS: on first use, on TTL expiry, and for an unknown `kid`
    /// within the limits of the module docs.
    pub async fn verify(&self, token: &str) -> Result<VerifiedAccessToken, Error> {
        // Header rules first: a malformed or disallowed token never causes a fetch.
        let jws = parse_header(&self.config, token)?;
        let now = self.clock.now();
        let (mut snapshot, mut seen) = self.snapshot()?;
        let stale = snapshot.as_ref().is_none_or(|s| now >= s.refresh_at);
        if stale {
            // A failed refresh with keys in hand keeps serving them.
            let refreshed = self.refresh(seen, Reason::Ttl).await;
            (snapshot, seen) = self.snapshot()?;
            if snapshot.is_none() {
                refreshed?;
                return Err(Error::JwksUnavailable("no key set loaded".to_owned()));
            }
        }
        let Some(loaded) = snapshot else {
            return Err(Error::JwksUnavailable("no key set loaded".to_owned()));
        };
        let mut keys = loaded.keys;
        let worth_a_fetch = jws.kid.as_deref().is_some_and(|k| {
            !keys.contains_kid(k)
                && k.len() <= MAX_KID_LEN
                && !loaded.retired.iter().any(|r| r == k)
        });
        if worth_a_fetch {
            // Errors of this refresh are not the caller's: the unknown kid is reported below.
            let _ = self.refresh(seen, Reason::UnknownKid).await;
            if let (Some(l), _) = self.snapshot()? {
                keys = l.keys;
            }
        }
        jws.verify(&keys)?;
        claims::check(&jws.payload()?, &self.config, now)
    }

    fn snapshot(&self) -> Result<(Option<Loaded>, u64), Error> {
        let guard = self.state.read().map_err(|_| Error::poisoned())?;
        // Read the generation under the lock so it matches the snapshot.
        Ok((guard.clone(), self.generation.load(Ordering::Acquire)))
    }

    /// Single flight: only the first task to take the mutex after generation `seen` fetches.
    async fn refresh(&self, seen: u64, reason: Reason) -> Result<(), Error> {
        let mut guard = self.refresh.lock().await;
        if self.generation.load(Ordering::Acquire) != seen {
            return Ok(());
        }
        let now = self.clock.now().as_secs();
        let cold = self.state.read().map_err(|_| Error::poisoned())?.is_none();
        // No keys yet and the provider just failed: do not turn every request into a fetch
        // while it is down.
        if cold
            && guard.last_cold_failure.is_some_and(|last| {
                now < last.saturating_add(self.cache.retry_after_failure.as_secs())
            })
        {
            return Err(Error::JwksUnavailable(
                "JWKS fetch failed recently; retrying later".to_owned(),
            ));
        }
        if reason == Reason::UnknownKid && !guard.admit_unknown_kid(now, &self.cache) {
            return Ok(());
        }
        self.fetch_and_swap(&mut guard).await
    }

    /// Fetches and parses outside the state lock, then swaps under a brief write lock. The
    /// generation moves on every attempt, failed or not, so waiters never pile up fetches.
    async fn fetch_and_swap(&self, refresh: &mut RefreshState) -> Result<(), Error> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = match self.source.fetch().await {
            Ok(doc) => JwksKeySet::from_jwks_json(&doc.bytes).map(|k| (k, doc.max_age)),
            Err(e) => Err(e),
        };
        let now = self.clock.now();
        let mut state = self.state.write().map_err(|_| Error::poisoned())?;
        let outcome = match result {
            Ok((keys, max_age)) => {
                let ttl = max_age
                    .unwrap_or(self.cache.default_ttl)
                    .clamp(self.cache.min_ttl, self.cache.max_ttl);
                let retired = match state.as_ref() {
                    Some(old) => retired_kids(old, &keys),
                    None => Arc::from([]),
                };
                *state = Some(Loaded {
                    keys: Arc::new(keys),
                    refresh_at: now.saturating_add(ttl.as_secs()),
                    retired,
                });
                Ok(())
            }
            Err(e) => {
                match state.as_mut() {
                    Some(old) => {
                        old.refresh_at =
                            now.saturating_add(self.cache.retry_after_failure.as_secs());
                    }
                    None => refresh.last_cold_failure = Some(now.as_secs()),
                }
                Err(e)
            }
        };
        self.generation.fetch_add(1, Ordering::AcqRel);
        drop(state);
        outcome
    }
}

/// The `kid`s `old` knew (as keys or as retired) that `new` lacks: newest first, no
/// duplicates, at most [`MAX_JWKS_KEYS`]. A `kid` the issuer publishes again leaves the list.
fn retired_kids(old: &Loaded, new: &JwksKeySet) -> Arc<[String]> {
    let mut out: Vec<String> = Vec::new();
    for kid in old
        .keys
        .kids()
        .chain(old.retired.iter().map(String::as_str))
    {
        if out.len() == MAX_JWKS_KEYS {
            break;
        }
        if !new.contains_kid(kid) && !out.iter().any(|k| k == kid) {
            out.push(kid.to_owned());
        }
    }
    out.into()
}
