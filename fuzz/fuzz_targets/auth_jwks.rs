//! JWKS JSON parsing: arbitrary bytes into a key set, never a panic; a parsed set is bounded;
//! and no key set, whatever it holds, makes a forged token verify. The forgeries carry the
//! degenerate signatures known attacks use (all zeros: the ECDSA "psychic signature";
//! R = identity, S = 0: valid for any message under a small-order Ed25519 key), with and
//! without a `kid`, for every algorithm; the only acceptable outcomes are "bad signature" and
//! "no matching key".
#![no_main]

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bosso_auth::Error;
use bosso_auth::oidc::{Alg, JwksKeySet, MAX_JWKS_KEYS, verify_signature_only};
use libfuzzer_sys::fuzz_target;

fn forged_tokens() -> &'static [String] {
    static T: OnceLock<Vec<String>> = OnceLock::new();
    T.get_or_init(|| {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"iss":"x","sub":"admin","exp":4102444800}"#);
        let mut ed_null = vec![0u8; 64];
        ed_null[0] = 1;
        let mut out = vec![
            // RFC 7515 A.2 with a stub signature.
            "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.AAAA".to_owned(),
        ];
        for alg in Alg::ALL {
            let sigs: Vec<Vec<u8>> = match alg {
                Alg::EdDSA => vec![ed_null.clone(), vec![0; 64]],
                Alg::ES256 => vec![vec![0; 64]],
                Alg::ES384 => vec![vec![0; 96]],
                Alg::ES512 => vec![vec![0; 132]],
                _ => vec![vec![0; 256], vec![1; 256]],
            };
            for header in [
                format!(r#"{{"alg":"{alg}"}}"#),
                format!(r#"{{"alg":"{alg}","kid":"k"}}"#),
            ] {
                for sig in &sigs {
                    out.push(format!(
                        "{}.{payload}.{}",
                        URL_SAFE_NO_PAD.encode(&header),
                        URL_SAFE_NO_PAD.encode(sig)
                    ));
                }
            }
        }
        out
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(keys) = JwksKeySet::from_jwks_json(data) {
        assert!(!keys.is_empty() && keys.len() <= MAX_JWKS_KEYS);
        for kid in keys.kids() {
            assert!(keys.contains_kid(kid));
        }
        for token in forged_tokens() {
            match verify_signature_only(token, &keys, &Alg::ALL) {
                Err(Error::JwtBadSignature | Error::JwtUnknownKey) => {}
                other => panic!("forged token: {other:?}"),
            }
        }
    }
});
