//! [`RedisLockoutStore`]: lockout counters shared by every node.
//!
//! # Key layout
//! `<prefix>lock:{<throttle key>}`: the key's [`LockState`] as
//! `<failures>:<window start>:<locks>:<locked until or empty>` (decimal seconds). It expires
//! when the state becomes indistinguishable from a fresh key (window over and escalation
//! forgotten), so Redis holds only states that still matter.
//!
//! `record_failure` applies [`LockState::on_failure`], the same code as the in-memory store,
//! under an optimistic compare-and-set script on the one key: read, compute, write only if the
//! value is still the one read, retry otherwise. Concurrent failures on any nodes are all
//! counted; none is lost.

use std::fmt;
use std::sync::LazyLock;

use bosso_token::UnixTime;
use redis::Script;

use super::{RedisConn, query, script, ttl_secs, unavailable};
use crate::Error;
use crate::lockout::{LockState, LockoutPolicy, LockoutStore};
use crate::ratelimit::ThrottleKey;

/// Compare-and-set retries before giving up (fail closed) under extreme contention.
const CAS_ATTEMPTS: usize = 64;

/// KEYS[1]; ARGV expected value ('' for absent), new value, TTL seconds. 1 if written.
static CAS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1",
    )
});

/// [`LockoutStore`] on Redis. Cheap to clone.
#[derive(Clone)]
pub struct RedisLockoutStore {
    conn: RedisConn,
}

impl fmt::Debug for RedisLockoutStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLockoutStore")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

fn encode(s: &LockState) -> String {
    let until = s
        .locked_until
        .map(|u| u.as_secs().to_string())
        .unwrap_or_default();
    format!(
        "{}:{}:{}:{until}",
        s.failures,
        s.window_start.as_secs(),
        s.locks
    )
}

fn decode(v: &str) -> Option<LockState> {
    let mut it = v.split(':');
    let failures = it.next()?.parse().ok()?;
    let window_start = UnixTime::from_secs(it.next()?.parse().ok()?);
    let locks = it.next()?.parse().ok()?;
    let until = it.next()?;
    let locked_until = if until.is_empty() {
        None
    } else {
        Some(UnixTime::from_secs(until.parse().ok()?))
    };
    it.next().is_none().then_some(LockState {
        failures,
        window_start,
        locks,
        locked_until,
    })
}

/// When `s` becomes equivalent to a fresh key (see [`LockState::is_fresh_equivalent`]).
fn forget_at(s: &LockState, p: &LockoutPolicy) -> u64 {
    let window_end = s.window_start.as_secs().saturating_add(p.window_secs);
    let escalation_end = s
        .locked_until
        .map_or(0, |u| u.as_secs().saturating_add(p.forget_after_secs));
    window_end.max(escalation_end)
}

impl RedisLockoutStore {
    /// A store on `conn`.
    pub fn new(conn: RedisConn) -> Self {
        Self { conn }
    }

    /// The key a throttle key is stored under.
    pub fn key(&self, key: &ThrottleKey) -> String {
        format!("{}lock:{{{}}}", self.conn.prefix(), key.as_str())
    }

    async fn read(&self, key: &str) -> Result<Option<String>, Error> {
        let cmd = redis::cmd("GET").arg(key).to_owned();
        query(&self.conn, "lockout get", &cmd).await
    }

    async fn locked_until_inner(
        &self,
        key: &ThrottleKey,
        now: UnixTime,
    ) -> Result<Option<UnixTime>, Error> {
        let Some(v) = self.read(&self.key(key)).await? else {
            return Ok(None);
        };
        let s = decode(&v).ok_or_else(|| unavailable("corrupt lockout state"))?;
        Ok(s.locked_at(now))
    }

    async fn record_failure_inner(
        &self,
        key: &ThrottleKey,
        now: UnixTime,
        policy: &LockoutPolicy,
    ) -> Result<Option<UnixTime>, Error> {
        let k = self.key(key);
        for _ in 0..CAS_ATTEMPTS {
            let old = self.read(&k).await?;
            let mut s = match &old {
                Some(v) => decode(v).ok_or_else(|| unavailable("corrupt lockout state"))?,
                None => LockState::default(),
            };
            let locked = s.on_failure(now, policy);
            let ttl = ttl_secs(now.as_secs(), forget_at(&s, policy)).to_string();
            let new = encode(&s);
            let expected = old.unwrap_or_default();
            let written: i64 = script(
                &self.conn,
                "lockout write",
                &CAS,
                &[&k],
                &[&expected, &new, &ttl],
            )
            .await?;
            if written == 1 {
                return Ok(locked);
            }
        }
        Err(unavailable("lockout contention"))
    }

    async fn reset_inner(&self, key: &ThrottleKey) -> Result<(), Error> {
        let cmd = redis::cmd("DEL").arg(self.key(key)).to_owned();
        let _: i64 = query(&self.conn, "lockout reset", &cmd).await?;
        Ok(())
    }
}

impl LockoutStore for RedisLockoutStore {
    fn locked_until(
        &self,
        key: &ThrottleKey,
        now: UnixTime,
    ) -> impl Future<Output = Result<Option<UnixTime>, Error>> + Send {
        self.locked_until_inner(key, now)
    }

    fn record_failure(
        &self,
        key: &ThrottleKey,
        now: UnixTime,
        policy: &LockoutPolicy,
    ) -> impl Future<Output = Result<Option<UnixTime>, Error>> + Send {
        self.record_failure_inner(key, now, policy)
    }

    fn reset(&self, key: &ThrottleKey) -> impl Future<Output = Result<(), Error>> + Send {
        self.reset_inner(key)
    }
}
