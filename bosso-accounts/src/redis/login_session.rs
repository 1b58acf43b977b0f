//! [`RedisLoginSessionStore`]: sessions shared by every node.
//!
//! # Key layout
//! - `<prefix>sess:{<hmac hex>}`: a hash with fields `u` (user), `c` (created), `l` (last
//!   seen), `m` (`1` if MFA), `a` (absolute expiry), `i` (idle timeout), all decimal seconds.
//!   The key is the 64-hex-digit `HMAC-SHA256(server key, token)`: the raw token never reaches
//!   Redis. It expires when the session ends ([`LoginSessionRecord::ends_at`]: the end of its idle
//!   window or its absolute expiry, whichever is first); each recorded touch moves the expiry
//!   with the idle window, so an abandoned session leaves Redis after its inactivity limit, not
//!   its absolute one.
//! - `<prefix>sess-user:{<user id>}`: a set of the user's session hashes (hex), for "log out
//!   everywhere"; its TTL is extended to the latest absolute expiry of its sessions. Members
//!   whose session key has expired are harmless and leave with the set.
//!
//! Each operation touches one key atomically (a script or a `MULTI` on that key): `remove`
//! deletes and reports in one script, so of two concurrent rotations exactly one wins. The
//! index is written before the session and cleaned after it, so "log out everywhere" never
//! misses a session that existed when it started.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock};

use bosso_token::{Clock, UnixTime, UserId};
use redis::Script;

use super::{INDEX_ADD, RedisConn, hex, query, script, ttl_secs, unavailable};
use crate::Error;
use crate::login_session::{LoginSessionRecord, LoginSessionStore};
use crate::token::TokenHash;

/// KEYS[1] session; ARGV[1] now. Moves `l` forward and the key's TTL to the new end of the
/// session (relative to ARGV[1], plus 1 as `ttl_secs` does, so rounding never drops it early).
static TOUCH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local f = redis.call('HMGET', KEYS[1], 'l', 'a', 'i')
if not f[1] then return 0 end
local now = tonumber(ARGV[1])
if now > tonumber(f[1]) then
  redis.call('HSET', KEYS[1], 'l', ARGV[1])
  local e = math.min(now + tonumber(f[3]), tonumber(f[2]))
  if e > now then redis.call('EXPIRE', KEYS[1], string.format('%d', e - now + 1)) end
end
return 1",
    )
});

static REMOVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local u = redis.call('HGET', KEYS[1], 'u')
if not u then return false end
redis.call('DEL', KEYS[1])
return u",
    )
});

/// [`LoginSessionStore`] on Redis. Cheap to clone.
#[derive(Clone)]
pub struct RedisLoginSessionStore {
    conn: RedisConn,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for RedisLoginSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLoginSessionStore")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl RedisLoginSessionStore {
    /// A store on `conn`, reading time (for key TTLs) from `clock`: use the same clock as the
    /// session manager.
    pub fn new(conn: RedisConn, clock: impl Clock + 'static) -> Self {
        Self {
            conn,
            clock: Arc::new(clock),
        }
    }

    /// The key a session hash is stored under.
    pub fn key(&self, hash: &TokenHash) -> String {
        format!("{}sess:{{{}}}", self.conn.prefix(), hex(hash.as_bytes()))
    }

    fn user_key(&self, user: &UserId) -> String {
        format!("{}sess-user:{{{}}}", self.conn.prefix(), user.as_str())
    }

    async fn insert_inner(&self, hash: TokenHash, r: LoginSessionRecord) -> Result<(), Error> {
        let now = self.clock.now().as_secs();
        // The index lives as long as the longest possible session; the session key only until
        // the session ends, which touches move forward.
        let ttl_s = ttl_secs(now, r.absolute_expiry.as_secs()).to_string();
        let ttl = ttl_secs(now, r.ends_at().as_secs());
        let h = hex(hash.as_bytes());
        let _: i64 = script(
            &self.conn,
            "session index",
            &INDEX_ADD,
            &[&self.user_key(&r.user)],
            &[&h, &ttl_s],
        )
        .await?;
        let key = self.key(&hash);
        let mut p = redis::pipe();
        p.atomic()
            .del(&key)
            .ignore()
            .hset_multiple(
                &key,
                &[
                    ("u", r.user.as_str().to_owned()),
                    ("c", r.created.as_secs().to_string()),
                    ("l", r.last_seen.as_secs().to_string()),
                    ("m", u8::from(r.mfa).to_string()),
                    ("a", r.absolute_expiry.as_secs().to_string()),
                    ("i", r.idle_timeout_secs.to_string()),
                ],
            )
            .ignore()
            .expire(&key, i64::try_from(ttl).unwrap_or(i64::MAX))
            .ignore();
        let () = query(&self.conn, "session insert", &p).await?;
        Ok(())
    }

