//! One behavioural suite for every ReplayStore backend, so they cannot drift apart; plus the
//! Redis-only properties: two nodes share one truth, failures are closed, recovery needs no
//! restart. The Redis tests start their own redis-server (see bosso-testkit).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use std::sync::Arc;

use bosso_token::*;
use common::*;

fn id(n: u128) -> TokenId {
    // Unique per test run too, so a shared Redis never sees ids from another test.
    TokenId::from_bytes((n ^ (std::process::id() as u128) << 64).to_be_bytes())
}

fn until() -> UnixTime {
    SystemClock.now().saturating_add(600)
}

/// The contract of ReplayStore, for any backend.
async fn suite<S: ReplayStore + 'static>(store: Arc<S>, base: u128) {
    // First use fresh, every later use replayed.
    assert_eq!(
        store.consume(id(base + 1), until()).await.unwrap(),
        Consumption::Fresh
    );
    assert_eq!(
        store.consume(id(base + 1), until()).await.unwrap(),
        Consumption::Replayed
    );
    assert_eq!(
        store.consume(id(base + 1), until()).await.unwrap(),
        Consumption::Replayed
    );
    // Distinct ids do not interfere.
    for n in 2..50 {
        assert_eq!(
            store.consume(id(base + n), until()).await.unwrap(),
            Consumption::Fresh
        );
    }
    // 64 racing tasks on one id: exactly one fresh.
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let s = store.clone();
            tokio::spawn(async move { s.consume(id(base + 1000), until()).await.unwrap() })
        })
        .collect();
    let mut fresh = 0;
    for t in tasks {
        fresh += usize::from(t.await.unwrap() == Consumption::Fresh);
    }
    assert_eq!(fresh, 1);
    // Through the verifier: a real token works once.
    let f = hmac();
    let clockless =
        AttachVerifier::new(f.ring.verification_keys(), Audience::new("bosso").unwrap());
    let minter = AttachMinter::new(f.ring.active().clone(), Audience::new("bosso").unwrap());
    let t = minter
        .mint(&scope("alice", "s", "c", Permission::Viewer))
        .unwrap();
    clockless
        .verify_and_consume(t.expose_secret(), &Expected::any_scope(), &*store)
        .await
        .unwrap();
    let again = clockless
        .verify_and_consume(t.expose_secret(), &Expected::any_scope(), &*store)
        .await;
    assert_eq!(again.unwrap_err(), Error::Replayed);
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn memory_backend_passes_the_suite() {
    rt().block_on(suite(Arc::new(MemoryReplayStore::new()), 0));
}

/// A store chosen at run time, behind `Arc<dyn DynReplayStore>`, keeps the whole contract.
#[test]
fn a_trait_object_store_passes_the_suite() {
    let store: Arc<dyn DynReplayStore> = Arc::new(MemoryReplayStore::new());
    rt().block_on(suite(Arc::new(store), 0));
}

#[cfg(feature = "redis")]
mod redis_backend {
    use super::*;
    use bosso_testkit::RedisServer;
    use std::time::{Duration, Instant};

    fn server() -> Option<RedisServer> {
        RedisServer::start().unwrap()
    }

    #[test]
    fn redis_backend_passes_the_suite() {
        let Some(server) = server() else { return };
        rt().block_on(async {
            let store = Arc::new(RedisReplayStore::connect(&server.url()).await.unwrap());
            suite(store, 0).await;
        });
    }

