//! Shared by the redis_* test files: runtime, private server, connections.
#![allow(dead_code)]

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

#[cfg(feature = "redis")]
#[allow(unused_imports)]
pub use with_redis::*;

#[cfg(feature = "redis")]
mod with_redis {
    use bosso_auth::redis::RedisConn;
    use bosso_testkit::RedisServer;
    use std::time::{Duration, Instant};

    /// A private server, or `None` (skip, printed) outside CI when redis-server is missing.
    pub fn server() -> Option<RedisServer> {
        RedisServer::start().unwrap()
    }

    /// One node's own connection.
    pub async fn node(server: &RedisServer) -> RedisConn {
        RedisConn::connect(&server.url()).await.unwrap()
    }

    /// Retries `f` until it succeeds (the connection manager reconnects on its own), within a
    /// generous bound; panics if it never does.
    pub async fn eventually<T, E: std::fmt::Debug, F, Fut>(mut f: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match f().await {
                Ok(v) => return v,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(e) => panic!("did not recover: {e:?}"),
            }
        }
    }

    /// Every key and every value (strings, hashes, sets) in the server, as raw bytes.
    pub async fn dump(server: &RedisServer) -> Vec<Vec<u8>> {
        let client = redis::Client::open(server.url()).unwrap();
        let mut c = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS")
            .arg("*")
            .query_async(&mut c)
            .await
            .unwrap();
        let mut out = Vec::new();
        for k in keys {
            let ty: String = redis::cmd("TYPE")
                .arg(&k)
                .query_async(&mut c)
                .await
                .unwrap();
            let vals: Vec<Vec<u8>> = match ty.as_str() {
                "string" => vec![redis::cmd("GET").arg(&k).query_async(&mut c).await.unwrap()],
                "hash" => redis::cmd("HGETALL")
                    .arg(&k)
                    .query_async(&mut c)
                    .await
                    .unwrap(),
                "set" => redis::cmd("SMEMBERS")
                    .arg(&k)
                    .query_async(&mut c)
                    .await
                    .unwrap(),
                other => panic!("unexpected key type {other}"),
            };
            out.push(k);
            out.extend(vals);
        }
        out
    }
}
