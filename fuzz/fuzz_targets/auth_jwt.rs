//! JWT header and claims parsing through the OIDC verifier.
//!
//! Mode 0 feeds the input as a whole token (header splitting, base64, header JSON, key
//! selection, signature checks). Mode 1 treats the input as `header \0 payload` and signs it
//! with a fixed Ed25519 key, so the claims parser and every claim check are reached too.
#![no_main]

use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bosso_auth::oidc::{Alg, KeySet, Verifier, VerifierConfig, verify_signature_only};
use bosso_token::{ManualClock, UnixTime};
use libfuzzer_sys::fuzz_target;
use ring::signature::{Ed25519KeyPair, KeyPair as _};

struct Fixture {
    key: Ed25519KeyPair,
    verifier: Verifier,
    keys: KeySet,
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
        let keys = KeySet::from_jwks_json(jwks.as_bytes()).unwrap();
        let config = VerifierConfig::new("https://idp.example", ["bosso"])
            .unwrap()
            .with_algorithms(Alg::ALL)
            .unwrap();
        let verifier = Verifier::new(config, KeySet::from_jwks_json(jwks.as_bytes()).unwrap())
            .with_clock(Arc::new(ManualClock::new(UnixTime::from_secs(1_800_000_000))));
        Fixture { key, verifier, keys }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
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
