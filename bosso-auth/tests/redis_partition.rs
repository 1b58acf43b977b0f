//! Issue 19: the cut signal survives partitions and restarts.
//! - A subscription that goes silent (a proxy that keeps both sockets open and forwards
//!   nothing) is detected by the subscriber's PING within the liveness bound: every local view
//!   is cut, and the node hears cuts again once the path heals.
//! - The first cut published after Redis was killed and restarted, while the publisher sat
//!   idle, succeeds and reaches the other node.
//! - A hung Redis (SIGSTOP) is reported as "timed out".
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]
#![cfg(feature = "redis")]

mod redis_support;

use std::time::{Duration, Instant};

use bosso_auth::Error;
use bosso_auth::live::LiveViews;
use bosso_auth::redis::{RedisConn, RedisCutSignal};
use bosso_testkit::FreezeProxy;
use bosso_token::{DaemonId, InstanceId};
use redis_support::{eventually, rt, server};

fn d(s: &str) -> DaemonId {
    DaemonId::new(s).unwrap()
}
fn i(s: &str) -> InstanceId {
    InstanceId::new(s).unwrap()
}

const LIVENESS: Duration = Duration::from_secs(2);
/// Slack on top of the documented bound for a loaded 2-core CI machine. This is the one timed
/// assertion: the promise under test *is* a bound ("a view stays up at most `liveness` after
/// a cut it missed"), and without it the old code would pass by waiting forever.
const SLACK: Duration = Duration::from_secs(3);

#[test]
fn a_frozen_subscription_cuts_every_view_within_the_liveness_bound() {
    let Some(server) = server() else { return };
    let proxy = FreezeProxy::start(server.socket().to_path_buf()).unwrap();
    rt().block_on(async {
        let (va, vb) = (LiveViews::new(), LiveViews::new());
        let a = RedisCutSignal::connect(RedisConn::connect(&server.url()).await.unwrap(), va)
            .await
            .unwrap();
        let b_conn = RedisConn::connect(&proxy.url()).await.unwrap();
        let _b = RedisCutSignal::connect_with_liveness(b_conn, vb.clone(), LIVENESS)
            .await
            .unwrap();

        // Healthy: PINGs are answered, so views stay open across several liveness periods.
        let steady = vb.open(&d("d0"), &i("run-1")).unwrap();
        tokio::time::sleep(LIVENESS * 2).await;
        assert!(
            !steady.is_cut(),
            "a healthy subscription must not cut views"
        );

        let view = vb.open(&d("d1"), &i("run-1")).unwrap();
        proxy.freeze();
        let frozen_at = Instant::now();
        // A's publish goes straight to Redis: Ok, but B cannot hear it.
        a.daemon_offline(&d("d1")).await.unwrap();
        tokio::time::timeout(LIVENESS + SLACK, view.cut())
            .await
            .expect("the view of the offline daemon outlived the liveness bound");
        // Every local view is cut, not just d1's (awaited: the cuts land one by one).
        tokio::time::timeout(SLACK, steady.cut())
            .await
            .expect("only the offline daemon's view was cut");
        assert!(frozen_at.elapsed() <= LIVENESS + SLACK);

        // Still partitioned: a view opened now is cut too (it cannot hear cuts either).
        let late = vb.open(&d("d2"), &i("run-1")).unwrap();
        tokio::time::timeout(LIVENESS + SLACK, late.cut())
            .await
            .expect("a view opened during the partition outlived the bound");

        // The partition ends with the connections dropped; B resubscribes and hears cuts again.
        proxy.drop_all();
        proxy.heal();
        let again = eventually(|| async {
            let v = vb.open(&d("d3"), &i("run-1"))?;
            // Give the resubscription a moment; a view cut by the reconnect itself is retried.
            tokio::time::sleep(Duration::from_millis(300)).await;
            if v.is_cut() {
                Err(Error::DaemonOffline)
            } else {
                Ok(v)
            }
        })
        .await;
        a.daemon_offline(&d("d3")).await.unwrap();
        tokio::time::timeout(LIVENESS + SLACK, again.cut())
            .await
            .expect("B did not hear cuts after the partition healed");
    });
}

/// Regression (issue 19): the first publish after Redis returned failed on the idle
/// connection, so the other nodes never heard that cut unless the caller retried.
#[test]
fn the_first_cut_after_redis_returns_reaches_the_other_node() {
    let Some(mut server) = server() else { return };
    rt().block_on(async {
        let (va, vb) = (LiveViews::new(), LiveViews::new());
        let a = RedisCutSignal::connect(RedisConn::connect(&server.url()).await.unwrap(), va)
            .await
            .unwrap();
        let _b =
            RedisCutSignal::connect(RedisConn::connect(&server.url()).await.unwrap(), vb.clone())
                .await
                .unwrap();
        for cycle in 0..3 {
            a.daemon_offline(&d("warm")).await.unwrap();
            server.kill();
            tokio::time::sleep(Duration::from_millis(1500)).await;
            server.restart().unwrap();
            tokio::time::sleep(Duration::from_millis(1500)).await;
            // B resubscribes on its own (its views were cut when it lost the subscription).
            let daemon = d(&format!("d{cycle}"));
            let view = eventually(|| async {
                let v = vb.open(&daemon, &i("run-1"))?;
                tokio::time::sleep(Duration::from_millis(300)).await;
                if v.is_cut() {
                    Err(Error::DaemonOffline)
                } else {
                    Ok(v)
                }
            })
            .await;
            // The publisher's first call since the outage.
            a.daemon_offline(&daemon)
                .await
                .unwrap_or_else(|e| panic!("cycle {cycle}: first publish failed: {e:?}"));
            tokio::time::timeout(Duration::from_secs(10), view.cut())
                .await
                .expect("B did not hear the first cut");
        }
    });
}

/// Regression (issue 19): a hung Redis was reported as "command failed".
#[test]
fn a_hung_redis_is_reported_as_timed_out() {
    let Some(server) = server() else { return };
    rt().block_on(async {
        let conn = RedisConn::connect_with_timeout(&server.url(), Duration::from_millis(300))
            .await
            .unwrap();
        let a = RedisCutSignal::connect(conn, LiveViews::new())
            .await
            .unwrap();
        a.daemon_offline(&d("warm")).await.unwrap();
        server.freeze().unwrap();
        let e = a.daemon_offline(&d("d1")).await.unwrap_err();
        server.thaw().unwrap();
        assert_eq!(
            e,
            Error::StoreUnavailable("redis: cut publish timed out".into())
        );
    });
}
