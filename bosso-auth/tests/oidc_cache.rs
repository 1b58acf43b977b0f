//! The rotating JWKS cache against a JWKS HTTP server on 127.0.0.1 inside the test: key
//! rotation without restart, the unknown-kid refresh limits (a flood stays bounded, a rotation
//! is still seen within seconds), single flight, stale-on-error, TTL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod oidc_support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bosso_auth::Error;
use bosso_auth::oidc::{
    AccessTokenVerifierConfig, Alg, JwksCache, JwksCacheConfig, JwksDocument, JwksSource,
    cache_control_max_age,
};
use bosso_token::{Clock, ManualClock, UnixTime};
use oidc_support::server::{ServerState, start_server};
use oidc_support::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A test-only plain-HTTP JWKS source (production uses HTTPS).
struct LoopbackSource {
    addr: String,
}

impl JwksSource for LoopbackSource {
    async fn fetch(&self) -> Result<JwksDocument, Error> {
        let unavailable = |_| Error::JwksUnavailable("loopback fetch failed".into());
        let mut sock = TcpStream::connect(&self.addr).await.map_err(unavailable)?;
        sock.write_all(b"GET /jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await
            .map_err(unavailable)?;
        let mut resp = Vec::new();
        sock.read_to_end(&mut resp).await.map_err(unavailable)?;
        let text = String::from_utf8(resp).map_err(|_| Error::JwksUnavailable("utf8".into()))?;
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        if !head.starts_with("HTTP/1.1 200") {
            return Err(Error::JwksUnavailable("status".into()));
        }
        let max_age = head
            .lines()
            .find_map(|l| l.strip_prefix("Cache-Control: "))
            .and_then(cache_control_max_age);
        Ok(JwksDocument {
            bytes: body.as_bytes().to_vec(),
            max_age,
        })
    }
}

struct Env {
    clock: ManualClock,
    server: Arc<ServerState>,
    cache: Arc<JwksCache<LoopbackSource>>,
}

async fn env(keys: &[serde_json::Value], cache: JwksCacheConfig) -> Env {
    let (addr, server) = start_server(jwks(keys)).await;
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let cfg = AccessTokenVerifierConfig::new(ISS, [AUD])
        .unwrap()
        .with_algorithms(Alg::ALL)
        .unwrap();
    let cache = JwksCache::new(cfg, LoopbackSource { addr })
        .with_cache_config(cache)
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    Env {
        clock,
        server,
        cache: Arc::new(cache),
    }
}

fn defaults() -> JwksCacheConfig {
    JwksCacheConfig::default()
}

impl Env {
    fn fetches(&self) -> usize {
        self.server.requests()
    }
    fn token(&self, key: &TestKey, kid: &str) -> String {
        let now = self.clock.now().as_secs();
        let claims = json!({"iss": ISS, "aud": AUD, "sub": "u1", "exp": now + 300, "iat": now});
        key.token(&json!({"alg": key.default_alg(), "kid": kid}), &claims)
    }
    fn serve(&self, keys: &[serde_json::Value]) {
        *self.server.body.lock().unwrap() = jwks(keys);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_key_verifies_without_restart() {
    let a = TestKey::ed25519();
    let b = TestKey::p256();
    let e = env(&[a.jwk("a", None)], defaults()).await;
    assert_eq!(
        e.cache
            .verify(&e.token(&a, "a"))
            .await
            .unwrap()
            .subject()
            .as_str(),
        "u1"
    );
    assert_eq!(e.fetches(), 1);
    // The provider rotates: publishes b, retires a.
    e.serve(&[b.jwk("b", None)]);
    assert!(e.cache.verify(&e.token(&b, "b")).await.is_ok());
    assert_eq!(e.fetches(), 2);
    // a is retired: tokens signed by it are refused without a fetch, now and later.
    for _ in 0..3 {
        e.clock.advance(10);
        assert_eq!(
            e.cache.verify(&e.token(&a, "a")).await.unwrap_err(),
            Error::JwtUnknownKey
        );
    }
    assert_eq!(e.fetches(), 2);
    // Warm cache: no fetch for known keys.
    for _ in 0..5 {
        assert!(e.cache.verify(&e.token(&b, "b")).await.is_ok());
    }
    assert_eq!(e.fetches(), 2);
    // An issuer that publishes a again makes it verify again (it leaves the retired list).
    e.serve(&[a.jwk("a", None), b.jwk("b", None)]);
    e.clock.advance(3600);
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 3);
}

/// Regression: one unknown-kid probe used to block every new key for a 30 s cooldown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_right_after_a_probe_is_seen_after_the_minimum_interval() {
    let a = TestKey::ed25519();
    let b = TestKey::ed25519();
    let e = env(&[a.jwk("a", None)], defaults()).await;
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    // A probe with a kid nobody publishes: one fetch.
    let probe = e.token(&a, "probe");
    assert_eq!(
        e.cache.verify(&probe).await.unwrap_err(),
        Error::JwtUnknownKey
    );
    assert_eq!(e.fetches(), 2);
    // The issuer rotates in the same second. Within the 1 s minimum interval the new kid
    // causes no fetch...
    e.serve(&[a.jwk("a", None), b.jwk("b", None)]);
    assert_eq!(
        e.cache.verify(&e.token(&b, "b")).await.unwrap_err(),
        Error::JwtUnknownKey
    );
    assert_eq!(e.fetches(), 2);
    // ... and one second later it verifies.
    e.clock.advance(1);
    assert!(e.cache.verify(&e.token(&b, "b")).await.is_ok());
    assert_eq!(e.fetches(), 3);
}

/// Default limits: burst 3, minimum interval 1 s, one refresh per 5 s after that.
const BURST: u64 = 3;
const REFILL: u64 = 5;

fn random_kid() -> String {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 12];
    ring::rand::SystemRandom::new().fill(&mut b).unwrap();
    b64(&b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_random_kids_is_bounded_and_a_rotation_is_seen_within_the_refill_period() {
    let a = TestKey::ed25519();
    let c = TestKey::ed25519();
    // Every phase of the budget at the moment of the rotation, including the worst (the
    // flood has just spent the last fetch before the key was published).
    for publish_after in 0..REFILL {
        let e = env(&[a.jwk("a", None)], defaults()).await;
        assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
        let start = e.clock.now().as_secs();
        let before = e.fetches();
        // 1,000 random kids over 20 seconds (50 per second).
        for sec in 0..20u64 {
            for _ in 0..50 {
                let t = e.token(&a, &random_kid());
                assert_eq!(e.cache.verify(&t).await.unwrap_err(), Error::JwtUnknownKey);
            }
            if sec < 19 {
                e.clock.advance(1);
            }
        }
        let span = e.clock.now().as_secs() - start; // 19 s from first to last request
        let flood_fetches = (e.fetches() - before) as u64;
        assert!(
            flood_fetches <= BURST + span / REFILL,
            "{flood_fetches} fetches for 1,000 random kids over {span} s"
        );
        assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
        // The flood goes on; the issuer publishes c in its `publish_after`-th second, after
        // that second's flood requests (so a fetch may have run just before it).
        e.clock.advance(1);
        let mut published = None;
        let mut seen = None;
        for sec in 0..=publish_after + REFILL {
            for _ in 0..50 {
                let _ = e.cache.verify(&e.token(&a, &random_kid())).await;
            }
            if sec == publish_after {
                e.serve(&[a.jwk("a", None), c.jwk("c", None)]);
                published = Some(e.clock.now().as_secs());
            }
            if published.is_some() && e.cache.verify(&e.token(&c, "c")).await.is_ok() {
                seen = Some(e.clock.now().as_secs());
                break;
            }
            e.clock.advance(1);
        }
        let published = published.unwrap();
        let seen = seen.expect("the rotated key never verified");
        // The documented bound: a key published at t verifies from t + refill at the latest.
        assert!(
            seen <= published + REFILL,
            "published at +{}, first verified at +{}",
            published - start,
            seen - start
        );
        // The whole run stayed within the fetch bound.
        let total = (e.fetches() - before) as u64;
        let span = e.clock.now().as_secs() - start;
        assert!(
            total <= BURST + span / REFILL,
            "{total} fetches over {span} s"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlong_kids_never_cause_a_fetch() {
    let a = TestKey::ed25519();
    let e = env(&[a.jwk("a", None)], defaults()).await;
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    // No key set holds a kid over 256 bytes, so looking for one is never worth a fetch.
    for i in 0..10 {
        e.clock.advance(REFILL);
        let kid = format!("{i}{}", "k".repeat(256));
        assert_eq!(
            e.cache.verify(&e.token(&a, &kid)).await.unwrap_err(),
            Error::JwtUnknownKey
        );
    }
    assert_eq!(e.fetches(), 1);
    // The same wait with a short unknown kid does fetch.
    e.clock.advance(REFILL);
    let _ = e.cache.verify(&e.token(&a, "short")).await;
    assert_eq!(e.fetches(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_new_kid_requests_cause_exactly_one_fetch() {
    let a = TestKey::ed25519();
    let b = TestKey::ed25519();
    // No minimum interval and a large burst: only single flight can collapse the fetches.
    let e = env(
        &[a.jwk("a", None)],
        JwksCacheConfig {
            unknown_kid_min_interval: Duration::ZERO,
            unknown_kid_burst: 1000,
            ..defaults()
        },
    )
    .await;
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 1);
    e.serve(&[a.jwk("a", None), b.jwk("b", None)]);
    e.server.delay_ms.store(200, Ordering::SeqCst);
    let token = e.token(&b, "b");
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let cache = e.cache.clone();
            let token = token.clone();
            tokio::spawn(async move { cache.verify(&token).await })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().is_ok());
    }
    assert_eq!(e.fetches(), 2);
    assert_eq!(e.cache.fetch_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_refresh_keeps_serving_the_last_good_keys() {
    let a = TestKey::ed25519();
    let e = env(&[a.jwk("a", None)], defaults()).await;
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    e.server.fail.store(true, Ordering::SeqCst);
    e.clock.advance(3601); // past the default 1 h TTL
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 2);
    // The failure is not retried on every request.
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 2);
    // A garbage JWKS is a failed refresh too.
    e.server.fail.store(false, Ordering::SeqCst);
    e.serve(&[]);
    e.clock.advance(31);
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 3);
    // With no key set at all, a failure is reported.
    let cold = env(&[a.jwk("a", None)], defaults()).await;
    cold.server.fail.store(true, Ordering::SeqCst);
    assert!(matches!(
        cold.cache.verify(&cold.token(&a, "a")).await.unwrap_err(),
        Error::JwksUnavailable(_)
    ));
    assert_eq!(cold.fetches(), 1);
    // ... and is not retried on every request while the provider is down.
    for _ in 0..10 {
        assert!(cold.cache.verify(&cold.token(&a, "a")).await.is_err());
    }
    assert_eq!(cold.fetches(), 1);
    cold.server.fail.store(false, Ordering::SeqCst);
    cold.clock.advance(30);
    assert!(cold.cache.verify(&cold.token(&a, "a")).await.is_ok());
    assert_eq!(cold.fetches(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttl_follows_max_age_within_bounds() {
    let a = TestKey::ed25519();
    let e = env(&[a.jwk("a", None)], defaults()).await;
    *e.server.cache_control.lock().unwrap() = Some("public, max-age=120".into());
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    e.clock.advance(119);
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 1);
    e.clock.advance(1);
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 2);
    // max-age=5 is clamped up to the 60 s minimum.
    *e.server.cache_control.lock().unwrap() = Some("max-age=5".into());
    e.clock.advance(120);
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 3);
    e.clock.advance(59);
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 3);
    e.clock.advance(1);
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 4);
    // A ten-day max-age is clamped down to 24 h.
    *e.server.cache_control.lock().unwrap() = Some("max-age=864000".into());
    e.clock.advance(60);
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 5);
    e.clock.advance(24 * 3600);
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 6);
}

