//! The access-token verifier: its configuration, and the verifier for a fixed key set.

use std::sync::Arc;

use bosso_token::{Clock, SystemClock, UnixTime};

use super::jws::Jws;
use super::{Alg, JwksKeySet, VerifiedAccessToken, claims};
use crate::Error;

/// Default cap on a token's length: 16 KiB, far above any real access token, far below a
/// size that would make decoding it a denial of service.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;
/// Largest allowed clock-skew leeway, in seconds.
pub const MAX_LEEWAY_SECS: u64 = 120;
/// Default clock-skew leeway, in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
const MIN_TOKEN_LEN_CAP: usize = 1024;
const MAX_TOKEN_LEN_CAP: usize = 64 * 1024;

/// What a token must satisfy: issuer, audiences, algorithms, leeway and size.
#[derive(Debug, Clone)]
pub struct AccessTokenVerifierConfig {
    pub(crate) issuer: String,
    pub(crate) audiences: Vec<String>,
    pub(crate) algorithms: Vec<Alg>,
    pub(crate) leeway_secs: u64,
    pub(crate) max_token_len: usize,
    /// Normalized (see [`super::jws::normalize_typ`]).
    pub(crate) required_typ: Option<String>,
}

impl AccessTokenVerifierConfig {
    /// Tokens must come from exactly `issuer` (compared byte for byte, as OIDC Core 3.1.3.7
    /// requires) and name at least one of `audiences` (the product's is `bosso`).
    ///
    /// Defaults: RS256 only, 30 s leeway, 16 KiB size cap. Errors if the issuer or the
    /// audience list is empty.
    pub fn new<A: Into<String>>(
        issuer: impl Into<String>,
        audiences: impl IntoIterator<Item = A>,
    ) -> Result<Self, Error> {
        let issuer = issuer.into();
        let audiences: Vec<String> = audiences.into_iter().map(Into::into).collect();
        if issuer.is_empty() {
            return Err(Error::InvalidConfig("issuer must not be empty"));
        }
        if audiences.is_empty() || audiences.iter().any(String::is_empty) {
            return Err(Error::InvalidConfig("audiences must be non-empty strings"));
        }
        Ok(Self {
            issuer,
            audiences,
            algorithms: vec![Alg::RS256],
            leeway_secs: DEFAULT_LEEWAY_SECS,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            required_typ: None,
        })
    }

    /// Replaces the algorithm allow-list (default: RS256 only). Errors if empty.
    pub fn with_algorithms(mut self, algs: impl IntoIterator<Item = Alg>) -> Result<Self, Error> {
        let mut algs: Vec<Alg> = algs.into_iter().collect();
        algs.sort_unstable();
        algs.dedup();
        if algs.is_empty() {
            return Err(Error::InvalidConfig(
                "at least one algorithm must be allowed",
            ));
        }
        self.algorithms = algs;
        Ok(self)
    }

    /// Sets the clock-skew leeway applied to `exp`, `nbf` and `iat`; at most
    /// [`MAX_LEEWAY_SECS`].
    pub fn with_leeway_secs(mut self, secs: u64) -> Result<Self, Error> {
        if secs > MAX_LEEWAY_SECS {
            return Err(Error::InvalidConfig("leeway above 120 seconds"));
        }
        self.leeway_secs = secs;
        Ok(self)
    }

    /// Sets the token size cap, between 1 KiB and 64 KiB.
    pub fn with_max_token_len(mut self, len: usize) -> Result<Self, Error> {
        if !(MIN_TOKEN_LEN_CAP..=MAX_TOKEN_LEN_CAP).contains(&len) {
            return Err(Error::InvalidConfig(
                "token size cap outside 1 KiB..=64 KiB",
            ));
        }
        self.max_token_len = len;
        Ok(self)
    }

    /// Requires the header's `typ` to name this media type, compared as RFC 7515 4.1.9 says
    /// (case-insensitive, `application/` optional). For tokens of an RFC 9068 issuer, such as
    /// bosso-accounts' `access` module, require `at+jwt`: an ID token or any other JWT the same
    /// issuer signs for the same audience is then refused. Off by default, because many
    /// identity providers send `JWT` or nothing on access tokens.
    pub fn with_required_typ(mut self, typ: &str) -> Result<Self, Error> {
        if typ.is_empty() || typ.len() > 128 || !typ.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(Error::InvalidConfig(
                "typ must be 1 to 128 visible ASCII bytes",
            ));
        }
        self.required_typ = Some(super::jws::normalize_typ(typ));
        Ok(self)
    }

    /// The required `typ`, normalized, if one is required.
    pub fn required_typ(&self) -> Option<&str> {
        self.required_typ.as_deref()
    }

    /// The required issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The accepted audiences.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// The allowed algorithms.
    pub fn algorithms(&self) -> &[Alg] {
        &self.algorithms
    }

    /// The leeway in seconds.
    pub fn leeway_secs(&self) -> u64 {
        self.leeway_secs
    }

    /// The token size cap in bytes.
    pub fn max_token_len(&self) -> usize {
        self.max_token_len
    }
}

/// The whole check of one token against one key set, shared by [`AccessTokenVerifier`] and the cache.
pub(crate) fn verify_token(
    config: &AccessTokenVerifierConfig,
    keys: &JwksKeySet,
    now: UnixTime,
    token: &str,
) -> Result<VerifiedAccessToken, Error> {
    let jws = parse_header(config, token)?;
    jws.verify(keys)?;
    claims::check(&jws.payload()?, config, now)
}

/// Size cap, header rules, `alg` allow-list and the required `typ`: everything checked before
/// a key is looked up.
pub(crate) fn parse_header<'t>(
    config: &AccessTokenVerifierConfig,
    token: &'t str,
) -> Result<Jws<'t>, Error> {
    let jws = Jws::parse(token, config.max_token_len, &config.algorithms)?;
    jws.check_typ(config.required_typ.as_deref())?;
    Ok(jws)
}

/// Verifies access tokens against a fixed [`JwksKeySet`] (for a rotating JWKS use
/// [`super::JwksCache`]).
#[derive(Clone)]
pub struct AccessTokenVerifier {
    config: AccessTokenVerifierConfig,
    keys: Arc<JwksKeySet>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for AccessTokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenVerifier")
            .field("config", &self.config)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl AccessTokenVerifier {
    /// A verifier reading time from the system clock.
    pub fn new(config: AccessTokenVerifierConfig, keys: JwksKeySet) -> Self {
        Self {
            config,
            keys: Arc::new(keys),
            clock: Arc::new(SystemClock),
        }
    }

    /// Replaces the clock (tests use `ManualClock`).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Verifies `token` (signature, header rules, then claims).
    pub fn verify(&self, token: &str) -> Result<VerifiedAccessToken, Error> {
        verify_token(&self.config, &self.keys, self.clock.now(), token)
    }

    /// The configuration.
    pub fn config(&self) -> &AccessTokenVerifierConfig {
        &self.config
    }
}
