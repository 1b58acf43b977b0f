//! Host and Origin parsing and allowlists (DNS rebinding).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use bosso_auth::host::{Host, HostPolicy, OriginPolicy};

fn ok(p: &HostPolicy, h: &str) -> bool {
    p.check(Some(h.as_bytes())).is_ok()
}

#[test]
fn default_allows_loopback_names_and_ip_literals_only() {
    let p = HostPolicy::default();
    for h in [
        "localhost",
        "LOCALHOST:8080",
        "localhost.",
        "app.localhost",
        "a.b.localhost:1",
        "127.0.0.1",
        "127.0.0.1:65535",
        "[::1]",
        "[::1]:3000",
        "10.0.0.7",
        "[fe80::1]",
    ] {
        assert!(ok(&p, h), "{h}");
    }
    for h in [
        "attacker.example",
        "localhost.attacker.example",
        "notlocalhost",
        "evil-localhost",
        "",
        " localhost",
        "::1",
        "::1:80",
        "[::1",
        "[::1]x",
        "[::1]:",
        "localhost:",
        "localhost:99999",
        "localhost:-1",
        "localhost:8080:1",
        "local host",
        "loc\u{e9}lhost",
        "-a.localhost",
        "a..localhost",
        "[127.0.0.1]",
        "127.1",
    ] {
        assert!(!ok(&p, h), "{h:?} must be refused");
    }
    assert!(p.check(None).is_err(), "missing Host is refused");
}

#[test]
fn configured_exact_names_and_domains() {
    let p = HostPolicy::only()
        .allow("bosso.dev")
        .unwrap()
        .allow(".corp.example")
        .unwrap();
    for h in [
        "bosso.dev",
        "BOSSO.DEV:443",
        "bosso.dev.",
        "corp.example",
        "a.corp.example",
        "x.y.corp.example:8443",
    ] {
        assert!(ok(&p, h), "{h}");
    }
    for h in [
        "www.bosso.dev",
        "evilcorp.example",
        "corp.example.evil",
        "localhost",
        "127.0.0.1",
        "[::1]",
    ] {
        assert!(!ok(&p, h), "{h} must be refused");
    }
    assert!(HostPolicy::only().allow("bad name").is_err());
    assert!(HostPolicy::only().allow(".").is_err());
}

#[test]
fn switch_disables_the_list_but_not_parsing() {
    let p = HostPolicy::allow_any();
    assert!(ok(&p, "anything.example"));
    assert!(!ok(&p, ""));
    assert!(p.check(None).is_err());
    assert!(!ok(&p, "::1"));
}

#[test]
fn parsed_forms() {
    assert_eq!(
        Host::parse(b"Example.COM.:80").unwrap(),
        Host::Name("example.com".into())
    );
    assert_eq!(
        Host::parse(b"[::1]:80").unwrap(),
        Host::V6("::1".parse().unwrap())
    );
    assert_eq!(
        Host::parse(b"192.168.1.1").unwrap(),
        Host::V4("192.168.1.1".parse().unwrap())
    );
}

#[test]
fn origins_exact_and_missing() {
    let p = OriginPolicy::exact(["https://App.Bosso.dev", "http://localhost:5173/"]).unwrap();
    assert!(p.check(Some(b"https://app.bosso.dev")).is_ok());
    assert!(p.check(Some(b"http://localhost:5173")).is_ok());
    for o in [
        "https://app.bosso.dev.evil",
        "http://app.bosso.dev",
        "null",
        "https://app.bosso.dev:444",
        "",
    ] {
        assert!(p.check(Some(o.as_bytes())).is_err(), "{o}");
    }
    assert!(p.check(None).is_err());
    assert!(p.clone().allow_missing(true).check(None).is_ok());
    assert!(OriginPolicy::exact(["https://a/b"]).is_err());
    assert!(OriginPolicy::exact(["ftp://a"]).is_err());
    assert!(OriginPolicy::exact(["https://user@a"]).is_err());
}

