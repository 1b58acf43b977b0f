//! Minting attach tokens.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use secrecy::{ExposeSecret, SecretString};

use crate::format::{WireClaims, encode_body, encode_token};
use crate::key::SigningKey;
use crate::token_id::TokenIdSource;
use crate::{Audience, Clock, Error, Scope, SystemClock, TokenId, UnixTime};

/// The default token lifetime: five minutes, as the product promises.
pub const DEFAULT_TTL_SECS: u64 = 300;
/// The longest lifetime a minter or verifier may be configured with. Attach tokens are
/// one-time credentials for an upgrade that follows within seconds; anything longer is a
/// session token in disguise.
pub const MAX_TTL_SECS: u64 = 900;

/// A minted attach token: a bearer credential.
///
/// Send it to the browser, which puts it in `Sec-WebSocket-Protocol` (see
/// [`crate::subprotocol`]). `Debug` and `Display` never show it; [`AttachToken::expose_secret`]
/// does, on purpose.
pub struct AttachToken {
    token: SecretString,
    token_id: TokenId,
    expires_at: UnixTime,
}

impl AttachToken {
    /// The token string (`bat1e.…` / `bat1h.…`). Only for putting on the wire.
    pub fn expose_secret(&self) -> &str {
        self.token.expose_secret()
    }

    /// The token's unique id, safe to log.
    pub fn token_id(&self) -> TokenId {
        self.token_id
    }

    /// When the token expires.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }
}

impl fmt::Debug for AttachToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachToken")
            .field("token", &"[REDACTED]")
            .field("token_id", &self.token_id)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Mints tokens with one signing key for one audience; the key can be swapped live
/// ([`AttachMinter::set_key`]).
///
/// Mint only after the host's ownership check passed (bosso-auth's gate does both).
pub struct AttachMinter {
    key: RwLock<Arc<SigningKey>>,
    audience: Audience,
    ttl: u64,
    clock: Arc<dyn Clock>,
    ids: TokenIdSource,
}

impl fmt::Debug for AttachMinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachMinter")
            .field("key", &self.key())
            .field("audience", &self.audience)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl AttachMinter {
    /// A minter with the default five-minute lifetime and the system clock.
    pub fn new(key: Arc<SigningKey>, audience: Audience) -> Self {
        Self {
            key: RwLock::new(key),
            audience,
            ttl: DEFAULT_TTL_SECS,
            clock: Arc::new(SystemClock),
            ids: TokenIdSource::default(),
        }
    }

    /// Sets the token lifetime in seconds (1 to [`MAX_TTL_SECS`]).
    pub fn with_ttl(mut self, secs: u64) -> Result<Self, Error> {
        if secs == 0 || secs > MAX_TTL_SECS {
            return Err(Error::InvalidConfig("ttl must be 1..=900 seconds"));
        }
        self.ttl = secs;
        Ok(self)
    }

    /// Reads time from `clock` instead of the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The signing key new tokens are minted with.
    pub fn key(&self) -> Arc<SigningKey> {
        self.key
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Mints with `key` from now on (after a rotation). A mint in progress finishes with the
    /// key it started with.
    pub fn set_key(&self, key: Arc<SigningKey>) {
        *self.key.write().unwrap_or_else(PoisonError::into_inner) = key;
    }

    /// Mints a token for `scope`, valid from now for the configured lifetime.
    pub fn mint(&self, scope: &Scope) -> Result<AttachToken, Error> {
        let jti = self.ids.next()?;
        let iat = self.clock.now();
        Ok(mint_raw(
            &self.key(),
            &self.audience,
            scope,
            iat,
            iat.saturating_add(self.ttl),
            jti,
        ))
    }
}

/// Mints with every field chosen by the caller. Reachable from outside the crate only through
/// the hidden [`crate::__vectors`] module, which exists to reproduce the SPEC's test vectors:
/// a fixed token id defeats single use.
pub(crate) fn mint_raw(
    key: &SigningKey,
    audience: &Audience,
    scope: &Scope,
    iat: UnixTime,
    exp: UnixTime,
    jti: TokenId,
) -> AttachToken {
    let claims = WireClaims {
        kid: key.key_id().as_str().as_bytes(),
        aud: audience.as_str().as_bytes(),
        user: scope.user.as_str().as_bytes(),
        session: scope.session.as_str().as_bytes(),
        chat: scope.chat.as_str().as_bytes(),
        permission: scope.permission,
        iat,
        exp,
        jti,
    };
    let version = key.version();
    // One buffer, laid out as prefix || body || signature: the signing input is its head and
    // the encoded token is prefix + base64url(tail).
    let mut buf = Vec::with_capacity(512);
    buf.extend_from_slice(version.prefix().as_bytes());
    encode_body(&claims, &mut buf);
    let sig = key.sign(&buf);
    let prefix_len = version.prefix().len();
    let body = buf.get(prefix_len..).unwrap_or_default();
    AttachToken {
        token: SecretString::from(encode_token(version, body, sig.as_ref())),
        token_id: jti,
        expires_at: exp,
    }
}
