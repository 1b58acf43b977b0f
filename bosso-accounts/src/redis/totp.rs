//! [`RedisTotpStore`]: TOTP enrollments, last accepted steps and recovery codes shared by every
//! node, so a code accepted on one node is refused on all.
//!
//! # Key layout
//! - `<prefix>totp:{<user id>}`: a hash with `s` (the shared secret bytes: encrypt Redis at
//!   rest or wrap the secret with bosso-vault, as for any persistent store), `alg`, `d`
//!   (digits), `st` (step seconds) and `last` (last accepted step, absent before the first).
//! - `<prefix>totp-rc:{<user id>}`: the set of the user's unused recovery-code HMACs (hex).
//!
//! Both keys share the `{<user id>}` hash tag: `put` and `remove` change them together in one
//! `MULTI`. `accept_step` is one compare-and-set script; `consume_recovery_code` is one `SREM`.
//! Enrollments do not expire: they last until removed.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use bosso_token::UserId;
use redis::Script;

use super::{RedisConn, hex, query, script, unavailable};
use crate::Error;
use crate::token::TokenHash;
use crate::totp::{TotpAlgorithm, TotpRecord, TotpSecret, TotpStore};

/// KEYS[1] record; ARGV[1] step. `-1` not enrolled, `0` already used, `1` accepted.
static ACCEPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local last = redis.call('HGET', KEYS[1], 'last')
if last and tonumber(ARGV[1]) <= tonumber(last) then return 0 end
redis.call('HSET', KEYS[1], 'last', ARGV[1])
return 1",
    )
});

/// [`TotpStore`] on Redis. Cheap to clone.
#[derive(Clone)]
pub struct RedisTotpStore {
    conn: RedisConn,
}

impl fmt::Debug for RedisTotpStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTotpStore")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

fn alg_name(a: TotpAlgorithm) -> &'static str {
    match a {
        TotpAlgorithm::Sha1 => "sha1",
        TotpAlgorithm::Sha256 => "sha256",
        TotpAlgorithm::Sha512 => "sha512",
    }
}

fn alg_parse(s: &[u8]) -> Option<TotpAlgorithm> {
    match s {
        b"sha1" => Some(TotpAlgorithm::Sha1),
        b"sha256" => Some(TotpAlgorithm::Sha256),
        b"sha512" => Some(TotpAlgorithm::Sha512),
        _ => None,
    }
}

impl RedisTotpStore {
    /// A store on `conn`.
    pub fn new(conn: RedisConn) -> Self {
        Self { conn }
    }

    fn key(&self, user: &UserId) -> String {
        format!("{}totp:{{{}}}", self.conn.prefix(), user.as_str())
    }

    fn codes_key(&self, user: &UserId) -> String {
        format!("{}totp-rc:{{{}}}", self.conn.prefix(), user.as_str())
    }

    async fn get_inner(&self, user: &UserId) -> Result<Option<TotpRecord>, Error> {
        let cmd = redis::cmd("HGETALL").arg(self.key(user)).to_owned();
        let m: HashMap<String, Vec<u8>> = query(&self.conn, "totp get", &cmd).await?;
        if m.is_empty() {
            return Ok(None);
        }
        parse(&m)
            .map(Some)
            .ok_or_else(|| unavailable("corrupt totp record"))
    }

    async fn put_inner(
        &self,
        user: &UserId,
        r: TotpRecord,
        recovery: Vec<TokenHash>,
    ) -> Result<(), Error> {
        let key = self.key(user);
        let codes = self.codes_key(user);
        let mut p = redis::pipe();
        p.atomic().del(&key).ignore().del(&codes).ignore();
        p.cmd("HSET")
            .arg(&key)
            .arg("s")
            .arg(r.secret.expose())
            .arg("alg")
            .arg(alg_name(r.algorithm))
            .arg("d")
            .arg(r.digits)
            .arg("st")
            .arg(r.step_secs)
            .ignore();
        if let Some(last) = r.last_step {
            p.cmd("HSET").arg(&key).arg("last").arg(last).ignore();
        }
        if !recovery.is_empty() {
            let hexes: Vec<String> = recovery.iter().map(|h| hex(h.as_bytes())).collect();
            p.cmd("SADD").arg(&codes).arg(hexes).ignore();
        }
        let () = query(&self.conn, "totp put", &p).await?;
        Ok(())
    }

    async fn accept_inner(&self, user: &UserId, step: u64) -> Result<bool, Error> {
        let step = step.to_string();
        let r: i64 = script(
            &self.conn,
            "totp accept",
            &ACCEPT,
            &[&self.key(user)],
            &[&step],
        )
        .await?;
        match r {
            1 => Ok(true),
            0 => Ok(false),
            _ => Err(Error::TotpNotEnrolled),
        }
    }

    async fn consume_inner(&self, user: &UserId, code: &TokenHash) -> Result<bool, Error> {
        // SREM compares HMACs (never the code itself) inside Redis: a timing difference there
        // would reveal bits of a keyed hash, which is of no use without the server key.
        let cmd = redis::cmd("SREM")
            .arg(self.codes_key(user))
            .arg(hex(code.as_bytes()))
            .to_owned();
        let n: i64 = query(&self.conn, "totp recovery", &cmd).await?;
        Ok(n == 1)
    }

    async fn remove_inner(&self, user: &UserId) -> Result<(), Error> {
        let cmd = redis::cmd("DEL")
            .arg(self.key(user))
            .arg(self.codes_key(user))
            .to_owned();
        let _: i64 = query(&self.conn, "totp remove", &cmd).await?;
        Ok(())
    }
}

fn parse(m: &HashMap<String, Vec<u8>>) -> Option<TotpRecord> {
    let num = |k: &str| std::str::from_utf8(m.get(k)?).ok()?.parse::<u64>().ok();
    Some(TotpRecord {
        secret: TotpSecret::from_bytes(m.get("s")?).ok()?,
        algorithm: alg_parse(m.get("alg")?)?,
        digits: usize::try_from(num("d")?).ok()?,
        step_secs: num("st")?,
        last_step: match m.get("last") {
            Some(_) => Some(num("last")?),
            None => None,
        },
    })
}

impl TotpStore for RedisTotpStore {
    fn get(&self, user: &UserId) -> impl Future<Output = Result<Option<TotpRecord>, Error>> + Send {
        self.get_inner(user)
    }

    fn put(
        &self,
        user: &UserId,
        record: TotpRecord,
        recovery: Vec<TokenHash>,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        self.put_inner(user, record, recovery)
    }

    fn accept_step(
        &self,
        user: &UserId,
        step: u64,
    ) -> impl Future<Output = Result<bool, Error>> + Send {
        self.accept_inner(user, step)
    }

    fn consume_recovery_code(
        &self,
        user: &UserId,
        code: &TokenHash,
    ) -> impl Future<Output = Result<bool, Error>> + Send {
        self.consume_inner(user, code)
    }

    fn remove(&self, user: &UserId) -> impl Future<Output = Result<(), Error>> + Send {
        self.remove_inner(user)
    }
}
