//! The one error type of this crate.

/// Everything that can go wrong in `bosso-auth`.
///
/// Variants are what a caller acts on. No variant carries a token, secret or any other byte of
/// the input, so an error can be logged as it is. Ownership failures are deliberately one
/// variant ([`Error::NotPermitted`]) so that a caller cannot learn whether another user's
/// session or chat exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A store could not answer (unreachable, poisoned, timed out); the request is refused.
    #[error("store unavailable: {0}")]
    StoreUnavailable(String),
    /// A configuration value is outside its allowed bounds.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// Key material is invalid (wrong length, empty).
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// The system random number generator failed.
    #[error("random number generator failed")]
    Rng,
    /// An access token is not a well-formed compact JWS/JWT; the reason names the rule broken,
    /// never the token's bytes.
    #[error("malformed access token: {0}")]
    JwtMalformed(&'static str),
    /// An access token is longer than the verifier accepts (checked before any parsing).
    #[error("access token longer than {max} bytes")]
    JwtTooLarge {
        /// The configured maximum, in bytes.
        max: usize,
    },
    /// The token's `alg` is not on the verifier's allow-list (this includes `none` and every
    /// HMAC algorithm, which are never accepted).
    #[error("token algorithm not allowed")]
    JwtAlgorithmNotAllowed,
    /// The token's header carries something this verifier refuses (a `crit` extension, `b64`).
    #[error("unsupported token header: {0}")]
    JwtUnsupportedHeader(&'static str),
    /// No key in the issuer's key set matches the token's `kid` and algorithm.
    #[error("no matching verification key")]
    JwtUnknownKey,
    /// The signature does not verify with the selected key.
    #[error("invalid token signature")]
    JwtBadSignature,
    /// The token's `exp` (plus leeway) is in the past.
    #[error("token expired")]
    JwtExpired,
    /// The token's `nbf` or `iat` (minus leeway) is in the future.
    #[error("token not yet valid")]
    JwtNotYetValid,
    /// The token's `iss` is not the configured issuer.
    #[error("token issuer mismatch")]
    JwtIssuerMismatch,
    /// The token's `aud` names none of the configured audiences.
    #[error("token audience mismatch")]
    JwtAudienceMismatch,
    /// A claim is missing or has the wrong JSON type or content; the reason names the claim.
    #[error("invalid token claims: {0}")]
    JwtInvalidClaims(&'static str),
    /// A JWKS document could not be used; the reason names the rule, not the document.
    #[error("invalid JWKS: {0}")]
    JwksInvalid(&'static str),
    /// The issuer's JWKS (or discovery document) could not be fetched.
    #[error("JWKS unavailable: {0}")]
    JwksUnavailable(String),
    // --- attach gate, ownership, local-daemon guards ---
    /// The attach token was refused; the inner error says why (never the token itself).
    #[error("attach token refused: {0}")]
    AttachToken(bosso_token::Error),
    /// Ownership failed on some axis. Deliberately one variant: the caller cannot learn
    /// whether the session or chat exists or belongs to someone else.
    #[error("not permitted")]
    NotPermitted,
    /// The daemon hosting the session is offline (only ever told to its owner).
    #[error("daemon offline")]
    DaemonOffline,
    /// The `Host` header is missing, malformed or not allowed (DNS rebinding protection).
    #[error("host not allowed")]
    HostNotAllowed,
    /// The `Origin` header is missing or not allowed.
    #[error("origin not allowed")]
    OriginNotAllowed,
    /// A header that a security decision reads (`host`, `origin`) came on more than one line.
    /// RFC 9112 section 3.2 answers a repeated Host with 400 Bad Request. Carries the header's
    /// name, never its values.
    #[error("header repeated: {0}")]
    DuplicateHeader(&'static str),
    /// No bearer secret was presented.
    #[error("bearer secret missing")]
    BearerMissing,
    /// The bearer secret is malformed, duplicated or wrong.
    #[error("bearer secret invalid")]
    BearerInvalid,
    /// The `Authorization` header is not one well-formed `Bearer <token>` line (RFC 6750
    /// section 2.1): a malformed request, answered 400 `invalid_request`. Carries nothing of
    /// the header's value.
    #[error("malformed authorization header: {0}")]
    MalformedAuthorization(&'static str),
}

impl Error {
    /// A poisoned lock in an in-memory store: report it as an unavailable store (fail closed).
    pub(crate) fn poisoned() -> Self {
        Error::StoreUnavailable("in-memory store lock poisoned".to_owned())
    }
}
