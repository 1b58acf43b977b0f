//! [`RedisReplayStore`]: single use shared by every node that talks to one Redis.
//!
//! # Key layout
//! One key per consumed token: `<prefix>replay:{<token id hex>}` (default prefix `bosso:`),
//! value `1`, set with `SET key 1 NX EX <ttl>`: a single atomic command, so exactly one of any
//! number of racing nodes sees `OK`. The TTL is the time left until the `until` the store is
//! given, plus one second (so the id is kept through that second, inclusive), computed on this
//! node and sent as a *relative* TTL so a Redis server whose clock differs from ours cannot
//! shorten the window. [`crate::VerifiedToken::consume`] passes its
//! [`crate::VerifiedToken::replay_until`]: `exp + 120 s` ([`crate::MAX_LEEWAY_SECS`] +
//! [`crate::REPLAY_MARGIN_SECS`]), whatever the verifier's own leeway, so no verifier sharing
//! the store can still accept a token whose id Redis has dropped. Keys expire with the tokens
//! they guard. The braces are a hash tag: harmless on a single server, and on Redis
//! Cluster they keep the key's slot derivable from the token id alone.
//!
//! # Failure behaviour
//! Every call has a bounded timeout (default 500 ms). Unreachable, timed out (a hung server is
//! reported as "timed out"), or any reply but `OK`/nil: the call fails with
//! [`Error::ReplayStoreUnavailable`] and the token is refused (fail closed). The connection
//! speaks RESP3, so a dropped connection is replaced even while idle, and a call that finds no
//! live connection reconnects once within its deadline before failing; so once Redis is back
//! the *first* call succeeds (`tests/replay_backends.rs`). The `SET NX` is sent again only when
//! the first could not have been sent (the connection could not be made): a token id is never
//! counted twice. TCP connections use keepalive and `TCP_USER_TIMEOUT` (a silent peer is
//! dropped in seconds).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::io::tcp::{TcpSettings, socket2::TcpKeepalive};
use redis::{IntoConnectionInfo as _, ProtocolVersion};

use crate::replay::{Consumption, ReplayStore};
use crate::{Clock, Error, SystemClock, TokenId, UnixTime};

/// Default bound on one Redis round trip.
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(500);

/// The replay store for many nodes.
#[derive(Clone)]
pub struct RedisReplayStore {
    conn: ConnectionManager,
    prefix: String,
    timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for RedisReplayStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisReplayStore")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// What connecting verifies about the server (see the constructors).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Checks {
    Full,
    EvictionOnly,
    Off,
}

fn unavailable(what: &str) -> Error {
    Error::ReplayStoreUnavailable(what.to_string())
}

/// A RESP3 client (so the manager hears of a disconnect while idle) with TCP keepalive (so a
/// silent peer is dropped in seconds). bosso-auth's `RedisConn` sets up the same.
fn client(url: &str) -> Result<redis::Client, Error> {
    let info = url
        .into_connection_info()
        .map_err(|_| unavailable("invalid Redis URL"))?;
    let ka = TcpKeepalive::new()
        .with_time(Duration::from_secs(1))
        .with_interval(Duration::from_secs(1))
        .with_retries(3);
    let tcp = TcpSettings::default()
        .set_nodelay(true)
        .set_keepalive(ka)
        .set_user_timeout(Duration::from_secs(4));
    let redis = info
        .redis_settings()
        .clone()
        .set_protocol(ProtocolVersion::RESP3);
    let info = info.set_tcp_settings(tcp).set_redis_settings(redis);
    redis::Client::open(info).map_err(|_| unavailable("invalid Redis URL"))
}

