//! Refresh-token rotation with reuse detection (OAuth 2.0 Security BCP, RFC 9700 section
//! 4.14.2): every refresh returns a new token and retires the old one; a retired token presented
//! again means two parties hold the same family, so the whole family is revoked.
//!
//! Why these defaults (seed: "refresh tokens in 7 days ... 7-day max session"): each token lives
//! at most 7 days and a family never outlives 7 days from its login, so a stolen token is worth
//! at most one week even if the thief refreshes it diligently.
//!
//! Not done here: minting access JWTs and publishing their JWKS (needs the OIDC verifier of
//! another module); access tokens are the host's choice for now.

use ring::rand::{SecureRandom, SystemRandom};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::sync::Mutex;

use bosso_token::{Clock, UnixTime, UserId};

use crate::Error;
use crate::token::{BearerToken, TokenHash, TokenKey, TokenKind};

const DAY: u64 = 24 * 60 * 60;

/// Refresh lifetimes in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshConfig {
    /// Lifetime of one refresh token. Default 7 days.
    pub token_lifetime_secs: u64,
    /// Lifetime of a family (from login), across all rotations. Default 7 days.
    pub family_lifetime_secs: u64,
}

impl Default for RefreshConfig {
    fn default() -> Self {
        Self {
            token_lifetime_secs: 7 * DAY,
            family_lifetime_secs: 7 * DAY,
        }
    }
}

/// A refresh token as issued (`bsr_` + 43 base64url characters); `Debug` is redacted.
#[derive(Debug, Clone)]
pub struct RefreshToken(BearerToken);

impl RefreshToken {
    /// Parses client input.
    pub fn parse(input: &str) -> Result<Self, Error> {
        BearerToken::parse(TokenKind::Refresh, input).map(Self)
    }

    /// The token text (a secret).
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// Names one chain of rotated refresh tokens (one login).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FamilyId([u8; 16]);

impl FamilyId {
    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Rebuilds an id read back from a store.
    pub fn from_bytes(b: [u8; 16]) -> Self {
        Self(b)
    }
}

/// A new family as the store records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFamily {
    /// Its id.
    pub id: FamilyId,
    /// The account.
    pub user: UserId,
    /// When the family ends whatever happens.
    pub expiry: UnixTime,
    /// Hash of the first token.
    pub first: TokenHash,
    /// When the first token ends.
    pub first_expiry: UnixTime,
}

/// What an atomic rotation found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RotateOutcome {
    /// The token was current: it is now retired and the new one is current.
    Rotated {
        /// The family's account.
        user: UserId,
        /// The family.
        family: FamilyId,
    },
    /// The token was already retired: the family is now revoked.
    Reused,
    /// Unknown token, expired token or family, or revoked family.
    Invalid,
}

/// Storage of refresh-token families. `rotate` must be atomic: of two concurrent uses of one
/// token, exactly one rotates and the other sees a retired token.
pub trait RefreshStore: Send + Sync {
    /// Records a new family with its first token.
    fn create_family(&self, family: NewFamily) -> impl Future<Output = Result<(), Error>> + Send;
    /// Retires `old` and makes `new` current (expiring at `new_expiry`, capped at the family's
    /// expiry), if `old` is current; revokes the family if `old` was already retired.
    fn rotate(
        &self,
        old: &TokenHash,
        new: TokenHash,
        new_expiry: UnixTime,
        now: UnixTime,
    ) -> impl Future<Output = Result<RotateOutcome, Error>> + Send;
    /// Revokes the family `token` belongs to (logout); returns whether there was one.
    fn revoke_family_of(
        &self,
        token: &TokenHash,
    ) -> impl Future<Output = Result<bool, Error>> + Send;
    /// Revokes every family of `user`; returns how many.
    fn revoke_user(&self, user: &UserId) -> impl Future<Output = Result<usize, Error>> + Send;
}

#[derive(Debug, Clone, Copy)]
enum TokenState {
    Current { expiry: UnixTime },
    Retired,
}

#[derive(Debug)]
struct Family {
    user: UserId,
    expiry: UnixTime,
    revoked: bool,
    tokens: Vec<TokenHash>,
    /// Creation order within the store: "oldest" for the per-user caps.
    seq: u64,
}

impl Family {
    fn ended(&self, now: UnixTime) -> bool {
        self.revoked || self.expiry <= now
    }
}

#[derive(Debug, Default)]
struct RefreshMaps {
    tokens: HashMap<TokenHash, (FamilyId, TokenState)>,
    families: HashMap<FamilyId, Family>,
    /// Each user's families, oldest first.
    by_user: HashMap<UserId, BTreeMap<u64, FamilyId>>,
    next_seq: u64,
}

