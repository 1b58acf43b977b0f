//! The daemon's bearer secret: subprotocol and Authorization carriage, hash-only storage.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::sync::Arc;

use bosso_auth::Error;
use bosso_auth::accounts::password::{PasswordConfig, PasswordHasher};
use bosso_auth::bearer::{BearerVerifier, extract_bearer};
use http::HeaderMap;
use secrecy::SecretString;

fn hasher() -> Arc<PasswordHasher> {
    // Cheap parameters: these tests are about carriage and comparison, not cost.
    let cfg = PasswordConfig {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
        ..PasswordConfig::default()
    };
    Arc::new(PasswordHasher::new(cfg).unwrap())
}

const SECRET: &str = "s3cr3t.with.dots_and-dashes";

fn proto(v: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(http::header::SEC_WEBSOCKET_PROTOCOL, v.parse().unwrap());
    h
}

#[test]
fn subprotocol_secret_with_dots_verifies_and_echo_excludes_it() {
    let v = BearerVerifier::new(hasher(), SecretString::from(SECRET)).unwrap();
    let h = proto(&format!("paseo.v1, paseo.bearer.{SECRET}"));
    let offer = extract_bearer(&h, "paseo", &["paseo.v1"]).unwrap();
    assert_eq!(offer.echo.as_deref(), Some("paseo.v1"));
    assert!(!format!("{offer:?}").contains(SECRET));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        v.verify(&offer).await.unwrap();
        let wrong = extract_bearer(
            &proto("paseo.v1, paseo.bearer.s3cr3t.with.dots_and-dashe"),
            "paseo",
            &["paseo.v1"],
        )
        .unwrap();
        assert_eq!(v.verify(&wrong).await.unwrap_err(), Error::BearerInvalid);
    });
}

#[test]
fn authorization_header_and_conflicts() {
    let v = BearerVerifier::new(hasher(), SecretString::from(SECRET)).unwrap();
    let mut h = HeaderMap::new();
    h.insert(
        http::header::AUTHORIZATION,
        format!("bEaReR {SECRET}").parse().unwrap(),
    );
    let offer = extract_bearer(&h, "paseo", &[]).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async { v.verify(&offer).await.unwrap() });
    // Both places at once, two subprotocol secrets, other schemes, nothing: refused.
    let mut both = proto(&format!("paseo.bearer.{SECRET}"));
    both.insert(
        http::header::AUTHORIZATION,
        format!("Bearer {SECRET}").parse().unwrap(),
    );
    assert_eq!(
        extract_bearer(&both, "paseo", &[]).unwrap_err(),
        Error::BearerInvalid
    );
    let two = proto(&format!("paseo.bearer.{SECRET}, paseo.bearer.x"));
    assert_eq!(
        extract_bearer(&two, "paseo", &[]).unwrap_err(),
        Error::BearerInvalid
    );
    let mut basic = HeaderMap::new();
    basic.insert(http::header::AUTHORIZATION, "Basic YTpi".parse().unwrap());
    assert_eq!(
        extract_bearer(&basic, "paseo", &[]).unwrap_err(),
        Error::BearerInvalid
    );
    assert_eq!(
        extract_bearer(&HeaderMap::new(), "paseo", &[]).unwrap_err(),
        Error::BearerMissing
    );
    assert_eq!(
        extract_bearer(&proto("paseo.bearer."), "paseo", &[]).unwrap_err(),
        Error::BearerInvalid
    );
}

#[test]
fn only_the_hash_is_kept() {
    let v = BearerVerifier::new(hasher(), SecretString::from(SECRET)).unwrap();
    assert!(v.hash().as_str().starts_with("$argon2id$"));
    assert!(!v.hash().as_str().contains(SECRET));
    assert!(!format!("{v:?}").contains(SECRET));
}
