#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use bosso_token::*;

pub const T0: u64 = 1_800_000_000;

pub struct Fixture {
    pub ring: KeyRing,
    pub clock: ManualClock,
    pub minter: AttachMinter,
    pub verifier: AttachVerifier,
}

pub fn scope(user: &str, session: &str, chat: &str, p: Permission) -> Scope {
    Scope::new(
        UserId::new(user).unwrap(),
        SessionId::new(session).unwrap(),
        ChatId::new(chat).unwrap(),
        p,
    )
}

pub fn fixture(key: SigningKey) -> Fixture {
    let ring = KeyRing::new(key);
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let aud = Audience::new("bosso").unwrap();
    let minter =
        AttachMinter::new(ring.active().clone(), aud.clone()).with_clock(Arc::new(clock.clone()));
    let verifier =
        AttachVerifier::new(ring.verification_keys(), aud).with_clock(Arc::new(clock.clone()));
    Fixture {
        ring,
        clock,
        minter,
        verifier,
    }
}

pub fn ed25519() -> Fixture {
    fixture(SigningKey::generate_ed25519(KeyId::new("ed-1").unwrap()).unwrap())
}

pub fn hmac() -> Fixture {
    fixture(SigningKey::generate_hmac(KeyId::new("mac-1").unwrap()).unwrap())
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}
