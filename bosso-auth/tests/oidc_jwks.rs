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
use bosso_auth::oidc::{Alg, KeySet, Verifier, VerifierConfig};
use bosso_token::{ManualClock, UnixTime};
use oidc_support::*;
use serde_json::{Value, json};

fn verifier(keys: &[Value]) -> Verifier {
    let cfg = VerifierConfig::new(ISS, [AUD])
        .unwrap()
        .with_algorithms(Alg::ALL)
        .unwrap();
    Verifier::new(cfg, KeySet::from_jwks_json(&jwks(keys)).unwrap())
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
        KeySet::from_jwks_json(&jwks(&[p384.jwk("p384", Some("ES256"))])),
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
    assert_eq!(KeySet::from_jwks_json(&at_cap).unwrap().len(), 1);
    // One byte more is refused on its size, although it is the same valid document.
    let over = padded_jwks(&key, 256 * 1024 + 1);
    assert_eq!(
        KeySet::from_jwks_json(&over).unwrap_err(),
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
            KeySet::from_jwks_json(&jwks(&[good.clone()]))
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
                    KeySet::from_jwks_json(&jwks(&[bad])),
                    Err(Error::JwksInvalid(_))
                ),
                "curve of {len} bytes"
            );
        }
    }
}
