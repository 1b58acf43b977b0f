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
