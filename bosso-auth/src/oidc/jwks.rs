//! A JWKS parsed once into ready-to-verify public keys.
//!
//! Parsing happens when a key set is loaded (at start-up or on a cache refresh), never per
//! token: the hot path only looks a key up by `kid` and runs the signature check.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyOperations, PublicKeyUse};
use ring::signature::{self as rs, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;

use super::Alg;
use crate::Error;

/// Most keys a key set may hold. Identity providers publish a handful (current, next,
/// previous); a bound keeps a hostile or broken JWKS endpoint from growing our memory.
pub const MAX_JWKS_KEYS: usize = 64;
/// Largest JWKS document accepted, in bytes.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Longest `kid` kept; longer ones are skipped (a `kid` is an opaque short label).
pub(crate) const MAX_KID_LEN: usize = 256;
/// RSA moduli outside [2048, 8192] bits are refused (RFC 8725 3.5; ring's upper bound).
const MIN_RSA_BITS: usize = 2048;
const MAX_RSA_BITS: usize = 8192;

/// The public part of one key, in the form its verifier consumes directly.
enum Material {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// Uncompressed SEC1 point (0x04 || x || y), as ring takes it.
    P256(Vec<u8>),
    P384(Vec<u8>),
    /// Decoded and checked to be on the curve at load.
    P521(Box<p521::ecdsa::VerifyingKey>),
    Ed25519(Vec<u8>),
}

pub(crate) struct Key {
    kid: Option<String>,
    /// The JWK's own `alg`, when it states one: the key then verifies only that algorithm.
    alg: Option<Alg>,
    material: Material,
}

impl Key {
    /// Whether this key may verify a signature made with `alg` (family and JWK `alg`).
    fn accepts(&self, alg: Alg) -> bool {
        let family = match &self.material {
            Material::Rsa { .. } => alg.is_rsa(),
            Material::P256(_) => alg == Alg::ES256,
            Material::P384(_) => alg == Alg::ES384,
            Material::P521(_) => alg == Alg::ES512,
            Material::Ed25519(_) => alg == Alg::EdDSA,
        };
        family && self.alg.is_none_or(|a| a == alg)
    }

    /// Verifies `sig` over `msg` with `alg`. The caller has checked [`Key::accepts`]; a
    /// mismatch here still fails closed.
    pub(crate) fn verify(&self, alg: Alg, msg: &[u8], sig: &[u8]) -> Result<(), Error> {
        if !self.accepts(alg) {
            return Err(Error::JwtUnknownKey);
        }
        let ok = match &self.material {
            Material::Rsa { n, e } => {
                let params: &rs::RsaParameters = match alg {
                    Alg::RS256 => &rs::RSA_PKCS1_2048_8192_SHA256,
                    Alg::RS384 => &rs::RSA_PKCS1_2048_8192_SHA384,
                    Alg::RS512 => &rs::RSA_PKCS1_2048_8192_SHA512,
                    Alg::PS256 => &rs::RSA_PSS_2048_8192_SHA256,
                    Alg::PS384 => &rs::RSA_PSS_2048_8192_SHA384,
                    Alg::PS512 => &rs::RSA_PSS_2048_8192_SHA512,
                    _ => return Err(Error::JwtUnknownKey),
                };
                RsaPublicKeyComponents {
                    n: n.as_slice(),
                    e: e.as_slice(),
                }
                .verify(params, msg, sig)
                .is_ok()
            }
            Material::P256(point) => UnparsedPublicKey::new(&rs::ECDSA_P256_SHA256_FIXED, point)
                .verify(msg, sig)
                .is_ok(),
            Material::P384(point) => UnparsedPublicKey::new(&rs::ECDSA_P384_SHA384_FIXED, point)
                .verify(msg, sig)
                .is_ok(),
            Material::P521(vk) => {
                use signature::Verifier as _;
                // `from_slice` refuses r or s of zero or >= n (the "psychic signature").
                p521::ecdsa::Signature::from_slice(sig).is_ok_and(|s| vk.verify(msg, &s).is_ok())
            }
            Material::Ed25519(x) => UnparsedPublicKey::new(&rs::ED25519, x)
                .verify(msg, sig)
                .is_ok(),
        };
        if ok {
            Ok(())
        } else {
            Err(Error::JwtBadSignature)
        }
    }
}

/// An issuer's verification keys, parsed and checked once.
///
/// Keys that cannot be used are skipped rather than failing the whole set, so one odd key
/// (an encryption key, an unknown `kty`, an RSA key under 2048 bits) does not take an
/// issuer offline; [`JwksKeySet::skipped`] counts them for monitoring.
pub struct JwksKeySet {
    keys: Vec<Key>,
    skipped: usize,
}

impl fmt::Debug for JwksKeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksKeySet")
            .field("kids", &self.kids().collect::<Vec<_>>())
            .field("skipped", &self.skipped)
            .finish()
    }
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

