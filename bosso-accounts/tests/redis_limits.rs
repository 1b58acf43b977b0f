//! One behavioural suite for the rate limiter and one for lockout, run against the in-memory
//! and the Redis implementations; plus two nodes sharing one limit and one lockout state.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

// One copy of the Redis test helpers, shared with bosso-auth's Redis tests.
#[path = "../../bosso-auth/tests/redis_support/mod.rs"]
mod redis_support;

use std::sync::Arc;
use std::time::Duration;

use bosso_accounts::Error;
use bosso_accounts::lockout::{Lockout, LockoutPolicy, LockoutStore, MemoryLockoutStore};
use bosso_accounts::ratelimit::{
    ManualNanoClock, MemoryRateLimiter, Quota, RateLimiter, ThrottleKey,
};
use bosso_token::{Clock, ManualClock, UnixTime};
use redis_support::rt;

fn key(s: &str) -> ThrottleKey {
    ThrottleKey::new("login", s)
}

/// 5 per minute: one more every 12 s.
fn quota() -> Quota {
    Quota::new(5, Duration::from_secs(60)).unwrap()
}

/// The RateLimiter contract (GCRA), for any backend on `clock`.
async fn ratelimit_suite<L: RateLimiter + 'static>(l: Arc<L>, clock: ManualNanoClock) {
    for _ in 0..5 {
        l.check(&key("a")).await.unwrap();
    }
    // The 6th waits one emission interval: 60 s / 5.
    assert_eq!(
        l.check(&key("a")).await,
        Err(Error::RateLimited {
            retry_after_ms: 12_000
        })
    );
    // Another key is independent.
    l.check(&key("b")).await.unwrap();
    // Half an interval later: still refused, with half the wait.
    clock.advance(Duration::from_secs(6));
    assert_eq!(
        l.check(&key("a")).await,
        Err(Error::RateLimited {
            retry_after_ms: 6_000
        })
    );
    // One interval after the burst: exactly one more.
    clock.advance(Duration::from_secs(6));
    l.check(&key("a")).await.unwrap();
    assert!(l.check(&key("a")).await.is_err());
    // Fully decayed after a minute: a full burst again.
    clock.advance(Duration::from_secs(60));
    for _ in 0..5 {
        l.check(&key("a")).await.unwrap();
    }
    assert!(l.check(&key("a")).await.is_err());
    // 64 concurrent checks of a fresh key: exactly the burst is admitted.
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let l = l.clone();
            tokio::spawn(async move { l.check(&key("c")).await.is_ok() })
        })
        .collect();
    let mut admitted = 0;
    for t in tasks {
        admitted += usize::from(t.await.unwrap());
    }
    assert_eq!(admitted, 5);
}

/// The LockoutStore contract, through `Lockout`, with the default policy (5 failures, 1 min
/// doubling).
async fn lockout_suite<S: LockoutStore + 'static>(store: S, clock: ManualClock) {
    let l = Arc::new(Lockout::new(LockoutPolicy::default(), store, clock.clone()).unwrap());
    let k = key("alice|ip1");
    // 4 concurrent failures: all counted, none locks.
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (l, k) = (l.clone(), k.clone());
            tokio::spawn(async move { l.failure(&k).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    l.check(&k).await.unwrap();
    let t0 = clock.now();
    assert_eq!(
        l.failure(&k).await,
        Err(Error::Locked {
            until: t0.saturating_add(60)
        })
    );
    assert!(l.check(&k).await.is_err());
    l.check(&key("bob|ip1")).await.unwrap();
    clock.advance(60);
    l.check(&k).await.unwrap();
    // The second lock doubles.
    for _ in 0..4 {
        l.failure(&k).await.unwrap();
    }
    let t1 = clock.now();
    assert_eq!(
        l.failure(&k).await,
        Err(Error::Locked {
            until: t1.saturating_add(120)
        })
    );
    // A success (after the lock) starts over.
    clock.advance(120);
    l.success(&k).await.unwrap();
    for _ in 0..4 {
        l.failure(&k).await.unwrap();
    }
    assert_eq!(
        l.failure(&k).await,
        Err(Error::Locked {
            until: clock.now().saturating_add(60)
        })
    );
    // Failures spread beyond the 15-minute window never lock.
    let w = key("carol|ip2");
    for _ in 0..10 {
        l.failure(&w).await.unwrap();
        clock.advance(4 * 60);
    }
}

fn clock() -> ManualClock {
    ManualClock::new(UnixTime::from_secs(1_700_000_000))
}

#[test]
fn memory_backends_pass_the_suites() {
    rt().block_on(async {
        let c = ManualNanoClock::new(1_000_000_000);
        let l = Arc::new(MemoryRateLimiter::with_clock(quota(), 1000, c.clone()));
        ratelimit_suite(l, c).await;
        lockout_suite(MemoryLockoutStore::new(1000), clock()).await;
    });
}

#[cfg(feature = "redis")]
mod redis_backend {
    use super::*;
    use bosso_accounts::redis::{RedisLockoutStore, RedisRateLimiter};
    use redis_support::{node, server};

    #[test]
    fn redis_backends_pass_the_suites() {
        let Some(server) = server() else { return };
        rt().block_on(async {
            let c = ManualNanoClock::new(1_000_000_000);
            let l = RedisRateLimiter::new(node(&server).await, quota()).with_clock(c.clone());
            ratelimit_suite(Arc::new(l), c).await;
            lockout_suite(RedisLockoutStore::new(node(&server).await), clock()).await;
        });
    }

    #[test]
    fn two_nodes_share_one_rate_limit_and_one_lockout() {
        let Some(server) = server() else { return };
        rt().block_on(async {
            // N = 50 per hour on the server's clock: no refill during the test.
            let q = Quota::new(50, Duration::from_secs(3600)).unwrap();
            let a = Arc::new(RedisRateLimiter::new(node(&server).await, q));
            let b = Arc::new(RedisRateLimiter::new(node(&server).await, q));
            let tasks: Vec<_> = (0..400)
                .map(|i| {
                    let l = if i % 2 == 0 { a.clone() } else { b.clone() };
                    tokio::spawn(async move { l.check(&key("shared")).await.is_ok() })
                })
                .collect();
            let mut admitted = 0;
            for t in tasks {
                admitted += usize::from(t.await.unwrap());
            }
            assert_eq!(admitted, 50);
            assert!(matches!(
                a.check(&key("shared")).await,
                Err(Error::RateLimited { .. })
            ));

            let c = clock();
            let p = LockoutPolicy::default;
            let la = Arc::new(
                Lockout::new(p(), RedisLockoutStore::new(node(&server).await), c.clone()).unwrap(),
            );
            let lb = Arc::new(
                Lockout::new(p(), RedisLockoutStore::new(node(&server).await), c.clone()).unwrap(),
            );
            let k = key("alice|ip9");
            // 4 concurrent failures over both nodes, then the 5th on node B locks on node A.
            let tasks: Vec<_> = (0..4)
                .map(|i| {
                    let l = if i % 2 == 0 { la.clone() } else { lb.clone() };
                    let k = k.clone();
                    tokio::spawn(async move { l.failure(&k).await })
                })
                .collect();
            for t in tasks {
                t.await.unwrap().unwrap();
            }
            assert!(matches!(lb.failure(&k).await, Err(Error::Locked { .. })));
            assert!(matches!(la.check(&k).await, Err(Error::Locked { .. })));
        });
    }
}
