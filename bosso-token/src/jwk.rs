//! Export and import of public verification keys as a JWK set (RFC 7517, RFC 8037 `OKP`).
//!
//! Only Ed25519 public keys travel this way: a verifier in another process needs no secret.
//! HMAC keys are never exported (their verification key *is* the secret).

use base64_simd::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::key::{VerificationKey, VerificationKeys};
use crate::{Error, KeyId};

/// Largest JWK set document accepted by [`VerificationKeys::from_jwks_json`].
pub const MAX_JWKS_LEN: usize = 64 * 1024;

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode_to_string(bytes)
}

#[derive(Serialize, Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Serialize, Deserialize)]
struct Jwk {
    kty: String,
    crv: String,
    kid: String,
    x: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alg: Option<String>,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    use_: Option<String>,
}

impl VerificationKeys {
    /// The Ed25519 public keys of this set as a JWK set JSON document. HMAC keys are skipped.
    pub fn to_jwks_json(&self) -> String {
        let keys = self
            .iter()
            .filter_map(|k| {
                k.ed25519_public_key().map(|pk| Jwk {
                    kty: "OKP".into(),
                    crv: "Ed25519".into(),
                    kid: k.key_id().as_str().into(),
                    x: b64(pk),
                    alg: Some("EdDSA".into()),
                    use_: Some("sig".into()),
                })
            })
            .collect();
        // Serialising owned strings into JSON cannot fail; an empty set is the safe fallback.
        serde_json::to_string(&JwkSet { keys }).unwrap_or_else(|_| r#"{"keys":[]}"#.into())
    }

    /// Imports Ed25519 public keys from a JWK set. Every key must be `kty: OKP`, `crv: Ed25519`,
    /// with a valid `kid`; `alg`, if present, must be `EdDSA` and `use`, if present, `sig`.
    /// One bad entry rejects the whole document: a half-imported key set is a silent failure.
    /// The set and each key must be JSON objects (RFC 7517 sections 4 and 5), and no member
    /// may appear twice.
    pub fn from_jwks_json(json: &str) -> Result<Self, Error> {
        if json.len() > MAX_JWKS_LEN {
            return Err(Error::InvalidKeySet("document too large"));
        }
        if !is_set_of_objects(json) {
            return Err(Error::InvalidKeySet("not a JWK set"));
        }
        let set: JwkSet =
            serde_json::from_str(json).map_err(|_| Error::InvalidKeySet("not a JWK set"))?;
        let mut out = VerificationKeys::new();
        for jwk in set.keys {
            if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
                return Err(Error::InvalidKeySet("only OKP/Ed25519 keys are supported"));
            }
            if jwk.alg.as_deref().is_some_and(|a| a != "EdDSA") {
                return Err(Error::InvalidKeySet("alg must be EdDSA"));
            }
            if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
                return Err(Error::InvalidKeySet("use must be sig"));
            }
            let kid = KeyId::new(jwk.kid).map_err(|_| Error::InvalidKeySet("invalid kid"))?;
            let x = URL_SAFE_NO_PAD
                .decode_to_vec(jwk.x.as_bytes())
                .map_err(|_| Error::InvalidKeySet("x is not base64url"))?;
            let key = VerificationKey::ed25519_public(kid, &x)
                .map_err(|_| Error::InvalidKeySet("x must be 32 bytes"))?;
            out.insert(key)?;
        }
        Ok(out)
    }
}

/// Whether `json` is an object whose `keys` is an array of objects. The derived parsers also
/// take an array of a struct's fields in order (`[[["OKP","Ed25519","k","..."]]]`); they are
/// kept for their refusal of duplicate members, which a `Value` would silently resolve, so the
/// document's shape is checked in this separate pass.
fn is_set_of_objects(json: &str) -> bool {
    use serde_json::Value;
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(set)) => match set.get("keys") {
            Some(Value::Array(keys)) => keys.iter().all(Value::is_object),
            _ => false,
        },
        _ => false,
    }
}
