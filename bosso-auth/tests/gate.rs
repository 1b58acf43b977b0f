//! The attach gate: both checks at issue and at admit, ownership that leaks nothing, Host and
//! Origin guards, live views cut when the daemon goes away.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod oidc_support;

use std::sync::Arc;
use std::time::Duration;

use bosso_auth::Error;
use bosso_auth::audit::{AuditEvent, MemoryAudit};
use bosso_auth::gate::{AttachGate, TrustedPrincipal};
use bosso_auth::host::{HostPolicy, OriginPolicy};
use bosso_auth::ownership::{Axis, MemoryOwnershipStore};
use bosso_token::*;
use http::HeaderMap;
use secrecy::ExposeSecret;

/// The host vouches for the user (these tests are about the gate, not about login).
fn who(name: &str) -> TrustedPrincipal {
    TrustedPrincipal::assert_verified(id(name))
}

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

type Gate = AttachGate<Arc<MemoryOwnershipStore>, Arc<MemoryReplayStore>, Arc<MemoryAudit>>;

struct World {
    gate: Gate,
    store: Arc<MemoryOwnershipStore>,
    audit: Arc<MemoryAudit>,
    clock: ManualClock,
}

const ORIGIN: &str = "https://app.bosso.test";

fn world() -> World {
    let clock = ManualClock::new(UnixTime::from_secs(1_800_000_000));
    let ring = KeyRing::new(SigningKey::generate_ed25519(id("k1")).unwrap());
    let aud: Audience = id("bosso");
    let minter =
        AttachMinter::new(ring.active().clone(), aud.clone()).with_clock(Arc::new(clock.clone()));
    let verifier =
        AttachVerifier::new(ring.verification_keys(), aud).with_clock(Arc::new(clock.clone()));
    let store = Arc::new(MemoryOwnershipStore::new());
    // alice owns daemon d-a (online) with session s-a containing chats c-1, c-2.
    // bob owns daemon d-b with session s-b / chat c-b.
    store.set_daemon(&id("alice"), &id("d-a"), Some(id("run-1")));
    store.set_session(
        &id("alice"),
        &id("d-a"),
        &id("s-a"),
        vec![id("c-1"), id("c-2")],
    );
    store.set_daemon(&id("bob"), &id("d-b"), Some(id("run-9")));
    store.set_session(&id("bob"), &id("d-b"), &id("s-b"), vec![id("c-b")]);
    let audit = Arc::new(MemoryAudit::new());
    let replay = Arc::new(MemoryReplayStore::new().with_clock(Arc::new(clock.clone())));
    let gate = AttachGate::builder(minter, verifier, store.clone(), replay)
        .audit(audit.clone())
        .hosts(HostPolicy::only().allow("app.bosso.test").unwrap())
        .origins(OriginPolicy::exact([ORIGIN]).unwrap())
        .protocols(["bosso-term.v1"])
        .build()
        .unwrap();
    World {
        gate,
        store,
        audit,
        clock,
    }
}

fn headers(token: &AttachToken) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(http::header::HOST, "app.bosso.test".parse().unwrap());
    h.insert(http::header::ORIGIN, ORIGIN.parse().unwrap());
    let v = subprotocol::client_header_value("bosso-term.v1", token).unwrap();
    h.insert(
        http::header::SEC_WEBSOCKET_PROTOCOL,
        v.expose_secret().parse().unwrap(),
    );
    h
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn owner_attaches_once_and_replay_is_refused() {
    let w = world();
    rt().block_on(async {
        let t = w
            .gate
            .issue(&who("alice"), id("s-a"), id("c-1"), Permission::Editor)
            .await
            .unwrap();
        let a = w
            .gate
            .admit(&headers(&t), &id("s-a"), &id("c-1"))
            .await
            .unwrap();
        assert_eq!(a.claims.user().as_str(), "alice");
        assert_eq!(a.echo, "bosso-term.v1");
        assert_eq!(a.view.daemon().as_str(), "d-a");
        assert!(!a.view.is_cut());
        let again = w
            .gate
            .admit(&headers(&t), &id("s-a"), &id("c-1"))
            .await
            .unwrap_err();
        assert_eq!(again, Error::AttachToken(bosso_token::Error::Replayed));
    });
}