impl RedisReplayStore {
    /// Connects to `url` (`redis://…`, `redis+unix://…`; `rediss://` is refused: TLS is not
    /// compiled in) with the default timeout.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_with_timeout(url, DEFAULT_REDIS_TIMEOUT).await
    }

    /// Connects with `timeout` bounding every round trip (and the initial connection), and
    /// refuses (with [`Error::InvalidConfig`] naming the setting) a server that does not run
    /// `maxmemory-policy noeviction` (an evicting policy drops consumed ids: a replay) and
    /// `appendonly yes` with `appendfsync always|everysec` (without AOF, a restart forgets
    /// every consumed id, and each token is admitted again until it expires). `everysec` loses
    /// nothing when only Redis dies and at most the last second when the host crashes.
    pub async fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Self, Error> {
        Self::connect_inner(url, timeout, Checks::Full).await
    }

    /// Like [`RedisReplayStore::connect_with_timeout`] but without requiring AOF (still
    /// `noeviction`). **Cost:** a Redis restart re-admits every token consumed before it,
    /// until it expires. For throwaway deployments.
    pub async fn connect_without_persistence(url: &str, timeout: Duration) -> Result<Self, Error> {
        Self::connect_inner(url, timeout, Checks::EvictionOnly).await
    }

    /// Connects without checking the server's settings (for services that disable
    /// `CONFIG GET`): the host vouches for `noeviction` and AOF itself.
    pub async fn connect_unverified(url: &str, timeout: Duration) -> Result<Self, Error> {
        Self::connect_inner(url, timeout, Checks::Off).await
    }

    async fn connect_inner(url: &str, timeout: Duration, checks: Checks) -> Result<Self, Error> {
        let client = client(url)?;
        // No response timeout of the client's own: ours bounds the call and reports a hung
        // server as "timed out".
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(None)
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let conn =
            tokio::time::timeout(timeout, ConnectionManager::new_with_config(client, config))
                .await
                .map_err(|_| unavailable("connect timed out"))?
                .map_err(|_| unavailable("connect failed"))?;
        let store = Self {
            conn,
            prefix: "bosso:".into(),
            timeout,
            clock: Arc::new(SystemClock),
        };
        store.check(checks).await?;
        Ok(store)
    }

    /// Prefixes every key with `prefix` (default `bosso:`), to share a Redis between apps.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Reads time (to compute TTLs) from `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The key a token id is stored under.
    pub fn key(&self, id: &TokenId) -> String {
        format!("{}replay:{{{id}}}", self.prefix)
    }

    async fn config(&self, pattern: &str) -> Result<HashMap<String, String>, Error> {
        let mut conn = self.conn.clone();
        let cmd = redis::cmd("CONFIG").arg("GET").arg(pattern).to_owned();
        tokio::time::timeout(self.timeout, cmd.query_async(&mut conn))
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(Error::InvalidConfig(
                "redis: CONFIG GET failed, so maxmemory-policy and appendonly cannot be checked; \
                 verify them yourself and use RedisReplayStore::connect_unverified",
            ))
    }

    async fn check(&self, checks: Checks) -> Result<(), Error> {
        if checks == Checks::Off {
            return Ok(());
        }
        let policy = self.config("maxmemory-policy").await?;
        if policy.get("maxmemory-policy").map(String::as_str) != Some("noeviction") {
            return Err(Error::InvalidConfig(
                "redis: maxmemory-policy must be noeviction (an evicting policy drops consumed \
                 token ids: a replay)",
            ));
        }
        if checks == Checks::EvictionOnly {
            return Ok(());
        }
        let aof = self.config("append*").await?;
        if aof.get("appendonly").map(String::as_str) != Some("yes") {
            return Err(Error::InvalidConfig(
                "redis: appendonly must be yes (without AOF a restart re-admits consumed \
                 tokens); or opt out with RedisReplayStore::connect_without_persistence",
            ));
        }
        if !matches!(
            aof.get("appendfsync").map(String::as_str),
            Some("always" | "everysec")
        ) {
            return Err(Error::InvalidConfig(
                "redis: appendfsync must be always or everysec",
            ));
        }
        Ok(())
    }

    async fn consume_inner(&self, id: TokenId, until: UnixTime) -> Result<Consumption, Error> {
        let ttl = until
            .as_secs()
            .saturating_sub(self.clock.now().as_secs())
            .saturating_add(1);
        let cmd = redis::cmd("SET")
            .arg(self.key(&id))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(ttl)
            .to_owned();
        let attempt = || {
            let mut conn = self.conn.clone();
            let cmd = &cmd;
            async move { cmd.query_async::<Option<String>>(&mut conn).await }
        };
        let run = async {
            match attempt().await {
                // Not sent (no connection could be made): sending now cannot count it twice.
                Err(e) if e.is_connection_refusal() => attempt().await,
                other => other,
            }
        };
        let reply = match tokio::time::timeout(self.timeout, run).await {
            Err(_) => return Err(unavailable("timed out")),
            Ok(Err(e)) if e.is_timeout() => return Err(unavailable("timed out")),
            Ok(Err(_)) => return Err(unavailable("command failed")),
            Ok(Ok(r)) => r,
        };
        match reply.as_deref() {
            Some("OK") => Ok(Consumption::Fresh),
            None => Ok(Consumption::Replayed),
            Some(_) => Err(unavailable("unexpected reply")),
        }
    }
}

impl ReplayStore for RedisReplayStore {
    fn consume(
        &self,
        id: TokenId,
        until: UnixTime,
    ) -> impl Future<Output = Result<Consumption, Error>> + Send {
        self.consume_inner(id, until)
    }
}
