//! A host builds and drives the gate through `bosso_auth` paths alone: the bosso-token types
//! in its API are re-exported, and are the very same types.
#![allow(clippy::unwrap_used, missing_docs)]

use bosso_auth::gate::{AttachGate, MemoryAttachGate, TrustedPrincipal};
use bosso_auth::host::OriginPolicy;
use bosso_auth::ownership::MemoryOwnershipStore;
use bosso_auth::{
    AttachMinter, AttachVerifier, Audience, ChatId, KeyId, KeyRing, MemoryReplayStore, Permission,
    SessionId, SigningKey, UserId,
};

#[tokio::test]
async fn the_gate_needs_no_direct_bosso_token_import() {
    let ring = KeyRing::new(SigningKey::generate_ed25519(KeyId::new("k").unwrap()).unwrap());
    let aud = Audience::new("bosso").unwrap();
    let store = MemoryOwnershipStore::new();
    let alice = UserId::new("alice").unwrap();
    let daemon = bosso_auth::DaemonId::new("d").unwrap();
    store.set_daemon(
        &alice,
        &daemon,
        Some(bosso_auth::InstanceId::new("r").unwrap()),
    );
    store.set_session(
        &alice,
        &daemon,
        &SessionId::new("s").unwrap(),
        vec![ChatId::new("c").unwrap()],
    );
    let gate: MemoryAttachGate = AttachGate::builder(
        AttachMinter::new(ring.active().clone(), aud.clone()),
        AttachVerifier::new(ring.verification_keys(), aud),
        store,
        MemoryReplayStore::new(),
    )
    .origins(OriginPolicy::exact(["https://app.example"]).unwrap())
    .protocols(["app.v1"])
    .build()
    .unwrap();
    let principal = TrustedPrincipal::assert_verified(alice);
    let token: bosso_auth::AttachToken = gate
        .issue(
            &principal,
            SessionId::new("s").unwrap(),
            ChatId::new("c").unwrap(),
            Permission::Viewer,
        )
        .await
        .unwrap();
    let offer = bosso_auth::subprotocol::client_header_value("app.v1", &token);
    assert!(offer.is_ok());
    // The same types as bosso-token's, not look-alikes.
    let same: bosso_token::UserId = bosso_auth::token::UserId::new("x").unwrap();
    let _: bosso_auth::UserId = same;
}
