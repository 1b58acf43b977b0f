//! Redis implementations of the account-layer stores and of the live-view cut signal, so that
//! many nodes share one truth (feature `redis`).
//!
//! | store | type | atomic by |
//! |---|---|---|
//! | sessions | [`RedisSessionStore`] | one script per key; `remove` is a script that deletes once |
//! | refresh families | [`RedisRefreshStore`] | rotation is one script on the family key |
//! | TOTP steps, recovery codes | [`RedisTotpStore`] | `accept_step` script, `SREM` |
//! | rate limits | [`RedisRateLimiter`] | GCRA in one Lua script |
//! | lockout | [`RedisLockoutStore`] | compare-and-set script around [`LockState`](crate::accounts::lockout::LockState) |
//! | live-view cut | [`RedisCutSignal`] | pub/sub fan-out to every node's [`LiveViews`](crate::live::LiveViews) |
//!
//! # Configuration
//!
//! Connect once with [`RedisConn::connect`] (URL `redis://…`, `rediss://…` or
//! `redis+unix://…`; optional timeout and key prefix) and hand clones of the connection to each
//! store. Clones share one multiplexed connection; give a node its own `RedisConn` per process.
//!
//! # Key layout
//!
//! Every key starts with the prefix (default `bosso:`). Each store documents its keys; the
//! braces are Redis Cluster hash tags: keys a script or transaction touches together carry the
//! same tag, so the same code runs on one server or on a cluster. Every key expires with the
//! data it guards, except TOTP enrollments, which last until removed.
//!
//! # Failure behaviour
//!
//! Every call is bounded by the connection's timeout (default 500 ms). Unreachable, timed out
//! or an unexpected reply: the call returns [`Error::StoreUnavailable`] and the caller refuses
//! (fail closed: no session is valid, no rate limit admits, no code is accepted). The connection
//! manager reconnects by itself; once Redis is back the next calls succeed without a restart.
//! Run Redis with `maxmemory-policy noeviction` (the default): an evicting policy would drop
//! consumed replay ids, lockout states and rate-limit state (a fail-open); with `noeviction` a
//! full Redis refuses writes and the stores fail closed.

mod cut;
mod lockout;
mod ratelimit;
mod refresh;
mod sessions;
mod totp;

pub use cut::RedisCutSignal;
pub use lockout::RedisLockoutStore;
pub use ratelimit::RedisRateLimiter;
pub use refresh::RedisRefreshStore;
pub use sessions::RedisSessionStore;
pub use totp::RedisTotpStore;

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

    /// Runs one command (or atomic pipeline) within the timeout.
    pub(crate) async fn query<T: FromRedisValue>(
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

    /// Runs a script (EVALSHA, loading it on a miss) within the timeout.
    pub(crate) async fn script<T: FromRedisValue>(
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

/// A command or a pipeline (`redis::Cmd`, `redis::Pipeline`).
pub(crate) trait QueryAsync {
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

/// Lowercase hex of `bytes` (key material for hashes and ids).
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Relative TTL in seconds for data that ends at `until`, seen from `now`: at least 1, plus 1
/// so that rounding never drops a key before its data ends. Relative, so a Redis server whose
/// clock differs from ours cannot shorten it.
pub(crate) fn ttl_secs(now: u64, until: u64) -> u64 {
    until.saturating_sub(now).saturating_add(1)
}

/// Adds `ARGV[1]` to the set `KEYS[1]` and extends the set's TTL to at least `ARGV[2]` seconds
/// (a per-user index lives as long as its longest-lived member).
pub(crate) static INDEX_ADD: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"redis.call('SADD', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
local t = redis.call('TTL', KEYS[1])
if t < ttl then redis.call('EXPIRE', KEYS[1], ttl) end
return 1",
    )
});

/// Parses lowercase hex into exactly `N` bytes.
pub(crate) fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    if s.len() != N * 2 {
        return None;
    }
    for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks_exact(2)) {
        let txt = std::str::from_utf8(pair).ok()?;
        *o = u8::from_str_radix(txt, 16).ok()?;
    }
    Some(out)
}
