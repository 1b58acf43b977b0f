//! The fault test of every login-side Redis store: Redis killed -> every call fails closed
//! within its timeout; restarted -> calls succeed again without rebuilding anything. (The
//! live-view cut signal has its own in bosso-auth's `tests/redis_live.rs`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]
#![cfg(feature = "redis")]

// One copy of the Redis test helpers, shared with bosso-auth's Redis tests.
#[path = "../../bosso-auth/tests/redis_support/mod.rs"]
mod redis_support;

use std::time::{Duration, Instant};

use bosso_accounts::Error;
use bosso_accounts::lockout::{Lockout, LockoutPolicy};
use bosso_accounts::login_session::{LoginSessionConfig, LoginSessionManager};
use bosso_accounts::ratelimit::{Quota, RateLimiter, ThrottleKey};
use bosso_accounts::redis::{
    RedisConn, RedisLockoutStore, RedisLoginSessionStore, RedisRateLimiter, RedisRefreshStore,
};
use bosso_accounts::refresh::{RefreshConfig, RefreshManager};
use bosso_accounts::token::TokenKey;
use bosso_token::{ManualClock, UnixTime, UserId};
use redis_support::{eventually, rt, server};

/// Generous: the property is "it happens", not how fast.
const WITHIN: Duration = Duration::from_secs(10);

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
        let sessions = LoginSessionManager::new(
            LoginSessionConfig::default(),
            RedisLoginSessionStore::new(conn.clone(), c.clone()),
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
        let k = ThrottleKey::new("login", "1.2.3.4");
        let (s, _) = sessions.create(&user(), false).await.unwrap();
        let r = refresh.issue(&user()).await.unwrap();
        limiter.check(&k).await.unwrap();

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

        server.restart().unwrap();
        // Redis restarted from its AOF (which RedisConn requires): the session and the refresh
        // family survived the crash (issue 19: without AOF they were forgotten).
        let v = eventually(|| async {
            match sessions.validate(s.expose()).await {
                Err(Error::StoreUnavailable(m)) => Err(m),
                other => Ok(other),
            }
        })
        .await;
        assert_eq!(v.unwrap().user(), &user());
        refresh.refresh(r.expose()).await.unwrap();
        let (s2, _) = sessions.create(&user(), false).await.unwrap();
        sessions.validate(s2.expose()).await.unwrap();
        let r2 = refresh.issue(&user()).await.unwrap();
        refresh.refresh(r2.expose()).await.unwrap();
        limiter.check(&k).await.unwrap();
        lockout.check(&k).await.unwrap();
    });
}

/// Regression (issue 19): after Redis was killed and restarted while the limiter sat idle, the
/// first check failed (one spurious refusal) and only the second succeeded. The script is
/// sent at most once, so a retry can never count a request twice: with a quota of one per
/// hour, the first check after each restart is admitted and the second is limited.
#[test]
fn the_first_rate_limit_check_after_redis_returns_succeeds_and_counts_once() {
    let Some(mut server) = server() else { return };
    rt().block_on(async {
        let conn = RedisConn::connect(&server.url()).await.unwrap();
        let quota = Quota::new(1, Duration::from_secs(3600)).unwrap();
        let limiter = RedisRateLimiter::new(conn, quota);
        for cycle in 0..3 {
            let key = ThrottleKey::new("ip", &cycle.to_string());
            server.kill();
            tokio::time::sleep(Duration::from_millis(1500)).await;
            server.restart().unwrap();
            tokio::time::sleep(Duration::from_millis(1500)).await;
            limiter
                .check(&key)
                .await
                .unwrap_or_else(|e| panic!("cycle {cycle}: first check failed: {e:?}"));
            assert!(
                matches!(limiter.check(&key).await, Err(Error::RateLimited { .. })),
                "cycle {cycle}: counted once, so the second is limited"
            );
        }
    });
}