#[test]
fn cache_control_parsing() {
    let s = |v| cache_control_max_age(v).map(|d| d.as_secs());
    assert_eq!(s("max-age=300"), Some(300));
    assert_eq!(s("public, MAX-AGE=60, must-revalidate"), Some(60));
    assert_eq!(s("no-store"), Some(0));
    assert_eq!(s("max-age=-1"), None);
    assert_eq!(s("max-age=abc"), None);
    assert_eq!(s("max-age=99999999999999"), None);
    assert_eq!(s("public"), None);
}

#[test]
fn cache_config_is_validated() {
    let cfg = AccessTokenVerifierConfig::new(ISS, [AUD]).unwrap();
    let src = bosso_auth::oidc::StaticJwksSource::new(b"{}".to_vec());
    let bad = JwksCacheConfig {
        min_ttl: Duration::ZERO,
        ..JwksCacheConfig::default()
    };
    assert!(
        JwksCache::new(cfg.clone(), src.clone())
            .with_cache_config(bad)
            .is_err()
    );
    // Each of these would void a documented bound of the unknown-kid limits.
    for bad in [
        JwksCacheConfig {
            unknown_kid_refill: Duration::from_millis(999),
            unknown_kid_min_interval: Duration::ZERO,
            ..JwksCacheConfig::default()
        },
        JwksCacheConfig {
            unknown_kid_min_interval: Duration::from_secs(6),
            ..JwksCacheConfig::default()
        },
        JwksCacheConfig {
            unknown_kid_burst: 0,
            ..JwksCacheConfig::default()
        },
    ] {
        assert!(matches!(
            JwksCache::new(cfg.clone(), src.clone())
                .with_cache_config(bad)
                .unwrap_err(),
            Error::InvalidConfig(_)
        ));
    }
    let d = JwksCacheConfig::default();
    assert_eq!(
        (
            d.unknown_kid_min_interval,
            d.unknown_kid_burst as u64,
            d.unknown_kid_refill
        ),
        (Duration::from_secs(1), BURST, Duration::from_secs(REFILL))
    );
    assert!(JwksCache::new(cfg, src).with_cache_config(d).is_ok());
}