    #[test]
    fn two_nodes_share_one_truth() {
        let Some(server) = server() else { return };
        rt().block_on(async {
            let a = Arc::new(RedisReplayStore::connect(&server.url()).await.unwrap());
            let b = Arc::new(RedisReplayStore::connect(&server.url()).await.unwrap());
            assert_eq!(a.consume(id(1), until()).await.unwrap(), Consumption::Fresh);
            assert_eq!(
                b.consume(id(1), until()).await.unwrap(),
                Consumption::Replayed
            );
            // 1,000 distinct ids spread over both nodes, each used twice concurrently
            // (once per node): every id is fresh exactly once.
            let mut tasks = Vec::new();
            for n in 10..1010u128 {
                for node in [&a, &b] {
                    let s = (*node).clone();
                    tasks.push(tokio::spawn(async move {
                        (n, s.consume(id(n), until()).await.unwrap())
                    }));
                }
            }
            let mut fresh = std::collections::HashMap::new();
            for t in tasks {
                let (n, c) = t.await.unwrap();
                *fresh.entry(n).or_insert(0) += usize::from(c == Consumption::Fresh);
            }
            assert_eq!(fresh.len(), 1000);
            assert!(fresh.values().all(|&f| f == 1));
        });
    }

    #[test]
    fn keys_expire_with_the_token_window() {
        let Some(server) = server() else { return };
        rt().block_on(async {
            let store = RedisReplayStore::connect(&server.url()).await.unwrap();
            store
                .consume(id(7), SystemClock.now().saturating_add(100))
                .await
                .unwrap();
            let client = redis::Client::open(server.url()).unwrap();
            let mut c = client.get_multiplexed_async_connection().await.unwrap();
            let ttl: i64 = redis::cmd("TTL")
                .arg(store.key(&id(7)))
                .query_async(&mut c)
                .await
                .unwrap();
            assert!((95..=101).contains(&ttl), "ttl {ttl}");
            assert!(store.key(&id(7)).starts_with("bosso:replay:{"));
        });
    }

