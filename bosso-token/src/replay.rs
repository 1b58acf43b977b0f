//! Single use: the replay store records every consumed token id until the token could no
//! longer verify anyway.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::hash_map::{Entry, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use crate::{Clock, Error, SystemClock, TokenId, UnixTime};

/// Whether a token id was seen for the first time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumption {
    /// First use: the caller may proceed.
    Fresh,
    /// Already used: the caller must refuse.
    Replayed,
}

/// Records token ids as used, atomically.
///
/// # Contract
/// - `consume(id, until)` returns [`Consumption::Fresh`] for exactly one caller per `id`,
///   however many race, across every node that shares the store.
/// - The id is remembered at least until `until`.
/// - A store that cannot give a sure answer returns an error, never `Fresh` (fail closed).
pub trait ReplayStore: Send + Sync {
    /// Atomically records `id` as used until `until` and reports whether it was new.
    fn consume(
        &self,
        id: TokenId,
        until: UnixTime,
    ) -> impl Future<Output = Result<Consumption, Error>> + Send;
}

impl<S: ReplayStore> ReplayStore for Arc<S> {
    fn consume(
        &self,
        id: TokenId,
        until: UnixTime,
    ) -> impl Future<Output = Result<Consumption, Error>> + Send {
        (**self).consume(id, until)
    }
}

impl<S: ReplayStore> ReplayStore for &S {
    fn consume(
        &self,
        id: TokenId,
        until: UnixTime,
    ) -> impl Future<Output = Result<Consumption, Error>> + Send {
        (**self).consume(id, until)
    }
}

const SHARDS: usize = 16;

/// Default capacity of [`MemoryReplayStore`]: a million live token ids (about 80 MB at worst),
/// i.e. over 3,000 attaches per second sustained with five-minute tokens.
pub const DEFAULT_REPLAY_CAPACITY: usize = 1 << 20;

/// The embedded replay store: sharded, in memory, bounded, with expiry cleanup.
///
/// Memory is bounded by the capacity. When a shard is full even after dropping expired ids,
/// new tokens are refused with [`Error::ReplayStoreFull`]: evicting a live id instead would
/// reopen it to replay. Only one process sees this store; several nodes need a shared store.
pub struct MemoryReplayStore {
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
    clock: Arc<dyn Clock>,
}

#[derive(Default)]
struct Shard {
    until: HashMap<TokenId, UnixTime>,
    by_expiry: BinaryHeap<Reverse<(UnixTime, TokenId)>>,
}

impl Shard {
    /// Drops ids whose `until` has passed. Amortised O(log n) per id: each is pushed and
    /// popped once.
    fn purge(&mut self, now: UnixTime) {
        while let Some(Reverse((until, id))) = self.by_expiry.peek().copied() {
            if until >= now {
                break;
            }
            self.by_expiry.pop();
            self.until.remove(&id);
        }
    }
}

impl std::fmt::Debug for MemoryReplayStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryReplayStore")
            .field("capacity", &(self.per_shard * SHARDS))
            .finish_non_exhaustive()
    }
}

impl Default for MemoryReplayStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryReplayStore {
    /// A store with [`DEFAULT_REPLAY_CAPACITY`] and the system clock.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_REPLAY_CAPACITY)
    }

    /// A store that holds at most about `capacity` live ids (rounded up to a multiple of 16).
    pub fn with_capacity(capacity: usize) -> Self {
        let per_shard = capacity.div_ceil(SHARDS).max(1);
        let shards = (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect();
        Self {
            shards,
            per_shard,
            clock: Arc::new(SystemClock),
        }
    }

    /// Reads time (for expiry cleanup) from `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Number of ids currently remembered (expired ones may linger until the next insert).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).until.len())
            .sum()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn consume_sync(&self, id: TokenId, until: UnixTime) -> Result<Consumption, Error> {
        // Token ids are uniformly random (they come from verified tokens), so one byte picks
        // a shard evenly.
        let idx = usize::from(id.as_bytes()[0]) % SHARDS;
        let shard = self.shards.get(idx).ok_or(Error::ReplayStoreFull)?;
        // A panic while holding the lock cannot leave a half-applied insert (HashMap and heap
        // updates are each complete), so a poisoned shard is still consistent.
        let mut guard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        let shard = &mut *guard;
        let now = self.clock.now();
        // Purging on every call keeps memory at the live set, not at capacity; it costs one
        // heap peek when nothing has expired.
        shard.purge(now);
        let len = shard.until.len();
        match shard.until.entry(id) {
            Entry::Occupied(e) if *e.get() >= now => Ok(Consumption::Replayed),
            Entry::Occupied(mut e) => {
                // Remembered past its `until`: the token can no longer verify, so this is a
                // (harmless) id reuse after expiry. Refresh the entry and treat it as fresh.
                e.insert(until);
                shard.by_expiry.push(Reverse((until, id)));
                Ok(Consumption::Fresh)
            }
            Entry::Vacant(_) if len >= self.per_shard => Err(Error::ReplayStoreFull),
            Entry::Vacant(v) => {
                v.insert(until);
                shard.by_expiry.push(Reverse((until, id)));
                if shard.by_expiry.len() > 2 * self.per_shard.max(64) {
                    // Stale heap entries from refreshed ids; rebuild so the heap stays bounded.
                    let live: Vec<_> = shard
                        .until
                        .iter()
                        .map(|(id, u)| Reverse((*u, *id)))
                        .collect();
                    shard.by_expiry = BinaryHeap::from(live);
                }
                Ok(Consumption::Fresh)
            }
        }
    }
}

impl ReplayStore for MemoryReplayStore {
    fn consume(
        &self,
        id: TokenId,
        until: UnixTime,
    ) -> impl Future<Output = Result<Consumption, Error>> + Send {
        std::future::ready(self.consume_sync(id, until))
    }
}
