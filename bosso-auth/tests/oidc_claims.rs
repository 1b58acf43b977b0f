//! Claim checks through the public verifier: issuer, audience, lifetime edges, subject and
//! JSON type confusion (GHSA-h395-gr6q-cpjc).
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
use bosso_auth::oidc::{
    AccessTokenVerifier, AccessTokenVerifierConfig, JwksKeySet, MAX_LEEWAY_SECS, MAX_NUMERIC_DATE,
};
use bosso_token::{ManualClock, UnixTime};
use oidc_support::*;
use serde_json::{Value, json};

struct Env {
    key: TestKey,
    clock: ManualClock,
    verifier: AccessTokenVerifier,
}

fn env(leeway: u64) -> Env {
    let key = TestKey::ed25519();
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let cfg = AccessTokenVerifierConfig::new(ISS, [AUD, "bosso-admin"])
        .unwrap()
        .with_algorithms([bosso_auth::oidc::Alg::EdDSA])
        .unwrap()
        .with_leeway_secs(leeway)
        .unwrap();
    let verifier = AccessTokenVerifier::new(
        cfg,
        JwksKeySet::from_jwks_json(&jwks(&[key.jwk("k", None)])).unwrap(),
    )
    .with_clock(Arc::new(clock.clone()));
    Env {
        key,
        clock,
        verifier,
    }
}

