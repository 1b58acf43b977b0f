//! A validated login session is a principal bosso-auth's attach gate accepts, through
//! `ValidLoginSession::principal`; a login session that does not validate yields none.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use bosso_accounts::Error;
use bosso_accounts::login_session::{
    LoginSessionConfig, LoginSessionManager, MemoryLoginSessionStore,
};
use bosso_accounts::token::TokenKey;
use bosso_auth::gate::AttachGate;
use bosso_auth::host::OriginPolicy;
use bosso_auth::ownership::MemoryOwnershipStore;
use bosso_token::{
    AttachMinter, AttachVerifier, Audience, ChatId, DaemonId, InstanceId, KeyRing, ManualClock,
    MemoryReplayStore, Permission, SessionId, SigningKey, UnixTime, UserId, subprotocol,
};
use secrecy::ExposeSecret;

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

#[test]
fn a_validated_login_session_gets_an_attach_token_for_its_own_chat_only() {
    let clock = ManualClock::new(UnixTime::from_secs(1_800_000_000));
    let ring = KeyRing::new(SigningKey::generate_ed25519(id("k1")).unwrap());
    let aud: Audience = id("bosso");
    // alice owns daemon d-a with session s-a / chat c-1; bob owns d-b with s-b / c-b.
    let ownership = MemoryOwnershipStore::new();
    let (alice, bob): (UserId, UserId) = (id("alice"), id("bob"));
    let (d_a, d_b): (DaemonId, DaemonId) = (id("d-a"), id("d-b"));
    ownership.set_daemon(&alice, &d_a, Some(id::<InstanceId>("run-1")));
    ownership.set_session(&alice, &d_a, &id("s-a"), vec![id("c-1")]);
    ownership.set_daemon(&bob, &d_b, Some(id::<InstanceId>("run-2")));
    ownership.set_session(&bob, &d_b, &id("s-b"), vec![id("c-b")]);
    let gate = AttachGate::builder(
        AttachMinter::new(ring.active().clone(), aud.clone()),
        AttachVerifier::new(ring.verification_keys(), aud),
        ownership,
        MemoryReplayStore::new(),
    )
    .origins(OriginPolicy::exact(["http://localhost:8080"]).unwrap())
    .protocols(["app.v1"])
    .build()
    .unwrap();
    let logins = LoginSessionManager::new(
        LoginSessionConfig::default(),
        MemoryLoginSessionStore::new(16, clock.clone()),
        clock.clone(),
        TokenKey::from_bytes(&[7; 32]).unwrap(),
    )
    .unwrap();

    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            // The request presents its login-session token; only a validated one has a principal.
            let (cookie, _) = logins.create(&alice, false).await.unwrap();
            let session = logins.validate(cookie.expose()).await.unwrap();
            let principal = session.principal();

            let (s_a, c_1): (SessionId, ChatId) = (id("s-a"), id("c-1"));
            let token = gate
                .issue(&principal, s_a.clone(), c_1.clone(), Permission::Viewer)
                .await
                .unwrap();
            let mut headers = http::HeaderMap::new();
            headers.insert("host", "localhost:8080".parse().unwrap());
            headers.insert("origin", "http://localhost:8080".parse().unwrap());
            let offer = subprotocol::client_header_value("app.v1", &token).unwrap();
            headers.insert(
                "sec-websocket-protocol",
                offer.expose_secret().parse().unwrap(),
            );
            let admission = gate.admit(&headers, &s_a, &c_1).await.unwrap();
            assert_eq!(admission.claims.user(), &alice);

            // The principal is alice, not whoever the request claims: bob's chat is refused.
            assert_eq!(
                gate.issue(&principal, id("s-b"), id("c-b"), Permission::Viewer)
                    .await
                    .unwrap_err(),
                bosso_auth::Error::NotPermitted
            );

            // Logged out: the token no longer validates, so there is no principal to offer.
            logins.revoke(cookie.expose()).await.unwrap();
            assert_eq!(
                logins.validate(cookie.expose()).await.unwrap_err(),
                Error::SessionInvalid
            );
        });
}
