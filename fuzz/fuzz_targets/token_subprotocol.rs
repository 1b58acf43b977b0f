//! `Sec-WebSocket-Protocol` parsing: any bytes, split into any number of header lines.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let _ = bosso_token::subprotocol::parse_attach_offer(lines.iter(), &["app.v1", "b"]);
    let mut headers = http::HeaderMap::new();
    for l in &lines {
        if let Ok(v) = http::HeaderValue::from_bytes(l) {
            headers.append(http::header::SEC_WEBSOCKET_PROTOCOL, v);
        }
    }
    if let Ok(offer) = bosso_token::subprotocol::parse_attach_headers(&headers, &["app.v1"]) {
        assert!(!offer.echo.starts_with("bosso.attach."));
    }
});
