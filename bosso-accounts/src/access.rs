//! Short-lived access JWTs for your own APIs, and the JWKS that lets any verifier check them.
//!
//! **Security contract.** An [`AccessIssuer`] signs compact JWS tokens with an asymmetric key
//! only: EdDSA (Ed25519, the default) or RS256 for verifiers that speak nothing else. There is
//! no HMAC option, so a verifier never holds a secret that could also mint. Every token carries
//! `iss`, `sub`, `aud`, `iat`, `exp` (15 minutes by default, at most one hour), a 128-bit random
//! `jti`, `scope` when scopes are given and `client_id` when configured (RFC 9068 requires it;
//! set [`AccessConfig::with_client_id`] for verifiers that enforce that). The header names its
//! `kid` and has `typ` `at+jwt` (RFC 9068): a verifier that requires it
//! ([`bosso_auth::oidc::AccessTokenVerifierConfig::with_required_typ`]) refuses an ID token or any other JWT
//! the same issuer signs for the same audience. [`AccessIssuer::jwks_json`] publishes the
//! public half of the active key and of every rotated key not yet retired (at most
//! [`bosso_auth::oidc::MAX_JWKS_KEYS`], what a verifier accepts); a retired key id is never reused,
//! so a verifier's cached key can never be mistaken for a new key of the same name. Nothing
//! here verifies tokens: that is [`bosso_auth::oidc`]'s job, fed this JWKS like any identity
//! provider's.
//!
//! Why short-lived: an access token is checked without a store lookup, so it cannot be revoked.
//! The refresh token ([`crate::refresh`]) is the revocable credential; the access token only
//! caches its last successful use for at most the TTL.
//!
//! ```
//! use bosso_accounts::access::{AccessConfig, AccessIssuer, AccessSigningKey};
//! use bosso_auth::oidc::{Alg, JwksKeySet, AccessTokenVerifier, AccessTokenVerifierConfig};
//! use bosso_token::{KeyId, SystemClock, UserId};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = AccessSigningKey::generate_ed25519(KeyId::new("at-2026-11")?)?;
//! let config = AccessConfig::new("https://auth.example", "https://api.example")?;
//! let issuer = AccessIssuer::new(config, key, SystemClock);
//! let token = issuer.issue(&UserId::new("alice")?, &["chats:read"])?;
//!
//! // Any process holding only the published JWKS can check it.
//! let keys = JwksKeySet::from_jwks_json(issuer.jwks_json()?.as_bytes())?;
//! let verifier = AccessTokenVerifier::new(
//!     AccessTokenVerifierConfig::new("https://auth.example", ["https://api.example"])?
//!         .with_algorithms([Alg::EdDSA])?
//!         .with_required_typ("at+jwt")?,
//!     keys,
//! );
//! let verified = verifier.verify(token.expose())?;
//! assert_eq!(verified.subject().as_str(), "alice");
//! assert!(verified.has_scope("chats:read"));
//! # Ok(()) }
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self as rs, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::json;

use bosso_token::{Clock, KeyId, UnixTime, UserId};

use crate::Error;
use bosso_auth::oidc::{Alg, MAX_JWKS_KEYS};

/// Default access-token lifetime: 15 minutes.
pub const DEFAULT_ACCESS_TTL_SECS: u64 = 15 * 60;
/// Longest lifetime an [`AccessConfig`] accepts: one hour. An access token cannot be revoked,
/// so its lifetime is the window a stolen one stays useful.
pub const MAX_ACCESS_TTL_SECS: u64 = 60 * 60;
/// Most scopes one token may carry.
pub const MAX_SCOPES: usize = 32;
/// Longest issuer or audience, in bytes.
const MAX_NAME_LEN: usize = 256;
/// Longest scope, in bytes.
const MAX_SCOPE_LEN: usize = 64;

/// The key an [`AccessIssuer`] signs with. `Debug` shows the key id and algorithm only.
pub struct AccessSigningKey {
    kid: KeyId,
    inner: SignInner,
}

enum SignInner {
    Ed25519(Ed25519KeyPair),
    Rs256(RsaKeyPair),
}