    async fn get_inner(&self, hash: &TokenHash) -> Result<Option<LoginSessionRecord>, Error> {
        let cmd = redis::cmd("HGETALL").arg(self.key(hash)).to_owned();
        let m: HashMap<String, String> = query(&self.conn, "session get", &cmd).await?;
        if m.is_empty() {
            return Ok(None);
        }
        parse(&m)
            .map(Some)
            .ok_or_else(|| unavailable("corrupt session record"))
    }

    async fn touch_inner(&self, hash: &TokenHash, now: UnixTime) -> Result<(), Error> {
        let now = now.as_secs().to_string();
        let _: i64 = script(
            &self.conn,
            "session touch",
            &TOUCH,
            &[&self.key(hash)],
            &[&now],
        )
        .await?;
        Ok(())
    }

    async fn remove_inner(&self, hash: &TokenHash) -> Result<bool, Error> {
        let user: Option<String> = script(
            &self.conn,
            "session remove",
            &REMOVE,
            &[&self.key(hash)],
            &[],
        )
        .await?;
        let Some(user) = user else { return Ok(false) };
        if let Ok(user) = UserId::new(user) {
            let cmd = redis::cmd("SREM")
                .arg(self.user_key(&user))
                .arg(hex(hash.as_bytes()))
                .to_owned();
            let _: i64 = query(&self.conn, "session unindex", &cmd).await?;
        }
        Ok(true)
    }

    async fn remove_user_inner(&self, user: &UserId) -> Result<usize, Error> {
        let idx = self.user_key(user);
        let cmd = redis::cmd("SMEMBERS").arg(&idx).to_owned();
        let members: Vec<String> = query(&self.conn, "session list", &cmd).await?;
        if members.is_empty() {
            return Ok(0);
        }
        let mut p = redis::pipe();
        for m in &members {
            p.del(format!("{}sess:{{{m}}}", self.conn.prefix()));
        }
        let deleted: Vec<i64> = query(&self.conn, "session remove all", &p).await?;
        // Only the members seen: a session added meanwhile stays indexed (and valid: it was
        // created after the revocation began).
        let cmd = redis::cmd("SREM").arg(&idx).arg(&members).to_owned();
        let _: i64 = query(&self.conn, "session unindex", &cmd).await?;
        Ok(deleted.iter().filter(|d| **d > 0).count())
    }
}

fn parse(m: &HashMap<String, String>) -> Option<LoginSessionRecord> {
    let num = |k: &str| m.get(k)?.parse::<u64>().ok();
    Some(LoginSessionRecord {
        user: UserId::new(m.get("u")?.clone()).ok()?,
        created: UnixTime::from_secs(num("c")?),
        last_seen: UnixTime::from_secs(num("l")?),
        mfa: num("m")? == 1,
        absolute_expiry: UnixTime::from_secs(num("a")?),
        idle_timeout_secs: num("i")?,
    })
}

impl LoginSessionStore for RedisLoginSessionStore {
    fn insert(
        &self,
        hash: TokenHash,
        record: LoginSessionRecord,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        self.insert_inner(hash, record)
    }

    fn get(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<LoginSessionRecord>, Error>> + Send {
        self.get_inner(hash)
    }

    fn touch(
        &self,
        hash: &TokenHash,
        now: UnixTime,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        self.touch_inner(hash, now)
    }

    fn remove(&self, hash: &TokenHash) -> impl Future<Output = Result<bool, Error>> + Send {
        self.remove_inner(hash)
    }

    fn remove_user(&self, user: &UserId) -> impl Future<Output = Result<usize, Error>> + Send {
        self.remove_user_inner(user)
    }
}