impl JwksKeySet {
    /// Parses a JWKS document (RFC 7517 section 5) into verification keys.
    ///
    /// Errors if the document is larger than [`MAX_JWKS_BYTES`], is not a JSON object with a
    /// `keys` array, has more than [`MAX_JWKS_KEYS`] keys, or holds no usable key at all.
    pub fn from_jwks_json(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > MAX_JWKS_BYTES {
            return Err(Error::JwksInvalid("document too large"));
        }
        let raw: RawSet = super::json::from_object(bytes)
            .map_err(|_| Error::JwksInvalid("not a JWKS document"))?;
        if raw.keys.len() > MAX_JWKS_KEYS {
            return Err(Error::JwksInvalid("too many keys"));
        }
        let mut keys: Vec<Key> = Vec::with_capacity(raw.keys.len());
        let mut skipped = 0;
        for value in raw.keys {
            match parse_key(value) {
                // Two keys with one `kid` and overlapping algorithms would make the choice of
                // key ambiguous: keep the first.
                Some(k)
                    if !keys.iter().any(|o| {
                        o.kid == k.kid && Alg::ALL.iter().any(|a| o.accepts(*a) && k.accepts(*a))
                    }) =>
                {
                    keys.push(k)
                }
                _ => skipped += 1,
            }
        }
        if keys.is_empty() {
            return Err(Error::JwksInvalid("no usable signature key"));
        }
        Ok(Self { keys, skipped })
    }

    /// How many usable keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty (never true for a set built by [`JwksKeySet::from_jwks_json`]).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// How many keys of the document were skipped as unusable.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The key ids present (keys without a `kid` are not listed).
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().filter_map(|k| k.kid.as_deref())
    }

    /// Whether a key with this `kid` is present.
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }

    /// The one key that may verify a token with this `kid` (or none) and `alg`.
    ///
    /// A token without `kid` is accepted only when exactly one key fits its algorithm, so we
    /// never try keys one after another (each try would be attacker-driven work).
    pub(crate) fn select(&self, kid: Option<&str>, alg: Alg) -> Result<&Key, Error> {
        match kid {
            Some(kid) => self
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid) && k.accepts(alg))
                .ok_or(Error::JwtUnknownKey),
            None => {
                let mut fits = self.keys.iter().filter(|k| k.accepts(alg));
                match (fits.next(), fits.next()) {
                    (Some(k), None) => Ok(k),
                    _ => Err(Error::JwtUnknownKey),
                }
            }
        }
    }
}

fn b64(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

/// One JWK to a key, or `None` if it is not a usable signature-verification key.
fn parse_key(value: serde_json::Value) -> Option<Key> {
    // The JWK's `alg` is read from the raw JSON: jsonwebtoken's `KeyAlgorithm` has no ES512
    // and maps unknown names to a catch-all, and we must tell "absent" from "unknown".
    let alg = match value.get("alg") {
        None => None,
        Some(serde_json::Value::String(s)) => Some(Alg::from_name(s)?),
        Some(_) => return None,
    };
    let jwk: Jwk = serde_json::from_value(value).ok()?;
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return None;
    }
    if let Some(ops) = &jwk.common.key_operations
        && !ops.contains(&KeyOperations::Verify)
    {
        return None;
    }
    let kid = jwk.common.key_id.clone();
    if kid.as_ref().is_some_and(|k| k.len() > MAX_KID_LEN) {
        return None;
    }
    let material = match &jwk.algorithm {
        AlgorithmParameters::RSA(p) => {
            let n = b64(&p.n)?;
            let e = b64(&p.e)?;
            let n: Vec<u8> = n.into_iter().skip_while(|b| *b == 0).collect();
            let bits = n
                .len()
                .checked_mul(8)?
                .checked_sub(n.first()?.leading_zeros() as usize)?;
            if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) || e.is_empty() || e.len() > 8 {
                return None;
            }
            Material::Rsa { n, e }
        }
        AlgorithmParameters::EllipticCurve(p) => {
            let (x, y) = (b64(&p.x)?, b64(&p.y)?);
            let len = match p.curve {
                EllipticCurve::P256 => 32,
                EllipticCurve::P384 => 48,
                EllipticCurve::P521 => 66,
                _ => return None,
            };
            if x.len() != len || y.len() != len {
                return None;
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            match p.curve {
                EllipticCurve::P256 => Material::P256(point),
                EllipticCurve::P384 => Material::P384(point),
                _ => Material::P521(Box::new(
                    p521::ecdsa::VerifyingKey::from_sec1_bytes(&point).ok()?,
                )),
            }
        }
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            let x = b64(&p.x)?;
            if bosso_token::ed25519::is_small_order(&x) {
                return None;
            }
            Material::Ed25519(x)
        }
        // Symmetric (`oct`) keys, X25519/X448, unknown key types: never verification keys.
        _ => return None,
    };
    let key = Key { kid, alg, material };
    // A stated `alg` from another family (`"alg":"ES256"` on an RSA key) makes the key unusable.
    if let Some(a) = alg
        && !key.accepts(a)
    {
        return None;
    }
    Some(key)
}
