//! The local daemon's bearer secret: a 256-bit machine secret kept as a SHA-256 hash, carried
//! in the subprotocol or `Authorization`, and read only after Host and Origin passed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bosso_auth::Error;
use bosso_auth::bearer::{BearerSecret, BearerVerifier};
use bosso_auth::host::{HostPolicy, OriginPolicy};
use bosso_auth::local::LocalGuard;
use http::HeaderMap;
use http::header::{AUTHORIZATION, HOST, ORIGIN, SEC_WEBSOCKET_PROTOCOL};
use secrecy::SecretString;

/// 43 base64url characters: the shortest accepted secret.
const SECRET: &str = "q9Zb7kT2mW4xN8pL1vR6sY3cH5jF0dG_aE-uK7iO2nB";
const ORIGIN_OK: &str = "http://localhost:5173";

fn verifier(secret: &str) -> BearerVerifier {
    BearerVerifier::new(&SecretString::from(secret)).unwrap()
}

fn guard(v: BearerVerifier) -> LocalGuard {
    LocalGuard::new("paseo", v)
        .unwrap()
        .with_hosts(HostPolicy::local())
        .with_origins(OriginPolicy::exact([ORIGIN_OK]).unwrap())
        .with_protocols(["paseo.v1"])
}

/// A request that passes Host and Origin, with `protocol` as its subprotocol offer.
fn request(protocol: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(HOST, "localhost:7777".parse().unwrap());
    h.insert(ORIGIN, ORIGIN_OK.parse().unwrap());
    if !protocol.is_empty() {
        h.insert(SEC_WEBSOCKET_PROTOCOL, protocol.parse().unwrap());
    }
    h
}

#[test]
fn a_generated_secret_is_256_random_bits_in_base64url() {
    let a = BearerSecret::generate().unwrap();
    let b = BearerSecret::generate().unwrap();
    assert_eq!(a.expose_secret().len(), 43);
    assert_eq!(URL_SAFE_NO_PAD.decode(a.expose_secret()).unwrap().len(), 32);
    assert_ne!(a.expose_secret(), b.expose_secret());
    // It is accepted as configuration, and its verifier admits it.
    assert!(BearerVerifier::new(&SecretString::from(a.expose_secret())).is_ok());
    let h = request(&format!("paseo.bearer.{}", a.expose_secret()));
    assert!(guard(a.verifier()).check(&h).is_ok());
    assert!(!format!("{a:?}").contains(a.expose_secret()));
}

#[test]
fn a_configured_secret_must_carry_256_bits() {
    let cases: [(String, bool); 9] = [
        (SECRET.to_owned(), true),
        ("A".repeat(128), true),
        (SECRET[..42].to_owned(), false),
        ("A".repeat(129), false),
        (String::new(), false),
        (format!("{}.", &SECRET[..42]), false),
        (format!("{}=", &SECRET[..42]), false),
        (format!("{}+", &SECRET[..42]), false),
        (format!("{}\u{e9}", &SECRET[..41]), false),
    ];
    for (s, accepted) in cases {
        let r = BearerVerifier::new(&SecretString::from(s.clone()));
        if accepted {
            assert!(r.is_ok(), "{s:?}");
        } else {
            let e = r.unwrap_err();
            assert!(matches!(e, Error::InvalidKey(_)), "{s:?}: {e:?}");
            if !s.is_empty() {
                assert!(!e.to_string().contains(&s), "the error echoes no input");
            }
        }
    }
}

#[test]
fn the_right_secret_is_admitted_and_a_wrong_one_refused() {
    let g = guard(verifier(SECRET));
    let a = g
        .check(&request(&format!("paseo.v1, paseo.bearer.{SECRET}")))
        .unwrap();
    assert_eq!(
        a.echo.as_deref(),
        Some("paseo.v1"),
        "never the secret entry"
    );
    let mut auth = request("");
    auth.insert(AUTHORIZATION, format!("bEaReR {SECRET}").parse().unwrap());
    assert_eq!(g.check(&auth).unwrap().echo, None);

    // One character changed, one missing, one more, another secret of the accepted form.
    let mut flipped = SECRET.to_owned();
    flipped.replace_range(42.., "C");
    for wrong in [
        flipped,
        SECRET[..42].to_owned(),
        format!("{SECRET}A"),
        BearerSecret::generate().unwrap().expose_secret().to_owned(),
    ] {
        assert_eq!(
            g.check(&request(&format!("paseo.v1, paseo.bearer.{wrong}")))
                .unwrap_err(),
            Error::BearerInvalid,
            "{wrong}"
        );
    }
}

