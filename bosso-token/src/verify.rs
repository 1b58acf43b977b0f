//! Verification: from an untrusted string to a [`VerifiedToken`], then to [`AttachClaims`]
//! once the token has been consumed.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use crate::claims::{AttachClaims, Expected, Scope};
use crate::format::{Decoded, Version, field_str};
use crate::key::VerificationKeys;
use crate::mint::{DEFAULT_TTL_SECS, MAX_TTL_SECS};
use crate::replay::{Consumption, ReplayStore};
use crate::{
    Audience, ChatId, Clock, Error, KeyId, SessionId, SystemClock, TokenId, UnixTime, UserId,
};

/// Default clock-skew allowance in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// Largest clock-skew allowance a verifier accepts.
pub const MAX_LEEWAY_SECS: u64 = 60;
/// Extra time a consumed token id is remembered beyond `exp + MAX_LEEWAY_SECS`, covering clock
/// differences between nodes that share a replay store.
pub const REPLAY_MARGIN_SECS: u64 = 60;

/// A token string that has passed the size cap and been decoded, but not verified.
///
/// It exposes only what is needed to pick a key (version and key id). Its claims are not
/// reachable: they are attacker-controlled until [`AttachVerifier::verify`] has checked them.
pub struct UnverifiedToken {
    decoded: Decoded,
}

impl UnverifiedToken {
    /// Checks the size cap, the version prefix and the encoding, and reads the key id.
    pub fn parse(token: &str) -> Result<Self, Error> {
        Decoded::parse(token).map(|decoded| Self { decoded })
    }

    /// The version (and so the algorithm) the token claims.
    pub fn version(&self) -> Version {
        self.decoded.version
    }

    /// The key id the token claims (not yet authenticated).
    pub fn key_id(&self) -> &str {
        // The parser accepted only visible ASCII, so this conversion cannot fail.
        std::str::from_utf8(self.decoded.kid_bytes()).unwrap_or("")
    }
}

impl fmt::Debug for UnverifiedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnverifiedToken")
            .field("version", &self.version())
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

/// A token whose signature, audience, lifetime and scope have been checked, but which has not
/// been consumed yet. The only thing to do with it is [`VerifiedToken::consume`]: the claims
/// are released only once the replay store has recorded the token as used.
#[must_use = "a verified token grants nothing until it is consumed"]
pub struct VerifiedToken {
    decoded: Decoded,
    token_id: TokenId,
    /// How long the replay store must remember the token: see [`REPLAY_MARGIN_SECS`].
    replay_until: UnixTime,
}

impl fmt::Debug for VerifiedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedToken")
            .field("token_id", &self.token_id)
            .field("replay_until", &self.replay_until)
            .finish_non_exhaustive()
    }
}

impl VerifiedToken {
    /// The token's unique id.
    pub fn token_id(&self) -> TokenId {
        self.token_id
    }

    /// The time until which the replay store must remember this token.
    pub fn replay_until(&self) -> UnixTime {
        self.replay_until
    }

    /// Records the token as used; the first caller gets the claims, every later one
    /// [`Error::Replayed`]. A store that cannot answer refuses the token (fail closed).
    pub async fn consume<S: ReplayStore>(self, store: &S) -> Result<AttachClaims, Error> {
        match store.consume(self.token_id, self.replay_until).await? {
            Consumption::Fresh => self.into_claims(),
            Consumption::Replayed => Err(Error::Replayed),
        }
    }

    fn into_claims(self) -> Result<AttachClaims, Error> {
        let c = self.decoded.claims()?;
        Ok(AttachClaims {
            scope: Scope {
                user: UserId::from_checked(field_str(c.user, "user id")?),
                session: SessionId::from_checked(field_str(c.session, "session id")?),
                chat: ChatId::from_checked(field_str(c.chat, "chat id")?),
                permission: c.permission,
            },
            audience: Audience::from_checked(field_str(c.aud, "audience")?),
            key_id: KeyId::from_checked(field_str(c.kid, "key id")?),
            token_id: c.jti,
            issued_at: c.iat,
            expires_at: c.exp,
        })
    }
}

