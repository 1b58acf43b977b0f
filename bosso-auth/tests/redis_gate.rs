//! Issue 19: the gate takes a cut-signal sink, so `daemon_offline`/`daemon_online` on any
//! node's gate reach every node. Without a sink, a cut stays on its node (one node only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]
#![cfg(feature = "redis")]

mod redis_support;

use std::sync::Arc;
use std::time::Duration;

use bosso_auth::gate::{AttachGate, AttachGateBuilder};
use bosso_auth::host::OriginPolicy;
use bosso_auth::live::LiveViews;
use bosso_auth::redis::{RedisConn, RedisCutSignal};
use bosso_token::*;
use redis_support::{eventually, rt, server};

/// Generous: the property is "it reaches the other node", not how fast.
const WITHIN: Duration = Duration::from_secs(10);

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

type Gate = AttachGate<Arc<bosso_auth::ownership::MemoryOwnershipStore>, Arc<MemoryReplayStore>>;

type Builder =
    AttachGateBuilder<Arc<bosso_auth::ownership::MemoryOwnershipStore>, Arc<MemoryReplayStore>>;

fn builder() -> Builder {
    let ring = KeyRing::new(SigningKey::generate_ed25519(id("k1")).unwrap());
    let aud: Audience = id("bosso");
    AttachGate::builder(
        AttachMinter::new(ring.active().clone(), aud.clone()),
        AttachVerifier::new(ring.verification_keys(), aud),
        Arc::new(bosso_auth::ownership::MemoryOwnershipStore::new()),
        Arc::new(MemoryReplayStore::new()),
    )
    .origins(OriginPolicy::exact(["https://app.example.com"]).unwrap())
    .protocols(["app.v1"])
}

fn gate() -> Gate {
    builder().build().unwrap()
}

async fn node(url: &str) -> Gate {
    let conn = RedisConn::connect(url).await.unwrap();
    let signal = RedisCutSignal::connect(conn, LiveViews::new())
        .await
        .unwrap();
    builder().cut_sink(Arc::new(signal)).build().unwrap()
}

#[test]
fn daemon_events_on_one_gate_reach_every_gate() {
    let Some(server) = server() else { return };
    rt().block_on(async {
        let (a, b, c) = (
            node(&server.url()).await,
            node(&server.url()).await,
            node(&server.url()).await,
        );
        let on_b = b.live_views().open(&id("d1"), &id("run-1")).unwrap();
        let on_c = c.live_views().open(&id("d1"), &id("run-1")).unwrap();
        let other = c.live_views().open(&id("d2"), &id("run-1")).unwrap();
        // The gate's own (synchronous) call: cut here, announced to the others.
        assert_eq!(a.daemon_offline(&id("d1")), 0);
        tokio::time::timeout(WITHIN, on_b.cut()).await.unwrap();
        tokio::time::timeout(WITHIN, on_c.cut()).await.unwrap();
        assert!(!other.is_cut());
        // A replacement announced on B cuts C's views of the old instance.
        let old = eventually(|| async { c.live_views().open(&id("d2"), &id("run-1")) }).await;
        b.daemon_online(&id("d2"), &id("run-2"));
        tokio::time::timeout(WITHIN, old.cut()).await.unwrap();
        tokio::time::timeout(WITHIN, other.cut()).await.unwrap();
    });
}

#[test]
fn without_a_sink_a_cut_stays_on_its_node() {
    let Some(server) = server() else { return };
    rt().block_on(async {
        let a = gate();
        let b = node(&server.url()).await;
        let on_b = b.live_views().open(&id("d1"), &id("run-1")).unwrap();
        a.daemon_offline(&id("d1"));
        // Nothing was announced: wait a while and see B's view still open.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!on_b.is_cut());
    });
}