/// The parts of an RSA private key, big-endian unsigned integers as in a JWK (RFC 7518 6.3).
#[derive(Clone, Copy)]
pub struct RsaKeyParts<'a> {
    /// Modulus.
    pub n: &'a [u8],
    /// Public exponent.
    pub e: &'a [u8],
    /// Private exponent.
    pub d: &'a [u8],
    /// First prime factor.
    pub p: &'a [u8],
    /// Second prime factor.
    pub q: &'a [u8],
    /// `d mod (p - 1)`.
    pub dp: &'a [u8],
    /// `d mod (q - 1)`.
    pub dq: &'a [u8],
    /// `q^-1 mod p`.
    pub qi: &'a [u8],
}

impl fmt::Debug for RsaKeyParts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaKeyParts([REDACTED])")
    }
}

impl AccessSigningKey {
    /// A fresh Ed25519 key from the system CSPRNG.
    pub fn generate_ed25519(kid: KeyId) -> Result<Self, Error> {
        // From a seed we wipe, as bosso-token's keys are made, rather than through ring's
        // PKCS#8 document, which would leave the private key in freed memory.
        let seed = bosso_token::random::bytes::<32>().map_err(|_| Error::Rng)?;
        let pair = Ed25519KeyPair::from_seed_unchecked(seed.as_ref())
            .map_err(|_| Error::InvalidKey("Ed25519 seed rejected"))?;
        Ok(Self {
            kid,
            inner: SignInner::Ed25519(pair),
        })
    }

    /// An Ed25519 key from PKCS#8 (v1 or v2 DER, as `openssl genpkey -algorithm ed25519` or
    /// ring writes it).
    pub fn ed25519_from_pkcs8(kid: KeyId, der: &[u8]) -> Result<Self, Error> {
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map_err(|_| Error::InvalidKey("not an Ed25519 PKCS#8 key"))?;
        Ok(Self {
            kid,
            inner: SignInner::Ed25519(pair),
        })
    }

    /// An RSA key (2048 to 4096 bits) from PKCS#8 DER, signing RS256.
    pub fn rs256_from_pkcs8(kid: KeyId, der: &[u8]) -> Result<Self, Error> {
        let pair = RsaKeyPair::from_pkcs8(der)
            .map_err(|_| Error::InvalidKey("not an RSA PKCS#8 key of 2048 to 4096 bits"))?;
        Ok(Self {
            kid,
            inner: SignInner::Rs256(pair),
        })
    }

    /// An RSA key (2048 to 4096 bits) from its parts, signing RS256. `ring` checks that the
    /// parts are consistent before the key is accepted.
    pub fn rs256_from_parts(kid: KeyId, parts: &RsaKeyParts<'_>) -> Result<Self, Error> {
        let components = ring::rsa::KeyPairComponents {
            public_key: rs::RsaPublicKeyComponents {
                n: parts.n,
                e: parts.e,
            },
            d: parts.d,
            p: parts.p,
            q: parts.q,
            dP: parts.dp,
            dQ: parts.dq,
            qInv: parts.qi,
        };
        let pair = RsaKeyPair::from_components(&components)
            .map_err(|_| Error::InvalidKey("inconsistent RSA key or not 2048 to 4096 bits"))?;
        Ok(Self {
            kid,
            inner: SignInner::Rs256(pair),
        })
    }

    /// The key id, written into every token's header and into the JWKS.
    pub fn key_id(&self) -> &KeyId {
        &self.kid
    }

    /// The JWS algorithm this key signs with.
    pub fn alg(&self) -> Alg {
        match self.inner {
            SignInner::Ed25519(_) => Alg::EdDSA,
            SignInner::Rs256(_) => Alg::RS256,
        }
    }

    /// The public half as a JWK (RFC 7517; RFC 8037 for Ed25519).
    fn public_jwk(&self) -> serde_json::Value {
        let kid = self.kid.as_str();
        match &self.inner {
            SignInner::Ed25519(pair) => json!({
                "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": kid,
                "x": URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()),
            }),
            SignInner::Rs256(pair) => {
                let c: rs::RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
                json!({
                    "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
                    "n": URL_SAFE_NO_PAD.encode(&c.n),
                    "e": URL_SAFE_NO_PAD.encode(&c.e),
                })
            }
        }
    }

    fn sign(&self, rng: &SystemRandom, msg: &[u8]) -> Result<Vec<u8>, Error> {
        match &self.inner {
            SignInner::Ed25519(pair) => Ok(pair.sign(msg).as_ref().to_vec()),
            SignInner::Rs256(pair) => {
                let mut sig = vec![0u8; pair.public().modulus_len()];
                // The buffer has the modulus length, so ring can only fail here on its RNG
                // (used for blinding).
                pair.sign(&rs::RSA_PKCS1_SHA256, rng, msg, &mut sig)
                    .map_err(|_| Error::Rng)?;
                Ok(sig)
            }
        }
    }
}

