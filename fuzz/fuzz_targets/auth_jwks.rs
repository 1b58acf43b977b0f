//! JWKS JSON parsing: arbitrary bytes into a key set, never a panic; a parsed set is bounded.
#![no_main]

use bosso_auth::oidc::{Alg, KeySet, MAX_JWKS_KEYS, verify_signature_only};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(keys) = KeySet::from_jwks_json(data) {
        assert!(!keys.is_empty() && keys.len() <= MAX_JWKS_KEYS);
        // Using whatever keys were parsed must not panic either (RFC 7515 A.2 token).
        let _ = verify_signature_only(
            "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.AAAA",
            &keys,
            &Alg::ALL,
        );
        for kid in keys.kids() {
            assert!(keys.contains_kid(kid));
        }
    }
});
