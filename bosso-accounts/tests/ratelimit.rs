#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bosso_accounts::Error;
use bosso_accounts::ratelimit::{
    ManualNanoClock, MemoryRateLimiter, Quota, RateLimiter, ThrottleKey,
};
use bosso_token::UserId;

const MS: u64 = 1_000_000;

fn key(s: &str) -> ThrottleKey {
    ThrottleKey::new("test", s)
}

#[test]
fn login_policy_admits_ten_then_one_per_six_seconds() {
    let clock = ManualNanoClock::new(1_000 * MS);
    let l = MemoryRateLimiter::with_clock(Quota::login(), 100, clock.clone());
    let k = key("1.2.3.4");
    for _ in 0..10 {
        l.check_now(&k).unwrap();
    }
    assert_eq!(
        l.check_now(&k),
        Err(Error::RateLimited {
            retry_after_ms: 6000
        })
    );
    clock.advance(Duration::from_millis(5999));
    assert_eq!(
        l.check_now(&k),
        Err(Error::RateLimited { retry_after_ms: 1 })
    );
    clock.advance(Duration::from_millis(1));
    l.check_now(&k).unwrap();
    assert!(l.check_now(&k).is_err());
    // Other keys are independent.
    l.check_now(&key("5.6.7.8")).unwrap();
}

/// An independent model: a token bucket holding up to `burst * T` nanoseconds of credit.
fn bucket_admissions(burst: u64, t: u64, times: &[u64]) -> usize {
    let cap = burst * t;
    let mut credit = cap;
    let mut last = times[0];
    let mut n = 0;
    for &now in times {
        credit = (credit + (now - last)).min(cap);
        last = now;
        if credit >= t {
            credit -= t;
            n += 1;
        }
    }
    n
}

#[test]
fn gcra_matches_a_token_bucket_model() {
    let clock = ManualNanoClock::new(0);
    let l = MemoryRateLimiter::with_clock(Quota::general(), 10, clock.clone());
    let k = key("steady");
    // Irregular arrivals over ~3 s: bursts, gaps and steady traffic.
    let mut times = Vec::new();
    let mut t = 0u64;
    for i in 0..3000u64 {
        t += match i % 7 {
            0 => 0,
            1 => 3 * MS,
            2 => 17 * MS,
            3 => MS / 2,
            4 => 0,
            5 => 41 * MS,
            _ => 2 * MS,
        };
        times.push(t);
    }
    let mut admitted = 0;
    let mut prev = 0;
    for &at in &times {
        clock.advance(Duration::from_nanos(at - prev));
        prev = at;
        if l.check_now(&k).is_ok() {
            admitted += 1;
        }
    }
    let expected = bucket_admissions(20, 50 * MS, &times);
    assert!(expected > 20, "the workload exercises refill");
    assert_eq!(admitted, expected);
}

#[test]
fn no_over_admission_under_concurrent_load() {
    let clock = ManualNanoClock::new(0);
    let quota = Quota::new(100, Duration::from_secs(60)).unwrap();
    let l = Arc::new(MemoryRateLimiter::with_clock(quota, 10_000, clock));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let l = Arc::clone(&l);
            std::thread::spawn(move || {
                let mut ok = vec![0usize; 20];
                for i in 0..2000 {
                    let k = key(&format!("k{}", i % 20));
                    if l.check_now(&k).is_ok() {
                        ok[i % 20] += 1;
                    }
                }
                ok
            })
        })
        .collect();
    let mut total = vec![0usize; 20];
    for t in threads {
        for (a, b) in total.iter_mut().zip(t.join().unwrap()) {
            *a += b;
        }
    }
    // 8 threads x 100 attempts per key, frozen clock: exactly the burst per key.
    assert!(total.iter().all(|&n| n == 100), "{total:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_trait_path_admits_exactly_the_burst() {
    let clock = ManualNanoClock::new(0);
    let l = Arc::new(MemoryRateLimiter::with_clock(Quota::login(), 100, clock));
    let mut hs = Vec::new();
    for _ in 0..50 {
        let l = Arc::clone(&l);
        hs.push(tokio::spawn(
            async move { l.check(&key("a")).await.is_ok() },
        ));
    }
    let mut ok = 0;
    for h in hs {
        ok += usize::from(h.await.unwrap());
    }
    assert_eq!(ok, 10);
}

