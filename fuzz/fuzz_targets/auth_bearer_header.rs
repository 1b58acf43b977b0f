//! `oidc::bearer_from_headers` on any bytes, one or two `Authorization` lines. Properties:
//! - an accepted token is a non-empty b64token (RFC 6750 section 2.1), re-derived here, and is
//!   exactly what follows `Bearer` and its spaces in the one line;
//! - two lines are always `DuplicateHeader("authorization")`, whatever the values.
#![no_main]

use bosso_auth::Error;
use bosso_auth::oidc::bearer_from_headers;
use http::header::AUTHORIZATION;
use libfuzzer_sys::fuzz_target;

fn is_b64token(t: &str) -> bool {
    let body = t.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = http::HeaderValue::from_bytes(data) else {
        return;
    };
    let mut one = http::HeaderMap::new();
    one.insert(AUTHORIZATION, value.clone());
    if let Ok(token) = bearer_from_headers(&one) {
        assert!(is_b64token(token), "accepted a non-b64token");
        let s = std::str::from_utf8(data).expect("an accepted value is ASCII");
        assert!(s.len() > 7 && s[..7].eq_ignore_ascii_case("bearer "));
        assert_eq!(s[7..].trim_start_matches(' '), token);
    }
    let mut two = http::HeaderMap::new();
    two.append(AUTHORIZATION, http::HeaderValue::from_static("Bearer a"));
    two.append(AUTHORIZATION, value);
    assert_eq!(
        bearer_from_headers(&two),
        Err(Error::DuplicateHeader("authorization"))
    );
});
