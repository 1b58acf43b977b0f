//! `Sec-WebSocket-Protocol` parsing: any bytes, split into any number of header lines.
//!
//! Properties (what `parse_attach_offer` promises), checked against an independent split of
//! the same lines (comma lists, optional whitespace, RFC 6455 4.1 / RFC 9110 5.6.1):
//! - an accepted offer came from lines holding exactly one `bosso.attach.` entry;
//! - the echo is one of the server's supported protocols, was offered by the client, and is
//!   never the token entry;
//! - the `HeaderMap` front end agrees with the line-based one on the same lines.
#![no_main]

use libfuzzer_sys::fuzz_target;

const SUPPORTED: [&str; 2] = ["app.v1", "b"];

fn entries<'a>(lines: &[&'a [u8]]) -> Vec<&'a [u8]> {
    lines
        .iter()
        .flat_map(|l| l.split(|&b| b == b','))
        .map(|e| e.trim_ascii())
        .filter(|e| !e.is_empty())
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let offered = entries(&lines);
    let by_lines = bosso_token::subprotocol::parse_attach_offer(lines.iter(), &SUPPORTED);
    if let Ok(offer) = &by_lines {
        let attach = offered
            .iter()
            .filter(|e| e.starts_with(b"bosso.attach."))
            .count();
        assert_eq!(attach, 1, "accepted without exactly one attach entry");
        assert!(SUPPORTED.contains(&offer.echo), "echo not supported");
        assert!(
            offered.contains(&offer.echo.as_bytes()),
            "echo not offered by the client"
        );
        assert!(!offer.echo.starts_with("bosso.attach."));
    }

    let mut headers = http::HeaderMap::new();
    let mut all_lines_valid = true;
    for l in &lines {
        match http::HeaderValue::from_bytes(l) {
            Ok(v) => {
                headers.append(http::header::SEC_WEBSOCKET_PROTOCOL, v);
            }
            Err(_) => all_lines_valid = false,
        }
    }
    let by_map = bosso_token::subprotocol::parse_attach_headers(&headers, &SUPPORTED);
    if let Ok(offer) = &by_map {
        assert!(SUPPORTED.contains(&offer.echo));
        assert!(!offer.echo.starts_with("bosso.attach."));
    }
    if all_lines_valid {
        assert_eq!(
            by_lines.as_ref().map(|o| o.echo).ok(),
            by_map.as_ref().map(|o| o.echo).ok(),
            "the HeaderMap and line front ends disagree"
        );
    }
});
