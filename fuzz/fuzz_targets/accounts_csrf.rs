//! CSRF token parsing and verification (`bosso_accounts::web::csrf`) from arbitrary text.
//!
//! Properties:
//! - it never panics;
//! - an accepted token is canonical: `v1.` + the nonce and MAC re-encoded give the input back;
//! - no fuzzed token verifies under a key the fuzzer does not have, for any binding.
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bosso_accounts::web::csrf::{Binding, CsrfKey, TOKEN_LEN, parse_token};
use libfuzzer_sys::fuzz_target;

static KEY: LazyLock<Option<CsrfKey>> = LazyLock::new(|| CsrfKey::from_bytes(&[7u8; 32]).ok());

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((nonce, mac)) = parse_token(text) {
        assert_eq!(text.len(), TOKEN_LEN);
        let again = format!(
            "v1.{}.{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(mac)
        );
        assert_eq!(again, text);
    }
    if let Some(key) = KEY.as_ref() {
        assert!(key.verify(text, Binding::Anonymous).is_err());
        assert!(key.verify(text, Binding::Session(&[1u8; 32])).is_err());
    }
});