#[test]
fn ip_entries_match_exactly_that_address() {
    let p = HostPolicy::only()
        .allow("127.0.0.1")
        .unwrap()
        .allow("[::1]")
        .unwrap();
    for h in [
        "127.0.0.1",
        "127.0.0.1:8080",
        "127.0.0.1.",
        "[::1]",
        "[::1]:3000",
        "[0:0:0:0:0:0:0:1]",
    ] {
        assert!(ok(&p, h), "{h}");
    }
    for h in [
        "127.0.0.2",
        "10.0.0.7",
        "[::2]",
        "[::ffff:127.0.0.1]",
        "localhost",
        "127.1",
        "127.0.0.1:0000080",
    ] {
        assert!(!ok(&p, h), "{h} must be refused");
    }
    // Trailing dot and compressed forms of the entry itself are the same address.
    let q = HostPolicy::only()
        .allow("10.1.2.3.")
        .unwrap()
        .allow("[0::0:1]")
        .unwrap();
    assert!(ok(&q, "10.1.2.3:1") && ok(&q, "[::1]"));
}

#[test]
fn entries_that_could_never_match_are_refused_when_built() {
    for e in [
        "127.0.0.1:80",
        "[::1]:80",
        "::1",
        "[::1",
        "[127.0.0.1]",
        "localhost:8080",
        "127.1",
        "1.2.3.999",
        "0x7f.1",
        "app.0x1f",
        "bosso.dev..",
        ".",
        "",
    ] {
        assert!(
            matches!(
                HostPolicy::only().allow(e),
                Err(bosso_auth::Error::InvalidConfig(_))
            ),
            "{e:?} must be refused"
        );
    }
    // Digits inside a name are fine while the last label is not a number.
    assert!(HostPolicy::only().allow("1password.example").is_ok());
    assert!(HostPolicy::only().allow("10.in-addr.example").is_ok());
}

#[test]
fn ports_are_one_to_five_digits_up_to_65535() {
    let p = HostPolicy::default();
    for h in [
        "localhost:0",
        "localhost:080",
        "localhost:00080",
        "[::1]:65535",
    ] {
        assert!(ok(&p, h), "{h}");
    }
    for h in [
        // Seven digits whose value (80) is a fine port: only the length rule refuses it.
        "localhost:0000080",
        "[::1]:0000080",
        "localhost:000080",
        // parse::<u32>() accepts a leading '+': only the digit rule refuses it.
        "localhost:+80",
        "[::1]:+80",
        "localhost:65536",
        "localhost:8 0",
    ] {
        assert!(!ok(&p, h), "{h:?} must be refused");
    }
}

#[test]
fn a_header_on_two_lines_is_refused_whatever_the_policy() {
    use bosso_auth::Error;
    use http::HeaderMap;

    let two = |name: http::header::HeaderName, a: &str, b: &str| {
        let mut h = HeaderMap::new();
        h.append(name.clone(), a.parse().unwrap());
        h.append(name, b.parse().unwrap());
        h
    };
    for p in [HostPolicy::local(), HostPolicy::allow_any()] {
        let mut one = HeaderMap::new();
        one.insert(http::header::HOST, "localhost".parse().unwrap());
        assert!(p.check_headers(&one).is_ok());
        for (a, b) in [("localhost", "evil.example"), ("localhost", "localhost")] {
            assert_eq!(
                p.check_headers(&two(http::header::HOST, a, b)),
                Err(Error::DuplicateHeader("host"))
            );
        }
        assert_eq!(
            p.check_headers(&HeaderMap::new()),
            Err(Error::HostNotAllowed)
        );
    }
    let o = OriginPolicy::exact(["https://app.bosso.dev"])
        .unwrap()
        .allow_missing(true);
    let mut one = HeaderMap::new();
    one.insert(
        http::header::ORIGIN,
        "https://app.bosso.dev".parse().unwrap(),
    );
    assert!(o.check_headers(&one).is_ok());
    assert!(o.check_headers(&HeaderMap::new()).is_ok());
    assert_eq!(
        o.check_headers(&two(
            http::header::ORIGIN,
            "https://app.bosso.dev",
            "https://evil.example"
        )),
        Err(Error::DuplicateHeader("origin"))
    );
    assert_eq!(
        Error::DuplicateHeader("host").to_string(),
        "header repeated: host"
    );
}
