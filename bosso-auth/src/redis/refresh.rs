//! [`RedisRefreshStore`]: refresh-token families shared by every node.
//!
//! # Key layout
//! - `<prefix>rf:{<family id hex>}`: a hash with `user`, `exp` (family expiry, seconds), `rev`
//!   (`1` once revoked) and one field per token, `t:<token hmac hex>`, valued `c:<expiry>`
//!   (current) or `r` (retired). Expires with the family; retired tokens stay until then, which
//!   is what makes reuse detectable.
//! - `<prefix>rt:{<token hmac hex>}`: `<family id hex>:<family expiry>`, the pointer from a token
//!   to its family. Written once, never changed; expires with the family.
//! - `<prefix>rf-user:{<user id>}`: the set of the user's family ids, for "revoke all".
//!
//! Rotation reads the old token's pointer, writes the new token's pointer, then runs one script
//! on the family key that checks and flips both tokens' states: of any number of concurrent
//! uses of one token on any nodes, exactly one rotates and the others see a retired token. A
//! pointer written for a rotation that then fails points at a family that does not know the
//! token: it is refused as unknown. Only HMACs of tokens reach Redis.

use std::fmt;
use std::sync::{Arc, LazyLock};

use bosso_token::{Clock, UnixTime, UserId};
use redis::Script;

use super::{INDEX_ADD, RedisConn, hex, ttl_secs, unavailable, unhex};
use crate::Error;
use crate::accounts::refresh::{
    DEFAULT_MAX_ROTATIONS, FamilyId, NewFamily, RefreshStore, RotateOutcome,
};
use crate::accounts::token::TokenHash;

/// KEYS[1] family; ARGV old, new, new expiry, now, max rotations. Returns `0` invalid, `2`
/// reused, `1<user>` rotated. The family hash holds three fixed fields plus one per token.
static ROTATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local f = redis.call('HMGET', KEYS[1], 'user', 'exp', 'rev')
if not f[1] then return '0' end
local now = tonumber(ARGV[4])
local exp = tonumber(f[2])
if f[3] == '1' or exp <= now then return '0' end
local st = redis.call('HGET', KEYS[1], 't:' .. ARGV[1])
if not st then return '0' end
if st == 'r' then
  redis.call('HSET', KEYS[1], 'rev', '1')
  return '2'
end
if tonumber(string.sub(st, 3)) <= now then return '0' end
if redis.call('HLEN', KEYS[1]) - 3 > tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[1], 'rev', '1')
  return '0'
end
local ne = math.min(tonumber(ARGV[3]), exp)
redis.call('HSET', KEYS[1], 't:' .. ARGV[1], 'r', 't:' .. ARGV[2], 'c:' .. string.format('%d', ne))
return '1' .. f[1]",
    )
});

/// KEYS[1] family. ARGV[1] `1`: count only families not yet revoked.
static REVOKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return 0 end
if rev == '1' and ARGV[1] == '1' then return 0 end
redis.call('HSET', KEYS[1], 'rev', '1')
return 1",
    )
});

/// [`RefreshStore`] on Redis. Cheap to clone.
#[derive(Clone)]
pub struct RedisRefreshStore {
    conn: RedisConn,
    clock: Arc<dyn Clock>,
    max_rotations: usize,
}

impl fmt::Debug for RedisRefreshStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRefreshStore")
            .field("conn", &self.conn)
            .field("max_rotations", &self.max_rotations)
            .finish_non_exhaustive()
    }
}

impl RedisRefreshStore {
    /// A store on `conn`, reading time (for key TTLs) from `clock`: use the manager's clock.
    pub fn new(conn: RedisConn, clock: impl Clock + 'static) -> Self {
        Self {
            conn,
            clock: Arc::new(clock),
            max_rotations: DEFAULT_MAX_ROTATIONS,
        }
    }

    /// Caps how many times one family may rotate (default [`DEFAULT_MAX_ROTATIONS`], as the
    /// memory store): every retired token is kept until the family ends so its reuse is caught,
    /// so without a cap one family's hash grows without bound. The rotation after the cap ends
    /// the family and the user logs in again.
    #[must_use]
    pub fn with_max_rotations(mut self, max_rotations: usize) -> Self {
        self.max_rotations = max_rotations.max(1);
        self
    }

    fn family_key(&self, id: &str) -> String {
        format!("{}rf:{{{id}}}", self.conn.prefix())
    }

    fn pointer_key(&self, token: &TokenHash) -> String {
        format!("{}rt:{{{}}}", self.conn.prefix(), hex(token.as_bytes()))
    }

    fn user_key(&self, user: &UserId) -> String {
        format!("{}rf-user:{{{}}}", self.conn.prefix(), user.as_str())
    }

    /// The family id (hex) and expiry a token points to.
    async fn pointer(&self, token: &TokenHash) -> Result<Option<(String, u64)>, Error> {
        let cmd = redis::cmd("GET").arg(self.pointer_key(token)).to_owned();
        let v: Option<String> = self.conn.query("refresh lookup", &cmd).await?;
        let Some(v) = v else { return Ok(None) };
        let (fid, exp) = v
            .split_once(':')
            .ok_or_else(|| unavailable("corrupt refresh pointer"))?;
        let exp = exp
            .parse()
            .map_err(|_| unavailable("corrupt refresh pointer"))?;
        Ok(Some((fid.to_owned(), exp)))
    }

