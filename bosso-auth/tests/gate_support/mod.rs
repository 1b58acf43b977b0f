//! The gate fixture the gate tests share: alice owns daemon `d` (instance `r1`), session `s`,
//! chat `c`; one allowed Origin and one application protocol.
#![allow(dead_code, clippy::unwrap_used)]

use bosso_auth::gate::{AttachGate, AttachGateBuilder};
use bosso_auth::host::OriginPolicy;
use bosso_auth::ownership::MemoryOwnershipStore;
use bosso_token::*;
use secrecy::ExposeSecret;

pub const ORIGIN: &str = "https://app.example";
pub const PROTOCOL: &str = "app.v1";

pub fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

/// alice -> d (r1) -> s -> c.
pub fn alice_store() -> MemoryOwnershipStore {
    let store = MemoryOwnershipStore::new();
    let (alice, d) = (id::<UserId>("alice"), id::<DaemonId>("d"));
    store.set_daemon(&alice, &d, Some(id("r1")));
    store.set_session(&alice, &d, &id("s"), vec![id("c")]);
    store
}

/// A builder over `ring`'s keys and the given stores, with neither Origin nor protocol set.
pub fn bare<O, R>(ring: &KeyRing, ownership: O, replay: R) -> AttachGateBuilder<O, R>
where
    O: bosso_auth::ownership::OwnershipStore,
    R: ReplayStore,
{
    let aud: Audience = id("bosso");
    AttachGate::builder(
        AttachMinter::new(ring.active().clone(), aud.clone()),
        AttachVerifier::new(ring.verification_keys(), aud),
        ownership,
        replay,
    )
}

/// [`bare`] with alice's store, a memory replay store, [`ORIGIN`] and [`PROTOCOL`].
pub fn configured(ring: &KeyRing) -> AttachGateBuilder<MemoryOwnershipStore, MemoryReplayStore> {
    bare(ring, alice_store(), MemoryReplayStore::new())
        .origins(OriginPolicy::exact([ORIGIN]).unwrap())
        .protocols([PROTOCOL])
}

pub fn ring(kid: &str) -> KeyRing {
    KeyRing::new(SigningKey::generate_ed25519(id(kid)).unwrap())
}

/// The headers of a browser upgrade from [`ORIGIN`] offering `token`.
pub fn upgrade_headers(token: &AttachToken) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    h.insert("host", "localhost".parse().unwrap());
    h.insert("origin", ORIGIN.parse().unwrap());
    let offer = subprotocol::client_header_value(PROTOCOL, token).unwrap();
    h.insert(
        "sec-websocket-protocol",
        offer.expose_secret().parse().unwrap(),
    );
    h
}
