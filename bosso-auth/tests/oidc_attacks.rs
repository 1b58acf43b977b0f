//! The JWT attack suite (RFC 8725 and the known attacks) against the public verifier API:
//! header, algorithm, key-selection and signature attacks. Claim attacks: `oidc_claims.rs`.
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

struct Fixture {
    rsa: TestKey,
    ec: TestKey,
    ed: TestKey,
    jwks: Vec<Value>,
}

fn fixture() -> Fixture {
    let rsa = TestKey::rsa_rfc7520();
    let ec = TestKey::p256();
    let ed = TestKey::ed25519();
    let jwks = vec![
        rsa.jwk("rsa1", None),
        ec.jwk("ec1", Some("ES256")),
        ed.jwk("ed1", None),
    ];
    Fixture { rsa, ec, ed, jwks }
}

fn verifier(f: &Fixture, algs: &[Alg]) -> AccessTokenVerifier {
    let config = AccessTokenVerifierConfig::new(ISS, [AUD])
        .unwrap()
        .with_algorithms(algs.iter().copied())
        .unwrap();
    AccessTokenVerifier::new(config, JwksKeySet::from_jwks_json(&jwks(&f.jwks)).unwrap())
        .with_clock(Arc::new(ManualClock::new(UnixTime::from_secs(NOW))))
}

fn all(f: &Fixture) -> AccessTokenVerifier {
    verifier(f, &Alg::ALL)
}

#[test]
fn valid_tokens_of_each_family_verify() {
    let f = fixture();
    let v = all(&f);
    for (key, kid) in [(&f.rsa, "rsa1"), (&f.ec, "ec1"), (&f.ed, "ed1")] {
        let t = key.token(
            &json!({"alg": key.default_alg(), "kid": kid}),
            &good_claims(),
        );
        let ok = v.verify(&t).unwrap();
        assert_eq!(ok.subject().as_str(), "user-1");
        assert_eq!(ok.issuer(), ISS);
        assert_eq!(ok.audience(), [AUD.to_owned()]);
        assert_eq!(ok.expires_at().as_secs(), NOW + 300);
        assert!(ok.has_scope("attach") && ok.has_scope("read"));
    }
    // The default allow-list is RS256 only.
    let default = AccessTokenVerifierConfig::new(ISS, [AUD]).unwrap();
    assert_eq!(default.algorithms(), [Alg::RS256]);
    let t =
        f.ed.token(&json!({"alg":"EdDSA","kid":"ed1"}), &good_claims());
    assert_eq!(
        verifier(&f, &[Alg::RS256]).verify(&t).unwrap_err(),
        Error::JwtAlgorithmNotAllowed
    );
}

#[test]
fn alg_none_in_any_spelling_is_refused() {
    let f = fixture();
    let v = all(&f);
    let payload = b64(&serde_json::to_vec(&good_claims()).unwrap());
    for alg in ["none", "None", "NONE", "nOnE", "none ", "", "RS256\u{0}"] {
        let header = b64(&serde_json::to_vec(&json!({"alg": alg, "kid": "rsa1"})).unwrap());
        for sig in ["", "AAAA"] {
            let t = format!("{header}.{payload}.{sig}");
            let err = v.verify(&t).unwrap_err();
            assert!(
                matches!(err, Error::JwtAlgorithmNotAllowed | Error::JwtMalformed(_)),
                "{alg:?}: {err}"
            );
        }
    }
    // Missing alg, or alg of the wrong JSON type.
    for header in [
        json!({"kid":"rsa1"}),
        json!({"alg": null}),
        json!({"alg": ["RS256"]}),
    ] {
        let t = format!(
            "{}.{payload}.AAAA",
            b64(&serde_json::to_vec(&header).unwrap())
        );
        assert!(matches!(v.verify(&t).unwrap_err(), Error::JwtMalformed(_)));
    }
}