/// Verifies attach tokens for one audience against a set of keys that can be swapped live.
pub struct AttachVerifier {
    keys: RwLock<Arc<VerificationKeys>>,
    audience: Audience,
    leeway: u64,
    max_lifetime: u64,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for AttachVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachVerifier")
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("max_lifetime", &self.max_lifetime)
            .finish_non_exhaustive()
    }
}

impl AttachVerifier {
    /// A verifier with the default leeway (30 s), lifetime cap (5 min) and the system clock.
    pub fn new(keys: VerificationKeys, audience: Audience) -> Self {
        Self {
            keys: RwLock::new(Arc::new(keys)),
            audience,
            leeway: DEFAULT_LEEWAY_SECS,
            max_lifetime: DEFAULT_TTL_SECS,
            clock: Arc::new(SystemClock),
        }
    }

    /// Sets the clock-skew allowance (0 to [`MAX_LEEWAY_SECS`] seconds).
    pub fn with_leeway(mut self, secs: u64) -> Result<Self, Error> {
        if secs > MAX_LEEWAY_SECS {
            return Err(Error::InvalidConfig("leeway must be at most 60 seconds"));
        }
        self.leeway = secs;
        Ok(self)
    }

    /// Sets the longest accepted lifetime `exp - iat` (1 to [`crate::MAX_TTL_SECS`] seconds).
    pub fn with_max_lifetime(mut self, secs: u64) -> Result<Self, Error> {
        if secs == 0 || secs > MAX_TTL_SECS {
            return Err(Error::InvalidConfig("max lifetime must be 1..=900 seconds"));
        }
        self.max_lifetime = secs;
        Ok(self)
    }

    /// Reads time from `clock` instead of the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the accepted keys (after a rotation). In-flight verifications finish with the
    /// keys they started with.
    pub fn set_keys(&self, keys: VerificationKeys) {
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
    }

    /// Parses and verifies `token`; see [`AttachVerifier::verify`].
    pub fn verify_str(&self, token: &str, expected: &Expected) -> Result<VerifiedToken, Error> {
        self.verify(UnverifiedToken::parse(token)?, expected)
    }

    /// Verifies, in this order: known key id for the token's version, signature (constant
    /// time for HMAC), audience, issued-at not in the future beyond leeway, expiry within
    /// leeway, lifetime cap, then the expected scope. Single use is the next step,
    /// [`VerifiedToken::consume`]; [`AttachVerifier::verify_and_consume`] does both.
    pub fn verify(
        &self,
        token: UnverifiedToken,
        expected: &Expected,
    ) -> Result<VerifiedToken, Error> {
        let decoded = token.decoded;
        {
            // The lock is held only for the lookup and the signature check; writers replace
            // an Arc and never hold it for long.
            let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
            let key = keys
                .find(decoded.version, decoded.kid_bytes())
                .ok_or(Error::UnknownKey)?;
            key.verify(decoded.signing_input(), decoded.signature())?;
        }
        let c = decoded.claims()?;
        if c.aud != self.audience.as_str().as_bytes() {
            return Err(Error::WrongAudience);
        }
        let now = self.clock.now();
        if c.iat > now.saturating_add(self.leeway) {
            return Err(Error::NotYetValid);
        }
        if now > c.exp.saturating_add(self.leeway) {
            return Err(Error::Expired);
        }
        // exp > iat is guaranteed by the format, so this cannot underflow.
        if c.exp.as_secs().saturating_sub(c.iat.as_secs()) > self.max_lifetime {
            return Err(Error::LifetimeTooLong);
        }
        if !expected.matches(&c) {
            return Err(Error::WrongScope);
        }
        let token_id = c.jti;
        // Not this verifier's leeway: another verifier sharing the store may allow the maximum,
        // and its clock may lag ours. Remember the id until no verifier could still accept it.
        let replay_until = c.exp.saturating_add(MAX_LEEWAY_SECS + REPLAY_MARGIN_SECS);
        Ok(VerifiedToken {
            decoded,
            token_id,
            replay_until,
        })
    }

    /// [`AttachVerifier::verify_str`] then [`VerifiedToken::consume`]: the whole check an upgrade needs.
    pub async fn verify_and_consume<S: ReplayStore>(
        &self,
        token: &str,
        expected: &Expected,
        store: &S,
    ) -> Result<AttachClaims, Error> {
        self.verify_str(token, expected)?.consume(store).await
    }
}
