//! `Sec-WebSocket-Protocol` carriage.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use bosso_token::subprotocol::*;
use bosso_token::*;
use common::*;
use secrecy::ExposeSecret;

fn token() -> (Fixture, AttachToken) {
    let f = ed25519();
    let t = f
        .minter
        .mint(&scope("alice", "s1", "c1", Permission::Viewer))
        .unwrap();
    (f, t)
}

#[test]
fn client_value_parses_back_and_echo_is_the_app_protocol() {
    let (f, t) = token();
    let v = client_header_value("app.v1", &t).unwrap();
    assert!(
        v.expose_secret()
            .bytes()
            .all(|b| b == b' ' || b == b',' || b.is_ascii_graphic())
    );
    let offer = parse_attach_offer([v.expose_secret()], &["app.v2", "app.v1"]).unwrap();
    assert_eq!(offer.echo, "app.v1");
    assert!(!offer.echo.contains("bosso.attach"));
    assert_eq!(offer.token.key_id(), "ed-1");
    assert!(
        f.verifier
            .verify(offer.token, &Expected::any_scope())
            .is_ok()
    );
}

#[test]
fn repeated_headers_whitespace_and_empty_elements() {
    let (_, t) = token();
    let entry = format!("bosso.attach.{}", t.expose_secret());
    let lines = [" , app.v1 ,\t".to_string(), format!("other,\t{entry} ,,")];
    let offer = parse_attach_offer(lines.iter(), &["app.v1"]).unwrap();
    assert_eq!(offer.echo, "app.v1");
    // Client order decides which supported protocol is echoed.
    let offer = parse_attach_offer([format!("b, a, {entry}")], &["a", "b"]).unwrap();
    assert_eq!(offer.echo, "b");
}

#[test]
fn exactly_one_attach_entry() {
    let (_, t) = token();
    let entry = format!("bosso.attach.{}", t.expose_secret());
    assert_eq!(
        parse_attach_offer(["app.v1"], &["app.v1"]).unwrap_err(),
        Error::MissingAttachToken
    );
    assert_eq!(
        parse_attach_offer([format!("app.v1, {entry}, {entry}")], &["app.v1"]).unwrap_err(),
        Error::DuplicateAttachToken
    );
    assert_eq!(
        parse_attach_offer([format!("app.v1, {entry}"), entry.clone()], &["app.v1"]).unwrap_err(),
        Error::DuplicateAttachToken
    );
}

#[test]
fn never_echoes_the_token_entry_even_if_misconfigured() {
    let (_, t) = token();
    let entry = format!("bosso.attach.{}", t.expose_secret());
    let err = parse_attach_offer([entry.clone()], &[entry.as_str()]).unwrap_err();
    assert_eq!(err, Error::NoSupportedProtocol);
}

#[test]
fn malformed_headers_are_refused() {
    let (_, t) = token();
    let entry = format!("bosso.attach.{}", t.expose_secret());
    let bad: Vec<Vec<u8>> = vec![
        format!("app v1, {entry}").into_bytes(),
        format!("app;v1, {entry}").into_bytes(),
        format!("app.v1, {entry}\u{e9}").into_bytes(),
        vec![0xff, b',', b'a'],
        format!("{}, {entry}", "a,".repeat(20)).into_bytes(),
        format!("{}, {entry}", "a".repeat(5000)).into_bytes(),
    ];
    for b in bad {
        assert!(matches!(
            parse_attach_offer([&b], &["app.v1"]),
            Err(Error::MalformedSubprotocol(_))
        ));
    }
    // A garbage token entry is a token error, not accepted.
    assert!(parse_attach_offer(["app.v1, bosso.attach.nope"], &["app.v1"]).is_err());
    assert!(client_header_value("bad proto", &t).is_err());
    assert!(client_header_value("bosso.attach.x", &t).is_err());
}

#[cfg(feature = "http")]
#[test]
fn header_map_with_repeated_lines() {
    let (_, t) = token();
    let mut h = http::HeaderMap::new();
    h.append(
        http::header::SEC_WEBSOCKET_PROTOCOL,
        "app.v1".parse().unwrap(),
    );
    h.append(
        http::header::SEC_WEBSOCKET_PROTOCOL,
        format!("bosso.attach.{}", t.expose_secret())
            .parse()
            .unwrap(),
    );
    let offer = parse_attach_headers(&h, &["app.v1"]).unwrap();
    assert_eq!(offer.echo, "app.v1");
}

#[test]
fn client_value_from_a_token_string_matches_and_refuses_smuggled_entries() {
    let (_, t) = token();
    let from_str = client_header_value_from_str("app.v1", t.expose_secret()).unwrap();
    let from_token = client_header_value("app.v1", &t).unwrap();
    assert_eq!(from_str.expose_secret(), from_token.expose_secret());
    for bad in ["", "x, app.v2", "a b", "tok\r\nX-Evil: 1"] {
        assert!(matches!(
            client_header_value_from_str("app.v1", bad),
            Err(Error::MalformedSubprotocol(_))
        ));
    }
    assert!(client_header_value_from_str("bad proto", t.expose_secret()).is_err());
}
