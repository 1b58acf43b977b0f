//! The one error type of this crate.

use bosso_token::UnixTime;

/// Everything that can go wrong in `bosso-auth`.
///
/// Variants are what a caller acts on. No variant carries a password, token, code or any other
/// byte of the input, so an error can be logged as it is. Credential failures are deliberately
/// one variant ([`Error::InvalidCredentials`]) so that a server that maps errors to responses
/// cannot accidentally tell an attacker *which* part of a login was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The password, code or token does not match (or the account does not exist).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The password is longer than the configured maximum; it was not hashed.
    #[error("password longer than {max} bytes")]
    PasswordTooLong {
        /// The configured maximum, in bytes.
        max: usize,
    },
    /// The password is empty.
    #[error("empty password")]
    PasswordEmpty,
    /// A stored password hash could not be parsed or names an unsupported algorithm; the reason
    /// names the rule, not the input.
    #[error("malformed password hash: {0}")]
    MalformedHash(&'static str),
    /// A stored password hash asks for more work than this verifier allows (a "hash bomb").
    #[error("password hash parameters exceed the verifier's limits")]
    HashParamsTooExpensive,
    /// The password hashing primitive failed (out of memory, invalid parameters).
    #[error("password hashing failed")]
    Hashing,
    /// A blocking task (hashing off the async runtime) could not complete.
    #[error("background hashing task failed")]
    TaskFailed,
    /// A TOTP code was correct but its time step was already accepted (RFC 6238 section 5.2).
    #[error("one-time code already used")]
    CodeReused,
    /// TOTP is not enrolled (or not yet activated) for this account.
    #[error("two-factor authentication not enrolled")]
    TotpNotEnrolled,
    /// The QR code image could not be produced.
    #[error("QR code generation failed")]
    QrCode,
    /// A session or refresh token is not in the format this crate issues.
    #[error("malformed token: {0}")]
    MalformedToken(&'static str),
    /// The session or refresh token is unknown, expired or revoked.
    #[error("session expired or revoked")]
    SessionInvalid,
    /// A refresh token that was already exchanged was presented again; its whole family is now
    /// revoked and the user must log in again.
    #[error("refresh token reuse detected; token family revoked")]
    RefreshTokenReuse,
    /// The caller is over its rate limit.
    #[error("rate limited; retry after {retry_after_ms} ms")]
    RateLimited {
        /// How long until one more request would be admitted, in milliseconds.
        retry_after_ms: u64,
    },
    /// The account (or account-and-source pair) is locked after repeated failures.
    #[error("locked until {}", until.as_secs())]
    Locked {
        /// When the lock ends.
        until: UnixTime,
    },
    /// A bounded in-memory store is at capacity with nothing it may safely evict; the request
    /// is refused rather than risking a bypass.
    #[error("store full")]
    StoreFull,
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
}

impl Error {
    /// A poisoned lock in an in-memory store: report it as an unavailable store (fail closed).
    pub(crate) fn poisoned() -> Self {
        Error::StoreUnavailable("in-memory store lock poisoned".to_owned())
    }
}