impl fmt::Debug for AccessSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessSigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg())
            .finish_non_exhaustive()
    }
}

/// Who issues the tokens, for whom, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessConfig {
    issuer: String,
    audience: String,
    client_id: Option<String>,
    ttl_secs: u64,
}

impl AccessConfig {
    /// `iss` and `aud` of every token (1 to 256 visible ASCII bytes each; the issuer is
    /// normally your auth service's URL), with the default 15-minute lifetime.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Result<Self, Error> {
        let (issuer, audience) = (issuer.into(), audience.into());
        if !is_name(&issuer) {
            return Err(Error::InvalidConfig(
                "issuer must be 1 to 256 visible ASCII bytes",
            ));
        }
        if !is_name(&audience) {
            return Err(Error::InvalidConfig(
                "audience must be 1 to 256 visible ASCII bytes",
            ));
        }
        Ok(Self {
            issuer,
            audience,
            client_id: None,
            ttl_secs: DEFAULT_ACCESS_TTL_SECS,
        })
    }

    /// Adds the `client_id` claim (RFC 9068 2.2: the OAuth client the token was issued to,
    /// e.g. your web app; 1 to 256 visible ASCII bytes).
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Result<Self, Error> {
        let client_id = client_id.into();
        if !is_name(&client_id) {
            return Err(Error::InvalidConfig(
                "client_id must be 1 to 256 visible ASCII bytes",
            ));
        }
        self.client_id = Some(client_id);
        Ok(self)
    }

    /// Sets the lifetime (1 second to [`MAX_ACCESS_TTL_SECS`]).
    pub fn with_ttl_secs(mut self, secs: u64) -> Result<Self, Error> {
        if secs == 0 || secs > MAX_ACCESS_TTL_SECS {
            return Err(Error::InvalidConfig(
                "access token lifetime must be 1 to 3600 seconds",
            ));
        }
        self.ttl_secs = secs;
        Ok(self)
    }

    /// The `iss` claim.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `aud` claim.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The `client_id` claim, if configured.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// The lifetime in seconds.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }
}