#[test]
fn memory_is_bounded_under_a_key_flood_and_tracked_keys_keep_their_limits() {
    let clock = ManualNanoClock::new(0);
    let l = MemoryRateLimiter::with_clock(Quota::login(), 1024, clock.clone());
    assert!(l.capacity() <= 1024);
    let victim = key("victim");
    let partial = key("partial");
    for _ in 0..10 {
        l.check_now(&victim).unwrap();
    }
    for _ in 0..3 {
        l.check_now(&partial).unwrap();
    }
    let mut refused = 0;
    for i in 0..100_000 {
        if l.check_now(&key(&format!("flood-{i}"))).is_err() {
            refused += 1;
        }
        assert!(l.len() <= l.capacity());
    }
    assert!(refused > 90_000);
    // The flood evicted nothing that still restrains a key.
    assert!(l.check_now(&victim).is_err());
    let mut left = 0;
    while l.check_now(&partial).is_ok() {
        left += 1;
    }
    assert_eq!(left, 7, "exactly what it had left before the flood");
    // Once everything has decayed (tau + T = 60 s), new keys are admitted again.
    clock.advance(Duration::from_secs(61));
    // (Half the capacity: keys spread unevenly over shards, each with its own cap.)
    for i in 0..512 {
        l.check_now(&key(&format!("later-{i}"))).unwrap();
    }
    assert!(l.len() <= l.capacity());
}

#[test]
fn evicted_keys_gain_nothing_over_a_fresh_key() {
    let clock = ManualNanoClock::new(0);
    // Tiny limiter: a single shard of 4 keys.
    let l = MemoryRateLimiter::with_clock(Quota::login(), 4, clock.clone());
    let a = key("a");
    for _ in 0..10 {
        l.check_now(&a).unwrap();
    }
    for i in 0..3 {
        l.check_now(&key(&format!("f{i}"))).unwrap();
    }
    // Full; 'a' is restrained for 60 s: it must not be swept.
    assert!(l.check_now(&key("new")).is_err());
    assert!(l.check_now(&a).is_err());
    // After 60 s 'a' is fully decayed: sweeping it hands it exactly a fresh burst, no more.
    clock.advance(Duration::from_secs(60));
    l.check_now(&key("new")).unwrap();
    let mut n = 0;
    while l.check_now(&a).is_ok() {
        n += 1;
    }
    assert_eq!(n, 10);
}

#[test]
fn keys_group_ipv6_by_prefix_and_bound_length() {
    let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
    let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
    let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
    assert_eq!(ThrottleKey::ip("login", a), ThrottleKey::ip("login", b));
    assert_ne!(ThrottleKey::ip("login", a), ThrottleKey::ip("login", c));
    let v4: IpAddr = "198.51.100.1".parse().unwrap();
    let v4b: IpAddr = "198.51.100.2".parse().unwrap();
    assert_ne!(ThrottleKey::ip("login", v4), ThrottleKey::ip("login", v4b));
    let long = ThrottleKey::new("x", &"y".repeat(10_000));
    assert!(long.as_str().len() <= 96);
    assert_ne!(long, ThrottleKey::new("x", &"y".repeat(10_001)));
    let u = UserId::new("alice").unwrap();
    assert_ne!(
        ThrottleKey::account_and_ip("login", &u, v4),
        ThrottleKey::account_and_ip("login", &u, v4b)
    );
}

#[test]
fn quota_bounds() {
    assert!(Quota::new(0, Duration::from_secs(1)).is_err());
    assert!(Quota::login().with_burst(0).is_err());
    let q = Quota::general();
    assert_eq!(
        (q.burst(), q.emission_interval()),
        (20, Duration::from_millis(50))
    );
    let q = Quota::login();
    assert_eq!(
        (q.burst(), q.emission_interval()),
        (10, Duration::from_secs(6))
    );
}

/// Finding 2: on a dual-stack listener every IPv4 client arrives as `::ffff:a.b.c.d`; keying
/// those by their first four IPv6 segments put every IPv4 client in one bucket.
#[test]
fn ipv4_mapped_sources_are_keyed_by_their_ipv4_address() {
    let a: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
    let b: IpAddr = "::ffff:198.51.100.9".parse().unwrap();
    let a4: IpAddr = "203.0.113.7".parse().unwrap();
    assert_ne!(ThrottleKey::ip("login", a), ThrottleKey::ip("login", b));
    assert_eq!(ThrottleKey::ip("login", a), ThrottleKey::ip("login", a4));
    let victim = UserId::new("victim").unwrap();
    assert_ne!(
        ThrottleKey::account_and_ip("login", &victim, a),
        ThrottleKey::account_and_ip("login", &victim, b)
    );
    // Through the limiter: one mapped client exhausting its burst does not refuse another.
    let l = MemoryRateLimiter::with_clock(Quota::login(), 100, ManualNanoClock::new(MS));
    for _ in 0..10 {
        l.check_now(&ThrottleKey::ip("login", a)).unwrap();
    }
    assert!(l.check_now(&ThrottleKey::ip("login", a)).is_err());
    l.check_now(&ThrottleKey::ip("login", b)).unwrap();
}
