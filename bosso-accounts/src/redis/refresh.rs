//! [`RedisRefreshStore`]: refresh-token families shared by every node.
//!
//! # Key layout
//! - `<prefix>rf:{<user hex>}:<family id hex>`: a hash with `user`, `exp` (family expiry,
//!   seconds), `rev` (`1` once revoked) and one field per token, `t:<token hmac hex>`, valued
//!   `c:<expiry>` (current) or `r` (retired). Expires with the family; retired tokens stay until
//!   then, which is what makes reuse detectable.
//! - `<prefix>rf-user:{<user hex>}`: a hash of the user's family ids, each valued with its
//!   creation number (from the field `n`, a counter), for the per-user caps ("oldest" is the
//!   lowest number) and "revoke all". It lives as long as the user's longest family.
//! - `<prefix>rt:{<token hmac hex>}`: `<family id hex>:<family expiry>:<user hex>`, the pointer
//!   from a token to its family. Written once, never changed; expires with the family, and is
//!   deleted when its family is evicted or its rotation fails.
//!
//! The hash tag of a user's families and index is the hex of the user id (a user id may hold
//! braces, which would break a raw tag), so they live in one Redis Cluster slot. Rotation and
//! creation each run one script on the family key and the user's index; to apply the per-user
//! caps the script also reads and deletes the user's *other* family keys, named from the index
//! under the same hash tag (undeclared keys, but always in the slot of the declared ones, which
//! Redis Cluster serves from the same node).
//!
//! Rotation reads the old token's pointer, writes the new token's pointer, then runs the script
//! that checks and flips both tokens' states: of any number of concurrent uses of one token on
//! any nodes, exactly one rotates and the others see a retired token. The pointer written for a
//! rotation that then fails is deleted again. Only HMACs of tokens reach Redis.

use std::fmt;
use std::sync::{Arc, LazyLock};

use bosso_token::{Clock, UnixTime, UserId};
use redis::Script;

use super::{RedisConn, hex, query, script, ttl_secs, unavailable, unhex};
use crate::Error;
use crate::refresh::{
    DEFAULT_MAX_FAMILIES_PER_USER, DEFAULT_MAX_ROTATIONS, DEFAULT_MAX_TOKENS_PER_USER, FamilyId,
    NewFamily, RefreshStore, RotateOutcome,
};
use crate::token::TokenHash;

/// `make_room(index, prefix, keep, new_family, max_families, max_tokens, now, out)`: drops the
/// user's families (ended ones first, then the oldest; never `keep`) until one more token, and
/// one more family if `new_family`, fit under the caps; appends each dropped token's hmac hex to
/// `out` (for the caller to delete its pointer). Returns false when only `keep` is left and it
/// fills the token cap alone. Index entries whose family key has expired are removed on the
/// way. Every family hash holds three fields besides its tokens.
const MAKE_ROOM: &str = r"
local function make_room(index, prefix, keep, new_family, max_f, max_t, now, out)
  local raw = redis.call('HGETALL', index)
  local fams = {}
  local toks = 0
  for i = 1, #raw, 2 do
    local id = raw[i]
    if id ~= 'n' then
      local f = redis.call('HMGET', prefix .. id, 'exp', 'rev')
      if not f[1] then
        redis.call('HDEL', index, id)
      else
        local n = redis.call('HLEN', prefix .. id) - 3
        table.insert(fams, {id = id, seq = tonumber(raw[i + 1]), n = n,
          ended = f[2] == '1' or tonumber(f[1]) <= now})
        toks = toks + n
      end
    end
  end
  table.sort(fams, function(a, b) return a.seq < b.seq end)
  while toks + 1 > max_t or (new_family and #fams + 1 > max_f) do
    local pick = nil
    for i, f in ipairs(fams) do
      if f.id ~= keep and f.ended then pick = i break end
    end
    if not pick then
      for i, f in ipairs(fams) do
        if f.id ~= keep then pick = i break end
      end
    end
    if not pick then return false end
    local f = table.remove(fams, pick)
    for _, field in ipairs(redis.call('HKEYS', prefix .. f.id)) do
      if string.sub(field, 1, 2) == 't:' then table.insert(out, string.sub(field, 3)) end
    end
    redis.call('DEL', prefix .. f.id)
    redis.call('HDEL', index, f.id)
    toks = toks - f.n
  end
  return true
end
";

/// KEYS[1] user index, KEYS[2] new family. ARGV fid, user, exp, first token hmac, first expiry,
/// ttl, now, max families, max tokens, family key prefix. Returns `{'1', evicted...}` or
/// `{'0', evicted...}` (no room: cannot happen with caps of at least 1).
static CREATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r"{MAKE_ROOM}
local out = {{'1'}}
if not make_room(KEYS[1], ARGV[10], '', true, tonumber(ARGV[8]), tonumber(ARGV[9]),
    tonumber(ARGV[7]), out) then
  out[1] = '0'
  return out
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'user', ARGV[2], 'exp', ARGV[3], 'rev', '0',
  't:' .. ARGV[4], 'c:' .. ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[6])
