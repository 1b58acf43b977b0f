//! Compact JWS (RFC 7515 section 7.1) splitting, header checks and signature verification.
//!
//! We split and decode the token ourselves instead of calling `jsonwebtoken::decode`: that
//! function verifies through a process-global crypto provider (which the host, or another
//! crate in the same binary, may have chosen), and it re-parses the key for every token.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::{Alg, JwksKeySet};
use crate::Error;

/// The protected header fields this verifier reads. `jku`, `jwk`, `x5u`, `x5c` and `x5t` are
/// deliberately not fields: they are never fetched, parsed or trusted (RFC 8725 3.10), so an
/// attacker-embedded key cannot influence which key verifies the token.
///
/// This is our own struct rather than `jsonwebtoken::Header` because that type's `alg` enum
/// has no ES512 and it would parse attacker-supplied `jwk`/`x5c` objects we never use.
/// serde refuses duplicate fields, so a header with two `alg` members is malformed. It is
/// read with [`super::json::from_object`]: a JSON array is not a header (RFC 7515 section 4).
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    /// Read only to enforce [`super::AccessTokenVerifierConfig::with_required_typ`].
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
    #[serde(default)]
    b64: Option<serde_json::Value>,
}

/// A compact JWS split and checked up to (not including) the signature.
pub(crate) struct Jws<'t> {
    pub(crate) alg: Alg,
    pub(crate) kid: Option<String>,
    typ: Option<String>,
    signing_input: &'t [u8],
    pub(crate) payload_b64: &'t str,
    signature: Vec<u8>,
}

fn b64(part: &str, what: &'static str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| Error::JwtMalformed(what))
}

impl<'t> Jws<'t> {
    /// Splits and checks a compact JWS. `max_len` is enforced before anything else.
    pub(crate) fn parse(token: &'t str, max_len: usize, allowed: &[Alg]) -> Result<Self, Error> {
        if token.len() > max_len {
            return Err(Error::JwtTooLarge { max: max_len });
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::JwtMalformed("not three dot-separated parts"));
        };
        // An empty payload is a valid JWS (a JWT then fails at its claims).
        if h.is_empty() || s.is_empty() {
            return Err(Error::JwtMalformed("empty part"));
        }
        let header: RawHeader = super::json::from_object(&b64(h, "header encoding")?)
            .map_err(|_| Error::JwtMalformed("header is not a valid JOSE header"))?;
        // `none`, `None`, `HS256`, ... are not algorithms of ours: refused here.
        let alg = Alg::from_name(&header.alg).ok_or(Error::JwtAlgorithmNotAllowed)?;
        if !allowed.contains(&alg) {
            return Err(Error::JwtAlgorithmNotAllowed);
        }
        // We understand no critical extension, so any `crit` must fail (RFC 7515 4.1.11).
        if header.crit.is_some() {
            return Err(Error::JwtUnsupportedHeader("crit"));
        }
        // RFC 7797 unencoded payloads are not JWTs.
        if header.b64.is_some() {
            return Err(Error::JwtUnsupportedHeader("b64"));
        }
        let signature = b64(s, "signature encoding")?;
        let signing_input = token
            .as_bytes()
            .get(..h.len().saturating_add(1).saturating_add(p.len()))
            .ok_or(Error::JwtMalformed("not three dot-separated parts"))?;
        Ok(Self {
            alg,
            kid: header.kid,
            typ: header.typ,
            signing_input,
            payload_b64: p,
            signature,
        })
    }

    /// Refuses the token unless its `typ` names the `required` media type (already normalized
    /// by [`normalize_typ`]). No requirement accepts any or no `typ`.
    pub(crate) fn check_typ(&self, required: Option<&str>) -> Result<(), Error> {
        match required {
            None => Ok(()),
            Some(req) if self.typ.as_deref().map(normalize_typ).as_deref() == Some(req) => Ok(()),
            Some(_) => Err(Error::JwtUnsupportedHeader("typ")),
        }
    }

    /// Verifies the signature with the key the set selects for (`kid`, `alg`).
    pub(crate) fn verify(&self, keys: &JwksKeySet) -> Result<(), Error> {
        keys.select(self.kid.as_deref(), self.alg)?.verify(
            self.alg,
            self.signing_input,
            &self.signature,
        )
    }

    /// The decoded payload bytes (only meaningful after [`Jws::verify`]).
    pub(crate) fn payload(&self) -> Result<Vec<u8>, Error> {
        b64(self.payload_b64, "payload encoding")
    }
}

/// A `typ` value in the form it is compared: media types are case-insensitive and the
/// `application/` prefix may be left out (RFC 7515 4.1.9), so `application/AT+JWT` and
/// `at+jwt` are the same type.
pub(crate) fn normalize_typ(typ: &str) -> String {
    let lower = typ.to_ascii_lowercase();
    match lower.strip_prefix("application/") {
        Some(rest) => rest.to_owned(),
        None => lower,
    }
}

/// A JWS whose **signature** verified, with **no claim checked** (no issuer, audience or
/// expiry). Only for inspecting signed non-token payloads and test vectors; an access token
/// must go through [`super::AccessTokenVerifier::verify`] or [`super::JwksCache::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureVerified {
    alg: Alg,
    kid: Option<String>,
    payload: Vec<u8>,
}

impl SignatureVerified {
    /// The algorithm the signature was verified with.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The header's `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The signed payload bytes (unchecked content).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }
}

/// Verifies only the signature of a compact JWS against `keys`, with the same header rules
/// as the full verifier (size cap, `alg` allow-list, no `crit`, no embedded keys), and checks
/// **no claims**. The name says it: use it for test vectors and non-JWT payloads, never to
/// authenticate a caller.
pub fn verify_signature_only(
    token: &str,
    keys: &JwksKeySet,
    allowed: &[Alg],
) -> Result<SignatureVerified, Error> {
    let jws = Jws::parse(token, super::DEFAULT_MAX_TOKEN_LEN, allowed)?;
    jws.verify(keys)?;
    Ok(SignatureVerified {
        alg: jws.alg,
        kid: jws.kid.clone(),
        payload: jws.payload()?,
    })
}
