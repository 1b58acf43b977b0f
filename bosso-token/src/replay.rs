//! Single use: the replay store records every consumed token id until the token could no
//! longer verify anyway.

use std::collections::hash_map::{Entry, HashMap, RandomState};
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
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

/// Default capacity of [`MemoryReplayStore`]: a million live token ids (about 52 MB at worst:
/// 24-byte entries in tables of at most 2^17 slots per shard),
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

/// Below this many ids a shard is never swept just for having grown.
const MIN_SWEEP_LEN: usize = 256;

/// One shard: a map from id to the time it may be forgotten.
///
/// Expired ids are not tracked one by one. They stay in the map, where a lookup already treats
/// them as absent, until a sweep drops them all in one sequential pass. A sweep runs when the
/// shard has grown by half since the last one (so its cost is a few slot visits per insert) or is
/// full, and only if some id has actually expired (so a full shard of live ids refuses new
/// ones in O(1) instead of scanning on every call).
struct Shard {
    until: HashMap<IdKey, UnixTime, IdHash>,
    /// No id in the map expires before this: a lower bound, exact right after a sweep.
    earliest: UnixTime,
    /// The length at which growth alone triggers the next sweep.
    sweep_at: usize,
}

impl Shard {
    fn new(hash: IdHash) -> Self {
        Self {
            until: HashMap::with_hasher(hash),
            earliest: UnixTime::from_secs(u64::MAX),
            sweep_at: MIN_SWEEP_LEN,
        }
    }

    fn sweep_if_due(&mut self, now: UnixTime, per_shard: usize) {
        let len = self.until.len();
        if (len < self.sweep_at && len < per_shard) || self.earliest >= now {
            return;
        }
        let mut earliest = UnixTime::from_secs(u64::MAX);
        self.until.retain(|_, until| {
            let keep = *until >= now;
            if keep {
                earliest = earliest.min(*until);
            }
            keep
        });
        self.earliest = earliest;
        let live = self.until.len();
        self.sweep_at = live.saturating_add(live / 2).max(MIN_SWEEP_LEN);
        // A burst may have grown the table far beyond the live set; give the memory back.
        if self.until.capacity() > 4 * self.sweep_at {
            self.until.shrink_to(self.sweep_at);
        }
    }

    fn remember(&mut self, until: UnixTime) {
        self.earliest = self.earliest.min(until);
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
        let hash = IdHash::random();
        let shards = (0..SHARDS).map(|_| Mutex::new(Shard::new(hash))).collect();
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

    /// Number of ids currently held, including expired ones not yet swept away (they no longer
    /// count as used, and a full shard sweeps them before refusing a new id).
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
        // A panic while holding the lock cannot leave a half-applied insert (each map update is
        // complete, and `earliest` only ever errs low), so a poisoned shard is still consistent.
        let mut guard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        let shard = &mut *guard;
        let now = self.clock.now();
        shard.sweep_if_due(now, self.per_shard);
        let len = shard.until.len();
        let fresh = match shard.until.entry(IdKey(*id.as_bytes())) {
            Entry::Occupied(e) if *e.get() >= now => return Ok(Consumption::Replayed),
            Entry::Occupied(mut e) => {
                // Remembered past its `until`: the token can no longer verify, so this is a
                // (harmless) id reuse after expiry. Refresh the entry and treat it as fresh.
                e.insert(until);
                Consumption::Fresh
            }
            Entry::Vacant(_) if len >= self.per_shard => return Err(Error::ReplayStoreFull),
            Entry::Vacant(v) => {
                v.insert(until);
                Consumption::Fresh
            }
        };
        shard.remember(until);
        Ok(fresh)
    }
}

/// A token id as the shard maps store it: byte-aligned, so an entry is 24 bytes (a `u128` key
/// would be 16-aligned and pad it to 32), and hashed in a single [`Hasher::write_u128`]
/// (the derived `Hash` of `[u8; 16]` would make two calls, a length and the bytes).
#[derive(Clone, Copy, PartialEq, Eq)]
struct IdKey([u8; 16]);

impl std::hash::Hash for IdKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u128(u128::from_le_bytes(self.0));
    }
}

/// The shard maps' hash: a keyed folded multiply of the two halves of the id, then a second
/// folded multiply by a third key to finish.
///
/// The keys of these maps are token ids, 128 bits of CSPRNG output chosen by whoever holds a
/// signing key, so they need mixing, not SipHash's full strength against chosen inputs (which
/// cost a quarter of a consume). The random per-store key still keeps a caller that feeds
/// chosen ids through [`ReplayStore`] from aiming them at one bucket without knowing it.
/// The finishing multiply matters for structured ids: with the first one alone, sequential
/// ids filled under two thirds of the buckets for about 1 store key in 100 (tested below).
#[derive(Clone, Copy)]
struct IdHash {
    k0: u64,
    k1: u64,
    /// Odd, so the finishing multiply loses no low bit.
    k2: u64,
}

impl IdHash {
    fn random() -> Self {
        // RandomState is seeded from the OS once per thread and perturbed per instance.
        let s = RandomState::new();
        Self {
            k0: s.hash_one(0u8),
            k1: s.hash_one(1u8),
            k2: s.hash_one(2u8) | 1,
        }
    }
}

impl BuildHasher for IdHash {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher {
            key: *self,
            state: 0,
        }
    }
}

struct IdHasher {
    key: IdHash,
    state: u64,
}

