//! Key-set rules through the public API: each EC curve verifies only its own algorithm
//! (P-384 with ES384), the JWKS size cap, and exact EC coordinate lengths.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod oidc_support;

use std::sync::Arc;

use bosso_auth::Error;
use bosso_auth::oidc::{AccessTokenVerifier, AccessTokenVerifierConfig, Alg, JwksKeySet};
use bosso_token::{ManualClock, UnixTime};
use oidc_support::*;
use serde_json::{Value, json};

fn verifier(keys: &[Value]) -> AccessTokenVerifier {
    let cfg = AccessTokenVerifierConfig::new(ISS, [AUD])
        .unwrap()
        .with_algorithms(Alg::ALL)
        .unwrap();
    AccessTokenVerifier::new(cfg, JwksKeySet::from_jwks_json(&jwks(keys)).unwrap())
        .with_clock(Arc::new(ManualClock::new(UnixTime::from_secs(NOW))))
}

#[test]
fn es384_verifies_with_a_p384_key_and_only_with_it() {
    let p384 = TestKey::p384();
    let p256 = TestKey::p256();
    let v = verifier(&[p384.jwk("p384", None), p256.jwk("p256", None)]);
    let es384 = p384.token(&json!({"alg":"ES384","kid":"p384"}), &good_claims());
    assert_eq!(v.verify(&es384).unwrap().subject().as_str(), "user-1");
    // Without a kid, the one key that takes ES384 is chosen.
    let no_kid = p384.token(&json!({"alg":"ES384"}), &good_claims());
    assert!(v.verify(&no_kid).is_ok());
    // A P-384 key is never selected for another algorithm: the refusal is "no key", before
    // any signature check, whatever the signature bytes.
    for alg in ["ES256", "ES512", "RS256", "PS384", "EdDSA"] {
        let header = serde_json::to_vec(&json!({"alg": alg, "kid": "p384"})).unwrap();
        let signed_by_p384 = p384.token_raw(&header, b"{}", "ES384");
        assert_eq!(
            v.verify(&signed_by_p384).unwrap_err(),
            Error::JwtUnknownKey,
            "{alg}"
        );
    }
    // Nor is a P-256 key selected for ES384.
    let es384_on_p256 = p384.token(&json!({"alg":"ES384","kid":"p256"}), &good_claims());
    assert_eq!(v.verify(&es384_on_p256).unwrap_err(), Error::JwtUnknownKey);
    // A P-384 JWK that states another algorithm is unusable.
    assert!(matches!(
        JwksKeySet::from_jwks_json(&jwks(&[p384.jwk("p384", Some("ES256"))])),
        Err(Error::JwksInvalid(_))
    ));
    let pinned = verifier(&[p384.jwk("p384", Some("ES384"))]);
    assert!(pinned.verify(&es384).is_ok());
    // The signature still matters: another P-384 key's signature fails.
    let forged = TestKey::p384().token(&json!({"alg":"ES384","kid":"p384"}), &good_claims());
    assert_eq!(v.verify(&forged).unwrap_err(), Error::JwtBadSignature);
}

/// A valid JWKS padded with trailing JSON whitespace to exactly `len` bytes.
fn padded_jwks(key: &Value, len: usize) -> Vec<u8> {
    let mut doc = jwks(std::slice::from_ref(key));
    assert!(doc.len() <= len);
    doc.resize(len, b' ');
    doc
}

#[test]
fn jwks_documents_above_256_kib_are_refused() {
    let key = TestKey::ed25519().jwk("k", None);
    let at_cap = padded_jwks(&key, 256 * 1024);
    assert_eq!(JwksKeySet::from_jwks_json(&at_cap).unwrap().len(), 1);
    // One byte more is refused on its size, although it is the same valid document.
    let over = padded_jwks(&key, 256 * 1024 + 1);
    assert_eq!(
        JwksKeySet::from_jwks_json(&over).unwrap_err(),
        Error::JwksInvalid("document too large")
    );
}

#[test]
fn ec_coordinates_must_have_exactly_the_field_length() {
    let curves = [
        (TestKey::p256().jwk("k", None), 32),
        (TestKey::p384().jwk("k", None), 48),
    ];
    for (good, len) in curves {
        assert_eq!(
            JwksKeySet::from_jwks_json(&jwks(std::slice::from_ref(&good)))
                .unwrap()
                .len(),
            1
        );
        let x = unb64(good["x"].as_str().unwrap());
        let y = unb64(good["y"].as_str().unwrap());
        assert_eq!((x.len(), y.len()), (len, len));
        let short = |c: &[u8]| b64(&c[1..]);
        let long = |c: &[u8]| b64(&[&[0u8][..], c].concat()); // a leading zero: same number
        // One coordinate wrong is enough to refuse the key.
        for (cx, cy) in [
            (short(&x), b64(&y)),
            (b64(&x), short(&y)),
            (long(&x), b64(&y)),
            (b64(&x), long(&y)),
            (short(&x), short(&y)),
        ] {
            let mut bad = good.clone();
            bad["x"] = json!(cx);
            bad["y"] = json!(cy);
            assert!(
                matches!(
                    JwksKeySet::from_jwks_json(&jwks(&[bad])),
                    Err(Error::JwksInvalid(_))
                ),
                "curve of {len} bytes"
            );
        }
    }
}

fn hex32(s: &str) -> [u8; 32] {
    let v: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    v.try_into().unwrap()
}

#[test]
fn small_order_ed25519_keys_never_enter_a_key_set() {
    // The encodings of the points of order 1, 2, 4 and 8 (libsodium's blocklist).
    let small = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ];
    // R = the identity point, S = 0: valid for a small-order key A whenever [k]A is the
    // identity, which for order n happens for about 1 message in n.
    let mut null_sig = [0u8; 64];
    null_sig[0] = 1;
    let mut forgeable = 0;
    for hex in small {
        let x = hex32(hex);
        let weak = (0..64u8).any(|m| {
            ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &x)
                .verify(&[m], &null_sig)
                .is_ok()
        });
        forgeable += usize::from(weak);
        // With or without the sign bit, alone or beside a good key, it is refused.
        for sign in [0u8, 0x80] {
            let mut x = x;
            x[31] |= sign;
            let jwk = json!({"kty":"OKP","crv":"Ed25519","kid":"weak","x":b64(&x)});
            assert!(matches!(
                JwksKeySet::from_jwks_json(&jwks(std::slice::from_ref(&jwk))),
                Err(Error::JwksInvalid(_))
            ));
            let good = TestKey::ed25519().jwk("good", None);
            let set = JwksKeySet::from_jwks_json(&jwks(&[jwk, good])).unwrap();
            assert_eq!((set.len(), set.skipped()), (1, 1), "{hex}");
        }
    }
    // ring itself accepts most of them, so the refusal is ours to make.
    assert!(forgeable >= 4, "only {forgeable} small-order keys verified");
    // End to end: with the identity key published, the null signature would verify any
    // claims at all.
    let identity = json!({"kty":"OKP","crv":"Ed25519","kid":"id","x":b64(&hex32(small[1]))});
    let header = b64(br#"{"alg":"EdDSA","kid":"id"}"#);
    let claims = b64(&serde_json::to_vec(&good_claims()).unwrap());
    let forged = format!("{header}.{claims}.{}", b64(&null_sig));
    let good = TestKey::ed25519().jwk("good", None);
    let v = verifier(&[identity, good]);
    assert_eq!(v.verify(&forged).unwrap_err(), Error::JwtUnknownKey);
}
