//! Edges a mutation run (cargo-mutants on key.rs, format.rs and replay.rs) showed no test
//! pinned down: the token size cap at exactly `MAX_TOKEN_LEN`, the future-version rule, a
//! verification key added to a ring, the counting accessors, and `Debug` output that is
//! informative while never showing a secret.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(missing_docs)]

mod common;

use bosso_token::*;
use common::{block_on, scope};

#[test]
fn the_size_cap_is_exactly_max_token_len() {
    let at_cap = format!("bat1e.{}", "A".repeat(MAX_TOKEN_LEN - "bat1e.".len()));
    let over = format!("{at_cap}A");
    assert_eq!(at_cap.len(), MAX_TOKEN_LEN);
    // At the cap the token is parsed further (and refused for what it holds, not its size).
    assert!(!matches!(
        UnverifiedToken::parse(&at_cap),
        Err(Error::TooLarge)
    ));
    assert!(matches!(
        UnverifiedToken::parse(&over),
        Err(Error::TooLarge)
    ));
}

#[test]
fn only_a_bat_prefix_with_a_dot_is_a_future_version() {
    assert!(matches!(
        UnverifiedToken::parse("bat2e.AAAA"),
        Err(Error::UnsupportedVersion)
    ));
    // Neither half alone makes a token from the future: those are garbage.
    assert!(matches!(
        UnverifiedToken::parse("bat2eAAAA"),
        Err(Error::Malformed(_))
    ));
    assert!(matches!(
        UnverifiedToken::parse("xyz2e.AAAA"),
        Err(Error::Malformed(_))
    ));
}

#[test]
fn a_verification_key_added_to_a_ring_verifies_and_nothing_else_does() {
    let f = common::ed25519();
    let other = SigningKey::generate_ed25519(KeyId::new("ed-other").unwrap()).unwrap();
    let aud = Audience::new("bosso").unwrap();
    let clock = std::sync::Arc::new(f.clock.clone());
    let foreign =
        AttachMinter::new(std::sync::Arc::new(other), aud.clone()).with_clock(clock.clone());
    let token = foreign
        .mint(&scope("alice", "s", "c", Permission::Editor))
        .unwrap();
    let expected = Expected::chat(SessionId::new("s").unwrap(), ChatId::new("c").unwrap());

    let mut ring = f.ring;
    assert_eq!(ring.verification_keys().len(), 1);
    let before =
        AttachVerifier::new(ring.verification_keys(), aud.clone()).with_clock(clock.clone());
    assert!(before.verify_str(token.expose_secret(), &expected).is_err());

    ring.add_verification_key(foreign.key().verification_key())
        .unwrap();
    let keys = ring.verification_keys();
    assert_eq!(keys.len(), 2);
    assert!(!keys.is_empty());
    let after = AttachVerifier::new(keys, aud).with_clock(clock);
    assert!(after.verify_str(token.expose_secret(), &expected).is_ok());
    assert!(VerificationKeys::new().is_empty());
    assert_eq!(VerificationKeys::new().len(), 0);
}

#[test]
fn the_replay_store_counts_what_it_holds() {
    let f = common::hmac();
    let store = MemoryReplayStore::new().with_clock(std::sync::Arc::new(f.clock.clone()));
    assert!(store.is_empty());
    assert_eq!(store.len(), 0);
    let t = f
        .minter
        .mint(&scope("alice", "s", "c", Permission::Editor))
        .unwrap();
    let expected = Expected::chat(SessionId::new("s").unwrap(), ChatId::new("c").unwrap());
    let verified = f.verifier.verify_str(t.expose_secret(), &expected).unwrap();
    block_on(verified.consume(&store)).unwrap();
    assert!(!store.is_empty());
    assert_eq!(store.len(), 1);
}

#[test]
fn debug_names_the_key_and_never_shows_its_secret() {
    let hmac = SigningKey::hmac_from_bytes(
        KeyId::new("mac-debug").unwrap(),
        secrecy::SecretSlice::from(vec![0x5a; 32]),
    )
    .unwrap();
    let text = format!("{hmac:?} {:?}", hmac.verification_key());
    assert!(
        text.contains("SigningKey") && text.contains("VerificationKey"),
        "{text}"
    );
    assert!(text.contains("mac-debug"), "{text}");
    assert!(!text.contains("5a5a") && !text.contains("90, 90"), "{text}");
    let store = MemoryReplayStore::with_capacity(1 << 12);
    let shown = format!("{store:?}");
    assert!(shown.contains("MemoryReplayStore"), "{shown}");
    assert!(shown.contains(&(1usize << 12).to_string()), "{shown}");
}