fn folded_multiply(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    // Truncation is the point: fold the high half onto the low half.
    #[allow(clippy::cast_possible_truncation)]
    let (lo, hi) = (m as u64, (m >> 64) as u64);
    lo ^ hi
}

impl Hasher for IdHasher {
    fn write_u128(&mut self, x: u128) {
        // Truncation is the point: the two halves of the id.
        #[allow(clippy::cast_possible_truncation)]
        let (hi, lo) = ((x >> 64) as u64, x as u64);
        self.state = folded_multiply(lo ^ self.key.k0 ^ self.state, hi ^ self.key.k1);
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u128` is used by the maps; this keeps the hasher total for any input.
        for chunk in bytes.chunks(16) {
            let mut b = [0u8; 16];
            b.iter_mut().zip(chunk).for_each(|(d, s)| *d = *s);
            self.write_u128(u128::from_le_bytes(b));
        }
    }

    fn finish(&self) -> u64 {
        folded_multiply(self.state, self.key.k2)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use std::collections::HashSet;

    use super::*;
    use crate::ManualClock;

    fn id_from(n: u128) -> IdKey {
        IdKey(n.to_le_bytes())
    }

    /// How many of `buckets` (a power of two) the ids fall into, by the hash's low bits (the
    /// bucket index of a hashbrown table) and by its top 7 bits (its control tag).
    fn spread(hash: IdHash, ids: &[IdKey], buckets: u64) -> (usize, usize) {
        let hashes: Vec<u64> = ids.iter().map(|id| hash.hash_one(id)).collect();
        let low: HashSet<u64> = hashes.iter().map(|h| h & (buckets - 1)).collect();
        let tag: HashSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        (low.len(), tag.len())
    }

    #[test]
    fn structured_ids_spread_across_buckets() {
        // Ids chosen to differ in few bits: counters in the low half, in the high half, and
        // single set bits. 4,096 ids over 1,024 buckets leave about 2% empty at random (e^-4,
        // about 1,005 used, standard deviation about 4); a weak or constant hash fills far
        // fewer.
        let sets: [Vec<IdKey>; 3] = [
            (0..4096u128).map(id_from).collect(),
            (0..4096u128).map(|i| id_from(i << 64)).collect(),
            (0..128u32)
                .flat_map(|b| (0..32u128).map(move |i| id_from((1u128 << b) ^ (i << 120))))
                .collect(),
        ];
        // Many store keys: a hash that is weak for a few keys in a hundred must fail here.
        for _ in 0..256 {
            let hash = IdHash::random();
            for (n, ids) in sets.iter().enumerate() {
                let (low, tag) = spread(hash, ids, 1024);
                assert!(low > 940, "set {n}: {low} of 1024 buckets used");
                assert!(tag > 120, "set {n}: {tag} of 128 tags used");
            }
        }
    }

    #[test]
    fn the_hash_is_keyed_per_store() {
        // Without the key, anyone could compute which ids collide in every store.
        let (a, b) = (IdHash::random(), IdHash::random());
        for n in 0..64u128 {
            assert_ne!(a.hash_one(id_from(n)), b.hash_one(id_from(n)));
        }
        // The byte-slice path hashes as the u128 path does.
        let mut h = a.build_hasher();
        h.write(&5u128.to_le_bytes());
        assert_eq!(h.finish(), a.hash_one(id_from(5)));
    }

    fn shard_lens(store: &MemoryReplayStore) -> Vec<(usize, usize)> {
        store
            .shards
            .iter()
            .map(|s| {
                let s = s.lock().unwrap();
                (s.until.len(), s.until.capacity())
            })
            .collect()
    }

    #[test]
    fn expired_ids_are_reclaimed_and_memory_returns_to_its_floor() {
        const T0: u64 = 1_800_000_000;
        let clock = ManualClock::new(UnixTime::from_secs(T0));
        let store = MemoryReplayStore::new().with_clock(Arc::new(clock.clone()));
        let in_shard = |shard: u8, n: u64| {
            let mut b = [0u8; 16];
            b[0] = shard;
            b[8..].copy_from_slice(&n.to_le_bytes());
            TokenId::from_bytes(b)
        };
        let consume = |id, until| store.consume_sync(id, UnixTime::from_secs(until)).unwrap();
        // A burst of 100,000 ids that all expire at T0 + 10.
        for n in 0..100_000u64 {
            let id = in_shard((n % SHARDS as u64) as u8, n);
            assert_eq!(consume(id, T0 + 10), Consumption::Fresh);
        }
        let burst = shard_lens(&store);
        assert_eq!(store.len(), 100_000);
        // Later, one new id per shard: every expired id is dropped and the tables shrink.
        clock.set(UnixTime::from_secs(T0 + 11));
        for s in 0..SHARDS as u8 {
            assert_eq!(consume(in_shard(s, u64::MAX), T0 + 20), Consumption::Fresh);
        }
        assert_eq!(store.len(), SHARDS);
        // The floor: a table sized for the smallest sweep threshold (a shard below it is never
        // swept for growth), not for the burst.
        for (i, (len, cap)) in shard_lens(&store).into_iter().enumerate() {
            assert_eq!(len, 1);
            assert!(
                cap <= 4 * MIN_SWEEP_LEN && cap * 8 < burst[i].1,
                "shard {i}: capacity {cap}, {} after the burst",
                burst[i].1
            );
        }
        // The sweep dropped only expired ids: the live ones are still remembered.
        for s in 0..SHARDS as u8 {
            assert_eq!(
                consume(in_shard(s, u64::MAX), T0 + 20),
                Consumption::Replayed
            );
        }
    }
}