    #[test]
    fn fails_closed_when_redis_dies_and_recovers_without_restart() {
        let Some(mut server) = server() else { return };
        rt().block_on(async {
            let store =
                RedisReplayStore::connect_with_timeout(&server.url(), Duration::from_millis(300))
                    .await
                    .unwrap();
            assert_eq!(
                store.consume(id(1), until()).await.unwrap(),
                Consumption::Fresh
            );
            server.kill();
            let start = Instant::now();
            let e = store.consume(id(2), until()).await.unwrap_err();
            assert!(matches!(e, Error::ReplayStoreUnavailable(_)), "{e:?}");
            assert!(
                start.elapsed() < Duration::from_secs(3),
                "bounded: {:?}",
                start.elapsed()
            );
            // A token verified while Redis is down is refused, never admitted.
            let f = hmac();
            let v =
                AttachVerifier::new(f.ring.verification_keys(), Audience::new("bosso").unwrap());
            let m = AttachMinter::new(f.ring.active().clone(), Audience::new("bosso").unwrap());
            let t = m.mint(&scope("a", "s", "c", Permission::Viewer)).unwrap();
            assert!(
                v.verify_and_consume(t.expose_secret(), &Expected::any_scope(), &store)
                    .await
                    .is_err()
            );
            server.restart().unwrap();
            // The connection manager reconnects on its own; allow it a few attempts.
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match store.consume(id(3), until()).await {
                    Ok(c) => {
                        assert_eq!(c, Consumption::Fresh);
                        break;
                    }
                    Err(_) if Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(100)).await
                    }
                    Err(e) => panic!("did not recover: {e:?}"),
                }
            }
            v.verify_and_consume(t.expose_secret(), &Expected::any_scope(), &store)
                .await
                .unwrap();
        });
    }

    /// Regression (issue 19): after Redis was killed and restarted while the store sat idle,
    /// the first consume failed and only the second succeeded: one spurious refusal per
    /// outage. Three cycles, each with the idle gaps of the stress run that found it.
    #[test]
    fn the_first_consume_after_redis_returns_succeeds() {
        let Some(mut server) = server() else { return };
        rt().block_on(async {
            let store = RedisReplayStore::connect(&server.url()).await.unwrap();
            for cycle in 0..3u128 {
                assert_eq!(
                    store.consume(id(100 + cycle), until()).await.unwrap(),
                    Consumption::Fresh
                );
                server.kill();
                tokio::time::sleep(Duration::from_millis(1500)).await;
                server.restart().unwrap();
                tokio::time::sleep(Duration::from_millis(1500)).await;
                assert_eq!(
                    store.consume(id(200 + cycle), until()).await.unwrap(),
                    Consumption::Fresh,
                    "cycle {cycle}"
                );
                // And single use still holds on the returned server.
                assert_eq!(
                    store.consume(id(200 + cycle), until()).await.unwrap(),
                    Consumption::Replayed
                );
            }
        });
    }

    /// Regression (issue 19): a hung Redis (SIGSTOP) was reported as "command failed"
    /// because the client's own timeout fired first. It is "timed out", and the call returns
    /// within a generous bound (the promise is a bounded wait).
    #[test]
    fn a_hung_redis_is_reported_as_timed_out() {
        let Some(server) = server() else { return };
        rt().block_on(async {
            let store =
                RedisReplayStore::connect_with_timeout(&server.url(), Duration::from_millis(300))
                    .await
                    .unwrap();
            store.consume(id(300), until()).await.unwrap();
            server.freeze().unwrap();
            let start = Instant::now();
            let e = store.consume(id(301), until()).await.unwrap_err();
            let elapsed = start.elapsed();
            server.thaw().unwrap();
            assert_eq!(e, Error::ReplayStoreUnavailable("timed out".into()));
            assert!(elapsed < Duration::from_secs(3), "bounded: {elapsed:?}");
        });
    }

    /// Regression (issue 19): with Redis restarted without persistence, 20/20 tokens consumed
    /// before the kill were admitted again. The store now requires AOF, and with it a crash
    /// (SIGKILL, no shutdown) forgets no consumed id.
    #[test]
    fn consumed_ids_survive_a_redis_crash() {
        let Some(mut server) = server() else { return };
        rt().block_on(async {
            let store = RedisReplayStore::connect(&server.url()).await.unwrap();
            for n in 0..20 {
                assert_eq!(
                    store.consume(id(400 + n), until()).await.unwrap(),
                    Consumption::Fresh
                );
            }
            server.kill();
            server.restart().unwrap();
            for n in 0..20 {
                let c = loop {
                    // The server may still be loading its AOF: wait, within a bound.
                    match store.consume(id(400 + n), until()).await {
                        Ok(c) => break c,
                        Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                };
                assert_eq!(c, Consumption::Replayed, "token {n} admitted again");
            }
        });
    }

    #[test]
    fn a_server_without_aof_or_with_eviction_is_refused_unless_opted_out() {
        let t = Duration::from_secs(1);
        let refused = |r: Result<RedisReplayStore, Error>, setting: &str| match r {
            Err(Error::InvalidConfig(m)) => assert!(m.contains(setting), "{m}"),
            other => panic!("expected a refusal naming {setting}, got {other:?}"),
        };
        let Some(no_aof) = RedisServer::start_with(&["--appendonly", "no"]).unwrap() else {
            return;
        };
        let lru = RedisServer::start_with(&["--maxmemory-policy", "allkeys-lru"])
            .unwrap()
            .unwrap();
        let fsync_no = RedisServer::start_with(&["--appendfsync", "no"])
            .unwrap()
            .unwrap();
        rt().block_on(async {
            refused(RedisReplayStore::connect(&no_aof.url()).await, "appendonly");
            RedisReplayStore::connect_without_persistence(&no_aof.url(), t)
                .await
                .unwrap();
            refused(
                RedisReplayStore::connect(&fsync_no.url()).await,
                "appendfsync",
            );
            refused(
                RedisReplayStore::connect(&lru.url()).await,
                "maxmemory-policy",
            );
            refused(
                RedisReplayStore::connect_without_persistence(&lru.url(), t).await,
                "maxmemory-policy",
            );
            RedisReplayStore::connect_unverified(&lru.url(), t)
                .await
                .unwrap();
        });
    }
}
