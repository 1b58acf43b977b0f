//! Live key rotation on the gate: tokens in flight across a rotation, consumed ones never
//! usable again, retired keys refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod gate_support;

use std::sync::Arc;

use bosso_auth::Error;
use bosso_auth::gate::{MemoryAttachGate, TrustedPrincipal};
use bosso_token::*;
use gate_support::*;

fn gate(ring: &KeyRing) -> MemoryAttachGate {
    configured(ring).build().unwrap()
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
    gate.admit(&upgrade_headers(token), &id("s"), &id("c"))
        .await
        .map(drop)
}

const REPLAYED: Error = Error::AttachToken(bosso_token::Error::Replayed);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_while_tokens_are_in_flight_and_no_consumed_token_becomes_usable_again() {
    let mut ring = ring("k1");
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
