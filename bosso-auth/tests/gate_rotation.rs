//! Live key rotation on the gate: tokens in flight across a rotation, consumed ones never
//! usable again, retired keys refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;

use bosso_auth::Error;
use bosso_auth::gate::{AttachGate, MemoryAttachGate, TrustedPrincipal};
use bosso_auth::host::OriginPolicy;
use bosso_auth::ownership::MemoryOwnershipStore;
use bosso_token::*;
use secrecy::ExposeSecret;

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

fn gate(ring: &KeyRing) -> MemoryAttachGate {
    let aud: Audience = id("bosso");
    let store = MemoryOwnershipStore::new();
    let (alice, d) = (id::<UserId>("alice"), id::<DaemonId>("d"));
    store.set_daemon(&alice, &d, Some(id("r1")));
    store.set_session(&alice, &d, &id("s"), vec![id("c")]);
    AttachGate::builder(
        AttachMinter::new(ring.active().clone(), aud.clone()),
        AttachVerifier::new(ring.verification_keys(), aud),
        store,
        MemoryReplayStore::new(),
    )
    .origins(OriginPolicy::exact(["https://app.example"]).unwrap())
    .protocols(["app.v1"])
    .build()
    .unwrap()
}

async fn mint(gate: &MemoryAttachGate) -> AttachToken {
    let alice = TrustedPrincipal::assert_verified(id("alice"));
    gate.issue(&alice, id("s"), id("c"), Permission::Editor)
        .await
        .unwrap()
}

fn kid(token: &AttachToken) -> String {
    UnverifiedToken::parse(token.expose_secret())
        .unwrap()
        .key_id()
        .to_owned()
}

async fn admit(gate: &MemoryAttachGate, token: &AttachToken) -> Result<(), Error> {
    let mut h = http::HeaderMap::new();
    h.insert("host", "localhost".parse().unwrap());
    h.insert("origin", "https://app.example".parse().unwrap());
    let offer = subprotocol::client_header_value("app.v1", token).unwrap();
    h.insert(
        "sec-websocket-protocol",
        offer.expose_secret().parse().unwrap(),
    );
    gate.admit(&h, &id("s"), &id("c")).await.map(drop)
}

const REPLAYED: Error = Error::AttachToken(bosso_token::Error::Replayed);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_while_tokens_are_in_flight_and_no_consumed_token_becomes_usable_again() {
    let mut ring = KeyRing::new(SigningKey::generate_ed25519(id("k1")).unwrap());
    let gate = Arc::new(gate(&ring));
    let old: Vec<AttachToken> = futures_util::future::join_all((0..40).map(|_| mint(&gate))).await;
    assert!(old.iter().all(|t| kid(t) == "k1"));
    // Minted before the rotation and never used until k1 is retired.
    let unused_k1 = mint(&gate).await;
    let old = Arc::new(old);
    // Half are consumed before the rotation.
    for t in &old[..20] {
        admit(&gate, t).await.unwrap();
    }

    // The other half race the rotation: each admits exactly once, whichever side of the
    // rotation it lands on (k1 stays in the ring for verification).
    ring.rotate(SigningKey::generate_ed25519(id("k2")).unwrap())
        .unwrap();
    let racers: Vec<_> = (20..40)
        .map(|i| {
            let (gate, old) = (gate.clone(), old.clone());
            tokio::spawn(async move { admit(&gate, &old[i]).await })
        })
        .collect();
    gate.rotate_keys(&ring);
    for r in racers {
        r.await.unwrap().unwrap();
    }

    // New tokens carry the new key and work once.
    let fresh = mint(&gate).await;
    assert_eq!(kid(&fresh), "k2");
    admit(&gate, &fresh).await.unwrap();
    assert_eq!(admit(&gate, &fresh).await.unwrap_err(), REPLAYED);
    // No token consumed before or during the rotation is usable again.
    for t in old.iter() {
        assert_eq!(admit(&gate, t).await.unwrap_err(), REPLAYED);
    }

    // Retiring k1 and installing the ring again: k1 tokens no longer verify at all; a
    // consumed k2 token is still consumed.
    ring.retire(&id("k1")).unwrap();
    gate.rotate_keys(&ring);
    assert_eq!(
        admit(&gate, &unused_k1).await.unwrap_err(),
        Error::AttachToken(bosso_token::Error::UnknownKey)
    );
    assert_eq!(admit(&gate, &fresh).await.unwrap_err(), REPLAYED);
}
