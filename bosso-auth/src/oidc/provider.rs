//! A `ring`-backed [`jsonwebtoken::crypto::CryptoProvider`].
//!
//! Our own verifier never goes through jsonwebtoken's process-global provider (see
//! `jws.rs`). This provider exists for hosts that also call `jsonwebtoken::encode`/`decode`
//! elsewhere and want one crypto stack (ring, as in bosso-token) instead of pulling
//! `rust_crypto` (whose `rsa` crate carries RUSTSEC-2023-0071) or aws-lc.

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error as JwtError, ErrorKind, new_error};
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{self as rs, KeyPair as _};

/// The ring-backed provider: RS256/384/512, PS256/384/512, ES256/384, EdDSA (Ed25519) and
/// HS256/384/512 (HMAC with constant-time comparison). A key is used only with an algorithm
/// of its own family, so a public key can never be used as an HMAC secret.
pub static RING_PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: rsa_components_from_private_key,
        rsa_pub_components_from_public_key: rsa_components_from_public_key,
        ec_pub_components_from_private_key: ec_components_from_private_key,
        ed_pub_components_from_private_key: ed_components_from_private_key,
        compute_digest,
    },
};

/// Installs [`RING_PROVIDER`] as jsonwebtoken's process default. Returns `false` (and
/// changes nothing) if a provider was already installed, by the host or an earlier call:
/// a library must never panic because its host made a choice first.
pub fn install_ring_provider() -> bool {
    RING_PROVIDER.install_default().is_ok()
}

fn err(kind: ErrorKind) -> JwtError {
    new_error(kind)
}

fn check_family(alg: Algorithm, family: jsonwebtoken::AlgorithmFamily) -> Result<(), JwtError> {
    if alg.family() == family {
        Ok(())
    } else {
        Err(err(ErrorKind::InvalidAlgorithm))
    }
}

