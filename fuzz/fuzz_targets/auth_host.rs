//! Host / Origin header parsing and bearer-secret extraction: any bytes, never a panic.
#![no_main]

use bosso_auth::host::{Host, HostPolicy, OriginPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Host::parse(data);
    let policy = HostPolicy::local().allow(".bosso.dev").unwrap();
    if let Ok(Host::Name(n)) = policy.check(Some(data)) {
        // Whatever a permissive parse accepted must be a normalised name.
        assert!(!n.ends_with('.') && n == n.to_ascii_lowercase());
    }
    let _ = OriginPolicy::exact(["https://app.bosso.dev"]).unwrap().check(Some(data));
    let mut headers = http::HeaderMap::new();
    for line in data.split(|&b| b == b'\n') {
        if let Ok(v) = http::HeaderValue::from_bytes(line) {
            headers.append(http::header::SEC_WEBSOCKET_PROTOCOL, v.clone());
            if line.first() == Some(&b'A') {
                headers.append(http::header::AUTHORIZATION, v);
            }
        }
    }
    if let Ok(offer) = bosso_auth::bearer::extract_bearer(&headers, "app", &["app.v1"]) {
        assert!(offer.echo.as_deref().is_none_or(|e| !e.contains(".bearer.")));
    }
});