impl Env {
    fn check(&self, claims: &Value) -> Result<bosso_auth::oidc::VerifiedAccessToken, Error> {
        self.verifier
            .verify(&self.key.token(&json!({"alg":"EdDSA","kid":"k"}), claims))
    }
    fn check_raw(&self, payload: &str) -> Result<bosso_auth::oidc::VerifiedAccessToken, Error> {
        let t = self
            .key
            .token_raw(br#"{"alg":"EdDSA","kid":"k"}"#, payload.as_bytes(), "EdDSA");
        self.verifier.verify(&t)
    }
}

fn with(mut claims: Value, k: &str, v: Value) -> Value {
    claims[k] = v;
    claims
}

fn without(mut claims: Value, k: &str) -> Value {
    claims.as_object_mut().unwrap().remove(k);
    claims
}

#[test]
fn wrong_json_types_are_errors_not_absent() {
    let e = env(30);
    for (k, v) in [
        ("exp", json!((NOW + 300).to_string())),
        ("exp", json!(-1)),
        ("exp", json!(-0.5)),
        ("exp", json!(MAX_NUMERIC_DATE + 1)),
        ("exp", json!(true)),
        ("nbf", json!((NOW + 9999).to_string())),
        ("nbf", json!({})),
        ("iat", json!("0")),
        ("iss", json!(1)),
        ("iss", json!([ISS])),
        ("aud", json!(1)),
        ("aud", json!([1])),
        ("sub", json!(12345)),
        ("scope", json!(["a"])),
    ] {
        let err = e.check(&with(good_claims(), k, v.clone())).unwrap_err();
        assert!(matches!(err, Error::JwtInvalidClaims(_)), "{k}={v}: {err}");
    }
    for payload in ["[]", "null", "\"x\"", "", "{"] {
        assert!(matches!(
            e.check_raw(payload).unwrap_err(),
            Error::JwtInvalidClaims(_)
        ));
    }
    // A duplicated claim cannot pick the friendlier value.
    let dup = format!(
        r#"{{"iss":"{ISS}","aud":"bosso","sub":"u","exp":{},"exp":{}}}"#,
        NOW - 100,
        NOW + 100
    );
    assert!(matches!(
        e.check_raw(&dup).unwrap_err(),
        Error::JwtInvalidClaims(_)
    ));
}

#[test]
fn exp_is_required_and_its_edges_honour_the_leeway() {
    let e = env(30);
    assert_eq!(
        e.check(&without(good_claims(), "exp")).unwrap_err(),
        Error::JwtInvalidClaims("exp missing")
    );
    let c = with(good_claims(), "exp", json!(NOW));
    e.clock.set(UnixTime::from_secs(NOW + 29));
    assert!(e.check(&c).is_ok());
    e.clock.set(UnixTime::from_secs(NOW + 30));
    assert_eq!(e.check(&c).unwrap_err(), Error::JwtExpired);
    let strict = env(0);
    strict.clock.set(UnixTime::from_secs(NOW - 1));
    let c = with(good_claims(), "exp", json!(NOW));
    assert!(strict.check(&c).is_ok());
    strict.clock.set(UnixTime::from_secs(NOW));
    assert_eq!(strict.check(&c).unwrap_err(), Error::JwtExpired);
    // The last accepted date; past it a date is out of range, not "far future".
    assert!(
        e.check(&with(good_claims(), "exp", json!(MAX_NUMERIC_DATE)))
            .is_ok()
    );
    assert!(matches!(
        e.check(&with(good_claims(), "exp", json!(u64::MAX)))
            .unwrap_err(),
        Error::JwtInvalidClaims(_)
    ));
}

/// Claims valid at [`NOW`] with `exp`, `nbf` and `iat` spelled exactly as given (JSON text,
/// so the number reaches the verifier as written).
fn dated(exp: &str, nbf: &str, iat: &str) -> String {
    format!(r#"{{"iss":"{ISS}","aud":"{AUD}","sub":"u","exp":{exp},"nbf":{nbf},"iat":{iat}}}"#)
}

#[test]
fn fractional_exp_is_valid_through_its_last_partial_second() {
    // The rule: with the clock at whole second `now` and leeway `l`, a token is expired once
    // `now >= ceil(exp) + l`, which for integers is exactly `now >= exp + l` over the reals.
    let strict = env(0);
    let half = format!("{NOW}.5");
    let past = (NOW - 100).to_string();
    let payload = dated(&half, &past, &past);
    strict.clock.set(UnixTime::from_secs(NOW));
    let ok = strict.check_raw(&payload).unwrap();
    assert_eq!(ok.expires_at().as_secs(), NOW + 1);
    strict.clock.set(UnixTime::from_secs(NOW + 1));
    assert_eq!(strict.check_raw(&payload).unwrap_err(), Error::JwtExpired);
    // The same with a leeway, and written with an exponent.
    let e = env(30);
    let payload = dated(&format!("{NOW}5e-1"), &past, &past);
    e.clock.set(UnixTime::from_secs(NOW + 30));
    assert!(e.check_raw(&payload).is_ok());
    e.clock.set(UnixTime::from_secs(NOW + 31));
    assert_eq!(e.check_raw(&payload).unwrap_err(), Error::JwtExpired);
    // A whole number written as a float is that whole number.
    strict.clock.set(UnixTime::from_secs(NOW));
    let whole = dated(&format!("{NOW}.0"), &past, &past);
    assert_eq!(strict.check_raw(&whole).unwrap_err(), Error::JwtExpired);
    strict.clock.set(UnixTime::from_secs(NOW - 1));
    assert!(strict.check_raw(&whole).is_ok());
}

#[test]
fn fractional_nbf_and_iat_are_rounded_down() {
    let strict = env(0);
    let exp = (NOW + 300).to_string();
    let past = (NOW - 100).to_string();
    let next_half = format!("{}.5", NOW + 1);
    for (nbf, iat) in [(&next_half, &past), (&past, &next_half)] {
        let payload = dated(&exp, nbf, iat);
        strict.clock.set(UnixTime::from_secs(NOW));
        assert_eq!(
            strict.check_raw(&payload).unwrap_err(),
            Error::JwtNotYetValid
        );
        // floor(NOW + 1.5) = NOW + 1: valid from that second on.
        strict.clock.set(UnixTime::from_secs(NOW + 1));
        let ok = strict.check_raw(&payload).unwrap();
        let stated = if nbf == &next_half {
            ok.not_before()
        } else {
            ok.issued_at()
        };
        assert_eq!(stated.unwrap().as_secs(), NOW + 1);
    }
    // With a leeway: NOW + 30.5 floors to NOW + 30, which the 30 s leeway admits at NOW.
    let e = env(30);
    let payload = dated(&exp, &format!("{}.5", NOW + 30), &past);
    assert!(e.check_raw(&payload).is_ok());
    let payload = dated(&exp, &format!("{}.5", NOW + 31), &past);
    assert_eq!(e.check_raw(&payload).unwrap_err(), Error::JwtNotYetValid);
}

#[test]
fn invalid_numeric_dates_are_refused_in_every_date_claim() {
    let e = env(30);
    let exp = (NOW + 300).to_string();
    let past = (NOW - 100).to_string();
    for bad in [
        "-1",
        "-0.5",
        "-1e-300",
        "1e400",
        "-1e400",
        "1e308",
        "253402300800",
        "253402300799.5",
        "18446744073709551616",
        "NaN",
        "Infinity",
        "\"1800000000\"",
    ] {
        for payload in [
            dated(bad, &past, &past),
            dated(&exp, bad, &past),
            dated(&exp, &past, bad),
        ] {
            assert!(
                matches!(
                    e.check_raw(&payload).unwrap_err(),
                    Error::JwtInvalidClaims(_)
                ),
                "{payload}"
            );
        }
    }
    // The control: the same template with valid dates verifies.
    assert!(e.check_raw(&dated(&exp, &past, &past)).is_ok());
}

#[test]
fn nbf_and_iat_in_the_future_are_refused_beyond_the_leeway() {
    let e = env(30);
    assert!(
        e.check(&with(good_claims(), "nbf", json!(NOW + 30)))
            .is_ok()
    );
    assert_eq!(
        e.check(&with(good_claims(), "nbf", json!(NOW + 31)))
            .unwrap_err(),
        Error::JwtNotYetValid
    );
    assert!(
        e.check(&with(good_claims(), "iat", json!(NOW + 30)))
            .is_ok()
    );
    assert_eq!(
        e.check(&with(good_claims(), "iat", json!(NOW + 31)))
            .unwrap_err(),
        Error::JwtNotYetValid
    );
    // Both are optional.
    assert!(
        e.check(&without(without(good_claims(), "nbf"), "iat"))
            .is_ok()
    );
}

#[test]
fn leeway_is_bounded() {
    assert_eq!(MAX_LEEWAY_SECS, 120);
    let cfg = AccessTokenVerifierConfig::new(ISS, [AUD]).unwrap();
    assert_eq!(cfg.leeway_secs(), 30);
    assert!(cfg.clone().with_leeway_secs(120).is_ok());
    assert!(matches!(
        cfg.with_leeway_secs(121),
        Err(Error::InvalidConfig(_))
    ));
    assert!(AccessTokenVerifierConfig::new("", [AUD]).is_err());
    assert!(AccessTokenVerifierConfig::new(ISS, Vec::<String>::new()).is_err());
}

#[test]
fn issuer_must_match_exactly() {
    let e = env(30);
    for iss in [
        "https://idp.example.test/",
        "https://IDP.example.test",
        "http://idp.example.test",
        "https://idp.example.test.evil",
        "",
    ] {
        assert_eq!(
            e.check(&with(good_claims(), "iss", json!(iss)))
                .unwrap_err(),
            Error::JwtIssuerMismatch,
            "{iss}"
        );
    }
    assert_eq!(
        e.check(&without(good_claims(), "iss")).unwrap_err(),
        Error::JwtInvalidClaims("iss missing")
    );
}

#[test]
fn audience_string_or_array_must_name_a_configured_audience() {
    let e = env(30);
    assert!(
        e.check(&with(good_claims(), "aud", json!(["other", "bosso"])))
            .is_ok()
    );
    assert!(
        e.check(&with(good_claims(), "aud", json!("bosso-admin")))
            .is_ok()
    );
    for aud in [
        json!("Bosso"),
        json!("bosso "),
        json!([]),
        json!(["other"]),
        json!(""),
    ] {
        assert_eq!(
            e.check(&with(good_claims(), "aud", aud.clone()))
                .unwrap_err(),
            Error::JwtAudienceMismatch,
            "{aud}"
        );
    }
    assert_eq!(
        e.check(&without(good_claims(), "aud")).unwrap_err(),
        Error::JwtInvalidClaims("aud missing")
    );
}

#[test]
fn subject_is_required_and_a_valid_user_id() {
    let e = env(30);
    let ok = e
        .check(&with(good_claims(), "sub", json!("a".repeat(64))))
        .unwrap();
    assert_eq!(ok.subject().as_str().len(), 64);
    for sub in [
        "a".repeat(65),
        "has space".into(),
        String::new(),
        "tab\t".into(),
        "é".into(),
    ] {
        assert!(matches!(
            e.check(&with(good_claims(), "sub", json!(sub)))
                .unwrap_err(),
            Error::JwtInvalidClaims(_)
        ));
    }
    assert_eq!(
        e.check(&without(good_claims(), "sub")).unwrap_err(),
        Error::JwtInvalidClaims("sub missing")
    );
}

#[test]
fn scopes_from_scope_and_scp() {
    let e = env(30);
    let ok = e
        .check(&with(good_claims(), "scp", json!(["write", "admin"])))
        .unwrap();
    assert_eq!(ok.scopes(), ["attach", "read", "write", "admin"]);
    let none = e.check(&without(good_claims(), "scope")).unwrap();
    assert!(none.scopes().is_empty());
}

#[test]
fn custom_claims_are_readable_typed_and_unique() {
    let e = env(30);
    let claims = with(
        with(good_claims(), "roles", json!(["admin", "ops"])),
        "email",
        json!("a@example.test"),
    );
    let token = e.check(&claims).unwrap();
    assert_eq!(token.claim("email"), Some(&json!("a@example.test")));
    assert_eq!(token.claim("sub"), Some(&json!("user-1")));
    assert_eq!(token.claim("tenant"), None);

    #[derive(serde::Deserialize)]
    struct Mine {
        roles: Vec<String>,
        email: Option<String>,
        tenant: Option<String>,
    }
    let mine: Mine = token.custom_claims().unwrap();
    assert_eq!(mine.roles, ["admin", "ops"]);
    assert_eq!(mine.email.as_deref(), Some("a@example.test"));
    assert_eq!(mine.tenant, None);

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct WrongType {
        roles: String,
    }
    assert!(matches!(
        token.custom_claims::<WrongType>(),
        Err(Error::JwtInvalidClaims(_))
    ));

    // A custom claim named twice is refused: which one a host would read is ambiguous.
    let payload = format!(
        r#"{{"iss":"{ISS}","aud":"{AUD}","sub":"u","exp":{},"role":"user","role":"admin"}}"#,
        NOW + 300
    );
    assert!(matches!(
        e.check_raw(&payload),
        Err(Error::JwtInvalidClaims(_))
    ));
}