#[test]
fn other_users_chat_and_missing_chat_are_indistinguishable() {
    let w = world();
    rt().block_on(async {
        let bob = who("bob");
        let e1 = w
            .gate
            .issue(&bob, id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap_err();
        let e2 = w
            .gate
            .issue(&bob, id("s-zz"), id("c-zz"), Permission::Viewer)
            .await
            .unwrap_err();
        let e3 = w
            .gate
            .issue(&bob, id("s-b"), id("c-1"), Permission::Viewer)
            .await
            .unwrap_err();
        let e4 = w
            .gate
            .issue(&who("mallory"), id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap_err();
        for e in [&e1, &e2, &e3, &e4] {
            assert_eq!(e, &Error::NotPermitted);
            assert_eq!(e.to_string(), "not permitted");
        }
    });
    // The audit log knows which axis failed.
    let axes: Vec<_> = w
        .audit
        .events()
        .into_iter()
        .filter_map(|e| match e {
            AuditEvent::Denied { axis, .. } => axis,
            _ => None,
        })
        .collect();
    assert_eq!(
        axes,
        vec![Axis::Session, Axis::Session, Axis::Chat, Axis::Daemon]
    );
}

#[test]
fn admit_refuses_expired_other_chat_forged_and_foreign_host() {
    let w = world();
    rt().block_on(async {
        let alice = who("alice");
        // Expired.
        let t = w
            .gate
            .issue(&alice, id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap();
        w.clock.advance(DEFAULT_TTL_SECS + DEFAULT_LEEWAY_SECS + 1);
        assert_eq!(
            w.gate
                .admit(&headers(&t), &id("s-a"), &id("c-1"))
                .await
                .unwrap_err(),
            Error::AttachToken(bosso_token::Error::Expired)
        );
        // A genuine token for c-1 presented at the URL of c-2.
        let t = w
            .gate
            .issue(&alice, id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap();
        assert_eq!(
            w.gate
                .admit(&headers(&t), &id("s-a"), &id("c-2"))
                .await
                .unwrap_err(),
            Error::AttachToken(bosso_token::Error::WrongScope)
        );
        // Forged: signed by a key the gate does not know.
        let rogue = AttachMinter::new(
            Arc::new(SigningKey::generate_ed25519(id("k1")).unwrap()),
            id("bosso"),
        )
        .with_clock(Arc::new(w.clock.clone()));
        let forged = rogue
            .mint(&Scope::new(
                id("alice"),
                id("s-a"),
                id("c-1"),
                Permission::Editor,
            ))
            .unwrap();
        assert_eq!(
            w.gate
                .admit(&headers(&forged), &id("s-a"), &id("c-1"))
                .await
                .unwrap_err(),
            Error::AttachToken(bosso_token::Error::BadSignature)
        );
        // Foreign Host (DNS rebinding), missing Host, foreign Origin: refused before the token
        // is touched, so the token still works afterwards.
        let t = w
            .gate
            .issue(&alice, id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap();
        let mut h = headers(&t);
        h.insert(http::header::HOST, "attacker.example".parse().unwrap());
        assert_eq!(
            w.gate.admit(&h, &id("s-a"), &id("c-1")).await.unwrap_err(),
            Error::HostNotAllowed
        );
        h.remove(http::header::HOST);
        assert_eq!(
            w.gate.admit(&h, &id("s-a"), &id("c-1")).await.unwrap_err(),
            Error::HostNotAllowed
        );
        let mut h = headers(&t);
        h.insert(
            http::header::ORIGIN,
            "https://attacker.example".parse().unwrap(),
        );
        assert_eq!(
            w.gate.admit(&h, &id("s-a"), &id("c-1")).await.unwrap_err(),
            Error::OriginNotAllowed
        );
        assert!(
            w.gate
                .admit(&headers(&t), &id("s-a"), &id("c-1"))
                .await
                .is_ok()
        );
    });
}

#[test]
fn ownership_is_checked_again_at_admit() {
    let w = world();
    rt().block_on(async {
        let t = w
            .gate
            .issue(&who("alice"), id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap();
        // Between issue and upgrade the session moves away from alice.
        w.store.remove_session(&id("alice"), &id("d-a"), &id("s-a"));
        assert_eq!(
            w.gate
                .admit(&headers(&t), &id("s-a"), &id("c-1"))
                .await
                .unwrap_err(),
            Error::NotPermitted
        );
    });
}

#[test]
fn daemon_offline_cuts_every_view_at_once() {
    let w = world();
    rt().block_on(async {
        let alice = who("alice");
        let mut views = Vec::new();
        for chat in ["c-1", "c-2", "c-1"] {
            let t = w
                .gate
                .issue(&alice, id("s-a"), id(chat), Permission::Viewer)
                .await
                .unwrap();
            views.push(
                w.gate
                    .admit(&headers(&t), &id("s-a"), &id(chat))
                    .await
                    .unwrap()
                    .view,
            );
        }
        assert_eq!(w.gate.live_views().count(&id("d-a")), 3);
        assert_eq!(w.gate.daemon_offline(&id("d-a")), 3);
        for v in &views {
            assert!(v.is_cut());
            // The future a connection task selects on resolves immediately.
            tokio::time::timeout(Duration::from_millis(100), v.cut())
                .await
                .unwrap();
        }
        assert!(
            w.audit.events().contains(&AuditEvent::DaemonCut {
                daemon: id("d-a"),
                views: 3
            }),
            "cut is audited"
        );
        // Upgrades racing the cut are refused: the registry knows the daemon is offline.
        let t = w
            .gate
            .issue(&alice, id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap();
        assert_eq!(
            w.gate
                .admit(&headers(&t), &id("s-a"), &id("c-1"))
                .await
                .unwrap_err(),
            Error::DaemonOffline
        );
    });
}

#[test]
fn a_replaced_daemon_instance_cuts_the_old_views() {
    let w = world();
    rt().block_on(async {
        let alice = who("alice");
        let t = w
            .gate
            .issue(&alice, id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap();
        let a = w
            .gate
            .admit(&headers(&t), &id("s-a"), &id("c-1"))
            .await
            .unwrap();
        assert_eq!(
            w.gate.daemon_online(&id("d-a"), &id("run-1")),
            0,
            "same instance: nothing cut"
        );
        assert!(!a.view.is_cut());
        w.store
            .set_daemon(&id("alice"), &id("d-a"), Some(id("run-2")));
        assert_eq!(w.gate.daemon_online(&id("d-a"), &id("run-2")), 1);
        assert!(a.view.is_cut());
        // New views attach to the new instance.
        let t = w
            .gate
            .issue(&alice, id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap();
        let b = w
            .gate
            .admit(&headers(&t), &id("s-a"), &id("c-1"))
            .await
            .unwrap();
        assert_eq!(b.view.instance().as_str(), "run-2");
        drop(b);
        assert_eq!(
            w.gate.live_views().count(&id("d-a")),
            0,
            "dropped views unregister"
        );
    });
}

#[test]
fn offline_daemon_gets_no_token_and_owner_is_told() {
    let w = world();
    w.store.set_daemon(&id("alice"), &id("d-a"), None);
    rt().block_on(async {
        let e = w
            .gate
            .issue(&who("alice"), id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap_err();
        assert_eq!(e, Error::DaemonOffline);
        let e = w
            .gate
            .issue(&who("bob"), id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap_err();
        assert_eq!(
            e,
            Error::NotPermitted,
            "a non-owner learns nothing, not even offline"
        );
    });
}

#[test]
fn audit_events_never_contain_the_token() {
    let w = world();
    let t = rt().block_on(async {
        let t = w
            .gate
            .issue(&who("alice"), id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap();
        w.gate
            .admit(&headers(&t), &id("s-a"), &id("c-1"))
            .await
            .unwrap();
        let _ = w.gate.admit(&headers(&t), &id("s-a"), &id("c-1")).await;
        t
    });
    let secret = &t.expose_secret()[6..40];
    let events = w.audit.events();
    assert!(events.len() >= 3);
    for e in events {
        assert!(!format!("{e:?}").contains(secret));
    }
}

#[test]
fn a_repeated_host_or_origin_line_is_refused_before_the_token() {
    let w = world();
    rt().block_on(async {
        let t = w
            .gate
            .issue(&who("alice"), id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap();
        // An allowed Host followed by the attacker's: a proxy or router that reads the second
        // line would serve the attacker's name (RFC 9112 section 3.2: 400).
        let mut h = headers(&t);
        h.append(http::header::HOST, "evil.example".parse().unwrap());
        let e = w.gate.admit(&h, &id("s-a"), &id("c-1")).await.unwrap_err();
        assert_eq!(e, Error::DuplicateHeader("host"));
        assert!(
            !e.to_string().contains("evil"),
            "the message names no value"
        );
        // The attacker's first, the allowed one second.
        let mut h = headers(&t);
        h.remove(http::header::HOST);
        h.append(http::header::HOST, "evil.example".parse().unwrap());
        h.append(http::header::HOST, "app.bosso.test".parse().unwrap());
        assert_eq!(
            w.gate.admit(&h, &id("s-a"), &id("c-1")).await.unwrap_err(),
            Error::DuplicateHeader("host")
        );
        // Even two equal lines: exactly one is the rule.
        let mut h = headers(&t);
        h.append(http::header::HOST, "app.bosso.test".parse().unwrap());
        assert_eq!(
            w.gate.admit(&h, &id("s-a"), &id("c-1")).await.unwrap_err(),
            Error::DuplicateHeader("host")
        );
        let mut h = headers(&t);
        h.append(
            http::header::ORIGIN,
            "https://attacker.example".parse().unwrap(),
        );
        assert_eq!(
            w.gate.admit(&h, &id("s-a"), &id("c-1")).await.unwrap_err(),
            Error::DuplicateHeader("origin")
        );
        // None of these touched the token: it is still good for one admission.
        assert!(
            w.gate
                .admit(&headers(&t), &id("s-a"), &id("c-1"))
                .await
                .is_ok()
        );
    });
}

#[test]
fn two_subprotocol_lines_are_one_list_but_carry_one_token() {
    let w = world();
    rt().block_on(async {
        let t = w
            .gate
            .issue(&who("alice"), id("s-a"), id("c-1"), Permission::Viewer)
            .await
            .unwrap();
        // The application protocol on its own line is fine (RFC 6455 allows repeating it).
        let mut h = HeaderMap::new();
        h.insert(http::header::HOST, "app.bosso.test".parse().unwrap());
        h.insert(http::header::ORIGIN, ORIGIN.parse().unwrap());
        let entry = subprotocol::client_header_value("x", &t).unwrap();
        let entry = entry
            .expose_secret()
            .strip_prefix("x, ")
            .unwrap()
            .to_owned();
        h.append(http::header::SEC_WEBSOCKET_PROTOCOL, entry.parse().unwrap());
        let mut twice = h.clone();
        h.append(
            http::header::SEC_WEBSOCKET_PROTOCOL,
            "bosso-term.v1".parse().unwrap(),
        );
        // The token entry on two lines is refused before anything is consumed.
        twice.append(http::header::SEC_WEBSOCKET_PROTOCOL, entry.parse().unwrap());
        twice.append(
            http::header::SEC_WEBSOCKET_PROTOCOL,
            "bosso-term.v1".parse().unwrap(),
        );
        assert_eq!(
            w.gate
                .admit(&twice, &id("s-a"), &id("c-1"))
                .await
                .unwrap_err(),
            Error::AttachToken(bosso_token::Error::DuplicateAttachToken)
        );
        let a = w.gate.admit(&h, &id("s-a"), &id("c-1")).await.unwrap();
        assert_eq!(a.echo, "bosso-term.v1");
    });
}

#[test]
fn an_oidc_access_token_is_a_principal() {
    use bosso_auth::oidc::{AccessTokenVerifier, AccessTokenVerifierConfig, Alg, JwksKeySet};
    use oidc_support::{AUD, ISS, NOW, TestKey, good_claims, jwks};

    let w = world();
    assert_eq!(
        w.clock.now().as_secs(),
        NOW,
        "the token's claims are valid at NOW"
    );
    rt().block_on(async {
        // An OIDC access token, signed by the identity provider's own key (ring, independent of
        // the code under test) and verified against its JWKS.
        let idp = TestKey::ed25519();
        let oidc = AccessTokenVerifier::new(
            AccessTokenVerifierConfig::new(ISS, [AUD])
                .unwrap()
                .with_algorithms([Alg::EdDSA])
                .unwrap(),
            JwksKeySet::from_jwks_json(&jwks(&[idp.jwk("idp-1", None)])).unwrap(),
        )
        .with_clock(Arc::new(w.clock.clone()));
        let mut claims = good_claims();
        claims["sub"] = "bob".into();
        let token = idp.token(
            &serde_json::json!({"alg": "EdDSA", "kid": "idp-1"}),
            &claims,
        );
        let bob = oidc.verify(&token).unwrap();
        // The principal is bob: alice's chat is refused, bob's own is issued.
        assert_eq!(
            w.gate
                .issue(&bob, id("s-a"), id("c-1"), Permission::Viewer)
                .await
                .unwrap_err(),
            Error::NotPermitted
        );
        let t = w
            .gate
            .issue(&bob, id("s-b"), id("c-b"), Permission::Viewer)
            .await
            .unwrap();
        let a = w
            .gate
            .admit(&headers(&t), &id("s-b"), &id("c-b"))
            .await
            .unwrap();
        assert_eq!(a.claims.user().as_str(), "bob");
    });
}
