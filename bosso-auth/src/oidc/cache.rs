//! A rotating JWKS cache with TTL refresh, unknown-`kid` refresh, a cooldown and single flight.
//!
//! Readers take a read lock only long enough to clone an `Arc<KeySet>`; a refresh fetches and
//! parses the new set with no lock that readers wait on, then swaps it in under a brief write
//! lock. Refreshes are serialised by an async mutex plus a generation counter: a task that
//! waited for the mutex sees the generation moved and reuses the new keys instead of fetching
//! again, so N concurrent tokens with a new `kid` cause one fetch.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bosso_token::{Clock, SystemClock, UnixTime};

use super::verifier::parse_header;
use super::{JwksSource, KeySet, VerifiedAccessToken, VerifierConfig, claims};
use crate::Error;

/// Bounds and timings of a [`JwksCache`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksCacheConfig {
    /// TTL when the source gives no `max-age` (default 1 h).
    pub default_ttl: Duration,
    /// Lower clamp for a source's `max-age` (default 60 s).
    pub min_ttl: Duration,
    /// Upper clamp for a source's `max-age` (default 24 h).
    pub max_ttl: Duration,
    /// Minimum time between two refreshes triggered by an unknown `kid` (default 30 s): a
    /// flood of random `kid`s causes at most one fetch per cooldown.
    pub unknown_kid_cooldown: Duration,
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
            unknown_kid_cooldown: Duration::from_secs(30),
            retry_after_failure: Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
struct Loaded {
    keys: Arc<KeySet>,
    refresh_at: UnixTime,
}

/// Why a refresh is asked for.
#[derive(PartialEq, Eq)]
enum Reason {
    Ttl,
    UnknownKid,
}

/// Verifies access tokens of one issuer against its JWKS, fetched from a [`JwksSource`] and
/// kept fresh. One cache per issuer: the cooldown is per issuer.
pub struct JwksCache<S> {
    config: VerifierConfig,
    cache: JwksCacheConfig,
    source: S,
    clock: Arc<dyn Clock>,
    state: RwLock<Option<Loaded>>,
    refresh: tokio::sync::Mutex<()>,
    generation: AtomicU64,
    /// Unix seconds + 1 of the last unknown-kid refresh (0 = never).
    last_kid_refresh: AtomicU64,
    /// Unix seconds + 1 of the last failed fetch while no key set was loaded (0 = none).
    last_cold_failure: AtomicU64,
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
    pub fn new(config: VerifierConfig, source: S) -> Self {
        Self {
            config,
            cache: JwksCacheConfig::default(),
            source,
            clock: Arc::new(SystemClock),
            state: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
            last_kid_refresh: AtomicU64::new(0),
            last_cold_failure: AtomicU64::new(0),
            fetches: AtomicU64::new(0),
        }
    }

    /// Replaces the timings. Errors if `min_ttl > max_ttl` or `min_ttl` is zero.
    pub fn with_cache_config(mut self, cache: JwksCacheConfig) -> Result<Self, Error> {
        if cache.min_ttl.is_zero() || cache.min_ttl > cache.max_ttl {
            return Err(Error::InvalidConfig("JWKS TTL bounds"));
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
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// Fetches the JWKS now (e.g. at start-up), regardless of TTL and cooldown.
    pub async fn refresh_now(&self) -> Result<(), Error> {
        let _guard = self.refresh.lock().await;
        self.fetch_and_swap().await
    }

    /// Verifies `token`: header rules and signature against the issuer's current keys, then
    /// the claims. May fetch the JWKS (first use, TTL expiry, unknown `kid` out of cooldown).
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
        let unknown_kid = jws.kid.as_deref().is_some_and(|k| !keys.contains_kid(k));
        if unknown_kid {
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
        let _guard = self.refresh.lock().await;
        if self.generation.load(Ordering::Acquire) != seen {
            return Ok(());
        }
        let cold = self.state.read().map_err(|_| Error::poisoned())?.is_none();
        if cold {
            // No keys yet and the provider just failed: do not turn every request into a
            // fetch while it is down.
            let now = self.clock.now().as_secs();
            let last = self.last_cold_failure.load(Ordering::Acquire);
            if last != 0
                && now < (last - 1).saturating_add(self.cache.retry_after_failure.as_secs())
            {
                return Err(Error::JwksUnavailable(
                    "JWKS fetch failed recently; retrying later".to_owned(),
                ));
            }
        }
        if reason == Reason::UnknownKid {
            let now = self.clock.now().as_secs();
            let last = self.last_kid_refresh.load(Ordering::Acquire);
            let cooldown = self.cache.unknown_kid_cooldown.as_secs();
            if last != 0 && now < (last - 1).saturating_add(cooldown) {
                return Ok(());
            }
            self.last_kid_refresh
                .store(now.saturating_add(1), Ordering::Release);
        }
        self.fetch_and_swap().await
    }

    /// Fetches and parses outside the state lock, then swaps under a brief write lock. The
    /// generation moves on every attempt, failed or not, so waiters never pile up fetches.
    async fn fetch_and_swap(&self) -> Result<(), Error> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = match self.source.fetch().await {
            Ok(doc) => KeySet::from_jwks_json(&doc.bytes).map(|k| (k, doc.max_age)),
            Err(e) => Err(e),
        };
        let now = self.clock.now();
        let mut state = self.state.write().map_err(|_| Error::poisoned())?;
        let outcome = match result {
            Ok((keys, max_age)) => {
                let ttl = max_age
                    .unwrap_or(self.cache.default_ttl)
                    .clamp(self.cache.min_ttl, self.cache.max_ttl);
                *state = Some(Loaded {
                    keys: Arc::new(keys),
                    refresh_at: now.saturating_add(ttl.as_secs()),
                });
                Ok(())
            }
            Err(e) => {
                match state.as_mut() {
                    Some(old) => {
                        old.refresh_at =
                            now.saturating_add(self.cache.retry_after_failure.as_secs());
                    }
                    None => self
                        .last_cold_failure
                        .store(now.as_secs().saturating_add(1), Ordering::Release),
                }
                Err(e)
            }
        };
        self.generation.fetch_add(1, Ordering::AcqRel);
        drop(state);
        outcome
    }
}
