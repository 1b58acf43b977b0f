//! Stores as trait objects: a gate whose ownership and replay stores are picked at run time
//! (`DynAttachGate`) behaves exactly like one over the concrete stores.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use bosso_auth::Error;
use bosso_auth::gate::{AttachGate, DynAttachGate, TrustedPrincipal};
use bosso_auth::host::OriginPolicy;
use bosso_auth::ownership::{DynOwnershipStore, MemoryOwnershipStore};
use bosso_token::*;
use secrecy::ExposeSecret;

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

/// What a host reads from its configuration; only the memory stores exist in this test.
fn stores(kind: &str) -> (Arc<dyn DynOwnershipStore>, Arc<dyn DynReplayStore>) {
    let ownership = MemoryOwnershipStore::new();
    let (alice, d) = (id::<UserId>("alice"), id::<DaemonId>("d"));
    ownership.set_daemon(&alice, &d, Some(id("r1")));
    ownership.set_session(&alice, &d, &id("s"), vec![id("c")]);
    assert_eq!(kind, "memory");
    (Arc::new(ownership), Arc::new(MemoryReplayStore::new()))
}

#[tokio::test]
async fn a_gate_over_dyn_stores_checks_ownership_and_refuses_a_replay() {
    let ring = KeyRing::new(SigningKey::generate_ed25519(id("k")).unwrap());
    let aud: Audience = id("bosso");
    let (ownership, replay) = stores("memory");
    let gate: DynAttachGate = AttachGate::builder(
        AttachMinter::new(ring.active().clone(), aud.clone()),
        AttachVerifier::new(ring.verification_keys(), aud),
        ownership,
        replay,
    )
    .origins(OriginPolicy::exact(["https://app.example"]).unwrap())
    .protocols(["app.v1"])
    .build()
    .unwrap();

    let alice = TrustedPrincipal::assert_verified(id("alice"));
    let mallory = TrustedPrincipal::assert_verified(id("mallory"));
    // Ownership through the trait object: mallory owns nothing.
    let denied = gate
        .issue(&mallory, id("s"), id("c"), Permission::Editor)
        .await;
    assert_eq!(denied.unwrap_err(), Error::NotPermitted);
    let token = gate
        .issue(&alice, id("s"), id("c"), Permission::Editor)
        .await
        .unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("host", "localhost".parse().unwrap());
    headers.insert("origin", "https://app.example".parse().unwrap());
    let offer = subprotocol::client_header_value("app.v1", &token).unwrap();
    headers.insert(
        "sec-websocket-protocol",
        offer.expose_secret().parse().unwrap(),
    );
    let admitted = gate.admit(&headers, &id("s"), &id("c")).await.unwrap();
    assert_eq!(admitted.echo, "app.v1");
    // Replay through the trait object: refused.
    let again = gate.admit(&headers, &id("s"), &id("c")).await;
    assert_eq!(
        again.unwrap_err(),
        Error::AttachToken(bosso_token::Error::Replayed)
    );
}