impl RefreshMaps {
    /// Drops every family that is expired or revoked: presenting one of their tokens gives
    /// `Invalid` whether the family is kept or not, so dropping them grants nothing.
    fn purge(&mut self, now: UnixTime) {
        let dead: Vec<FamilyId> = self
            .families
            .iter()
            .filter(|(_, f)| f.ended(now))
            .map(|(id, _)| *id)
            .collect();
        for id in dead {
            self.drop_family(&id);
        }
    }

    fn drop_family(&mut self, id: &FamilyId) {
        if let Some(f) = self.families.remove(id) {
            for t in &f.tokens {
                self.tokens.remove(t);
            }
            if let Some(mine) = self.by_user.get_mut(&f.user) {
                mine.remove(&f.seq);
                if mine.is_empty() {
                    self.by_user.remove(&f.user);
                }
            }
        }
    }

    /// Families and token hashes `user` holds (ended families included until dropped).
    fn usage(&self, user: &UserId) -> (usize, usize) {
        let Some(mine) = self.by_user.get(user) else {
            return (0, 0);
        };
        let tokens = mine
            .values()
            .filter_map(|id| self.families.get(id))
            .map(|f| f.tokens.len())
            .sum();
        (mine.len(), tokens)
    }

    /// The family of `user` to give up first: an ended one (it grants nothing), else the
    /// oldest. Never `keep` (the family being rotated).
    fn victim(
        &self,
        user: &UserId,
        keep: Option<FamilyId>,
        now: UnixTime,
    ) -> Option<(u64, FamilyId)> {
        let mine = self.by_user.get(user)?;
        let mut others = mine.iter().filter(|(_, id)| Some(**id) != keep);
        let ended = others
            .clone()
            .find(|(_, id)| self.families.get(id).is_none_or(|f| f.ended(now)));
        ended.or_else(|| others.next()).map(|(seq, id)| (*seq, *id))
    }

    /// Drops `user`'s families (ended first, then oldest, never `keep`) until one more token,
    /// and one more family if `new_family`, fit in the per-user caps. `false` if only `keep`
    /// is left and it alone fills the token cap.
    fn make_user_room(
        &mut self,
        user: &UserId,
        keep: Option<FamilyId>,
        new_family: bool,
        caps: PerUser,
        now: UnixTime,
    ) -> bool {
        loop {
            let (families, tokens) = self.usage(user);
            if tokens < caps.tokens && (!new_family || families < caps.families) {
                return true;
            }
            let Some((seq, id)) = self.victim(user, keep, now) else {
                return false;
            };
            self.drop_family(&id);
            // Progress even if the index named a family that is already gone.
            if let Some(mine) = self.by_user.get_mut(user) {
                mine.remove(&seq);
            }
        }
    }
}

/// Per-user caps of a store.
#[derive(Debug, Clone, Copy)]
struct PerUser {
    families: usize,
    tokens: usize,
}

/// Rotations a family may make in the in-memory store before it is revoked; at 15-minute
/// access tokens a client refreshes 672 times in the 7-day family lifetime.
pub const DEFAULT_MAX_ROTATIONS: usize = 1024;

/// Families (logins) one user may hold at once; the next login drops that user's oldest
/// family. 32 devices or browsers per account.
pub const DEFAULT_MAX_FAMILIES_PER_USER: usize = 32;

/// Token hashes (current and retired) one user may hold at once, at most: four families
/// rotated to [`DEFAULT_MAX_ROTATIONS`], or six clients refreshing every 15 minutes all week.
/// [`MemoryRefreshStore`] also caps it at half its capacity.
pub const DEFAULT_MAX_TOKENS_PER_USER: usize = 4096;

/// In-memory [`RefreshStore`] holding at most `capacity` token hashes, current and retired
/// together (every rotation adds one). Retired tokens are kept until their family ends (that is
/// what makes *every* retired token's reuse detectable), so a family may rotate at most
/// [`Self::with_max_rotations`] times (default [`DEFAULT_MAX_ROTATIONS`]); the rotation after
/// that revokes the family and the user logs in again.
///
/// Per user: at most [`Self::with_max_families_per_user`] families (default
/// [`DEFAULT_MAX_FAMILIES_PER_USER`]) and [`Self::with_max_tokens_per_user`] token hashes
/// (default the smaller of [`DEFAULT_MAX_TOKENS_PER_USER`] and half of `capacity`, at least 1). A login or rotation that would pass either cap first drops that same user's ended
/// families, then their oldest ones (their tokens become unknown: refused like revoked ones);
/// a rotation whose own family alone fills the token cap ends that family like the rotation cap.
/// So one account never holds more than its cap (by default half the store), and the rest of
/// the capacity stays for everyone else.
///
/// When the whole store is full, expired and revoked families (of anyone) are dropped; if none
/// is, a login or a rotation fails with [`Error::StoreFull`] (a refused rotation leaves the
/// presented token current).
pub struct MemoryRefreshStore<C> {
    maps: Mutex<RefreshMaps>,
    capacity: usize,
    max_rotations: usize,
    per_user: PerUser,
    clock: C,
}

