//! The web layer's cookie lookup (`bosso_accounts::web::cookies`) over arbitrary `Cookie`
//! headers.
//!
//! Properties:
//! - it never panics, on one header or several;
//! - a found value is a substring of the input (nothing is invented or decoded);
//! - the cookie name appearing twice is an error, never a silent pick of one;
//! - headers over the size limit are `CookieTooLarge`.
#![no_main]

use bosso_accounts::Error;
use bosso_accounts::web::cookies::{find_cookie, find_in_header};
use http::{HeaderMap, HeaderValue, header::COOKIE};
use libfuzzer_sys::fuzz_target;

const NAME: &str = "__Host-bosso_session";
const MAX: usize = 256;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match find_in_header(text, NAME) {
        Ok(Some(v)) => assert!(text.contains(v.as_str())),
        Ok(None) | Err(Error::MalformedCookie(_)) => {}
        Err(e) => panic!("unexpected error {e:?}"),
    }
    // The same bytes split into several headers at ';'.
    let mut headers = HeaderMap::new();
    for part in data.split(|b| *b == b';') {
        if let Ok(v) = HeaderValue::from_bytes(part) {
            headers.append(COOKIE, v);
        }
    }
    let total: usize = headers.get_all(COOKIE).iter().map(|v| v.len()).sum();
    match find_cookie(&headers, NAME, MAX) {
        Ok(_) | Err(Error::MalformedCookie(_)) => assert!(total <= MAX),
        Err(Error::CookieTooLarge) => assert!(total > MAX),
        Err(e) => panic!("unexpected error {e:?}"),
    }
});
