//! The rotating JWKS cache against a JWKS HTTP server on 127.0.0.1 inside the test: key
//! rotation without restart, unknown-kid flood cooldown, single flight, stale-on-error, TTL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod oidc_support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bosso_auth::Error;
use bosso_auth::oidc::{
    Alg, JwksCache, JwksCacheConfig, JwksDocument, JwksSource, VerifierConfig,
    cache_control_max_age,
};
use bosso_token::{Clock, ManualClock, UnixTime};
use oidc_support::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the loopback server serves; tests change it mid-test.
struct ServerState {
    body: Mutex<Vec<u8>>,
    cache_control: Mutex<Option<String>>,
    fail: AtomicBool,
    delay_ms: AtomicUsize,
    requests: AtomicUsize,
}

async fn start_server(body: Vec<u8>) -> (String, Arc<ServerState>) {
    let state = Arc::new(ServerState {
        body: Mutex::new(body),
        cache_control: Mutex::new(None),
        fail: AtomicBool::new(false),
        delay_ms: AtomicUsize::new(0),
        requests: AtomicUsize::new(0),
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let s = state.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let s = s.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = sock.read(&mut buf).await;
                s.requests.fetch_add(1, Ordering::SeqCst);
                let delay = s.delay_ms.load(Ordering::SeqCst);
                if delay > 0 {
                    tokio::time::sleep(Duration::from_millis(delay as u64)).await;
                }
                let resp = if s.fail.load(Ordering::SeqCst) {
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
                } else {
                    let body = s.body.lock().unwrap().clone();
                    let cc = s.cache_control.lock().unwrap().clone();
                    let mut head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                        body.len()
                    );
                    if let Some(cc) = cc {
                        head.push_str(&format!("Cache-Control: {cc}\r\n"));
                    }
                    head.push_str("\r\n");
                    [head.into_bytes(), body].concat()
                };
                let _ = sock.write_all(&resp).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (addr, state)
}

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

async fn env(keys: &[serde_json::Value], cooldown_secs: u64) -> Env {
    let (addr, server) = start_server(jwks(keys)).await;
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let cfg = VerifierConfig::new(ISS, [AUD])
        .unwrap()
        .with_algorithms(Alg::ALL)
        .unwrap();
    let cache = JwksCache::new(cfg, LoopbackSource { addr })
        .with_cache_config(JwksCacheConfig {
            unknown_kid_cooldown: Duration::from_secs(cooldown_secs),
            ..JwksCacheConfig::default()
        })
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    Env {
        clock,
        server,
        cache: Arc::new(cache),
    }
}

impl Env {
    fn fetches(&self) -> usize {
        self.server.requests.load(Ordering::SeqCst)
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
    let e = env(&[a.jwk("a", None)], 30).await;
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
    // a is gone; within the cooldown, asking for it again does not refetch.
    assert_eq!(
        e.cache.verify(&e.token(&a, "a")).await.unwrap_err(),
        Error::JwtUnknownKey
    );
    assert_eq!(e.fetches(), 2);
    // Warm cache: no fetch for known keys.
    for _ in 0..5 {
        assert!(e.cache.verify(&e.token(&b, "b")).await.is_ok());
    }
    assert_eq!(e.fetches(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_kid_flood_causes_at_most_one_fetch_per_cooldown() {
    let a = TestKey::ed25519();
    let e = env(&[a.jwk("a", None)], 30).await;
    assert!(e.cache.verify(&e.token(&a, "a")).await.is_ok());
    assert_eq!(e.fetches(), 1);
    for round in 0..3u64 {
        for i in 0..200 {
            let t = e.token(&a, &format!("random-{round}-{i}"));
            assert_eq!(e.cache.verify(&t).await.unwrap_err(), Error::JwtUnknownKey);
        }
        // One refresh for the whole flood of this cooldown window.
        assert_eq!(e.fetches() as u64, 2 + round);
        e.clock.advance(29);
        assert_eq!(
            e.cache.verify(&e.token(&a, "nope")).await.unwrap_err(),
            Error::JwtUnknownKey
        );
        assert_eq!(e.fetches() as u64, 2 + round);
        e.clock.advance(2);
    }
    // Disallowed or malformed tokens never reach the network.
    let before = e.fetches();
    for t in ["x.y.z", "eyJhbGciOiJub25lIn0.e30.AAAA", &"a".repeat(20_000)] {
        assert!(e.cache.verify(t).await.is_err());
    }
    assert_eq!(e.fetches(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_new_kid_requests_cause_exactly_one_fetch() {
    let a = TestKey::ed25519();
    let b = TestKey::ed25519();
    // Cooldown 0: only single flight can collapse the fetches.
    let e = env(&[a.jwk("a", None)], 0).await;
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
    let e = env(&[a.jwk("a", None)], 30).await;
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
    let cold = env(&[a.jwk("a", None)], 30).await;
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
    let e = env(&[a.jwk("a", None)], 30).await;
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
    let cfg = VerifierConfig::new(ISS, [AUD]).unwrap();
    let src = bosso_auth::oidc::StaticJwksSource::new(b"{}".to_vec());
    let bad = JwksCacheConfig {
        min_ttl: Duration::ZERO,
        ..JwksCacheConfig::default()
    };
    assert!(JwksCache::new(cfg, src).with_cache_config(bad).is_err());
}