    async fn set_pointer(&self, token: &TokenHash, fid: &str, exp: u64) -> Result<(), Error> {
        let ttl = ttl_secs(self.clock.now().as_secs(), exp);
        let cmd = redis::cmd("SET")
            .arg(self.pointer_key(token))
            .arg(format!("{fid}:{exp}"))
            .arg("EX")
            .arg(ttl)
            .to_owned();
        let () = self.conn.query("refresh pointer", &cmd).await?;
        Ok(())
    }

    async fn create_inner(&self, f: NewFamily) -> Result<(), Error> {
        let fid = hex(f.id.as_bytes());
        let exp = f.expiry.as_secs();
        let ttl = ttl_secs(self.clock.now().as_secs(), exp);
        let ttl_s = ttl.to_string();
        let _: i64 = self
            .conn
            .script(
                "refresh index",
                &INDEX_ADD,
                &[&self.user_key(&f.user)],
                &[&fid, &ttl_s],
            )
            .await?;
        self.set_pointer(&f.first, &fid, exp).await?;
        let key = self.family_key(&fid);
        let first_exp = f.first_expiry.min(f.expiry).as_secs();
        // Exactly three fields besides the tokens: ROTATE's cap computes `HLEN - 3`.
        let mut p = redis::pipe();
        p.atomic()
            .del(&key)
            .ignore()
            .hset_multiple(
                &key,
                &[
                    ("user", f.user.as_str().to_owned()),
                    ("exp", exp.to_string()),
                    ("rev", "0".to_owned()),
                    (
                        &format!("t:{}", hex(f.first.as_bytes())),
                        format!("c:{first_exp}"),
                    ),
                ],
            )
            .ignore()
            .expire(&key, i64::try_from(ttl).unwrap_or(i64::MAX))
            .ignore();
        let () = self.conn.query("refresh create", &p).await?;
        Ok(())
    }

    async fn rotate_inner(
        &self,
        old: &TokenHash,
        new: TokenHash,
        new_expiry: UnixTime,
        now: UnixTime,
    ) -> Result<RotateOutcome, Error> {
        let Some((fid, exp)) = self.pointer(old).await? else {
            return Ok(RotateOutcome::Invalid);
        };
        if exp <= now.as_secs() {
            return Ok(RotateOutcome::Invalid);
        }
        // The new token's pointer first: once the script makes it current, it is reachable.
        self.set_pointer(&new, &fid, exp).await?;
        let args = [
            hex(old.as_bytes()),
            hex(new.as_bytes()),
            new_expiry.as_secs().to_string(),
            now.as_secs().to_string(),
            self.max_rotations.to_string(),
        ];
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let r: String = self
            .conn
            .script(
                "refresh rotate",
                &ROTATE,
                &[&self.family_key(&fid)],
                &arg_refs,
            )
            .await?;
        match r.as_str() {
            "0" => Ok(RotateOutcome::Invalid),
            "2" => Ok(RotateOutcome::Reused),
            other => {
                let user = other
                    .strip_prefix('1')
                    .and_then(|u| UserId::new(u).ok())
                    .ok_or_else(|| unavailable("unexpected rotate reply"))?;
                let id = unhex::<16>(&fid).ok_or_else(|| unavailable("corrupt family id"))?;
                Ok(RotateOutcome::Rotated {
                    user,
                    family: FamilyId::from_bytes(id),
                })
            }
        }
    }

    async fn revoke(&self, fid: &str, only_live: bool) -> Result<bool, Error> {
        let flag = if only_live { "1" } else { "0" };
        let n: i64 = self
            .conn
            .script("refresh revoke", &REVOKE, &[&self.family_key(fid)], &[flag])
            .await?;
        Ok(n == 1)
    }

    async fn revoke_family_of_inner(&self, token: &TokenHash) -> Result<bool, Error> {
        match self.pointer(token).await? {
            Some((fid, _)) => self.revoke(&fid, false).await,
            None => Ok(false),
        }
    }

    async fn revoke_user_inner(&self, user: &UserId) -> Result<usize, Error> {
        let cmd = redis::cmd("SMEMBERS").arg(self.user_key(user)).to_owned();
        let fids: Vec<String> = self.conn.query("refresh list", &cmd).await?;
        let mut n = 0;
        for fid in fids {
            n += usize::from(self.revoke(&fid, true).await?);
        }
        Ok(n)
    }
}

impl RefreshStore for RedisRefreshStore {
    fn create_family(&self, family: NewFamily) -> impl Future<Output = Result<(), Error>> + Send {
        self.create_inner(family)
    }

    fn rotate(
        &self,
        old: &TokenHash,
        new: TokenHash,
        new_expiry: UnixTime,
        now: UnixTime,
    ) -> impl Future<Output = Result<RotateOutcome, Error>> + Send {
        self.rotate_inner(old, new, new_expiry, now)
    }

    fn revoke_family_of(
        &self,
        token: &TokenHash,
    ) -> impl Future<Output = Result<bool, Error>> + Send {
        self.revoke_family_of_inner(token)
    }

    fn revoke_user(&self, user: &UserId) -> impl Future<Output = Result<usize, Error>> + Send {
        self.revoke_user_inner(user)
    }
}
