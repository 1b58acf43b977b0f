//! The Host and Origin layers on a POST route and the `Admitted` extractor, both from one gate
//! (the same policies), behind a real axum server on loopback; a gate that would admit nothing
//! refuses to be built.
#![cfg(feature = "axum")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod gate_support;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use bosso_auth::Error;
use bosso_auth::axum::Admitted;
use bosso_auth::gate::{AttachGate, TrustedPrincipal};
use bosso_auth::host::{HostPolicy, OriginPolicy};
use bosso_auth::ownership::MemoryOwnershipStore;
use bosso_token::*;
use gate_support::*;
use secrecy::ExposeSecret;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Gate = AttachGate<MemoryOwnershipStore, MemoryReplayStore>;

fn builder() -> bosso_auth::gate::AttachGateBuilder<MemoryOwnershipStore, MemoryReplayStore> {
    bare(&ring("k"), alice_store(), MemoryReplayStore::new()).hosts(HostPolicy::local())
}

async fn issue(State(gate): State<Arc<Gate>>) -> String {
    let alice = TrustedPrincipal::assert_verified(id("alice"));
    let token = gate
        .issue(&alice, id("s"), id("c"), Permission::Editor)
        .await
        .unwrap();
    token.expose_secret().to_owned()
}

async fn ws(admitted: Admitted<Gate>) -> axum::response::Response {
    admitted.on_upgrade(|_socket, _admission| async {})
}

async fn serve(gate: Arc<Gate>) -> u16 {
    let guarded = Router::new()
        .route("/attach-token", post(issue))
        .route_layer(gate.host_layer())
        .route_layer(gate.origin_layer());
    let app = Router::new()
        .route("/ws/{session}/{chat}", get(ws))
        .merge(guarded)
        .with_state(gate);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

async fn post_status(port: u16, headers: &[(&str, &str)]) -> u16 {
    let mut req = reqwest::Client::new().post(format!("http://127.0.0.1:{port}/attach-token"));
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn the_post_route_is_guarded_by_the_gates_own_host_and_origin_policies() {
    let gate = Arc::new(
        builder()
            .origins(OriginPolicy::exact([ORIGIN]).unwrap())
            .protocols([PROTOCOL])
            .build()
            .unwrap(),
    );
    let port = serve(gate.clone()).await;
    assert_eq!(post_status(port, &[("origin", ORIGIN)]).await, 200);
    // DNS rebinding: the browser sends the attacker's name as Host.
    let rebound = [("host", "evil.example"), ("origin", ORIGIN)];
    assert_eq!(post_status(port, &rebound).await, 403);
    // Cross-site, and no Origin at all (the policy does not allow a missing one).
    assert_eq!(
        post_status(port, &[("origin", "https://evil.example")]).await,
        403
    );
    assert_eq!(post_status(port, &[]).await, 403);
    // A repeated Origin: 400.
    let twice = [("origin", ORIGIN), ("origin", ORIGIN)];
    assert_eq!(post_status(port, &twice).await, 400);

    // The upgrade, through `Admitted`, with the same policy.
    let token: String = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/attach-token"))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The client holds the token as the string it received.
    let offer = subprotocol::client_header_value_from_str(PROTOCOL, &token).unwrap();
    let upgrade = |origin: &'static str| {
        let mut req = format!("ws://127.0.0.1:{port}/ws/s/c")
            .into_client_request()
            .unwrap();
        let h = req.headers_mut();
        h.insert(
            "sec-websocket-protocol",
            offer.expose_secret().parse().unwrap(),
        );
        h.insert("origin", origin.parse().unwrap());
        req
    };
    let foreign = tokio_tungstenite::connect_async(upgrade("https://evil.example")).await;
    match foreign {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 403),
        other => panic!("foreign origin upgraded: {other:?}"),
    }
    let (_socket, resp) = tokio_tungstenite::connect_async(upgrade(ORIGIN))
        .await
        .unwrap();
    assert_eq!(resp.headers()["sec-websocket-protocol"], PROTOCOL);
    // A malformed chat id is the same uniform refusal as an unknown one.
    let mut bad = upgrade(ORIGIN);
    *bad.uri_mut() = format!("ws://127.0.0.1:{port}/ws/s/%20").parse().unwrap();
    match tokio_tungstenite::connect_async(bad).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 403),
        other => panic!("bad id upgraded: {other:?}"),
    }
}

#[test]
fn a_gate_that_would_admit_nothing_is_not_built() {
    let origins = || OriginPolicy::exact([ORIGIN]).unwrap();
    let no_protocols = builder().origins(origins()).build();
    assert!(matches!(no_protocols, Err(Error::InvalidConfig(_))));
    let no_origins = builder().protocols([PROTOCOL]).build();
    assert!(matches!(no_origins, Err(Error::InvalidConfig(_))));
    // A CLI-only gate (no browser origin, a missing Origin allowed) is a real configuration.
    let cli = builder()
        .origins(OriginPolicy::default().allow_missing(true))
        .protocols([PROTOCOL])
        .build();
    assert!(cli.is_ok());
    assert!(
        builder()
            .origins(origins())
            .protocols([PROTOCOL])
            .build()
            .is_ok()
    );
}
