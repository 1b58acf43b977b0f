//! Shared state over loopback Redis (a private redis-server on a unix socket, started here):
//! the replay-store consume (bosso-token) and the rate-limit check (bosso-accounts, GCRA in one Lua
//! script), single and 64 in flight, beside a bare `SET NX EX` round trip (the limit: what one
//! atomic Redis command costs). Skips with a message when redis-server is not installed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bosso_accounts::ratelimit::{Quota, RateLimiter, ThrottleKey};
use bosso_accounts::redis::{RedisConn, RedisRateLimiter};
use bosso_testkit::RedisServer;
use bosso_token::{Clock, RedisReplayStore, ReplayStore, SystemClock, TokenId};
use criterion::{Criterion, Throughput};
use futures_util::future::join_all;
use redis::aio::ConnectionManager;

const IN_FLIGHT: usize = 64;

static NEXT: AtomicU64 = AtomicU64::new(1);

fn next() -> u64 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn set_nx(conn: &ConnectionManager) {
    let mut c = conn.clone();
    let r: Option<String> = redis::cmd("SET")
        .arg(format!("bench:raw:{{{}}}", next()))
        .arg(1)
        .arg("NX")
        .arg("EX")
        .arg(600)
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(r.is_some());
}

async fn consume(store: &RedisReplayStore) {
    let id = TokenId::from_bytes(u128::from(next()).to_be_bytes());
    store
        .consume(id, SystemClock.now().saturating_add(600))
        .await
        .unwrap();
}

async fn check(l: &RedisRateLimiter, keys: &[ThrottleKey]) {
    let k = &keys[usize::try_from(next()).unwrap() % keys.len()];
    l.check(k).await.unwrap();
}

fn main() {
    let server = match RedisServer::start() {
        Ok(Some(s)) => s,
        Ok(None) => return,
        Err(e) => {
            eprintln!("SKIPPED: {e}");
            return;
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = server.url();
    let (raw, store, limiter) = rt.block_on(async {
        let client = redis::Client::open(url.as_str()).unwrap();
        let raw = ConnectionManager::new(client).await.unwrap();
        let store = RedisReplayStore::connect(&url).await.unwrap();
        // A quota the bench never exhausts: every check runs the full script and admits.
        let q = Quota::new(1_000_000, Duration::from_secs(1)).unwrap();
        let limiter = RedisRateLimiter::new(RedisConn::connect(&url).await.unwrap(), q);
        (raw, store, limiter)
    });
    let keys: Vec<ThrottleKey> = (0..1024)
        .map(|i| ThrottleKey::new("bench", &i.to_string()))
        .collect();

    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("redis_single");
    // The runtime is entered once per sample, not per operation: block_on per iteration would
    // add its own cost to every row.
    g.bench_function("raw_set_nx_roundtrip", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    set_nx(&raw).await;
                }
                start.elapsed()
            })
        })
    });
    g.bench_function("replay_consume", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    consume(&store).await;
                }
                start.elapsed()
            })
        })
    });
    g.bench_function("ratelimit_check", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    check(&limiter, &keys).await;
                }
                start.elapsed()
            })
        })
    });
    g.finish();

    let mut g = c.benchmark_group("redis_64_in_flight");
    g.throughput(Throughput::Elements(IN_FLIGHT as u64));
    // Time per batch of 64 concurrent operations on one multiplexed connection.
    g.bench_function("raw_set_nx_roundtrip", |b| {
        b.iter_custom(|iters| {
            let raw = raw.clone();
            rt.block_on(async move {
                let start = Instant::now();
                for _ in 0..iters {
                    join_all((0..IN_FLIGHT).map(|_| set_nx(&raw))).await;
                }
                start.elapsed()
            })
        })
    });
    g.bench_function("replay_consume", |b| {
        b.iter_custom(|iters| {
            let store = store.clone();
            rt.block_on(async move {
                let start = Instant::now();
                for _ in 0..iters {
                    join_all((0..IN_FLIGHT).map(|_| consume(&store))).await;
                }
                start.elapsed()
            })
        })
    });
    g.bench_function("ratelimit_check", |b| {
        b.iter_custom(|iters| {
            let (limiter, keys) = (limiter.clone(), keys.clone());
            rt.block_on(async move {
                let start = Instant::now();
                for _ in 0..iters {
                    join_all((0..IN_FLIGHT).map(|_| check(&limiter, &keys))).await;
                }
                start.elapsed()
            })
        })
    });
    g.finish();
    c.final_summary();
    drop(server);
}
