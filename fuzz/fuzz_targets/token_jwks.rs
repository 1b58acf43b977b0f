//! JWK set import from arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(keys) = bosso_token::VerificationKeys::from_jwks_json(s) {
            // Whatever imports must export and re-import to the same number of keys.
            let again = bosso_token::VerificationKeys::from_jwks_json(&keys.to_jwks_json()).unwrap();
            assert_eq!(again.len(), keys.len());
        }
    }
});
