//! [`RedisRateLimiter`]: one GCRA limit shared by every node.
//!
//! # Key layout
//! `<prefix>rl:{<throttle key>}`: the key's theoretical arrival time (TAT) in microseconds,
//! set by one Lua script that reads it, decides and writes it back: atomic, so N nodes under
//! any concurrency admit exactly what one limiter would. The key expires when the TAT passes,
//! which is when it is indistinguishable from a key never seen. One key per script: Cluster-safe.
//!
//! # Time
//! By default "now" is the Redis server's `TIME`, one clock for every node (node clocks,
//! monotonic or not, are not comparable across machines). [`RedisRateLimiter::with_clock`]
//! passes a [`NanoClock`] reading instead (tests). Times are whole microseconds: Lua numbers are
//! doubles, exact to 2^53, which microseconds since 1970 stay well below; the emission interval
//! is rounded up to a microsecond, which can only admit less.

use std::fmt;
use std::sync::{Arc, LazyLock};

use redis::Script;

use super::{RedisConn, script};
use crate::Error;
use crate::ratelimit::{NanoClock, Quota, RateLimiter, ThrottleKey};

/// KEYS[1] TAT; ARGV now (µs, or empty for server TIME), emission (µs), tau (µs).
/// Returns 0 when admitted, else the microseconds until one more request would be.
static GCRA: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local t = tonumber(ARGV[2])
local tau = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(tat, now)
local ahead = start - now
if ahead > tau then return ahead - tau end
local new = start + t
redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX', math.ceil((new - now) / 1000) + 1)
return 0",
    )
});

/// [`RateLimiter`] on Redis (atomic GCRA). Cheap to clone.
#[derive(Clone)]
pub struct RedisRateLimiter {
    conn: RedisConn,
    emission_us: u64,
    tau_us: u64,
    clock: Option<Arc<dyn NanoClock>>,
}

impl fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("conn", &self.conn)
            .field("emission_us", &self.emission_us)
            .field("tau_us", &self.tau_us)
            .finish_non_exhaustive()
    }
}

impl RedisRateLimiter {
    /// A limiter enforcing `quota` on the Redis server's clock.
    pub fn new(conn: RedisConn, quota: Quota) -> Self {
        let ns = u64::try_from(quota.emission_interval().as_nanos()).unwrap_or(u64::MAX);
        let emission_us = ns.div_ceil(1000).max(1);
        Self {
            conn,
            emission_us,
            tau_us: emission_us.saturating_mul(u64::from(quota.burst().saturating_sub(1))),
            clock: None,
        }
    }

    /// Reads "now" from `clock` instead of the server (tests; in production every node would
    /// need the same clock origin, which monotonic clocks do not have).
    #[must_use]
    pub fn with_clock(mut self, clock: impl NanoClock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The key a throttle key is stored under.
    pub fn key(&self, key: &ThrottleKey) -> String {
        format!("{}rl:{{{}}}", self.conn.prefix(), key.as_str())
    }

    async fn check_inner(&self, key: &ThrottleKey) -> Result<(), Error> {
        let now = self
            .clock
            .as_ref()
            .map(|c| (c.now_nanos() / 1000).to_string())
            .unwrap_or_default();
        let t = self.emission_us.to_string();
        let tau = self.tau_us.to_string();
        let wait_us: i64 = script(
            &self.conn,
            "rate limit",
            &GCRA,
            &[&self.key(key)],
            &[&now, &t, &tau],
        )
        .await?;
        if wait_us <= 0 {
            return Ok(());
        }
        Err(Error::RateLimited {
            retry_after_ms: u64::try_from(wait_us).unwrap_or(0).div_ceil(1000),
        })
    }
}

impl RateLimiter for RedisRateLimiter {
    fn check(&self, key: &ThrottleKey) -> impl Future<Output = Result<(), Error>> + Send {
        self.check_inner(key)
    }
}