enum VerifyKey {
    Hmac(ring::hmac::Key),
    RsaDer(Vec<u8>),
    RsaComponents {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// EC point or Ed25519 public key, as ring takes them.
    Raw(Vec<u8>),
}

struct RingVerifier {
    alg: Algorithm,
    key: VerifyKey,
}

fn rsa_params(alg: Algorithm) -> Option<&'static rs::RsaParameters> {
    Some(match alg {
        Algorithm::RS256 => &rs::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &rs::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &rs::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &rs::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &rs::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &rs::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

fn hmac_alg(alg: Algorithm) -> Option<ring::hmac::Algorithm> {
    Some(match alg {
        Algorithm::HS256 => ring::hmac::HMAC_SHA256,
        Algorithm::HS384 => ring::hmac::HMAC_SHA384,
        Algorithm::HS512 => ring::hmac::HMAC_SHA512,
        _ => return None,
    })
}

impl signature::Verifier<Vec<u8>> for RingVerifier {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> Result<(), signature::Error> {
        let ok = match (&self.key, self.alg) {
            (VerifyKey::Hmac(k), _) => ring::hmac::verify(k, msg, sig).is_ok(),
            (VerifyKey::RsaDer(der), alg) => rsa_params(alg)
                .is_some_and(|p| rs::UnparsedPublicKey::new(p, der).verify(msg, sig).is_ok()),
            (VerifyKey::RsaComponents { n, e }, alg) => rsa_params(alg).is_some_and(|p| {
                rs::RsaPublicKeyComponents {
                    n: n.as_slice(),
                    e: e.as_slice(),
                }
                .verify(p, msg, sig)
                .is_ok()
            }),
            (VerifyKey::Raw(k), Algorithm::ES256) => {
                rs::UnparsedPublicKey::new(&rs::ECDSA_P256_SHA256_FIXED, k)
                    .verify(msg, sig)
                    .is_ok()
            }
            (VerifyKey::Raw(k), Algorithm::ES384) => {
                rs::UnparsedPublicKey::new(&rs::ECDSA_P384_SHA384_FIXED, k)
                    .verify(msg, sig)
                    .is_ok()
            }
            (VerifyKey::Raw(k), Algorithm::EdDSA) => rs::UnparsedPublicKey::new(&rs::ED25519, k)
                .verify(msg, sig)
                .is_ok(),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(signature::Error::new())
        }
    }
}

impl JwtVerifier for RingVerifier {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

fn new_verifier(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, JwtError> {
    let alg = *alg;
    check_family(alg, key.family())?;
    let key = match (key.kind(), hmac_alg(alg)) {
        (DecodingKeyKind::SecretOrDer(secret), Some(h)) => {
            VerifyKey::Hmac(ring::hmac::Key::new(h, secret))
        }
        (DecodingKeyKind::SecretOrDer(der), None)
            if alg.family() == jsonwebtoken::AlgorithmFamily::Rsa =>
        {
            VerifyKey::RsaDer(der.clone())
        }
        (DecodingKeyKind::SecretOrDer(raw), None) => VerifyKey::Raw(raw.clone()),
        (DecodingKeyKind::RsaModulusExponent { n, e }, None) => VerifyKey::RsaComponents {
            n: n.clone(),
            e: e.clone(),
        },
        _ => return Err(err(ErrorKind::InvalidKeyFormat)),
    };
    Ok(Box::new(RingVerifier { alg, key }))
}

enum SignKey {
    Hmac(ring::hmac::Key),
    Rsa(rs::RsaKeyPair),
    Ecdsa(rs::EcdsaKeyPair),
    Ed25519(rs::Ed25519KeyPair),
}

struct RingSigner {
    alg: Algorithm,
    key: SignKey,
}

impl signature::Signer<Vec<u8>> for RingSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let rng = SystemRandom::new();
        match &self.key {
            SignKey::Hmac(k) => Ok(ring::hmac::sign(k, msg).as_ref().to_vec()),
            SignKey::Rsa(kp) => {
                let padding: &'static dyn rs::RsaEncoding = match self.alg {
                    Algorithm::RS256 => &rs::RSA_PKCS1_SHA256,
                    Algorithm::RS384 => &rs::RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &rs::RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &rs::RSA_PSS_SHA256,
                    Algorithm::PS384 => &rs::RSA_PSS_SHA384,
                    Algorithm::PS512 => &rs::RSA_PSS_SHA512,
                    _ => return Err(signature::Error::new()),
                };
                let mut sig = vec![0; kp.public().modulus_len()];
                kp.sign(padding, &rng, msg, &mut sig)
                    .map_err(|_| signature::Error::new())?;
                Ok(sig)
            }
            SignKey::Ecdsa(kp) => kp
                .sign(&rng, msg)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| signature::Error::new()),
            SignKey::Ed25519(kp) => Ok(kp.sign(msg).as_ref().to_vec()),
        }
    }
}

impl JwtSigner for RingSigner {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

fn new_signer(alg: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>, JwtError> {
    let alg = *alg;
    check_family(alg, key.family())?;
    let bytes = key.as_bytes();
    let rng = SystemRandom::new();
    let key = match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            let h = hmac_alg(alg).ok_or_else(|| err(ErrorKind::InvalidAlgorithm))?;
            SignKey::Hmac(ring::hmac::Key::new(h, bytes))
        }
        Algorithm::ES256 | Algorithm::ES384 => {
            let a = if alg == Algorithm::ES256 {
                &rs::ECDSA_P256_SHA256_FIXED_SIGNING
            } else {
                &rs::ECDSA_P384_SHA384_FIXED_SIGNING
            };
            SignKey::Ecdsa(
                rs::EcdsaKeyPair::from_pkcs8(a, bytes, &rng)
                    .map_err(|_| err(ErrorKind::InvalidEcdsaKey))?,
            )
        }
        Algorithm::EdDSA => SignKey::Ed25519(
            rs::Ed25519KeyPair::from_pkcs8_maybe_unchecked(bytes)
                .map_err(|_| err(ErrorKind::InvalidEddsaKey))?,
        ),
        _ => SignKey::Rsa(
            rs::RsaKeyPair::from_der(bytes)
                .or_else(|_| rs::RsaKeyPair::from_pkcs8(bytes))
                .map_err(|_| err(ErrorKind::InvalidRsaKey("not a ring-usable RSA key".into())))?,
        ),
    };
    Ok(Box::new(RingSigner { alg, key }))
}

fn rsa_components_from_private_key(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), JwtError> {
    let kp = rs::RsaKeyPair::from_der(der).map_err(|_| {
        err(ErrorKind::InvalidRsaKey(
            "not a PKCS#1 RSA private key".into(),
        ))
    })?;
    let c: rs::RsaPublicKeyComponents<Vec<u8>> = kp.public().into();
    Ok((c.n, c.e))
}

fn rsa_components_from_public_key(_der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), JwtError> {
    // ring exposes no PKCS#1 public-key parser; use `DecodingKey::from_rsa_components`.
    Err(err(ErrorKind::InvalidRsaKey(
        "RSA public key DER parsing not supported by the ring provider".into(),
    )))
}

fn ec_components_from_private_key(
    der: &[u8],
    alg: Algorithm,
) -> Result<(EllipticCurve, Vec<u8>, Vec<u8>), JwtError> {
    let (a, curve, len) = match alg {
        Algorithm::ES256 => (
            &rs::ECDSA_P256_SHA256_FIXED_SIGNING,
            EllipticCurve::P256,
            32,
        ),
        Algorithm::ES384 => (
            &rs::ECDSA_P384_SHA384_FIXED_SIGNING,
            EllipticCurve::P384,
            48,
        ),
        _ => return Err(err(ErrorKind::InvalidEcdsaKey)),
    };
    let kp = rs::EcdsaKeyPair::from_pkcs8(a, der, &SystemRandom::new())
        .map_err(|_| err(ErrorKind::InvalidEcdsaKey))?;
    let point = kp.public_key().as_ref();
    let (x, y) = point
        .get(1..)
        .and_then(|xy| xy.split_at_checked(len))
        .ok_or_else(|| err(ErrorKind::InvalidEcdsaKey))?;
    Ok((curve, x.to_vec(), y.to_vec()))
}

fn ed_components_from_private_key(der: &[u8], curve: &EllipticCurve) -> Result<Vec<u8>, JwtError> {
    if *curve != EllipticCurve::Ed25519 {
        return Err(err(ErrorKind::InvalidAlgorithm));
    }
    let kp = rs::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
        .map_err(|_| err(ErrorKind::InvalidEddsaKey))?;
    Ok(kp.public_key().as_ref().to_vec())
}

fn compute_digest(data: &[u8], hash: ThumbprintHash) -> Result<Vec<u8>, JwtError> {
    let alg = match hash {
        ThumbprintHash::SHA256 => &ring::digest::SHA256,
        ThumbprintHash::SHA384 => &ring::digest::SHA384,
        ThumbprintHash::SHA512 => &ring::digest::SHA512,
        _ => return Err(err(ErrorKind::InvalidAlgorithm)),
    };
    Ok(ring::digest::digest(alg, data).as_ref().to_vec())
}
