//! Helpers shared by the `oidc_*` integration tests: key generation and token signing with
//! ring directly (independent of the code under test).
#![allow(dead_code)]

pub mod server;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self as rs, KeyPair as _};
use serde_json::{Value, json};

pub const ISS: &str = "https://idp.example.test";
pub const AUD: &str = "bosso";
pub const NOW: u64 = 1_800_000_000;

pub fn vectors(path: &str) -> Value {
    let full = format!("{}/../../shared/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&full).unwrap()).unwrap()
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).unwrap()
}

/// A signing key of the test's own, with its public JWK.
pub enum TestKey {
    Rsa(rs::RsaKeyPair),
    P256(rs::EcdsaKeyPair),
    P384(rs::EcdsaKeyPair),
    Ed(rs::Ed25519KeyPair),
}

impl TestKey {
    pub fn ed25519() -> Self {
        let pkcs8 = rs::Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        TestKey::Ed(rs::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap())
    }

    fn ecdsa(alg: &'static rs::EcdsaSigningAlgorithm) -> rs::EcdsaKeyPair {
        let rng = SystemRandom::new();
        let pkcs8 = rs::EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        rs::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap()
    }

    pub fn p256() -> Self {
        TestKey::P256(Self::ecdsa(&rs::ECDSA_P256_SHA256_FIXED_SIGNING))
    }

    pub fn p384() -> Self {
        TestKey::P384(Self::ecdsa(&rs::ECDSA_P384_SHA384_FIXED_SIGNING))
    }

    /// An RSA-2048 key from a private JWK (RFC 7520 / Wycheproof test keys).
    pub fn rsa_from_jwk(jwk: &Value) -> Self {
        let f = |k: &str| unb64(jwk[k].as_str().unwrap());
        let c = ring::rsa::KeyPairComponents {
            public_key: rs::RsaPublicKeyComponents {
                n: f("n"),
                e: f("e"),
            },
            d: f("d"),
            p: f("p"),
            q: f("q"),
            dP: f("dp"),
            dQ: f("dq"),
            qInv: f("qi"),
        };
        TestKey::Rsa(rs::RsaKeyPair::from_components(&c).unwrap())
    }

    /// RFC 7520 section 3.4 "bilbo.baggins" RSA key (2048 bits).
    pub fn rsa_rfc7520() -> Self {
        let v = vectors("jose/rfc7520_jws_examples.json");
        Self::rsa_from_jwk(&v["examples"][0]["jwk"])
    }

    /// The Wycheproof `kid-rsa-sign` RSA key (2048 bits), a second, different RSA key.
    pub fn rsa_wycheproof() -> Self {
        let v = vectors("wycheproof/json_web_signature_test.json");
        let g = v["testGroups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["private"]["kty"] == "RSA")
            .unwrap();
        Self::rsa_from_jwk(&g["private"])
    }

    /// The public JWK, with `kid` and optionally `alg`.
    pub fn jwk(&self, kid: &str, alg: Option<&str>) -> Value {
        let mut j = match self {
            TestKey::Rsa(kp) => {
                let c: rs::RsaPublicKeyComponents<Vec<u8>> = kp.public().into();
                json!({"kty":"RSA","n":b64(&c.n),"e":b64(&c.e)})
            }
            TestKey::P256(kp) | TestKey::P384(kp) => {
                // Uncompressed SEC1: 0x04 || x || y, each coordinate the field size.
                let p = kp.public_key().as_ref();
                let n = (p.len() - 1) / 2;
                let crv = if n == 32 { "P-256" } else { "P-384" };
                json!({"kty":"EC","crv":crv,"x":b64(&p[1..1 + n]),"y":b64(&p[1 + n..])})
            }
            TestKey::Ed(kp) => {
                json!({"kty":"OKP","crv":"Ed25519","x":b64(kp.public_key().as_ref())})
            }
        };
        j["kid"] = json!(kid);
        if let Some(a) = alg {
            j["alg"] = json!(a);
        }
        j
    }

    pub fn default_alg(&self) -> &'static str {
        match self {
            TestKey::Rsa(_) => "RS256",
            TestKey::P256(_) => "ES256",
            TestKey::P384(_) => "ES384",
            TestKey::Ed(_) => "EdDSA",
        }
    }

    /// Signs `input` with `alg` (RS*/PS* for RSA keys).
    pub fn sign_raw(&self, alg: &str, input: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            TestKey::Rsa(kp) => {
                let pad: &'static dyn rs::RsaEncoding = match alg {
                    "RS256" => &rs::RSA_PKCS1_SHA256,
                    "RS384" => &rs::RSA_PKCS1_SHA384,
                    "RS512" => &rs::RSA_PKCS1_SHA512,
                    "PS256" => &rs::RSA_PSS_SHA256,
                    "PS384" => &rs::RSA_PSS_SHA384,
                    "PS512" => &rs::RSA_PSS_SHA512,
                    other => panic!("no RSA alg {other}"),
                };
                let mut sig = vec![0; kp.public().modulus_len()];
                kp.sign(pad, &rng, input, &mut sig).unwrap();
                sig
            }
            TestKey::P256(kp) | TestKey::P384(kp) => {
                kp.sign(&rng, input).unwrap().as_ref().to_vec()
            }
            TestKey::Ed(kp) => kp.sign(input).as_ref().to_vec(),
        }
    }

    /// A compact JWS of `header` and `claims` (JSON values) signed with the header's alg.
    pub fn token(&self, header: &Value, claims: &Value) -> String {
        let alg = header["alg"].as_str().unwrap_or(self.default_alg());
        self.token_raw(
            serde_json::to_vec(header).unwrap().as_slice(),
            serde_json::to_vec(claims).unwrap().as_slice(),
            alg,
        )
    }

    /// A compact JWS over raw header/payload bytes.
    pub fn token_raw(&self, header: &[u8], payload: &[u8], alg: &str) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let sig = self.sign_raw(alg, input.as_bytes());
        format!("{input}.{}", b64(&sig))
    }
}

pub fn jwks(keys: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "keys": keys })).unwrap()
}

/// Claims valid at [`NOW`].
pub fn good_claims() -> Value {
    json!({
        "iss": ISS, "aud": AUD, "sub": "user-1",
        "exp": NOW + 300, "iat": NOW - 10, "nbf": NOW - 10,
        "scope": "attach read"
    })
}
