//! OIDC access-token verification: a JWS signature against the issuer's JWKS, then the
//! issuer, audience, lifetime and subject claims.
//!
//! **Security contract.** [`AccessTokenVerifier::verify`] (static key set) and [`JwksCache::verify`]
//! (rotating key set) return a [`VerifiedAccessToken`] only when every one of these holds:
//!
//! - the token is a compact JWS of at most [`AccessTokenVerifierConfig::max_token_len`] bytes, checked
//!   before any decoding, whose header and claims set are each a JSON object (an array that
//!   lists the same fields is refused: RFC 7515 section 4, RFC 7519 section 7.2);
//! - its `alg` is on the configured allow-list (default RS256 only). `none` in any spelling and
//!   every HMAC algorithm are refused: no HMAC verifier exists in this module, so the
//!   "public key as HMAC secret" confusion is impossible by construction;
//! - the header carries no `crit` (any critical extension is unknown to us) and no `b64`,
//!   and, when [`AccessTokenVerifierConfig::with_required_typ`] is set, a `typ` naming that media type;
//!   `jku`, `jwk`, `x5u`, `x5c` are never read, fetched or trusted;
//! - the key is chosen by `kid` from the issuer's key set; a key verifies only with its JWK's
//!   family (`kty`, `crv`) and with its JWK `alg` when stated; RSA keys under 2048 bits and
//!   Ed25519 keys of small order (against which ring verifies forged signatures) never enter
//!   a key set;
//! - `iss` equals the configured issuer, `aud` (string or array) names a configured audience,
//!   `exp` is present and in the future, `nbf`/`iat` are not in the future (all within a
//!   bounded leeway, default 30 s, at most 120 s), `sub` is a valid [`bosso_token::UserId`];
//!   a claim of the wrong JSON type (a string `exp`) is an error, never "absent";
//! - `exp`, `nbf` and `iat` are NumericDates (RFC 7519 section 2) from 0 to
//!   [`MAX_NUMERIC_DATE`] (the end of year 9999), fractions allowed; a negative or larger
//!   value, or one serde_json cannot represent (`1e400`), is refused. The clock reads whole
//!   seconds and a fraction counts in the token's favour within the current second: the token
//!   is expired once `now >= ceil(exp) + leeway` (exactly `now >= exp + leeway` for a whole
//!   `now`), and not yet valid while `now + leeway < floor(nbf)` (likewise `iat`). So an `exp`
//!   of 1700000000.5 is valid at 1700000000 and expired at 1700000001 with no leeway.
//!
//! Keys are parsed once, when a JWKS is loaded ([`JwksKeySet::from_jwks_json`]); verifying a token
//! on a warm cache clones one `Arc` under a read lock and runs one `ring` verification.
//!
//! ```
//! use bosso_auth::oidc::{Alg, JwksKeySet, AccessTokenVerifier, AccessTokenVerifierConfig};
//!
//! # fn main() -> Result<(), bosso_auth::Error> {
//! let jwks = br#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1",
//!     "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
//! let keys = JwksKeySet::from_jwks_json(jwks)?;
//! let config = AccessTokenVerifierConfig::new("https://idp.example", ["bosso"])?
//!     .with_algorithms([Alg::EdDSA])?;
//! let verifier = AccessTokenVerifier::new(config, keys);
//! // A forged token is refused without panicking.
//! assert!(verifier.verify("eyJhbGciOiJub25lIn0.e30.").is_err());
//! # Ok(()) }
//! ```

mod alg;
mod cache;
mod claims;
mod header;
#[cfg(feature = "https")]
mod https;
mod json;
mod jwks;
mod jws;
mod object;
mod provider;
mod source;
mod verifier;

pub use alg::Alg;
pub use cache::{JwksCache, JwksCacheConfig};
pub use claims::{MAX_NUMERIC_DATE, VerifiedAccessToken};
pub use header::bearer_from_headers;
#[cfg(feature = "https")]
pub use https::{HttpsJwksSource, HttpsOptions, PlainHttp};
pub use jwks::{JwksKeySet, MAX_JWKS_BYTES, MAX_JWKS_KEYS};
pub use jws::{SignatureVerified, verify_signature_only};
pub use object::{BoxFuture, VerifyAccessToken};
pub use provider::{RING_PROVIDER, install_ring_provider};
pub use source::{JwksDocument, JwksSource, StaticJwksSource, cache_control_max_age};
pub use verifier::{
    AccessTokenVerifier, AccessTokenVerifierConfig, DEFAULT_MAX_TOKEN_LEN, MAX_LEEWAY_SECS,
};