redis.call('HSET', KEYS[1], ARGV[1], redis.call('HINCRBY', KEYS[1], 'n', 1))
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[6]) then redis.call('EXPIRE', KEYS[1], ARGV[6]) end
return out"
    ))
});

/// KEYS[1] family, KEYS[2] user index; ARGV old, new, new expiry, now, max rotations, max
/// tokens, family key prefix, family id. Returns `{'0', evicted...}` invalid, `{'2'}` reused,
/// `{'1<user>', evicted...}` rotated.
static ROTATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r"{MAKE_ROOM}
local f = redis.call('HMGET', KEYS[1], 'user', 'exp', 'rev')
if not f[1] then return {{'0'}} end
local now = tonumber(ARGV[4])
local exp = tonumber(f[2])
if f[3] == '1' or exp <= now then return {{'0'}} end
local st = redis.call('HGET', KEYS[1], 't:' .. ARGV[1])
if not st then return {{'0'}} end
if st == 'r' then
  redis.call('HSET', KEYS[1], 'rev', '1')
  return {{'2'}}
end
if tonumber(string.sub(st, 3)) <= now then return {{'0'}} end
if redis.call('HLEN', KEYS[1]) - 3 > tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[1], 'rev', '1')
  return {{'0'}}
end
local out = {{'0'}}
if not make_room(KEYS[2], ARGV[7], ARGV[8], false, 0, tonumber(ARGV[6]), now, out) then
  redis.call('HSET', KEYS[1], 'rev', '1')
  return out
end
local ne = math.min(tonumber(ARGV[3]), exp)
redis.call('HSET', KEYS[1], 't:' .. ARGV[1], 'r', 't:' .. ARGV[2], 'c:' .. string.format('%d', ne))
out[1] = '1' .. f[1]
return out"
    ))
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

/// Where a token's pointer leads.
struct Pointer {
    fid: String,
    exp: u64,
    user_tag: String,
}

/// [`RefreshStore`] on Redis. Cheap to clone.
///
/// The same caps as [`MemoryRefreshStore`](crate::refresh::MemoryRefreshStore): a
/// family rotates at most [`Self::with_max_rotations`] times, and one user holds at most
/// [`Self::with_max_families_per_user`] families and [`Self::with_max_tokens_per_user`] token
/// hashes (their oldest families are dropped first, pointers included), so one account's
/// footprint in Redis is bounded whatever it does.
#[derive(Clone)]
pub struct RedisRefreshStore {
    conn: RedisConn,
    clock: Arc<dyn Clock>,
    max_rotations: usize,
    max_families_per_user: usize,
    max_tokens_per_user: usize,
}

