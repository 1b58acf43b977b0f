//! The one error type of this crate.

/// Everything that can go wrong minting, parsing or verifying an attach token.
///
/// Variants are what a caller acts on: a server maps every verification variant to a refused
/// upgrade (and may log the variant), a store variant to "try later". No variant carries the
/// token or any other bytes from the input, so an error can be logged as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token is longer than any valid token; it was not parsed at all.
    #[error("attach token too large")]
    TooLarge,
    /// The token names a version (and so an algorithm) this build does not implement.
    #[error("unsupported attach token version")]
    UnsupportedVersion,
    /// The token's bytes do not follow the format; the reason names the rule, not the input.
    #[error("malformed attach token: {0}")]
    Malformed(&'static str),
    /// No verification key with the token's key id (for the token's algorithm) is configured.
    #[error("unknown key id")]
    UnknownKey,
    /// The signature or MAC does not verify.
    #[error("bad signature")]
    BadSignature,
    /// The token was issued for another audience.
    #[error("wrong audience")]
    WrongAudience,
    /// The token was issued in the future (beyond the allowed leeway).
    #[error("token not yet valid")]
    NotYetValid,
    /// The token has expired (beyond the allowed leeway).
    #[error("token expired")]
    Expired,
    /// The token's lifetime (`exp - iat`) exceeds the verifier's maximum, although it is signed.
    #[error("token lifetime exceeds the configured maximum")]
    LifetimeTooLong,
    /// The token is valid but scoped to another user, session, chat or a lower permission.
    #[error("token scope does not match")]
    WrongScope,
    /// The token was already used once.
    #[error("token already used")]
    Replayed,
    /// The replay store is at capacity; the token is refused rather than risking a replay.
    #[error("replay store full")]
    ReplayStoreFull,
    /// The replay store could not answer (unreachable, timed out); the token is refused.
    #[error("replay store unavailable: {0}")]
    ReplayStoreUnavailable(String),
    /// No `bosso.attach.` entry in `Sec-WebSocket-Protocol`.
    #[error("no attach token in Sec-WebSocket-Protocol")]
    MissingAttachToken,
    /// More than one `bosso.attach.` entry in `Sec-WebSocket-Protocol`.
    #[error("more than one attach token in Sec-WebSocket-Protocol")]
    DuplicateAttachToken,
    /// `Sec-WebSocket-Protocol` is not a valid list of protocol tokens, or is too large.
    #[error("malformed Sec-WebSocket-Protocol header: {0}")]
    MalformedSubprotocol(&'static str),
    /// The client offered no application protocol the server supports.
    #[error("no supported application subprotocol offered")]
    NoSupportedProtocol,
    /// An identifier (user, session, chat, key id, audience) is empty, too long or has
    /// characters outside its alphabet.
    #[error("invalid {0}")]
    InvalidId(&'static str),
    /// Key material is invalid (wrong length, not a valid key encoding).
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// A configuration value is outside its allowed bounds.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// A key set (JWK JSON) could not be imported.
    #[error("invalid key set: {0}")]
    InvalidKeySet(&'static str),
    /// The system random number generator failed.
    #[error("random number generator failed")]
    Rng,
}