fn is_name(s: &str) -> bool {
    (1..=MAX_NAME_LEN).contains(&s.len()) && s.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// RFC 6749 3.3 `scope-token`: visible ASCII except `"` and `\`.
fn is_scope(s: &str) -> bool {
    (1..=MAX_SCOPE_LEN).contains(&s.len())
        && s.bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\')
}

/// A minted access token. `Debug` is redacted; send [`AccessToken::expose`] as a bearer token.
#[derive(Clone)]
pub struct AccessToken {
    jwt: SecretString,
    expires_at: UnixTime,
    token_id: String,
}

impl AccessToken {
    /// The compact JWS (a secret until it expires).
    pub fn expose(&self) -> &str {
        self.jwt.expose_secret()
    }

    /// The `exp` claim.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// The `jti` claim (not secret: for audit logs).
    pub fn token_id(&self) -> &str {
        &self.token_id
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("jti", &self.token_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
    iat: u64,
    exp: u64,
    jti: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// Mints access tokens with one active key and publishes the keys verifiers should accept.
///
/// Rotation with overlap, as for attach tokens: [`AccessIssuer::rotate`] makes a new key active
/// and keeps publishing the previous one, so tokens minted just before still verify; once the
/// TTL (plus the verifiers' leeway and JWKS cache age) has passed, [`AccessIssuer::retire`]
/// drops it from the JWKS.
pub struct AccessIssuer<C> {
    config: AccessConfig,
    active: AccessSigningKey,
    previous: Vec<AccessSigningKey>,
    retired: Vec<KeyId>,
    clock: C,
    rng: SystemRandom,
}

impl<C> fmt::Debug for AccessIssuer<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessIssuer")
            .field("config", &self.config)
            .field("active", &self.active)
            .field("previous", &self.previous)
            .finish_non_exhaustive()
    }
}

impl<C: Clock> AccessIssuer<C> {
    /// An issuer signing with `key`.
    pub fn new(config: AccessConfig, key: AccessSigningKey, clock: C) -> Self {
        Self {
            config,
            active: key,
            previous: Vec::new(),
            retired: Vec::new(),
            clock,
            rng: SystemRandom::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AccessConfig {
        &self.config
    }

    /// The algorithms of every published key: what a verifier's allow-list needs.
    pub fn algorithms(&self) -> Vec<Alg> {
        let mut algs: Vec<Alg> = self.published().map(AccessSigningKey::alg).collect();
        algs.sort();
        algs.dedup();
        algs
    }

    /// Mints a token for `user` with these scopes (at most [`MAX_SCOPES`], each 1 to 64 bytes
    /// of RFC 6749 scope characters; none is fine).
    pub fn issue(&self, user: &UserId, scopes: &[&str]) -> Result<AccessToken, Error> {
        if scopes.len() > MAX_SCOPES {
            return Err(Error::InvalidConfig("too many scopes"));
        }
        if !scopes.iter().all(|s| is_scope(s)) {
            return Err(Error::InvalidConfig(
                "a scope must be 1 to 64 visible ASCII bytes other than '\"' and '\\'",
            ));
        }
        let mut jti = [0u8; 16];
        self.rng.fill(&mut jti).map_err(|_| Error::Rng)?;
        let jti = URL_SAFE_NO_PAD.encode(jti);
        let iat = self.clock.now();
        let exp = iat.saturating_add(self.config.ttl_secs);
        let header = Header {
            alg: self.active.alg().name(),
            typ: "at+jwt",
            kid: self.active.key_id().as_str(),
        };
        let claims = Claims {
            iss: &self.config.issuer,
            sub: user.as_str(),
            aud: &self.config.audience,
            client_id: self.config.client_id.as_deref(),
            iat: iat.as_secs(),
            exp: exp.as_secs(),
            jti: &jti,
            scope: (!scopes.is_empty()).then(|| scopes.join(" ")),
        };
        let mut jwt = String::with_capacity(512);
        encode_json(&header, &mut jwt)?;
        jwt.push('.');
        encode_json(&claims, &mut jwt)?;
        let sig = self.active.sign(&self.rng, jwt.as_bytes())?;
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(sig, &mut jwt);
        Ok(AccessToken {
            jwt: SecretString::from(jwt),
            expires_at: exp,
            token_id: jti,
        })
    }

    /// Makes `next` the signing key; the current one stays in the JWKS until retired.
    ///
    /// Refused when `next` reuses a key id that is published or was ever retired (a verifier
    /// may still cache the old key under that name, and would refuse the new tokens until its
    /// cache expired), and when [`MAX_JWKS_KEYS`] keys are already published (verifiers refuse
    /// a larger JWKS: retire old keys first).
    pub fn rotate(&mut self, next: AccessSigningKey) -> Result<(), Error> {
        if self.published().any(|k| k.kid == next.kid) || self.retired.contains(&next.kid) {
            return Err(Error::InvalidKey("key id already used"));
        }
        if self.previous.len() + 1 >= MAX_JWKS_KEYS {
            return Err(Error::InvalidKey(
                "JWKS full: retire a previous key before rotating",
            ));
        }
        let old = std::mem::replace(&mut self.active, next);
        self.previous.push(old);
        Ok(())
    }

    /// Stops publishing a previous key. The active key cannot be retired.
    pub fn retire(&mut self, kid: &KeyId) -> Result<(), Error> {
        if &self.active.kid == kid {
            return Err(Error::InvalidKey("the active key cannot be retired"));
        }
        let before = self.previous.len();
        self.previous.retain(|k| &k.kid != kid);
        if self.previous.len() == before {
            return Err(Error::InvalidKey("no such key"));
        }
        self.retired.push(kid.clone());
        Ok(())
    }

    fn published(&self) -> impl Iterator<Item = &AccessSigningKey> {
        std::iter::once(&self.active).chain(&self.previous)
    }

    /// The JWKS document (RFC 7517 section 5) to serve at your `jwks_uri`: the public keys of
    /// the active key and of every key not yet retired. Contains no secret.
    pub fn jwks_json(&self) -> Result<String, Error> {
        let keys: Vec<serde_json::Value> =
            self.published().map(AccessSigningKey::public_jwk).collect();
        serde_json::to_string(&json!({ "keys": keys }))
            .map_err(|_| Error::InvalidConfig("JWKS serialization failed"))
    }
}

fn encode_json<T: Serialize>(value: &T, out: &mut String) -> Result<(), Error> {
    let bytes = serde_json::to_vec(value)
        .map_err(|_| Error::InvalidConfig("claims serialization failed"))?;
    URL_SAFE_NO_PAD.encode_string(bytes, out);
    Ok(())
}