#[test]
fn host_and_origin_are_checked_before_the_bearer_is_read() {
    let g = guard(verifier(SECRET));
    // Each request also carries a bad bearer (wrong, or two of them, or none): if the bearer
    // were looked at first, the error would be a bearer error.
    for bearer in ["paseo.bearer.wrong", "paseo.bearer.a, paseo.bearer.b", ""] {
        let mut bad_host = request(bearer);
        bad_host.insert(HOST, "attacker.example".parse().unwrap());
        assert_eq!(g.check(&bad_host).unwrap_err(), Error::HostNotAllowed);

        let mut two_hosts = request(bearer);
        two_hosts.append(HOST, "attacker.example".parse().unwrap());
        assert_eq!(
            g.check(&two_hosts).unwrap_err(),
            Error::DuplicateHeader("host")
        );

        let mut bad_host_and_origin = bad_host.clone();
        bad_host_and_origin.insert(ORIGIN, "https://attacker.example".parse().unwrap());
        assert_eq!(
            g.check(&bad_host_and_origin).unwrap_err(),
            Error::HostNotAllowed,
            "Host comes first"
        );

        let mut bad_origin = request(bearer);
        bad_origin.insert(ORIGIN, "https://attacker.example".parse().unwrap());
        assert_eq!(g.check(&bad_origin).unwrap_err(), Error::OriginNotAllowed);

        let mut two_origins = request(bearer);
        two_origins.append(ORIGIN, "https://attacker.example".parse().unwrap());
        assert_eq!(
            g.check(&two_origins).unwrap_err(),
            Error::DuplicateHeader("origin")
        );

        let mut no_origin = request(bearer);
        no_origin.remove(ORIGIN);
        assert_eq!(g.check(&no_origin).unwrap_err(), Error::OriginNotAllowed);
    }
    // With Host and Origin right, the bearer decides.
    assert_eq!(
        g.check(&request("paseo.bearer.wrong")).unwrap_err(),
        Error::BearerInvalid
    );
    assert_eq!(g.check(&request("")).unwrap_err(), Error::BearerMissing);
}

#[test]
fn exactly_one_secret_across_every_place() {
    let g = guard(verifier(SECRET));
    let mut both = request(&format!("paseo.bearer.{SECRET}"));
    both.insert(AUTHORIZATION, format!("Bearer {SECRET}").parse().unwrap());
    let mut two_lines = request(&format!("paseo.bearer.{SECRET}"));
    two_lines.append(
        SEC_WEBSOCKET_PROTOCOL,
        format!("paseo.bearer.{SECRET}").parse().unwrap(),
    );
    let mut two_auth = request("");
    two_auth.append(AUTHORIZATION, format!("Bearer {SECRET}").parse().unwrap());
    two_auth.append(AUTHORIZATION, format!("Bearer {SECRET}").parse().unwrap());
    let mut basic = request("");
    basic.insert(AUTHORIZATION, "Basic YTpi".parse().unwrap());
    for (name, h) in [
        ("both places", both),
        ("two subprotocol lines", two_lines),
        ("two Authorization lines", two_auth),
        ("Basic", basic),
        ("empty entry", request("paseo.bearer.")),
        (
            "two in one line",
            request(&format!("paseo.bearer.{SECRET}, paseo.bearer.{SECRET}")),
        ),
    ] {
        assert_eq!(g.check(&h).unwrap_err(), Error::BearerInvalid, "{name}");
    }
    // The application protocol on its own line is still found and echoed.
    let mut split = request(&format!("paseo.bearer.{SECRET}"));
    split.append(SEC_WEBSOCKET_PROTOCOL, "paseo.v1".parse().unwrap());
    assert_eq!(g.check(&split).unwrap().echo.as_deref(), Some("paseo.v1"));
}

#[test]
fn only_a_sha256_of_the_secret_is_kept() {
    let v = verifier(SECRET);
    let hash = v.hash();
    // Independently computed from the documented construction.
    let mut input = b"bosso-auth bearer v1\0".to_vec();
    input.extend_from_slice(SECRET.as_bytes());
    let expected = ring::digest::digest(&ring::digest::SHA256, &input);
    assert_eq!(
        hash,
        format!(
            "bearer-sha256:{}",
            URL_SAFE_NO_PAD.encode(expected.as_ref())
        )
    );
    assert!(!hash.contains(SECRET));
    // The persisted hash is all a daemon needs after a restart.
    let restored = BearerVerifier::from_hash(&hash).unwrap();
    let g = guard(restored);
    assert!(g.check(&request(&format!("paseo.bearer.{SECRET}"))).is_ok());
    for shown in [format!("{v:?}"), format!("{g:?}")] {
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains(&SECRET[..8]), "{shown}");
    }
    for bad in [
        "",
        "sha256:AAAA",
        "bearer-sha256:",
        "bearer-sha256:AAAA",
        "bearer-sha256:!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
    ] {
        assert!(
            matches!(BearerVerifier::from_hash(bad), Err(Error::InvalidKey(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn the_application_name_cannot_smuggle_a_prefix() {
    for app in ["", "paseo.v1", "a b", "paseo.bearer", "p\u{e9}"] {
        assert!(
            matches!(
                LocalGuard::new(app, verifier(SECRET)),
                Err(Error::InvalidConfig(_))
            ),
            "{app:?}"
        );
    }
}
