//! Redis for the attach side (feature `redis`): the live-view cut signal, and the shared
//! connection the Redis stores of this workspace are built on, so that many nodes share one
//! truth.
//!
//! | what | type | how |
//! |---|---|---|
//! | live-view cut | [`RedisCutSignal`] | pub/sub fan-out to every node's [`LiveViews`](crate::live::LiveViews) |
//! | attach-token replay | `bosso_token::RedisReplayStore` | one `SET NX` per token id (feature `redis` of bosso-token, enabled by this one) |
//!
//! The login side's stores (login sessions, refresh families, TOTP, rate limits, lockout) are in
//! the `bosso-accounts` crate (`bosso_accounts::redis`), on the same [`RedisConn`].
//!
//! # Configuration
//!
//! Connect once with [`RedisConn::connect`] (URL `redis://…`, `rediss://…` or
//! `redis+unix://…`; optional timeout and key prefix) and hand clones of the connection to each
//! store. Clones share one multiplexed connection; give a node its own `RedisConn` per process.
//!
//! # Key layout
//!
//! Every key and channel starts with the prefix (default `bosso:`). Each store documents its
//! keys; the braces are Redis Cluster hash tags: keys a script or transaction touches together
//! carry the same tag, so the same code runs on one server or on a cluster.
//!
//! # Failure behaviour
//!
//! Every call is bounded by the connection's timeout (default 500 ms). Unreachable, timed out
//! or an unexpected reply: the call returns [`Error::StoreUnavailable`] and the caller refuses
//! (fail closed). The connection manager reconnects by itself; once Redis is back the next
//! calls succeed without a restart. Run Redis with `maxmemory-policy noeviction` (the default):
//! an evicting policy would drop consumed replay ids, lockout states and rate-limit state (a
//! fail-open); with `noeviction` a full Redis refuses writes and the stores fail closed.

mod cut;

pub use cut::RedisCutSignal;

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, Script};

use crate::Error;

/// Default bound on one Redis round trip.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

/// A Redis connection with a key prefix and a per-call timeout, shared by the stores.
#[derive(Clone)]
pub struct RedisConn {
    conn: ConnectionManager,
    client: redis::Client,
    prefix: String,
    timeout: Duration,
}

impl fmt::Debug for RedisConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConn")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

pub(crate) fn unavailable(what: &str) -> Error {
    Error::StoreUnavailable(format!("redis: {what}"))
}

impl RedisConn {
    /// Connects to `url` with [`DEFAULT_TIMEOUT`] and the prefix `bosso:`.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_with_timeout(url, DEFAULT_TIMEOUT).await
    }

    /// Connects with `timeout` bounding every round trip (and the initial connection).
    pub async fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Self, Error> {
        let client = redis::Client::open(url).map_err(|_| unavailable("invalid URL"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let conn = tokio::time::timeout(
            timeout,
            ConnectionManager::new_with_config(client.clone(), config),
        )
        .await
        .map_err(|_| unavailable("connect timed out"))?
        .map_err(|_| unavailable("connect failed"))?;
        Ok(Self {
            conn,
            client,
            prefix: "bosso:".into(),
            timeout,
        })
    }

    /// Prefixes every key with `prefix` (default `bosso:`), to share a Redis between apps.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The per-call timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }

    /// Runs one command (or atomic pipeline) within the timeout. For stores built on this
    /// connection (bosso-accounts' are): every failure, a timeout included, is
    /// [`Error::StoreUnavailable`] naming `what`, never the command's arguments.
    pub async fn query<T: FromRedisValue>(
        &self,
        what: &str,
        cmd: &(impl QueryAsync + Sync),
    ) -> Result<T, Error> {
        let mut conn = self.conn.clone();
        tokio::time::timeout(self.timeout, cmd.run(&mut conn))
            .await
            .map_err(|_| unavailable(&format!("{what} timed out")))?
            .map_err(|_| unavailable(&format!("{what} failed")))
    }

    /// Runs a script (EVALSHA, loading it on a miss) within the timeout, with the same
    /// failures as [`RedisConn::query`].
    pub async fn script<T: FromRedisValue>(
        &self,
        what: &str,
        script: &Script,
        keys: &[&str],
        args: &[&str],
    ) -> Result<T, Error> {
        let mut inv = script.prepare_invoke();
        for k in keys {
            inv.key(*k);
        }
        for a in args {
            inv.arg(*a);
        }
        let mut conn = self.conn.clone();
        tokio::time::timeout(self.timeout, inv.invoke_async(&mut conn))
            .await
            .map_err(|_| unavailable(&format!("{what} timed out")))?
            .map_err(|_| unavailable(&format!("{what} failed")))
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for redis::Cmd {}
    impl Sealed for redis::Pipeline {}
}

/// What [`RedisConn::query`] runs: a `redis::Cmd` or a `redis::Pipeline` (sealed).
pub trait QueryAsync: sealed::Sealed {
    /// Sends it on `conn`.
    fn run<T: FromRedisValue>(
        &self,
        conn: &mut ConnectionManager,
    ) -> impl std::future::Future<Output = redis::RedisResult<T>> + Send;
}

impl QueryAsync for redis::Cmd {
    fn run<T: FromRedisValue>(
        &self,
        conn: &mut ConnectionManager,
    ) -> impl std::future::Future<Output = redis::RedisResult<T>> + Send {
        self.query_async(conn)
    }
}

impl QueryAsync for redis::Pipeline {
    fn run<T: FromRedisValue>(
        &self,
        conn: &mut ConnectionManager,
    ) -> impl std::future::Future<Output = redis::RedisResult<T>> + Send {
        self.query_async(conn)
    }
}