impl fmt::Debug for RedisRefreshStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRefreshStore")
            .field("conn", &self.conn)
            .field("max_rotations", &self.max_rotations)
            .field("max_families_per_user", &self.max_families_per_user)
            .field("max_tokens_per_user", &self.max_tokens_per_user)
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
            max_families_per_user: DEFAULT_MAX_FAMILIES_PER_USER,
            max_tokens_per_user: DEFAULT_MAX_TOKENS_PER_USER,
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

    /// Caps one user's families (default [`DEFAULT_MAX_FAMILIES_PER_USER`], at least 1): a
    /// login past it drops the user's ended families, then their oldest.
    #[must_use]
    pub fn with_max_families_per_user(mut self, max: usize) -> Self {
        self.max_families_per_user = max.max(1);
        self
    }

    /// Caps one user's token hashes, current and retired (default
    /// [`DEFAULT_MAX_TOKENS_PER_USER`], at least 1): a login or rotation past it drops the
    /// user's ended families, then their oldest; a rotation whose family alone fills the cap
    /// ends that family.
    #[must_use]
    pub fn with_max_tokens_per_user(mut self, max: usize) -> Self {
        self.max_tokens_per_user = max.max(1);
        self
    }

    /// Prefix of every family key of the user whose tag is `tag` (the script appends the id).
    fn family_prefix(&self, tag: &str) -> String {
        format!("{}rf:{{{tag}}}:", self.conn.prefix())
    }

    fn pointer_key(&self, token: &TokenHash) -> String {
        format!("{}rt:{{{}}}", self.conn.prefix(), hex(token.as_bytes()))
    }

    fn index_key(&self, tag: &str) -> String {
        format!("{}rf-user:{{{tag}}}", self.conn.prefix())
    }

    /// Where `token` points, if anywhere.
    async fn pointer(&self, token: &TokenHash) -> Result<Option<Pointer>, Error> {
        let cmd = redis::cmd("GET").arg(self.pointer_key(token)).to_owned();
        let v: Option<String> = query(&self.conn, "refresh lookup", &cmd).await?;
        let Some(v) = v else { return Ok(None) };
        let corrupt = || unavailable("corrupt refresh pointer");
        let mut parts = v.splitn(3, ':');
        let (Some(fid), Some(exp), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(corrupt());
        };
        let hex_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex_only(fid) || !hex_only(tag) {
            return Err(corrupt());
        }
        Ok(Some(Pointer {
            fid: fid.to_owned(),
            exp: exp.parse().map_err(|_| corrupt())?,
            user_tag: tag.to_owned(),
        }))
    }

    async fn set_pointer(&self, token: &TokenHash, to: &Pointer) -> Result<(), Error> {
        let ttl = ttl_secs(self.clock.now().as_secs(), to.exp);
        let cmd = redis::cmd("SET")
            .arg(self.pointer_key(token))
            .arg(format!("{}:{}:{}", to.fid, to.exp, to.user_tag))
            .arg("EX")
            .arg(ttl)
            .to_owned();
        let () = query(&self.conn, "refresh pointer", &cmd).await?;
        Ok(())
    }

    /// Deletes the pointers of tokens whose family a script dropped (one key per command: each
    /// pointer has its own slot). Until then they lead to a family that no longer exists, which
    /// is refused as unknown.
    async fn drop_pointers(&self, hmacs: &[String]) -> Result<(), Error> {
        if hmacs.is_empty() {
            return Ok(());
        }
        let mut p = redis::pipe();
        for h in hmacs {
            p.del(format!("{}rt:{{{h}}}", self.conn.prefix())).ignore();
        }
        let () = query(&self.conn, "refresh evict", &p).await?;
        Ok(())
    }

    async fn create_inner(&self, f: NewFamily) -> Result<(), Error> {
        let to = Pointer {
            fid: hex(f.id.as_bytes()),
            exp: f.expiry.as_secs(),
            user_tag: hex(f.user.as_str().as_bytes()),
        };
        let now = self.clock.now().as_secs();
        // The pointer first: a pointer without its family is refused as unknown.
        self.set_pointer(&f.first, &to).await?;
        let args = [
            to.fid.clone(),
            f.user.as_str().to_owned(),
            to.exp.to_string(),
            hex(f.first.as_bytes()),
            f.first_expiry.min(f.expiry).as_secs().to_string(),
            ttl_secs(now, to.exp).to_string(),
            now.to_string(),
            self.max_families_per_user.to_string(),
            self.max_tokens_per_user.to_string(),
            self.family_prefix(&to.user_tag),
        ];
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let family_key = format!("{}{}", self.family_prefix(&to.user_tag), to.fid);
        let out: Vec<String> = script(
            &self.conn,
            "refresh create",
            &CREATE,
            &[&self.index_key(&to.user_tag), &family_key],
            &arg_refs,
        )
        .await?;
        let (status, evicted) = out
            .split_first()
            .ok_or_else(|| unavailable("unexpected create reply"))?;
        self.drop_pointers(evicted).await?;
        match status.as_str() {
            "1" => Ok(()),
            "0" => Err(Error::StoreFull),
            _ => Err(unavailable("unexpected create reply")),
        }
    }

    async fn rotate_inner(
        &self,
        old: &TokenHash,
        new: TokenHash,
        new_expiry: UnixTime,
        now: UnixTime,
    ) -> Result<RotateOutcome, Error> {
        let Some(to) = self.pointer(old).await? else {
            return Ok(RotateOutcome::Invalid);
        };
        if to.exp <= now.as_secs() {
            return Ok(RotateOutcome::Invalid);
        }
        // The new token's pointer first: once the script makes it current, it is reachable.
        self.set_pointer(&new, &to).await?;
        let prefix = self.family_prefix(&to.user_tag);
        let args = [
            hex(old.as_bytes()),
            hex(new.as_bytes()),
            new_expiry.as_secs().to_string(),
            now.as_secs().to_string(),
            self.max_rotations.to_string(),
            self.max_tokens_per_user.to_string(),
            prefix.clone(),
            to.fid.clone(),
        ];
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out: Vec<String> = script(
            &self.conn,
            "refresh rotate",
            &ROTATE,
            &[
                &format!("{prefix}{}", to.fid),
                &self.index_key(&to.user_tag),
            ],
            &arg_refs,
        )
        .await?;
        let (status, evicted) = out
            .split_first()
            .ok_or_else(|| unavailable("unexpected rotate reply"))?;
        self.drop_pointers(evicted).await?;
        let outcome = match status.as_str() {
            "0" => RotateOutcome::Invalid,
            "2" => RotateOutcome::Reused,
            other => {
                let user = other
                    .strip_prefix('1')
                    .and_then(|u| UserId::new(u).ok())
                    .ok_or_else(|| unavailable("unexpected rotate reply"))?;
                let id = unhex::<16>(&to.fid).ok_or_else(|| unavailable("corrupt family id"))?;
                return Ok(RotateOutcome::Rotated {
                    user,
                    family: FamilyId::from_bytes(id),
                });
            }
        };
        // Not rotated: the new token never became current, so its pointer goes (otherwise
        // every refused attempt would leave a key behind for the family's lifetime).
        self.drop_pointers(&[hex(new.as_bytes())]).await?;
        Ok(outcome)
    }

    async fn revoke(&self, family_key: &str, only_live: bool) -> Result<bool, Error> {
        let flag = if only_live { "1" } else { "0" };
        let n: i64 = script(
            &self.conn,
            "refresh revoke",
            &REVOKE,
            &[family_key],
            &[flag],
        )
        .await?;
        Ok(n == 1)
    }

    async fn revoke_family_of_inner(&self, token: &TokenHash) -> Result<bool, Error> {
        match self.pointer(token).await? {
            Some(to) => {
                let key = format!("{}{}", self.family_prefix(&to.user_tag), to.fid);
                self.revoke(&key, false).await
            }
            None => Ok(false),
        }
    }

    async fn revoke_user_inner(&self, user: &UserId) -> Result<usize, Error> {
        let tag = hex(user.as_str().as_bytes());
        let cmd = redis::cmd("HKEYS").arg(self.index_key(&tag)).to_owned();
        let fids: Vec<String> = query(&self.conn, "refresh list", &cmd).await?;
        let prefix = self.family_prefix(&tag);
        let mut n = 0;
        for fid in fids.into_iter().filter(|f| f != "n") {
            n += usize::from(self.revoke(&format!("{prefix}{fid}"), true).await?);
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
