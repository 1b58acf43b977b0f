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
//! Connect once with [`RedisConn::connect`] (URL `redis://…` or
//! `redis+unix://…`; `rediss://` is refused: TLS is not compiled in; optional timeout and key prefix) and hand clones of the connection to each
//! store. Connecting refuses a server that does not run `maxmemory-policy noeviction` and
//! `appendonly yes` with `appendfsync always|everysec` ([`ServerChecks`] says why, and how a
//! host opts out at what cost). Clones share one multiplexed connection; give a node its own `RedisConn` per process.
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
//! (a hung server is reported as "… timed out") or an unexpected reply: the call returns
//! [`Error::StoreUnavailable`] and the caller refuses (fail closed). The connection speaks RESP3,
//! so a dropped connection is noticed and replaced even while idle; a call that finds the
//! replacement still failing (Redis was down when it was tried) reconnects once within its
//! deadline before failing, because nothing was sent. So once Redis is back, the *first* call
//! succeeds (`tests/redis_faults.rs`). A command that may have reached the server is retried
//! only where a retry is harmless (the cut publish; see [`RedisConn::query_idempotent`]).
//! TCP connections use keepalive (probes after 1 s idle, every 1 s, dead after 3 misses) and
//! `TCP_USER_TIMEOUT`, so a silent peer is dropped in seconds, not hours.
//!
//! Run Redis with `maxmemory-policy noeviction` (the default):
//! an evicting policy would drop consumed replay ids, lockout states and rate-limit state (a
//! fail-open); with `noeviction` a full Redis refuses writes and the stores fail closed.

mod checks;
mod cut;

pub use checks::ServerChecks;
pub use cut::{DEFAULT_LIVENESS, RedisCutSignal};

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::io::tcp::{TcpSettings, socket2::TcpKeepalive};
use redis::{FromRedisValue, IntoConnectionInfo as _, ProtocolVersion, RedisError, Script};

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

/// Keepalive and user timeout for TCP connections, so a peer that vanishes without a FIN (a
/// partition, a frozen host) is detected in seconds.
fn tcp_settings() -> TcpSettings {
    let ka = TcpKeepalive::new()
        .with_time(Duration::from_secs(1))
        .with_interval(Duration::from_secs(1))
        .with_retries(3);
    TcpSettings::default()
        .set_nodelay(true)
        .set_keepalive(ka)
        .set_user_timeout(Duration::from_secs(4))
}

/// A client for `url` with TCP keepalive, speaking `protocol`.
pub(crate) fn client(url: &str, protocol: ProtocolVersion) -> Result<redis::Client, Error> {
    let info = url
        .into_connection_info()
        .map_err(|_| unavailable("invalid URL"))?;
    let redis = info.redis_settings().clone().set_protocol(protocol);
    let info = info
        .set_tcp_settings(tcp_settings())
        .set_redis_settings(redis);
    redis::Client::open(info).map_err(|_| unavailable("invalid URL"))
}

/// The command was certainly not sent: the connection could not be (re)established. Retrying
/// such a failure is safe for any command.
fn not_sent(e: &RedisError) -> bool {
    e.is_connection_refusal()
}

/// The connection broke (the command may or may not have run).
fn connection_lost(e: &RedisError) -> bool {
    not_sent(e) || e.is_io_error() || e.is_unrecoverable_error() || e.is_connection_dropped()
}

/// Whether a failed attempt may be repeated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Only when the command was not sent (a retry can never make it count twice).
    IfNotSent,
    /// After any connection failure: running the command twice is harmless.
    Idempotent,
}

/// Runs `attempt` once, or twice when the first failure allows it, all within `timeout`;
/// maps every failure to [`Error::StoreUnavailable`] naming `what`.
async fn bounded<T, F, Fut>(
    what: &str,
    timeout: Duration,
    retry: Retry,
    mut attempt: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = redis::RedisResult<T>>,
{
    let run = async {
        match attempt().await {
            Err(e) if not_sent(&e) || (retry == Retry::Idempotent && connection_lost(&e)) => {
                attempt().await
            }
            other => other,
        }
    };
    match tokio::time::timeout(timeout, run).await {
        Err(_) => Err(unavailable(&format!("{what} timed out"))),
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) if e.is_timeout() => Err(unavailable(&format!("{what} timed out"))),
        Ok(Err(_)) => Err(unavailable(&format!("{what} failed"))),
    }
}

impl RedisConn {
    /// Connects to `url` with [`DEFAULT_TIMEOUT`] and the prefix `bosso:`.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_with_timeout(url, DEFAULT_TIMEOUT).await
    }

    /// Connects with `timeout` bounding every round trip (and the initial connection), and
    /// refuses a server without `noeviction` and AOF ([`ServerChecks::Full`]).
    pub async fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Self, Error> {
        Self::connect_checked(url, timeout, ServerChecks::Full).await
    }

    /// Connects, then verifies the server's settings as `checks` says; a server that fails
    /// them is refused with [`Error::InvalidConfig`] naming the setting.
    pub async fn connect_checked(
        url: &str,
        timeout: Duration,
        checks: ServerChecks,
    ) -> Result<Self, Error> {
        let conn = Self::connect_unchecked(url, timeout).await?;
        checks::check(&conn, checks).await?;
        Ok(conn)
    }

    async fn connect_unchecked(url: &str, timeout: Duration) -> Result<Self, Error> {
        // RESP3 on the command connection: the manager hears of a disconnect while idle and
        // reconnects without waiting for a call to fail. The pub/sub client stays on RESP2.
        let command_client = client(url, ProtocolVersion::RESP3)?;
        let client = client(url, ProtocolVersion::RESP2)?;
        // No response timeout of the client's own: ours bounds each call, and reports a hung
        // server as "timed out".
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(None)
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let conn = tokio::time::timeout(
            timeout,
            ConnectionManager::new_with_config(command_client, config),
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
    /// [`Error::StoreUnavailable`] naming `what`, never the command's arguments. It is sent at
    /// most once: only a failure to connect (nothing sent) is retried.
    pub async fn query<T: FromRedisValue>(
        &self,
        what: &str,
        cmd: &(impl QueryAsync + Sync),
    ) -> Result<T, Error> {
        bounded(what, self.timeout, Retry::IfNotSent, || {
            let mut conn = self.conn.clone();
            async move { cmd.run(&mut conn).await }
        })
        .await
    }

    /// [`RedisConn::query`] for a command that may safely run twice (a `PUBLISH` of an
    /// idempotent event, a read): after a lost connection it is sent once more within the
    /// same deadline.
    pub async fn query_idempotent<T: FromRedisValue>(
        &self,
        what: &str,
        cmd: &(impl QueryAsync + Sync),
    ) -> Result<T, Error> {
        bounded(what, self.timeout, Retry::Idempotent, || {
            let mut conn = self.conn.clone();
            async move { cmd.run(&mut conn).await }
        })
        .await
    }

    /// Runs a script (EVALSHA, loading it on a miss) within the timeout, with the same
    /// failures and the same at-most-once sending as [`RedisConn::query`].
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
        bounded(what, self.timeout, Retry::IfNotSent, || {
            let mut conn = self.conn.clone();
            let inv = &inv;
            async move { inv.invoke_async(&mut conn).await }
        })
        .await
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
