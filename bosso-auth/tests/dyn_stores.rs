//! Stores as trait objects: a gate whose ownership and replay stores are picked at run time
//! (`DynAttachGate`) behaves exactly like one over the concrete stores.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod gate_support;

use std::sync::Arc;

use bosso_auth::Error;
use bosso_auth::gate::{DynAttachGate, TrustedPrincipal};
use bosso_auth::host::OriginPolicy;
use bosso_auth::ownership::DynOwnershipStore;
use bosso_token::*;
use gate_support::*;

/// What a host reads from its configuration; only the memory stores exist in this test.
fn stores(kind: &str) -> (Arc<dyn DynOwnershipStore>, Arc<dyn DynReplayStore>) {
    assert_eq!(kind, "memory");
    (Arc::new(alice_store()), Arc::new(MemoryReplayStore::new()))
}

#[tokio::test]
async fn a_gate_over_dyn_stores_checks_ownership_and_refuses_a_replay() {
    let (ownership, replay) = stores("memory");
    let gate: DynAttachGate = bare(&ring("k"), ownership, replay)
        .origins(OriginPolicy::exact([ORIGIN]).unwrap())
        .protocols([PROTOCOL])
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
    let headers = upgrade_headers(&token);
    let admitted = gate.admit(&headers, &id("s"), &id("c")).await.unwrap();
    assert_eq!(admitted.echo, PROTOCOL);
    // Replay through the trait object: refused.
    let again = gate.admit(&headers, &id("s"), &id("c")).await;
    assert_eq!(
        again.unwrap_err(),
        Error::AttachToken(bosso_token::Error::Replayed)
    );
}
