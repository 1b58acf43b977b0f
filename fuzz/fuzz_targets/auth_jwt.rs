//! JWT header and claims parsing through the OIDC verifier.
//!
//! Mode 0 feeds the input as a whole token (header splitting, base64, header JSON, key
//! selection, signature checks). Mode 1 treats the input as `header \0 payload` and signs it
//! with a fixed Ed25519 key, so the claims parser and every claim check are reached too.
//! Mode 2 reads the input as the JSON text of `exp`, `nbf` and `iat` (newline-separated,
//! empty = absent) in otherwise valid signed claims, and checks the verifier's verdict against
//! a model of the NumericDate rule computed here with Rust's own float parser: a date outside
//! 0..=MAX_NUMERIC_DATE is invalid, the token is expired once `now >= exp + leeway` and not
//! yet valid while `now + leeway < floor(nbf)` (or `iat`); accepted dates come back as
//! `ceil(exp)` and `floor(nbf)`, `floor(iat)`.
#![no_main]

use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bosso_auth::Error;
use bosso_auth::oidc::{
    AccessTokenVerifier, AccessTokenVerifierConfig, Alg, JwksKeySet, MAX_NUMERIC_DATE,
    verify_signature_only,
};
use bosso_token::{ManualClock, UnixTime};
use libfuzzer_sys::fuzz_target;
use ring::signature::{Ed25519KeyPair, KeyPair as _};

struct Fixture {
    key: Ed25519KeyPair,
    verifier: AccessTokenVerifier,
    keys: JwksKeySet,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let key = Ed25519KeyPair::from_seed_unchecked(&[7u8; 32]).unwrap();
        let x = URL_SAFE_NO_PAD.encode(key.public_key().as_ref());
        // An Ed25519 key, an RSA-2048 key (RFC 7515 A.2) and a P-256 key (RFC 7515 A.3).
        let jwks = format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"{x}"}},
            {{"kty":"RSA","kid":"rsa","e":"AQAB","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"}},
            {{"kty":"EC","crv":"P-256","kid":"ec","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}}]}}"#
        );
        let keys = JwksKeySet::from_jwks_json(jwks.as_bytes()).unwrap();
        let config = AccessTokenVerifierConfig::new("https://idp.example", ["bosso"])
            .unwrap()
            .with_algorithms(Alg::ALL)
            .unwrap();
        let verifier = AccessTokenVerifier::new(config, JwksKeySet::from_jwks_json(jwks.as_bytes()).unwrap())
            .with_clock(Arc::new(ManualClock::new(UnixTime::from_secs(1_800_000_000))));
        Fixture { key, verifier, keys }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 3 == 2 {
        dates(f, rest);
    } else if mode % 3 == 0 {
        if let Ok(token) = std::str::from_utf8(rest) {
            let full = f.verifier.verify(token);
            let sig = verify_signature_only(token, &f.keys, &Alg::ALL);
            // Full verification implies signature verification.
            assert!(full.is_err() || sig.is_ok());
        }
    } else {
        let (header, payload) = match rest.iter().position(|b| *b == 0) {
            Some(i) => (
                rest.get(..i).unwrap_or_default(),
                rest.get(i + 1..).unwrap_or_default(),
            ),
            None => (&br#"{"alg":"EdDSA","kid":"ed"}"#[..], rest),
        };
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let sig = f.key.sign(input.as_bytes());
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()));
        if let Ok(ok) = f.verifier.verify(&token) {
            // Whatever got through satisfies the contract.
            assert_eq!(ok.issuer(), "https://idp.example");
            assert!(ok.audience().iter().any(|a| a == "bosso"));
            assert!(ok.expires_at().as_secs() + 30 > 1_800_000_000);
        }
    }
});

const NOW: u64 = 1_800_000_000;
const LEEWAY: u64 = 30;

/// Whether `s` matches the JSON number grammar (RFC 8259 section 6).
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn dates(f: &Fixture, rest: &[u8]) {
    let mut parts = rest.splitn(3, |b| *b == b'\n');
    let mut texts: [Option<&str>; 3] = [None; 3];
    for t in &mut texts {
        match parts.next().map(std::str::from_utf8) {
            Some(Ok("")) | None => {}
            Some(Ok(s)) => *t = Some(s),
            Some(Err(_)) => return,
        }
    }
    let mut payload = String::from(r#"{"iss":"https://idp.example","aud":"bosso","sub":"u""#);
    for (name, t) in ["exp", "nbf", "iat"].iter().zip(texts) {
        if let Some(t) = t {
            payload.push_str(&format!(r#","{name}":{t}"#));
        }
    }
    payload.push('}');
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"EdDSA","kid":"ed"}"#),
        URL_SAFE_NO_PAD.encode(&payload)
    );
    let sig = f.key.sign(input.as_bytes());
    let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()));
    let got = f.verifier.verify(&token);
    // The model only speaks for texts that are JSON numbers (anything else could change the
    // shape of the payload), and not for long decimals close to an integer, where serde_json's
    // rounding (not always correct beyond 15 digits; Rust's parser is) could decide.
    let mut values = [None; 3];
    for (v, t) in values.iter_mut().zip(texts) {
        if let Some(t) = t {
            if !is_json_number(t) {
                return;
            }
            let x: f64 = t.parse().expect("a JSON number parses as f64");
            let plain_integer = t.bytes().all(|b| b.is_ascii_digit() || b == b'-');
            let digits = t.bytes().filter(u8::is_ascii_digit).count();
            if !plain_integer && digits > 15 && x.is_finite() && (x - x.round()).abs() < 1e-3 {
                return;
            }
            *v = Some(x);
        }
    }
    let [exp, nbf, iat] = values;
    #[allow(clippy::cast_precision_loss)]
    let max = MAX_NUMERIC_DATE as f64;
    let in_range = |x: f64| x.is_finite() && x >= 0.0 && x <= max;
    let expected = if exp.is_none() || !values.iter().flatten().all(|&x| in_range(x)) {
        Err("claims")
    } else if let Some(e) = exp
        && (NOW as f64) >= e + LEEWAY as f64
    {
        Err("expired")
    } else if [nbf, iat]
        .iter()
        .flatten()
        .any(|&x| ((NOW + LEEWAY) as f64) < x.floor())
    {
        Err("not yet")
    } else {
        Ok(())
    };
    match (&got, expected) {
        (Ok(ok), Ok(())) => {
            let e = exp.expect("checked");
            assert_eq!(ok.expires_at().as_secs() as f64, e.ceil());
            for (stated, x) in [(ok.not_before(), nbf), (ok.issued_at(), iat)] {
                assert_eq!(stated.map(|t| t.as_secs() as f64), x.map(f64::floor));
            }
        }
        (Err(Error::JwtInvalidClaims(_)), Err("claims"))
        | (Err(Error::JwtExpired), Err("expired"))
        | (Err(Error::JwtNotYetValid), Err("not yet")) => {}
        _ => panic!("{payload}: verifier said {got:?}, the model {expected:?}"),
    }
}
