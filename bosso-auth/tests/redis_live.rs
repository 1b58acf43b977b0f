//! The live-view cut signal across nodes, and the fault tests of every Redis store: Redis
//! killed -> every call fails closed within its timeout; restarted -> calls succeed again
//! without rebuilding anything.
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
use bosso_auth::accounts::lockout::{Lockout, LockoutPolicy};
use bosso_auth::accounts::ratelimit::{Quota, RateLimiter, ThrottleKey};
use bosso_auth::accounts::refresh::{RefreshConfig, RefreshManager};
use bosso_auth::accounts::session::{SessionConfig, SessionManager};
use bosso_auth::accounts::token::TokenKey;
use bosso_auth::live::LiveViews;
use bosso_auth::redis::{
    RedisConn, RedisCutSignal, RedisLockoutStore, RedisRateLimiter, RedisRefreshStore,
    RedisSessionStore,
};
use bosso_token::{DaemonId, InstanceId, ManualClock, UnixTime, UserId};
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

fn user() -> UserId {
    UserId::new("alice").unwrap()
}

#[test]
fn every_store_fails_closed_when_redis_dies_and_recovers_without_restart() {
    let Some(mut server) = server() else { return };
    rt().block_on(async {
        let t = Duration::from_millis(300);
        let conn = RedisConn::connect_with_timeout(&server.url(), t)
            .await
            .unwrap();
        let c = ManualClock::new(UnixTime::from_secs(1_700_000_000));
        let key = || TokenKey::from_bytes(&[9; 32]).unwrap();
        let sessions = SessionManager::new(
            SessionConfig::default(),
            RedisSessionStore::new(conn.clone(), c.clone()),
            c.clone(),
            key(),
        )
        .unwrap();
        let refresh = RefreshManager::new(
            RefreshConfig::default(),
            RedisRefreshStore::new(conn.clone(), c.clone()),
            c.clone(),
            key(),
        )
        .unwrap();
        let limiter = RedisRateLimiter::new(conn.clone(), Quota::login());
        let lockout = Lockout::new(
            LockoutPolicy::default(),
            RedisLockoutStore::new(conn.clone()),
            c.clone(),
        )
        .unwrap();
        let views = LiveViews::new();
        let _cut = RedisCutSignal::connect(conn.clone(), views.clone())
            .await
            .unwrap();
        let k = ThrottleKey::new("login", "1.2.3.4");
        let (s, _) = sessions.create(&user(), false).await.unwrap();
        let r = refresh.issue(&user()).await.unwrap();
        limiter.check(&k).await.unwrap();
        let view = views.open(&d("d1"), &i("run1")).unwrap();

        server.kill();
        let unavailable = |e: &Error| matches!(e, Error::StoreUnavailable(_));
        let start = Instant::now();
        let e = sessions.validate(s.expose()).await.unwrap_err();
        assert!(unavailable(&e), "{e:?}");
        let e = refresh.refresh(r.expose()).await.unwrap_err();
        assert!(unavailable(&e), "{e:?}");
        let e = limiter.check(&k).await.unwrap_err();
        assert!(unavailable(&e), "{e:?}");
        let e = lockout.check(&k).await.unwrap_err();
        assert!(unavailable(&e), "{e:?}");
        assert!(
            start.elapsed() < WITHIN,
            "bounded by the timeout: {:?}",
            start.elapsed()
        );
        // The cut channel is gone too: views here may miss cuts, so they are cut.
        tokio::time::timeout(WITHIN, view.cut()).await.unwrap();

        server.restart().unwrap();
        // Redis restarted empty (no persistence): the session is gone, but the store answers.
        let e = eventually(|| async {
            match sessions.validate(s.expose()).await {
                Err(Error::StoreUnavailable(m)) => Err(m),
                other => Ok(other),
            }
        })
        .await;
        assert_eq!(e.unwrap_err(), Error::SessionInvalid);
        let (s2, _) = sessions.create(&user(), false).await.unwrap();
        sessions.validate(s2.expose()).await.unwrap();
        let r2 = refresh.issue(&user()).await.unwrap();
        refresh.refresh(r2.expose()).await.unwrap();
        limiter.check(&k).await.unwrap();
        lockout.check(&k).await.unwrap();
        // The subscriber came back too: a cut from another node reaches this one again.
        let a = RedisCutSignal::connect(
            RedisConn::connect(&server.url()).await.unwrap(),
            LiveViews::new(),
        )
        .await
        .unwrap();
        let v = views.open(&d("d5"), &i("run1")).unwrap();
        eventually(|| async {
            a.daemon_offline(&d("d5")).await.unwrap();
            tokio::time::timeout(Duration::from_millis(300), v.cut()).await
        })
        .await;
    });
}
