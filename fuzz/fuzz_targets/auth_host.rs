//! Host / Origin parsing and the local guard, on any bytes. Properties, not just "no panic":
//! - an accepted Host is exactly one of the promised forms (`name[:port]`, `a.b.c.d[:port]`,
//!   `[v6][:port]`, port 1-5 digits <= 65535), re-derived here independently of the parser,
//!   and allowed by the policy;
//! - a Host or Origin on two lines is always `DuplicateHeader`, whatever the values;
//! - the local guard admits only a request that contains the configured secret, and never
//!   echoes the secret entry.
#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};

use bosso_auth::Error;
use bosso_auth::bearer::BearerVerifier;
use bosso_auth::host::{Host, HostPolicy, MAX_HOST_LEN, OriginPolicy};
use bosso_auth::local::LocalGuard;
use http::header::{HOST, ORIGIN};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "q9Zb7kT2mW4xN8pL1vR6sY3cH5jF0dG_aE-uK7iO2nB";

/// What an accepted Host value must look like, derived from the documented grammar.
fn assert_promised_form(data: &[u8], host: &Host) {
    assert!(!data.is_empty() && data.len() <= MAX_HOST_LEN);
    let s = std::str::from_utf8(data).expect("an accepted Host is ASCII");
    assert!(s.is_ascii());
    let (h, port) = if s.starts_with('[') {
        let close = s.find(']').expect("bracketed form closes");
        s.split_at(close + 1)
    } else {
        match s.find(':') {
            Some(i) => s.split_at(i),
            None => (s, ""),
        }
    };
    if let Some(digits) = port.strip_prefix(':') {
        assert!((1..=5).contains(&digits.len()), "port length");
        assert!(digits.bytes().all(|b| b.is_ascii_digit()), "port digits");
        assert!(digits.parse::<u32>().unwrap() <= 65_535, "port range");
    } else {
        assert!(port.is_empty(), "nothing but a port after the host");
    }
    let unbracketed = h.strip_suffix('.').unwrap_or(h);
    match host {
        Host::Name(n) => {
            assert_eq!(*n, unbracketed.to_ascii_lowercase());
            assert!(n.parse::<Ipv4Addr>().is_err());
            assert!(n.len() <= 253);
            for label in n.split('.') {
                assert!((1..=63).contains(&label.len()), "label length");
                assert!(!label.starts_with('-') && !label.ends_with('-'));
                assert!(
                    label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                );
            }
            // The policy below allows loopback names and *.bosso.dev, nothing else.
            let allowed = ["localhost", "bosso.dev"]
                .iter()
                .any(|d| n == d || n.ends_with(&format!(".{d}")));
            assert!(allowed, "{n} is outside the policy");
        }
        Host::V4(ip) => assert_eq!(unbracketed, ip.to_string()),
        Host::V6(ip) => {
            let inner = h
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .expect("IPv6 only in brackets");
            assert_eq!(inner.parse::<Ipv6Addr>().unwrap(), *ip);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let parsed = Host::parse(data);
    let policy = HostPolicy::local().allow(".bosso.dev").unwrap();
    let checked = policy.check(Some(data));
    if let Ok(host) = &checked {
        assert_eq!(parsed.as_ref().ok(), Some(host), "check agrees with parse");
        assert_promised_form(data, host);
    }
    let origins = OriginPolicy::exact(["https://app.bosso.dev"]).unwrap();
    let origin_ok = origins.check(Some(data)).is_ok();
    if origin_ok {
        assert!(data.eq_ignore_ascii_case(b"https://app.bosso.dev"));
    }

    if let Ok(value) = http::HeaderValue::from_bytes(data) {
        // One line: the same answer as the raw check. Two lines: always refused.
        let mut one = http::HeaderMap::new();
        one.insert(HOST, value.clone());
        one.insert(ORIGIN, value.clone());
        assert_eq!(policy.check_headers(&one).is_ok(), checked.is_ok());
        assert_eq!(origins.check_headers(&one).is_ok(), origin_ok);
        for (name, label) in [(HOST, "host"), (ORIGIN, "origin")] {
            let mut two = http::HeaderMap::new();
            two.append(name.clone(), http::HeaderValue::from_static("localhost"));
            two.append(name, value.clone());
            let e = match label {
                "host" => HostPolicy::allow_any().check_headers(&two).unwrap_err(),
                _ => origins
                    .clone()
                    .allow_missing(true)
                    .check_headers(&two)
                    .unwrap_err(),
            };
            assert_eq!(e, Error::DuplicateHeader(label));
        }
    }

    // The bearer parse, reached the only way it can be: through the guard.
    let guard = LocalGuard::new(
        "app",
        BearerVerifier::new(&SECRET.to_owned().into()).unwrap(),
    )
    .unwrap()
    .with_hosts(HostPolicy::allow_any())
    .with_origins(OriginPolicy::default().allow_missing(true))
    .with_protocols(["app.v1"]);
    let mut headers = http::HeaderMap::new();
    headers.insert(HOST, http::HeaderValue::from_static("localhost"));
    for line in data.split(|&b| b == b'\n') {
        if let Ok(v) = http::HeaderValue::from_bytes(line) {
            headers.append(http::header::SEC_WEBSOCKET_PROTOCOL, v.clone());
            if line.first() == Some(&b'A') {
                headers.append(http::header::AUTHORIZATION, v);
            }
        }
    }
    if let Ok(admitted) = guard.check(&headers) {
        assert!(
            data.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
            "admitted without the secret"
        );
        assert!(admitted.echo.as_deref().is_none_or(|e| e == "app.v1"));
    }
});
