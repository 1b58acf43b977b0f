//! # bosso-token: single-use attach tokens
//!
//! **Security contract.** An attach token is a one-time credential that expires after five
//! minutes (by default) and is locked to exactly one (user, session, chat) with one permission.
//! A token verifies only if all of these hold, checked in this order: it is no larger than
//! [`MAX_TOKEN_LEN`]; its version is known (the version fixes the algorithm: there is no `alg`
//! header to confuse); its key id names a configured key *of that algorithm*; its signature
//! verifies (constant time for HMAC); its audience is the verifier's; it was not issued in the
//! future and has not expired (each within a leeway of at most 60 s); its lifetime is within
//! the verifier's cap even though it is correctly signed; its scope is the one the caller
//! expects; and it has never been consumed before, even by a concurrent request.
//!
//! The token travels in `Sec-WebSocket-Protocol` (see [`subprotocol`]), never in a cookie, so
//! a cross-site page cannot make a browser present it.
//!
//! # Quickstart
//! ```
//! use std::sync::Arc;
//! use bosso_token::*;
//!
//! # fn main() -> Result<(), Error> { tokio_test_block_on(async {
//! // Once, at startup: a key ring, a minter and a verifier for audience "bosso".
//! let ring = KeyRing::new(SigningKey::generate_ed25519(KeyId::new("2026-11")?)?);
//! let audience = Audience::new("bosso")?;
//! let minter = AttachMinter::new(ring.active().clone(), audience.clone());
//! let verifier = AttachVerifier::new(ring.verification_keys(), audience);
//! let replay = MemoryReplayStore::new();
//!
//! // The web app, after its ownership check: mint for one chat.
//! let scope = Scope::new(UserId::new("alice")?, SessionId::new("s1")?, ChatId::new("c1")?,
//!                        Permission::Editor);
//! let token = minter.mint(&scope)?;
//! let header = subprotocol::client_header_value("myapp.v1", &token)?;
//!
//! // The server, at the WebSocket upgrade:
//! use secrecy::ExposeSecret;
//! let offer = subprotocol::parse_attach_offer([header.expose_secret()], &["myapp.v1"])?;
//! let expected = Expected::chat(SessionId::new("s1")?, ChatId::new("c1")?);
//! let claims = verifier.verify(offer.token, &expected)?.consume(&replay).await?;
//! assert_eq!(claims.user().as_str(), "alice");
//! assert_eq!(offer.echo, "myapp.v1"); // echo this, never the token entry
//!
//! // The same token again is refused.
//! let again = verifier.verify_and_consume(token.expose_secret(), &expected, &replay).await;
//! assert_eq!(again.unwrap_err(), Error::Replayed);
//! # Ok(()) }) }
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f) }
//! ```
//!
//! # Threat model
//! Protects against: a token replayed (single use, atomically, across racing requests), used
//! for another chat, session or user (scope), used late (expiry, lifetime cap), forged or
//! altered (Ed25519 / HMAC-SHA256 over every byte including the version), verified with the
//! wrong algorithm (the version fixes it; keys are looked up per algorithm), lifted into a
//! cookie-based CSRF (subprotocol transport), and leaked through logs by this crate (`Debug`
//! never shows a token or key).
//!
//! Does not protect against: theft of a token before its first use by someone who can read
//! the client's traffic (use TLS), a compromised signing key (rotate with [`KeyRing`]), or a
//! host that mints without checking ownership first (bosso-auth's gate does both). The
//! in-memory replay store protects one process; several nodes must share one store.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod claims;
pub mod ed25519;
mod error;
mod format;
mod id;
mod jwk;
mod key;
mod mint;
pub mod random;
mod replay;
mod replay_dyn;
#[cfg(feature = "redis")]
mod replay_redis;
pub mod subprotocol;
mod time;
mod token_id;
mod verify;

pub use claims::{AttachClaims, Expected, Scope};
pub use error::Error;
pub use format::{MAX_TOKEN_LEN, Version};
pub use id::{
    Audience, ChatId, DaemonId, InstanceId, KeyId, MAX_ID_LEN, MAX_KEY_ID_LEN, Permission,
    SessionId, TokenId, UserId,
};
pub use jwk::MAX_JWKS_LEN;
pub use key::{KeyRing, MIN_HMAC_KEY_LEN, SigningKey, VerificationKey, VerificationKeys};
pub use mint::{AttachMinter, AttachToken, DEFAULT_TTL_SECS, MAX_TTL_SECS};
pub use replay::{Consumption, DEFAULT_REPLAY_CAPACITY, MemoryReplayStore, ReplayStore};
pub use replay_dyn::{BoxFuture, DynReplayStore};
#[cfg(feature = "redis")]
pub use replay_redis::{DEFAULT_REDIS_TIMEOUT, RedisReplayStore};
pub use time::{Clock, ManualClock, SystemClock, UnixTime};
pub use verify::{
    AttachVerifier, DEFAULT_LEEWAY_SECS, MAX_LEEWAY_SECS, REPLAY_MARGIN_SECS, UnverifiedToken,
    VerifiedToken,
};

/// Deterministic minting for reproducing `SPEC.md`'s test vectors in tests and in other
/// implementations. Not part of the API: a caller-chosen token id defeats single use.
#[doc(hidden)]
pub mod __vectors {
    use crate::{AttachToken, Audience, Scope, SigningKey, TokenId, UnixTime};

    /// Mints with a fixed issue time, expiry and token id.
    pub fn mint_fixed(
        key: &SigningKey,
        audience: &Audience,
        scope: &Scope,
        iat: UnixTime,
        exp: UnixTime,
        jti: [u8; 16],
    ) -> AttachToken {
        crate::mint::mint_raw(key, audience, scope, iat, exp, TokenId::from_bytes(jti))
    }
}

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
