//! [`ServerChecks`]: what [`RedisConn`](super::RedisConn) verifies about the server before a
//! node starts on it.
//!
//! Single use, sessions and lockout live only in Redis. Two settings decide whether they
//! survive:
//! - `maxmemory-policy noeviction`: any evicting policy would drop consumed replay ids,
//!   lockout and rate-limit state under memory pressure (a fail-open). With `noeviction` a
//!   full Redis refuses writes and every store fails closed.
//! - `appendonly yes` with `appendfsync always` or `everysec`: without AOF, a Redis restart
//!   forgets every consumed token id (each is admitted again) and every session. `everysec`
//!   loses nothing when only the Redis process dies (each write reaches the kernel before the
//!   reply), and at most the last second of writes when the host itself crashes; `always`
//!   loses nothing but costs an fsync per write. `appendfsync no` is refused.

use std::collections::HashMap;

use super::RedisConn;
use crate::Error;

/// Which server settings [`RedisConn::connect_checked`](super::RedisConn::connect_checked)
/// requires.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerChecks {
    /// Require `maxmemory-policy noeviction`, `appendonly yes` and `appendfsync always` or
    /// `everysec` (the default).
    #[default]
    Full,
    /// Require `noeviction` but not AOF. **Cost:** a Redis restart re-admits every attach
    /// token consumed before it (until each expires) and forgets every login session,
    /// refresh family, lockout and TOTP step. For throwaway or test deployments.
    WithoutPersistence,
    /// Check nothing (`CONFIG GET` is disabled on some managed services): the host vouches
    /// for both settings itself.
    Off,
}

pub(crate) async fn check(conn: &RedisConn, checks: ServerChecks) -> Result<(), Error> {
    if checks == ServerChecks::Off {
        return Ok(());
    }
    let get = |name: &str| redis::cmd("CONFIG").arg("GET").arg(name).to_owned();
    let policy: HashMap<String, String> = conn
        .query("CONFIG GET", &get("maxmemory-policy"))
        .await
        .map_err(|_| {
            Error::InvalidConfig(
                "redis: CONFIG GET failed, so maxmemory-policy and appendonly cannot be checked; \
                 verify them yourself and connect with ServerChecks::Off",
            )
        })?;
    if policy.get("maxmemory-policy").map(String::as_str) != Some("noeviction") {
        return Err(Error::InvalidConfig(
            "redis: maxmemory-policy must be noeviction (an evicting policy drops consumed \
             tokens and lockout state)",
        ));
    }
    if checks == ServerChecks::WithoutPersistence {
        return Ok(());
    }
    let aof: HashMap<String, String> = conn.query("CONFIG GET", &get("append*")).await?;
    if aof.get("appendonly").map(String::as_str) != Some("yes") {
        return Err(Error::InvalidConfig(
            "redis: appendonly must be yes (without AOF a restart re-admits consumed tokens and \
             forgets sessions); or opt out with ServerChecks::WithoutPersistence",
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
