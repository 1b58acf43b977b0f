//! Redis implementations of every login-side store, so that many nodes share one truth
//! (feature `redis`). They run on bosso-auth's [`RedisConn`] (connect, key prefix, per-call
//! timeout), the connection its live-view cut signal uses too.
//!
//! | store | type | atomic by |
//! |---|---|---|
//! | login sessions | [`RedisLoginSessionStore`] | one script per key; `remove` is a script that deletes once |
//! | refresh families | [`RedisRefreshStore`] | rotation is one script on the family key |
//! | TOTP steps, recovery codes | [`RedisTotpStore`] | `accept_step` script, `SREM` |
//! | rate limits | [`RedisRateLimiter`] | GCRA in one Lua script |
//! | lockout | [`RedisLockoutStore`] | compare-and-set script around [`LockState`](crate::lockout::LockState) |
//!
//! # Configuration
//!
//! Connect once with [`RedisConn::connect`] (URL `redis://…` or
//! `redis+unix://…`; `rediss://` is refused: TLS is not compiled in; optional timeout and key
//! prefix) and hand clones of the connection to each store. Connecting refuses a server without
//! `maxmemory-policy noeviction` and AOF unless the host opts out
//! ([`bosso_auth::redis::ServerChecks`]). Clones share one multiplexed connection; give a node its own `RedisConn` per process.
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
//! (fail closed: no login session is valid, no rate limit admits, no code is accepted). The
//! connection reconnects by itself, even while idle, and a call that finds no live connection
//! reconnects once before failing (nothing was sent, so nothing counts twice): once Redis is
//! back the *first* call succeeds, without a restart (`tests/redis_faults.rs`). A hung Redis is
//! reported as "… timed out". Run Redis with `maxmemory-policy noeviction` (the default): an evicting policy would
//! drop lockout states and rate-limit state (a fail-open); with `noeviction` a full Redis
//! refuses writes and the stores fail closed.

mod lockout;
mod login_session;
mod ratelimit;
mod refresh;
mod totp;

pub use bosso_auth::redis::RedisConn;
pub use lockout::RedisLockoutStore;
pub use login_session::RedisLoginSessionStore;
pub use ratelimit::RedisRateLimiter;
pub use refresh::RedisRefreshStore;
pub use totp::RedisTotpStore;

use bosso_auth::redis::QueryAsync;
use redis::{FromRedisValue, Script};

use crate::Error;

pub(crate) fn unavailable(what: &str) -> Error {
    Error::StoreUnavailable(format!("redis: {what}"))
}

/// [`RedisConn::query`] with its error as this crate's: it only ever fails with
/// `StoreUnavailable`, which keeps its message.
pub(crate) async fn query<T: FromRedisValue>(
    conn: &RedisConn,
    what: &str,
    cmd: &(impl QueryAsync + Sync),
) -> Result<T, Error> {
    conn.query(what, cmd).await.map_err(|e| from_conn(what, e))
}

/// [`RedisConn::script`] with its error as this crate's.
pub(crate) async fn script<T: FromRedisValue>(
    conn: &RedisConn,
    what: &str,
    script: &Script,
    keys: &[&str],
    args: &[&str],
) -> Result<T, Error> {
    conn.script(what, script, keys, args)
        .await
        .map_err(|e| from_conn(what, e))
}

fn from_conn(what: &str, e: bosso_auth::Error) -> Error {
    match e {
        bosso_auth::Error::StoreUnavailable(m) => Error::StoreUnavailable(m),
        _ => unavailable(&format!("{what} failed")),
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