impl<C> fmt::Debug for MemoryRefreshStore<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryRefreshStore")
            .field("capacity", &self.capacity)
            .field("max_rotations", &self.max_rotations)
            .field("max_families_per_user", &self.per_user.families)
            .field("max_tokens_per_user", &self.per_user.tokens)
            .finish_non_exhaustive()
    }
}

impl<C: Clock> MemoryRefreshStore<C> {
    /// A store of at most `capacity` token hashes (current and retired).
    pub fn new(capacity: usize, clock: C) -> Self {
        Self {
            maps: Mutex::new(RefreshMaps::default()),
            capacity,
            max_rotations: DEFAULT_MAX_ROTATIONS,
            per_user: PerUser {
                families: DEFAULT_MAX_FAMILIES_PER_USER,
                tokens: DEFAULT_MAX_TOKENS_PER_USER.min(capacity / 2).max(1),
            },
            clock,
        }
    }

    /// The same store with another per-family rotation cap (at least 1).
    pub fn with_max_rotations(self, max_rotations: usize) -> Self {
        Self {
            max_rotations: max_rotations.max(1),
            ..self
        }
    }

    /// The same store with another cap on one user's families (at least 1).
    pub fn with_max_families_per_user(mut self, max: usize) -> Self {
        self.per_user.families = max.max(1);
        self
    }

    /// The same store with another cap on one user's token hashes (at least 1). Keep it well
    /// below `capacity`: a cap at `capacity` lets one account fill the store again.
    pub fn with_max_tokens_per_user(mut self, max: usize) -> Self {
        self.per_user.tokens = max.max(1);
        self
    }

    /// Number of token hashes held (current and retired): what `capacity` bounds.
    pub fn tokens(&self) -> Result<usize, Error> {
        Ok(self
            .maps
            .lock()
            .map_err(|_| Error::poisoned())?
            .tokens
            .len())
    }

    /// Makes room for one more token hash, or fails closed.
    fn reserve(&self, m: &mut RefreshMaps) -> Result<(), Error> {
        if m.tokens.len() >= self.capacity {
            m.purge(self.clock.now());
            if m.tokens.len() >= self.capacity {
                return Err(Error::StoreFull);
            }
        }
        Ok(())
    }

    /// Number of families held (revoked ones included until they expire or room is needed).
    pub fn families(&self) -> Result<usize, Error> {
        Ok(self
            .maps
            .lock()
            .map_err(|_| Error::poisoned())?
            .families
            .len())
    }
}

impl<C: Clock> RefreshStore for MemoryRefreshStore<C> {
    async fn create_family(&self, family: NewFamily) -> Result<(), Error> {
        let mut m = self.maps.lock().map_err(|_| Error::poisoned())?;
        if !m.make_user_room(&family.user, None, true, self.per_user, self.clock.now()) {
            // Unreachable with caps of at least 1 (a user with no family has room): fail closed.
            return Err(Error::StoreFull);
        }
        self.reserve(&mut m)?;
        let seq = m.next_seq;
        m.next_seq = seq.wrapping_add(1);
        m.by_user
            .entry(family.user.clone())
            .or_default()
            .insert(seq, family.id);
        m.tokens.insert(
            family.first,
            (
                family.id,
                TokenState::Current {
                    expiry: family.first_expiry,
                },
            ),
        );
        m.families.insert(
            family.id,
            Family {
                user: family.user,
                expiry: family.expiry,
                revoked: false,
                tokens: vec![family.first],
                seq,
            },
        );
        Ok(())
    }

    async fn rotate(
        &self,
        old: &TokenHash,
        new: TokenHash,
        new_expiry: UnixTime,
        now: UnixTime,
    ) -> Result<RotateOutcome, Error> {
        let mut m = self.maps.lock().map_err(|_| Error::poisoned())?;
        let Some((fid, state)) = m.tokens.get(old).copied() else {
            return Ok(RotateOutcome::Invalid);
        };
        let Some(fam) = m.families.get_mut(&fid) else {
            return Ok(RotateOutcome::Invalid);
        };
        if fam.revoked || fam.expiry <= now {
            return Ok(RotateOutcome::Invalid);
        }
        match state {
            TokenState::Retired => {
                fam.revoked = true;
                Ok(RotateOutcome::Reused)
            }
            TokenState::Current { expiry } if expiry <= now => Ok(RotateOutcome::Invalid),
            TokenState::Current { .. } if fam.tokens.len() > self.max_rotations => {
                // Rotation cap reached: end the family rather than forget retired tokens
                // (forgetting them would let an old stolen token pass as merely unknown).
                fam.revoked = true;
                Ok(RotateOutcome::Invalid)
            }
            TokenState::Current { .. } => {
                let user = fam.user.clone();
                let expiry = new_expiry.min(fam.expiry);
                if !m.make_user_room(&user, Some(fid), false, self.per_user, now) {
                    // This family alone holds the user's whole token allowance: end it, as the
                    // rotation cap does.
                    if let Some(fam) = m.families.get_mut(&fid) {
                        fam.revoked = true;
                    }
                    return Ok(RotateOutcome::Invalid);
                }
                self.reserve(&mut m)?;
                let Some(fam) = m.families.get_mut(&fid) else {
                    // Purged by `reserve` (it drops only expired or revoked families).
                    return Ok(RotateOutcome::Invalid);
                };
                fam.tokens.push(new);
                m.tokens.insert(*old, (fid, TokenState::Retired));
                m.tokens.insert(new, (fid, TokenState::Current { expiry }));
                Ok(RotateOutcome::Rotated { user, family: fid })
            }
        }
    }

