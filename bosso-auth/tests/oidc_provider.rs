//! The ring-backed jsonwebtoken `CryptoProvider`: installing it never panics, and it signs
//! and verifies through jsonwebtoken's own API with family-bound keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use ring::rand::SystemRandom;
use ring::signature::{self as rs, KeyPair as _};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Claims {
    sub: String,
    exp: u64,
}

fn claims() -> Claims {
    Claims {
        sub: "u1".into(),
        exp: 4_000_000_000,
    }
}

#[test]
fn install_twice_does_not_panic_and_provider_works() {
    // This test binary installs nothing else, so the first call wins and the second reports
    // that a provider is already there.
    assert!(bosso_auth::oidc::install_ring_provider());
    assert!(!bosso_auth::oidc::install_ring_provider());

    // EdDSA and ES256 round trips through jsonwebtoken::encode/decode on the ring provider.
    let pkcs8 = rs::Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let kp = rs::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let t = encode(
        &Header::new(Algorithm::EdDSA),
        &claims(),
        &EncodingKey::from_ed_der(pkcs8.as_ref()),
    )
    .unwrap();
    let dk = DecodingKey::from_ed_der(kp.public_key().as_ref());
    let got = decode::<Claims>(&t, &dk, &Validation::new(Algorithm::EdDSA)).unwrap();
    assert_eq!(got.claims, claims());

    let rng = SystemRandom::new();
    let ec8 = rs::EcdsaKeyPair::generate_pkcs8(&rs::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let ec = rs::EcdsaKeyPair::from_pkcs8(&rs::ECDSA_P256_SHA256_FIXED_SIGNING, ec8.as_ref(), &rng)
        .unwrap();
    let t = encode(
        &Header::new(Algorithm::ES256),
        &claims(),
        &EncodingKey::from_ec_der(ec8.as_ref()),
    )
    .unwrap();
    let dk = DecodingKey::from_ec_der(ec.public_key().as_ref());
    assert!(decode::<Claims>(&t, &dk, &Validation::new(Algorithm::ES256)).is_ok());

    // A tampered token fails.
    let mut bad = t.clone();
    bad.pop();
    bad.push(if t.ends_with('A') { 'B' } else { 'A' });
    assert!(decode::<Claims>(&bad, &dk, &Validation::new(Algorithm::ES256)).is_err());

    // HS256 with the EC public key bytes as the "secret": the key family is EC, so the
    // provider refuses to build an HMAC verifier from it.
    let secret = ec.public_key().as_ref().to_vec();
    let forged = encode(
        &Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(&secret),
    )
    .unwrap();
    let mut v = Validation::new(Algorithm::HS256);
    v.algorithms = vec![Algorithm::HS256, Algorithm::ES256];
    assert!(decode::<Claims>(&forged, &dk, &v).is_err());

    // HMAC itself works with a real secret.
    let hk = EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
    let t = encode(&Header::new(Algorithm::HS256), &claims(), &hk).unwrap();
    let dk = DecodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
    assert!(decode::<Claims>(&t, &dk, &Validation::new(Algorithm::HS256)).is_ok());
}
