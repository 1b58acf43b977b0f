#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use std::net::IpAddr;

use bosso_accounts::Error;
use bosso_accounts::lockout::{Lockout, LockoutPolicy, MemoryLockoutStore};
use bosso_accounts::ratelimit::ThrottleKey;
use bosso_token::{ManualClock, UnixTime, UserId};

const T0: u64 = 1_700_000_000;

fn setup(cap: usize) -> (Lockout<MemoryLockoutStore, ManualClock>, ManualClock) {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let l = Lockout::new(
        LockoutPolicy::default(),
        MemoryLockoutStore::new(cap),
        clock.clone(),
    )
    .unwrap();
    (l, clock)
}

fn k(s: &str) -> ThrottleKey {
    ThrottleKey::new("login", s)
}

async fn fail_n(
    l: &Lockout<MemoryLockoutStore, ManualClock>,
    key: &ThrottleKey,
    n: u32,
) -> Result<(), Error> {
    for _ in 0..n {
        l.failure(key).await?;
    }
    Ok(())
}

#[tokio::test]
async fn fifth_failure_locks_and_durations_double_up_to_the_cap() {
    let (l, clock) = setup(100);
    let key = k("alice");
    let mut start = T0;
    for (i, expect) in [60u64, 120, 240, 480, 960, 1920, 3600, 3600]
        .iter()
        .enumerate()
    {
        fail_n(&l, &key, 4).await.unwrap();
        l.check(&key).await.unwrap();
        let until = UnixTime::from_secs(start + expect);
        assert_eq!(
            l.failure(&key).await,
            Err(Error::Locked { until }),
            "lock {i}"
        );
        assert_eq!(l.check(&key).await, Err(Error::Locked { until }));
        // Failures while locked do not extend or count.
        assert_eq!(l.failure(&key).await, Err(Error::Locked { until }));
        clock.set(UnixTime::from_secs(start + expect - 1));
        assert!(l.check(&key).await.is_err());
        clock.set(until);
        l.check(&key).await.unwrap();
        start = until.as_secs();
    }
}

#[tokio::test]
async fn failures_outside_the_window_do_not_add_up() {
    let (l, clock) = setup(100);
    let key = k("bob");
    fail_n(&l, &key, 4).await.unwrap();
    clock.advance(15 * 60);
    fail_n(&l, &key, 4).await.unwrap();
    l.check(&key).await.unwrap();
    assert!(l.failure(&key).await.is_err());
}

#[tokio::test]
async fn success_resets() {
    let (l, _) = setup(100);
    let key = k("carol");
    fail_n(&l, &key, 4).await.unwrap();
    l.success(&key).await.unwrap();
    fail_n(&l, &key, 4).await.unwrap();
    l.check(&key).await.unwrap();
}

#[tokio::test]
async fn escalation_is_forgotten_after_a_quiet_day() {
    let (l, clock) = setup(100);
    let key = k("dave");
    fail_n(&l, &key, 5).await.unwrap_err(); // 60 s
    clock.advance(60);
    assert!(fail_n(&l, &key, 5).await.is_err()); // 120 s
    clock.advance(120 + 24 * 3600);
    let now = T0 + 60 + 120 + 24 * 3600;
    assert_eq!(
        fail_n(&l, &key, 5).await,
        Err(Error::Locked {
            until: UnixTime::from_secs(now + 60)
        })
    );
}

#[tokio::test]
async fn keying_by_account_and_source_spares_the_victim() {
    let (l, _) = setup(100);
    let victim = UserId::new("victim").unwrap();
    let attacker: IpAddr = "203.0.113.66".parse().unwrap();
    let home: IpAddr = "198.51.100.7".parse().unwrap();
    let attack_key = ThrottleKey::account_and_ip("login", &victim, attacker);
    assert!(fail_n(&l, &attack_key, 5).await.is_err());
    assert!(l.check(&attack_key).await.is_err());
    l.check(&ThrottleKey::account_and_ip("login", &victim, home))
        .await
        .unwrap();
}

#[tokio::test]
async fn full_store_fails_closed_and_frees_only_fresh_equivalent_state() {
    let (l, clock) = setup(2);
    l.failure(&k("a")).await.unwrap();
    l.failure(&k("b")).await.unwrap();
    assert_eq!(l.failure(&k("c")).await, Err(Error::StoreFull));
    clock.advance(15 * 60);
    l.failure(&k("c")).await.unwrap();
    // A locked key is never dropped to make room.
    let (l, clock) = setup(2);
    assert!(fail_n(&l, &k("x"), 5).await.is_err());
    l.failure(&k("y")).await.unwrap();
    clock.advance(15 * 60);
    l.failure(&k("z")).await.unwrap(); // y dropped (window over), x kept (escalation)
    clock.set(UnixTime::from_secs(T0 + 15 * 60 + 1));
    assert!(fail_n(&l, &k("x"), 5).await.is_err());
    assert_eq!(
        l.check(&k("x")).await,
        Err(Error::Locked {
            until: UnixTime::from_secs(T0 + 15 * 60 + 1 + 120)
        })
    );
}

#[test]
fn policy_validation() {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let bad = LockoutPolicy {
        max_failures: 0,
        ..LockoutPolicy::default()
    };
    assert!(Lockout::new(bad, MemoryLockoutStore::new(1), clock).is_err());
    assert_eq!(LockoutPolicy::default().lock_duration(100), 3600);
}

/// Finding 3: the attempt is counted before the password is checked, atomically, so concurrent
/// attempts cannot all pass a read-only check: at most `max_failures` of 20 proceed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_attempts_are_counted_before_verification() {
    let (l, _) = setup(100);
    let l = std::sync::Arc::new(l);
    let key = k("eve");
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (l, key, barrier) = (l.clone(), key.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let admitted = l.begin_attempt(&key).await.is_ok();
            // "Verifying the password" (always wrong here) takes a while.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            admitted
        }));
    }
    let mut proceeded = 0;
    for t in tasks {
        proceeded += usize::from(t.await.unwrap());
    }
    assert_eq!(proceeded, 5, "max_failures = 5");
    assert!(matches!(
        l.begin_attempt(&key).await,
        Err(Error::Locked { .. })
    ));
}

/// Finding 3: sequentially, exactly `max_failures` wrong guesses proceed per lock, a success
/// refunds the attempt, and the lock escalates as before.
#[tokio::test]
async fn begin_attempt_admits_max_failures_then_locks() {
    let (l, clock) = setup(100);
    let key = k("frank");
    for _ in 0..5 {
        l.begin_attempt(&key).await.unwrap();
    }
    assert_eq!(
        l.begin_attempt(&key).await,
        Err(Error::Locked {
            until: UnixTime::from_secs(T0 + 60)
        })
    );
    clock.advance(60);
    for _ in 0..4 {
        l.begin_attempt(&key).await.unwrap();
    }
    // A success refunds: the key starts over.
    l.success(&key).await.unwrap();
    for _ in 0..5 {
        l.begin_attempt(&key).await.unwrap();
    }
    assert!(l.begin_attempt(&key).await.is_err());
}

/// Finding 4: with the store full, a new key is refused before any password is checked.
#[tokio::test]
async fn full_store_refuses_new_keys_before_the_guess() {
    let (l, _) = setup(2);
    l.begin_attempt(&k("a")).await.unwrap();
    l.begin_attempt(&k("b")).await.unwrap();
    for _ in 0..10 {
        assert_eq!(l.begin_attempt(&k("c")).await, Err(Error::StoreFull));
    }
    // Keys already tracked keep working.
    l.begin_attempt(&k("a")).await.unwrap();
}