    async fn revoke_family_of(&self, token: &TokenHash) -> Result<bool, Error> {
        let mut m = self.maps.lock().map_err(|_| Error::poisoned())?;
        let Some((fid, _)) = m.tokens.get(token).copied() else {
            return Ok(false);
        };
        Ok(m.families.get_mut(&fid).map(|f| f.revoked = true).is_some())
    }

    async fn revoke_user(&self, user: &UserId) -> Result<usize, Error> {
        let mut m = self.maps.lock().map_err(|_| Error::poisoned())?;
        let ids: Vec<FamilyId> = m
            .by_user
            .get(user)
            .map(|mine| mine.values().copied().collect())
            .unwrap_or_default();
        let mut n = 0;
        for id in ids {
            if let Some(f) = m.families.get_mut(&id).filter(|f| !f.revoked) {
                f.revoked = true;
                n += 1;
            }
        }
        Ok(n)
    }
}

/// Issues and rotates refresh tokens over a [`RefreshStore`].
pub struct RefreshManager<S, C> {
    config: RefreshConfig,
    store: S,
    clock: C,
    key: TokenKey,
    rng: SystemRandom,
}

impl<S, C> fmt::Debug for RefreshManager<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshManager")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<S: RefreshStore, C: Clock> RefreshManager<S, C> {
    /// A manager; `key` is the server's HMAC key for token hashes.
    pub fn new(config: RefreshConfig, store: S, clock: C, key: TokenKey) -> Result<Self, Error> {
        if config.token_lifetime_secs == 0 || config.family_lifetime_secs == 0 {
            return Err(Error::InvalidConfig("refresh lifetimes must be positive"));
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

    /// Starts a family at login; returns its first token.
    pub async fn issue(&self, user: &UserId) -> Result<RefreshToken, Error> {
        let now = self.clock.now();
        let token = RefreshToken(BearerToken::generate(TokenKind::Refresh)?);
        let mut id = [0u8; 16];
        self.rng.fill(&mut id).map_err(|_| Error::Rng)?;
        let expiry = now.saturating_add(self.config.family_lifetime_secs);
        self.store
            .create_family(NewFamily {
                id: FamilyId(id),
                user: user.clone(),
                expiry,
                first: self.key.hash(&token.0),
                first_expiry: now
                    .saturating_add(self.config.token_lifetime_secs)
                    .min(expiry),
            })
            .await?;
        Ok(token)
    }

    /// Exchanges a current refresh token for a new one. A retired token revokes its family and
    /// fails with [`Error::RefreshTokenReuse`]; unknown, expired or revoked ones fail with
    /// [`Error::SessionInvalid`].
    pub async fn refresh(&self, token: &str) -> Result<(RefreshToken, UserId), Error> {
        let old = RefreshToken::parse(token)?;
        let now = self.clock.now();
        let new = RefreshToken(BearerToken::generate(TokenKind::Refresh)?);
        let outcome = self
            .store
            .rotate(
                &self.key.hash(&old.0),
                self.key.hash(&new.0),
                now.saturating_add(self.config.token_lifetime_secs),
                now,
            )
            .await?;
        match outcome {
            RotateOutcome::Rotated { user, .. } => Ok((new, user)),
            RotateOutcome::Reused => Err(Error::RefreshTokenReuse),
            RotateOutcome::Invalid => Err(Error::SessionInvalid),
        }
    }

    /// Logout: revokes the family of `token`.
    pub async fn revoke(&self, token: &str) -> Result<(), Error> {
        let t = RefreshToken::parse(token)?;
        self.store.revoke_family_of(&self.key.hash(&t.0)).await?;
        Ok(())
    }

    /// Revokes every family of `user`; returns how many.
    pub async fn revoke_all(&self, user: &UserId) -> Result<usize, Error> {
        self.store.revoke_user(user).await
    }
}
