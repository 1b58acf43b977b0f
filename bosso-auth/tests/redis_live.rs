//! The live-view cut signal across nodes, and its fault test: Redis killed -> every local view
//! is cut; restarted -> the subscriber comes back without rebuilding anything. (The login-side
//! stores have their own fault test in bosso-accounts' `tests/redis_faults.rs`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]
#![cfg(feature = "redis")]

mod redis_support;

use std::time::Duration;

use bosso_auth::Error;
use bosso_auth::live::LiveViews;
use bosso_auth::redis::{RedisConn, RedisCutSignal};
use bosso_token::{DaemonId, InstanceId};
use redis_support::{eventually, rt, server};

/// Generous: the property is "it happens", not how fast.
const WITHIN: Duration = Duration::from_secs(10);

fn d(s: &str) -> DaemonId {
    DaemonId::new(s).unwrap()
}
fn i(s: &str) -> InstanceId {
    InstanceId::new(s).unwrap()
}

#[test]
fn a_cut_on_node_a_closes_views_on_node_b() {
    let Some(server) = server() else { return };
    rt().block_on(async {
        let (va, vb) = (LiveViews::new(), LiveViews::new());
        let a =
            RedisCutSignal::connect(RedisConn::connect(&server.url()).await.unwrap(), va.clone())
                .await
                .unwrap();
        let _b =
            RedisCutSignal::connect(RedisConn::connect(&server.url()).await.unwrap(), vb.clone())
                .await
                .unwrap();
        let on_b = vb.open(&d("d1"), &i("run1")).unwrap();
        let on_a = va.open(&d("d1"), &i("run1")).unwrap();
        let other = vb.open(&d("d2"), &i("run1")).unwrap();
        assert_eq!(a.daemon_offline(&d("d1")).await.unwrap(), 1);
        assert!(on_a.is_cut());
        tokio::time::timeout(WITHIN, on_b.cut()).await.unwrap();
        assert!(!other.is_cut(), "only the daemon that went offline");
        assert_eq!(
            vb.open(&d("d1"), &i("run1")).unwrap_err(),
            Error::DaemonOffline
        );
        // The daemon comes back as a new run on A: B learns it, then a replacement on A cuts
        // B's views of the old run.
        a.daemon_online(&d("d1"), &i("run2")).await.unwrap();
        let v2 = eventually(|| async { vb.open(&d("d1"), &i("run2")) }).await;
        a.daemon_online(&d("d1"), &i("run3")).await.unwrap();
        tokio::time::timeout(WITHIN, v2.cut()).await.unwrap();
        // A node ignores the echo of its own events: A's view of run3 stays open.
        let mine = va.open(&d("d1"), &i("run3")).unwrap();
        a.daemon_online(&d("d1"), &i("run3")).await.unwrap();
        a.daemon_offline(&d("d9")).await.unwrap();
        let probe = va.open(&d("d8"), &i("x")).unwrap();
        drop(probe);
        assert!(!mine.is_cut());
    });
}

#[test]
fn a_node_whose_redis_dies_cuts_its_views_and_hears_cuts_again_after_a_restart() {
    let Some(mut server) = server() else { return };
    rt().block_on(async {
        let conn = RedisConn::connect_with_timeout(&server.url(), Duration::from_millis(300))
            .await
            .unwrap();
        let views = LiveViews::new();
        let _cut = RedisCutSignal::connect(conn.clone(), views.clone())
            .await
            .unwrap();
        let view = views.open(&d("d1"), &i("run1")).unwrap();

        server.kill();
        // The cut channel is gone: views here may miss cuts, so they are cut (within the
        // generous bound: the property is that it happens).
        tokio::time::timeout(WITHIN, view.cut()).await.unwrap();

        server.restart().unwrap();
        // The subscriber came back too: a cut from another node reaches this one again.
        let a = eventually(|| async {
            RedisCutSignal::connect(RedisConn::connect(&server.url()).await?, LiveViews::new())
                .await
        })
        .await;
        let v = views.open(&d("d5"), &i("run1")).unwrap();
        eventually(|| async {
            a.daemon_offline(&d("d5")).await.unwrap();
            tokio::time::timeout(Duration::from_millis(300), v.cut()).await
        })
        .await;
    });
}