#[test]
fn rs256_to_hs256_confusion_with_the_public_key_as_secret_fails() {
    let f = fixture();
    let v = all(&f);
    let jwk = f.rsa.jwk("rsa1", None);
    let n = unb64(jwk["n"].as_str().unwrap());
    let payload = b64(&serde_json::to_vec(&good_claims()).unwrap());
    // Every plausible "public key as HMAC secret" encoding an attacker might try.
    for secret in [
        n.clone(),
        serde_json::to_vec(&jwk).unwrap(),
        f.jwks[0].to_string().into_bytes(),
    ] {
        for (name, alg) in [
            ("HS256", ring::hmac::HMAC_SHA256),
            ("HS384", ring::hmac::HMAC_SHA384),
            ("HS512", ring::hmac::HMAC_SHA512),
        ] {
            let header = b64(format!(r#"{{"alg":"{name}","kid":"rsa1"}}"#).as_bytes());
            let input = format!("{header}.{payload}");
            let k = ring::hmac::Key::new(alg, &secret);
            let sig = ring::hmac::sign(&k, input.as_bytes());
            let t = format!("{input}.{}", b64(sig.as_ref()));
            assert_eq!(v.verify(&t).unwrap_err(), Error::JwtAlgorithmNotAllowed);
        }
    }
    for alg in ["HS256", "HS384", "HS512"] {
        assert_eq!(Alg::from_name(alg), None);
    }
}

#[test]
fn psychic_ecdsa_signatures_fail() {
    let f = fixture();
    let v = all(&f);
    let header = b64(br#"{"alg":"ES256","kid":"ec1"}"#);
    let payload = b64(&serde_json::to_vec(&good_claims()).unwrap());
    for sig in [vec![0u8; 64], vec![0xff; 64], vec![0u8; 63], vec![0u8; 72]] {
        let t = format!("{header}.{payload}.{}", b64(&sig));
        assert_eq!(v.verify(&t).unwrap_err(), Error::JwtBadSignature);
    }
    // P-521 (RustCrypto p521) with the RFC 7520 key: r = s = 0 and r = s = n are refused.
    let rfc = vectors("jose/rfc7520_jws_examples.json");
    let p521 = JwksKeySet::from_jwks_json(&jwks(&[rfc["examples"][2]["jwk"].clone()])).unwrap();
    let h = b64(br#"{"alg":"ES512","kid":"bilbo.baggins@hobbiton.example"}"#);
    let n = "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\
             fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409";
    let n: Vec<u8> = (0..n.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&n[i..i + 2], 16).unwrap())
        .collect();
    for sig in [vec![0u8; 132], [n.clone(), n].concat()] {
        let t = format!("{h}.{payload}.{}", b64(&sig));
        assert_eq!(
            bosso_auth::oidc::verify_signature_only(&t, &p521, &Alg::ALL).unwrap_err(),
            Error::JwtBadSignature
        );
    }
}

#[test]
fn embedded_jwk_jku_x5u_x5c_are_never_trusted() {
    let f = fixture();
    let v = all(&f);
    let attacker = TestKey::ed25519();
    let attacker_jwk = attacker.jwk("ed1", None);
    for extra in [
        json!({"jwk": attacker_jwk}),
        json!({"jku": "http://127.0.0.1:9/jwks.json"}),
        json!({"x5u": "http://127.0.0.1:9/cert.pem"}),
        json!({"x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]}),
    ] {
        for kid in [Some("ed1"), None] {
            let mut header = json!({"alg":"EdDSA"});
            if let Some(k) = kid {
                header["kid"] = json!(k);
            }
            for (k, val) in extra.as_object().unwrap() {
                header[k] = val.clone();
            }
            let t = attacker.token(&header, &good_claims());
            assert_eq!(
                v.verify(&t).unwrap_err(),
                Error::JwtBadSignature,
                "{header}"
            );
        }
    }
}

#[test]
fn kid_tricks_select_no_key() {
    let f = fixture();
    let v = all(&f);
    let long = "a".repeat(5000);
    for kid in [
        "../../dev/null",
        "/dev/null",
        "' OR '1'='1",
        "rsa1' --",
        "",
        "RSA1",
        "rsa1 ",
        &long,
        "rsa1\u{0}",
    ] {
        let t = f
            .rsa
            .token(&json!({"alg":"RS256","kid": kid}), &good_claims());
        assert_eq!(v.verify(&t).unwrap_err(), Error::JwtUnknownKey, "{kid:.20}");
    }
    // kid of the wrong type.
    let t = f
        .rsa
        .token(&json!({"alg":"RS256","kid": 1}), &good_claims());
    assert!(matches!(v.verify(&t).unwrap_err(), Error::JwtMalformed(_)));
    // The right kid with another family's algorithm: the EC key never verifies RS256.
    let t = f
        .rsa
        .token(&json!({"alg":"RS256","kid":"ec1"}), &good_claims());
    assert_eq!(v.verify(&t).unwrap_err(), Error::JwtUnknownKey);
}

#[test]
fn a_key_verifies_only_its_stated_jwk_alg() {
    let rsa = TestKey::rsa_rfc7520();
    let set = |jwk: Value| JwksKeySet::from_jwks_json(&jwks(&[jwk])).unwrap();
    let cfg = AccessTokenVerifierConfig::new(ISS, [AUD])
        .unwrap()
        .with_algorithms([Alg::RS256, Alg::PS256])
        .unwrap();
    let clock = Arc::new(ManualClock::new(UnixTime::from_secs(NOW)));
    let pinned = AccessTokenVerifier::new(cfg.clone(), set(rsa.jwk("k", Some("RS256"))))
        .with_clock(clock.clone());
    let open = AccessTokenVerifier::new(cfg, set(rsa.jwk("k", None))).with_clock(clock);
    let ps = rsa.token(&json!({"alg":"PS256","kid":"k"}), &good_claims());
    assert_eq!(pinned.verify(&ps).unwrap_err(), Error::JwtUnknownKey);
    assert!(open.verify(&ps).is_ok());
    // A JWK whose stated alg is of another family, an HMAC alg, or an encryption use is unusable.
    for bad in [
        rsa.jwk("k", Some("ES256")),
        rsa.jwk("k", Some("HS256")),
        rsa.jwk("k", Some("RSA-OAEP")),
        {
            let mut j = rsa.jwk("k", None);
            j["use"] = json!("enc");
            j
        },
        {
            let mut j = rsa.jwk("k", None);
            j["key_ops"] = json!(["encrypt"]);
            j
        },
    ] {
        assert!(matches!(
            JwksKeySet::from_jwks_json(&jwks(&[bad])),
            Err(Error::JwksInvalid(_))
        ));
    }
}

#[test]
fn rsa_keys_under_2048_bits_never_enter_a_key_set() {
    let rsa = TestKey::rsa_rfc7520();
    let mut small = rsa.jwk("small", None);
    let mut n = vec![0xc5u8; 128]; // 1024 bits, top bit set
    n[127] |= 1;
    small["n"] = json!(b64(&n));
    let mut n2047 = vec![0x45u8; 256]; // 2047 bits
    n2047[255] |= 1;
    let mut small2 = rsa.jwk("small2", None);
    small2["n"] = json!(b64(&n2047));
    let set = JwksKeySet::from_jwks_json(&jwks(&[
        small.clone(),
        small2.clone(),
        rsa.jwk("big", None),
    ]))
    .unwrap();
    assert_eq!(set.skipped(), 2);
    assert!(!set.contains_kid("small") && !set.contains_kid("small2") && set.contains_kid("big"));
    assert!(matches!(
        JwksKeySet::from_jwks_json(&jwks(&[small])),
        Err(Error::JwksInvalid(_))
    ));
}

#[test]
fn crit_and_b64_headers_are_refused() {
    let f = fixture();
    let v = all(&f);
    for extra in [
        json!({"crit":["exp"],"exp":1}),
        json!({"crit":[]}),
        json!({"crit":["b64"],"b64":false}),
        json!({"b64": true}),
    ] {
        let mut header = json!({"alg":"RS256","kid":"rsa1"});
        for (k, val) in extra.as_object().unwrap() {
            header[k] = val.clone();
        }
        let t = f.rsa.token(&header, &good_claims());
        assert!(
            matches!(v.verify(&t).unwrap_err(), Error::JwtUnsupportedHeader(_)),
            "{header}"
        );
    }
    // RFC 7515 A.1's "crit" negative: our checker also refuses a duplicated header member.
    let t = f.rsa.token_raw(
        br#"{"alg":"RS256","kid":"rsa1","alg":"RS256"}"#,
        &serde_json::to_vec(&good_claims()).unwrap(),
        "RS256",
    );
    assert!(matches!(v.verify(&t).unwrap_err(), Error::JwtMalformed(_)));
}

#[test]
fn a_required_typ_refuses_other_jwts_of_the_same_issuer() {
    // Token confusion (RFC 8725 3.11, RFC 9068 4): an ID token, or any JWT the issuer signs
    // for the same audience, must not pass where an access token is required.
    let f = fixture();
    let config = AccessTokenVerifierConfig::new(ISS, [AUD])
        .unwrap()
        .with_algorithms([Alg::EdDSA])
        .unwrap()
        .with_required_typ("at+jwt")
        .unwrap();
    assert_eq!(config.required_typ(), Some("at+jwt"));
    let v = AccessTokenVerifier::new(config, JwksKeySet::from_jwks_json(&jwks(&f.jwks)).unwrap())
        .with_clock(Arc::new(ManualClock::new(UnixTime::from_secs(NOW))));
    let token = |typ: Option<Value>| {
        let mut header = json!({"alg":"EdDSA","kid":"ed1"});
        if let Some(t) = typ {
            header["typ"] = t;
        }
        f.ed.token(&header, &good_claims())
    };
    // RFC 7515 4.1.9: media types compare case-insensitively, "application/" optional.
    for ok in [
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "Application/At+Jwt",
    ] {
        v.verify(&token(Some(json!(ok)))).unwrap();
    }
    for bad in [
        Some(json!("JWT")),
        Some(json!("id_token+jwt")),
        Some(json!("at+jwt ")),
        Some(json!("application/jwt")),
        None,
    ] {
        assert_eq!(
            v.verify(&token(bad.clone())).unwrap_err(),
            Error::JwtUnsupportedHeader("typ"),
            "{bad:?}"
        );
    }
    // A typ that is not a string is malformed whatever the requirement.
    assert!(matches!(
        all(&f).verify(&token(Some(json!(1)))).unwrap_err(),
        Error::JwtMalformed(_)
    ));
    // Without a requirement any typ (or none) is accepted, as most IdPs need.
    all(&f).verify(&token(Some(json!("JWT")))).unwrap();
    all(&f).verify(&token(None)).unwrap();
    for bad in ["", "a b", "\u{7f}"] {
        assert!(
            AccessTokenVerifierConfig::new(ISS, [AUD])
                .unwrap()
                .with_required_typ(bad)
                .is_err()
        );
    }
}

#[test]
fn structural_attacks_and_oversized_tokens_fail_without_echoing_input() {
    let f = fixture();
    let v = all(&f);
    let good = f
        .rsa
        .token(&json!({"alg":"RS256","kid":"rsa1"}), &good_claims());
    let (hp, sig) = good.rsplit_once('.').unwrap();
    let cases = [
        hp.to_owned(),                             // signature stripped
        format!("{hp}."),                          // empty signature
        format!("{good}.extra"),                   // four parts
        format!("{hp}.{sig}="),                    // padding
        format!("{hp}.{}", sig.replace('-', "+")), // standard alphabet
        format!(" {good}"),                        // whitespace
        format!("{hp}.!!!!"),
        "...".to_owned(),
        String::new(),
    ];
    for t in &cases {
        let err = v.verify(t).unwrap_err();
        assert!(
            matches!(err, Error::JwtMalformed(_) | Error::JwtBadSignature),
            "{err}"
        );
        assert!(!err.to_string().contains(hp), "error echoes token");
    }
    // Oversized: refused on length alone, whatever the content.
    let huge = "a".repeat(16 * 1024 + 1);
    assert_eq!(
        v.verify(&huge).unwrap_err(),
        Error::JwtTooLarge { max: 16 * 1024 }
    );
    let mut claims = good_claims();
    claims["pad"] = json!("x".repeat(16 * 1024));
    let big = f.rsa.token(&json!({"alg":"RS256","kid":"rsa1"}), &claims);
    assert_eq!(
        v.verify(&big).unwrap_err(),
        Error::JwtTooLarge { max: 16 * 1024 }
    );
    // A signature from another token (or another key) over this payload.
    let other = f
        .rsa
        .token(&json!({"alg":"RS256","kid":"rsa1"}), &json!({"sub":"x"}));
    let spliced = format!("{hp}.{}", other.rsplit_once('.').unwrap().1);
    assert_eq!(v.verify(&spliced).unwrap_err(), Error::JwtBadSignature);
    let wrong_key =
        TestKey::rsa_wycheproof().token(&json!({"alg":"RS256","kid":"rsa1"}), &good_claims());
    assert_eq!(v.verify(&wrong_key).unwrap_err(), Error::JwtBadSignature);
}

#[test]
fn token_without_kid_needs_exactly_one_candidate_key() {
    let rsa = TestKey::rsa_rfc7520();
    let other = TestKey::rsa_wycheproof();
    let clock = Arc::new(ManualClock::new(UnixTime::from_secs(NOW)));
    let cfg = AccessTokenVerifierConfig::new(ISS, [AUD]).unwrap();
    let t = rsa.token(&json!({"alg":"RS256"}), &good_claims());
    let one = AccessTokenVerifier::new(
        cfg.clone(),
        JwksKeySet::from_jwks_json(&jwks(&[rsa.jwk("a", None)])).unwrap(),
    )
    .with_clock(clock.clone());
    assert!(one.verify(&t).is_ok());
    let two = AccessTokenVerifier::new(
        cfg,
        JwksKeySet::from_jwks_json(&jwks(&[rsa.jwk("a", None), other.jwk("b", None)])).unwrap(),
    )
    .with_clock(clock);
    assert_eq!(two.verify(&t).unwrap_err(), Error::JwtUnknownKey);
}

#[test]
fn header_and_claims_must_be_json_objects_not_arrays() {
    // A derived serde struct also takes an array of its fields in order. These tokens are
    // correctly signed by the issuer's key; the arrays spell a valid header (`alg`) and
    // valid claims (iss, sub, aud, exp), so only the object rule can refuse them
    // (RFC 7515 section 4, RFC 7519 section 7.2).
    let rsa = TestKey::rsa_rfc7520();
    let v = AccessTokenVerifier::new(
        AccessTokenVerifierConfig::new(ISS, [AUD]).unwrap(),
        JwksKeySet::from_jwks_json(&jwks(&[rsa.jwk("rsa1", None)])).unwrap(),
    )
    .with_clock(Arc::new(ManualClock::new(UnixTime::from_secs(NOW))));
    let header_obj = br#"{"alg":"RS256"}"#.as_slice();
    let header_arr = br#"["RS256"]"#.as_slice();
    let claims_obj = serde_json::to_vec(&json!({
        "iss": ISS, "sub": "admin", "aud": AUD, "exp": 4_102_444_800u64
    }))
    .unwrap();
    let claims_arr = serde_json::to_vec(&json!([ISS, "admin", AUD, 4_102_444_800u64])).unwrap();
    // The control: the same content as objects verifies.
    let ok = v
        .verify(&rsa.token_raw(header_obj, &claims_obj, "RS256"))
        .unwrap();
    assert_eq!(ok.subject().as_str(), "admin");
    let header_array = rsa.token_raw(header_arr, &claims_obj, "RS256");
    assert!(matches!(
        v.verify(&header_array).unwrap_err(),
        Error::JwtMalformed(_)
    ));
    let claims_array = rsa.token_raw(header_obj, &claims_arr, "RS256");
    assert!(matches!(
        v.verify(&claims_array).unwrap_err(),
        Error::JwtInvalidClaims(_)
    ));
    let both = rsa.token_raw(header_arr, &claims_arr, "RS256");
    assert!(matches!(
        v.verify(&both).unwrap_err(),
        Error::JwtMalformed(_)
    ));
    // The signature-only path reads the same header.
    assert!(
        bosso_auth::oidc::verify_signature_only(
            &header_array,
            &JwksKeySet::from_jwks_json(&jwks(&[rsa.jwk("rsa1", None)])).unwrap(),
            &[Alg::RS256]
        )
        .is_err()
    );
}
