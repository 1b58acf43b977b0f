//! Password hashing: Argon2id (PHC strings) with an optional pepper, rehash-on-login, legacy
//! bcrypt verification for migration, a dummy path for unknown users, login padding, and async
//! helpers bounded by a semaphore.
//!
//! Why these defaults: Argon2id is the OWASP recommendation; m = 19 MiB, t = 2, p = 1 is OWASP's
//! minimum configuration for it (and the `argon2` crate's default). A pepper, when configured,
//! goes into Argon2's own secret input (`K` in RFC 9106), so a stolen database without the
//! pepper cannot be attacked offline at all.

use argon2::password_hash::{PasswordHash as PhcHash, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, AssociatedData, Params, ParamsBuilder, Version};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use std::fmt;
use std::sync::Arc;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use bosso_token::UserId;

use crate::Error;

mod store;
mod stored;
mod work;

pub use store::{MemoryPasswordStore, PasswordStore};
pub use stored::inspect_hash;
pub use work::HasherStats;

use stored::{Stored, parse_stored};
use work::{Counters, cost, padding};

/// Argon2id cost parameters and the limits this verifier accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordConfig {
    /// Memory in KiB. Default 19456 (19 MiB, OWASP's minimum for Argon2id).
    pub memory_kib: u32,
    /// Passes. Default 2.
    pub iterations: u32,
    /// Lanes. Default 1 (more lanes only help an attacker with more cores than the server).
    pub parallelism: u32,
    /// Longest accepted password in bytes. Default 1024: no human password is longer, and the
    /// bound keeps per-request work fixed.
    pub max_password_bytes: usize,
    /// Largest memory cost a *stored* hash may ask for when verifying. Default 256 MiB, so a
    /// tampered or imported hash cannot make one login allocate gigabytes.
    pub max_verify_memory_kib: u32,
    /// Largest pass count a stored hash may ask for. Default 16.
    pub max_verify_iterations: u32,
    /// Largest lane count a stored hash may ask for. Default 16.
    pub max_verify_parallelism: u32,
    /// Largest bcrypt cost accepted for legacy hashes. Default 15 (the seeds' stack used 12).
    pub max_bcrypt_cost: u32,
    /// Most hashing runs the async entries ([`PasswordHasher::hash_async`],
    /// [`PasswordHasher::verify_async`], [`PasswordHasher::login`]) run at once, per hasher;
    /// the others wait for a permit. At least 1. Default: the number of CPUs
    /// (`std::thread::available_parallelism`, 2 if unknown), as more runs at once only queue
    /// for the CPUs while holding their memory. So N concurrent guesses hold at most
    /// `max_concurrent_hashes × memory_kib` (stored hashes: up to `max_verify_memory_kib` each).
    pub max_concurrent_hashes: usize,
}

impl Default for PasswordConfig {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
            max_password_bytes: 1024,
            max_verify_memory_kib: 256 * 1024,
            max_verify_iterations: 16,
            max_verify_parallelism: 16,
            max_bcrypt_cost: 15,
            max_concurrent_hashes: std::thread::available_parallelism()
                .map_or(2, std::num::NonZeroUsize::get),
        }
    }
}

/// What a successful verification says about the stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HashStatus {
    /// Argon2id at (or above) the configured parameters: keep it.
    Current,
    /// Argon2 with weaker parameters, another Argon2 variant or version: rehash now, while the
    /// plaintext is at hand.
    RehashDue,
    /// A legacy bcrypt hash: it verified, and must be replaced by an Argon2id hash now.
    LegacyMustUpgrade,
}

impl HashStatus {
    /// Whether the stored hash should be replaced (rehash due or legacy).
    pub fn needs_rehash(self) -> bool {
        !matches!(self, HashStatus::Current)
    }
}

/// Which algorithm a stored hash uses, as reported by [`inspect_hash`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// `$argon2id$`.
    Argon2id,
    /// `$argon2i$` or `$argon2d$` (verifiable, always due for a rehash).
    Argon2Other,
    /// `$2a$`, `$2b$`, `$2x$` or `$2y$` bcrypt.
    Bcrypt,
}

/// A PHC-format Argon2id hash string, ready to store. Not the password, but offline-attackable,
/// so `Debug` shows only its parameters.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// The PHC string (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the value into its PHC string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `$argon2id$v=19$m=..,t=..,p=..$` is public; salt and tag are not shown.
        let head: Vec<&str> = self.0.splitn(5, '$').take(4).collect();
        write!(f, "PasswordHash({}$[REDACTED])", head.join("$"))
    }
}

/// Hashes and verifies passwords. Build once, share behind an `Arc`.
pub struct PasswordHasher {
    config: PasswordConfig,
    params: Params,
    pepper: Option<SecretBox<[u8]>>,
    dummy: PasswordHash,
    rng: SystemRandom,
    /// Permits for the async entries' blocking runs.
    permits: Arc<Semaphore>,
    work: Counters,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("config", &self.config)
            .field("pepper", &self.pepper.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// A hasher with `config` and no pepper.
    pub fn new(config: PasswordConfig) -> Result<Self, Error> {
        Self::build(config, None)
    }

    /// A hasher whose Argon2 secret input is `pepper` (use 32 random bytes; at least 8 are
    /// required, the length of RFC 9106's own test secret). Hashes made with a pepper verify
    /// only with the same pepper: keep it in configuration or bosso-vault, never in the database.
    pub fn with_pepper(config: PasswordConfig, pepper: SecretBox<[u8]>) -> Result<Self, Error> {
        if pepper.expose_secret().len() < 8 {
            return Err(Error::InvalidKey("pepper must be at least 8 bytes"));
        }
        Self::build(config, Some(pepper))
    }

    fn build(config: PasswordConfig, pepper: Option<SecretBox<[u8]>>) -> Result<Self, Error> {
        if config.memory_kib > config.max_verify_memory_kib
            || config.iterations > config.max_verify_iterations
            || config.parallelism > config.max_verify_parallelism
        {
            return Err(Error::InvalidConfig(
                "hash parameters above the verify limits",
            ));
        }
        if config.max_password_bytes == 0 {
            return Err(Error::InvalidConfig("max_password_bytes must be positive"));
        }
        if !(1..=Semaphore::MAX_PERMITS).contains(&config.max_concurrent_hashes) {
            return Err(Error::InvalidConfig(
                "max_concurrent_hashes must be at least 1",
            ));
        }
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            Some(Params::DEFAULT_OUTPUT_LEN),
        )
        .map_err(|_| Error::InvalidConfig("argon2 parameters out of range"))?;
        let mut this = Self {
            permits: Arc::new(Semaphore::new(config.max_concurrent_hashes)),
            config,
            params,
            pepper,
            dummy: PasswordHash(String::new()),
            rng: SystemRandom::new(),
            work: Counters::default(),
        };
        // The dummy hash is made once, at construction, with the configured parameters, so the
        // unknown-user path costs the same as a real verification from the first call on.
        let random = bosso_token::random::bytes::<32>().map_err(|_| Error::Rng)?;
        this.dummy = this.hash_bytes(random.as_ref())?;
        Ok(this)
    }

    /// The configuration in force.
    pub fn config(&self) -> &PasswordConfig {
        &self.config
    }

    /// The work this hasher has done so far (for monitoring).
    pub fn stats(&self) -> HasherStats {
        self.work.snapshot()
    }

    /// The dummy verification's work: one Argon2 run at the configured parameters.
    fn dummy_cost(&self) -> u64 {
        cost(self.params.m_cost(), self.params.t_cost())
    }

    fn argon2(&self, params: Params) -> Result<Argon2<'_>, Error> {
        match &self.pepper {
            Some(p) => Argon2::new_with_secret(
                p.expose_secret(),
                Algorithm::Argon2id,
                Version::V0x13,
                params,
            )
            .map_err(|_| Error::InvalidConfig("pepper rejected by argon2")),
            None => Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params)),
        }
    }

    fn check_len(&self, password: &[u8]) -> Result<(), Error> {
        if password.is_empty() {
            return Err(Error::PasswordEmpty);
        }
        if password.len() > self.config.max_password_bytes {
            return Err(Error::PasswordTooLong {
                max: self.config.max_password_bytes,
            });
        }
        Ok(())
    }

    /// Hashes `password` with a fresh 128-bit salt into a PHC string.
    pub fn hash(&self, password: &SecretString) -> Result<PasswordHash, Error> {
        let pw = password.expose_secret().as_bytes();
        self.check_len(pw)?;
        self.hash_bytes(pw)
    }

    fn hash_bytes(&self, pw: &[u8]) -> Result<PasswordHash, Error> {
        use argon2::password_hash::PasswordHasher as _;
        let mut salt = [0u8; 16];
        self.rng.fill(&mut salt).map_err(|_| Error::Rng)?;
        let salt = SaltString::encode_b64(&salt).map_err(|_| Error::Hashing)?;
        let _run = self.work.argon2(self.params.m_cost(), self.params.t_cost());
        let hash = self
            .argon2(self.params.clone())?
            .hash_password(pw, &salt)
            .map_err(|_| Error::Hashing)?;
        Ok(PasswordHash(hash.to_string()))
    }

    /// Verifies `password` against a stored Argon2 or bcrypt hash.
    ///
    /// `Ok` carries whether the stored hash should be replaced; a wrong password is
    /// [`Error::InvalidCredentials`]. The work is whatever the stored hash asks for (within the
    /// verify limits): for a login, where timing must not tell whether the account exists, use
    /// [`Self::verify_and_rehash`] or [`Self::login`], which pad it.
    pub fn verify(&self, password: &SecretString, stored: &str) -> Result<HashStatus, Error> {
        let pw = password.expose_secret().as_bytes();
        self.check_len(pw)?;
        self.verify_measured(pw, stored).0
    }

    /// [`Self::verify`] without the length check; also returns the Argon2 work it did.
    fn verify_measured(&self, pw: &[u8], stored: &str) -> (Result<HashStatus, Error>, u64) {
        let parsed = match parse_stored(stored) {
            Ok(p) => p,
            Err(e) => return (Err(e), 0),
        };
        match parsed {
            Stored::Argon2 {
                hash,
                m_kib,
                passes,
                lanes,
            } => {
                if m_kib > self.config.max_verify_memory_kib
                    || passes > self.config.max_verify_iterations
                    || lanes > self.config.max_verify_parallelism
                {
                    return (Err(Error::HashParamsTooExpensive), 0);
                }
                self.verify_argon2(pw, &hash)
            }
            Stored::Bcrypt { cost } => {
                if cost > self.config.max_bcrypt_cost {
                    return (Err(Error::HashParamsTooExpensive), 0);
                }
                // Truncating verify on purpose: the legacy stack hashed the first 72 bytes,
                // so that is what its hashes can confirm. Argon2id replaces it on this login.
                let _run = self.work.bcrypt();
                let r = match bcrypt::verify(pw, stored) {
                    Ok(true) => Ok(HashStatus::LegacyMustUpgrade),
                    Ok(false) => Err(Error::InvalidCredentials),
                    Err(_) => Err(Error::MalformedHash("bcrypt hash rejected")),
                };
                (r, 0)
            }
        }
    }

    /// Verifies against a parsed Argon2 hash whose costs are already within the verify limits
    /// (checked by the caller, or the hasher's own dummy).
    fn verify_argon2(&self, pw: &[u8], h: &PhcHash<'_>) -> (Result<HashStatus, Error>, u64) {
        let Ok(params) = Params::try_from(h) else {
            return (Err(Error::MalformedHash("bad argon2 parameters")), 0);
        };
        let argon2 = match self.argon2(self.params.clone()) {
            Ok(a) => a,
            Err(e) => return (Err(e), 0),
        };
        // `verify_password` takes algorithm, version and parameters from the hash string; the
        // instance only contributes the pepper.
        let done = cost(params.m_cost(), params.t_cost());
        let verified = {
            let _run = self.work.argon2(params.m_cost(), params.t_cost());
            argon2.verify_password(pw, h)
        };
        match verified {
            Ok(()) => {}
            Err(argon2::password_hash::Error::Password) => {
                return (Err(Error::InvalidCredentials), done);
            }
            Err(_) => return (Err(Error::MalformedHash("argon2 hash rejected")), done),
        }
        let weaker = params.m_cost() < self.params.m_cost()
            || params.t_cost() < self.params.t_cost()
            || params.p_cost() < self.params.p_cost()
            || h.algorithm.as_str() != "argon2id"
            || h.version != Some(0x13)
            || h.hash.map(|o| o.len()) != Some(Params::DEFAULT_OUTPUT_LEN);
        let status = if weaker {
            HashStatus::RehashDue
        } else {
            HashStatus::Current
        };
        (Ok(status), done)
    }

    /// Runs extra Argon2 work so that a login that did `done` KiB × passes has done at least
    /// as much as the dummy verification of an unknown account (and less than 8 more).
    fn pad_to_dummy(&self, done: u64) -> Result<(), Error> {
        for (m_kib, passes) in padding(self.dummy_cost(), done, self.params.m_cost()) {
            let params = Params::new(m_kib, passes, 1, Some(Params::DEFAULT_OUTPUT_LEN))
                .map_err(|_| Error::Hashing)?;
            let mut out = Zeroizing::new([0u8; Params::DEFAULT_OUTPUT_LEN]);
            let _run = self.work.argon2(m_kib, passes);
            self.argon2(params)?
                .hash_password_into(b"bosso login padding", &[0u8; 16], out.as_mut())
                .map_err(|_| Error::Hashing)?;
        }
        Ok(())
    }

    /// Verifies and, when the stored hash is weak or legacy, returns its replacement: rehashing
    /// on login is `if let Some(new) = hasher.verify_and_rehash(&pw, &stored)? { save(new) }`.
    ///
    /// Padded for logins: whatever the stored hash is (older or cheaper Argon2 parameters,
    /// bcrypt, an imported or malformed hash), right or wrong password, the call does at least
    /// the Argon2 work of [`Self::verify_unknown_user`] (see [`Self::login`] for the exact
    /// figure). Only the length check ([`Error::PasswordEmpty`], [`Error::PasswordTooLong`])
    /// fails without work: check the length before looking the account up, as `login` does.
    pub fn verify_and_rehash(
        &self,
        password: &SecretString,
        stored: &str,
    ) -> Result<Option<PasswordHash>, Error> {
        let pw = password.expose_secret().as_bytes();
        self.check_len(pw)?;
        let (verified, done) = self.verify_measured(pw, stored);
        self.pad_to_dummy(done)?;
        if verified?.needs_rehash() {
            return self.hash(password).map(Some);
        }
        Ok(None)
    }

    /// The unknown-account path: runs a full verification against a dummy hash made with the
    /// current parameters, then returns [`Error::InvalidCredentials`], so the response time does
    /// not tell whether the account exists.
    pub fn verify_unknown_user(&self, password: &SecretString) -> Error {
        let pw = password.expose_secret().as_bytes();
        let pw = if pw.len() > self.config.max_password_bytes || pw.is_empty() {
            b"x".as_slice()
        } else {
            pw
        };
        if let Ok(h) = PhcHash::new(self.dummy.as_str()) {
            let _ = self.verify_argon2(pw, &h);
        }
        Error::InvalidCredentials
    }

    /// The raw Argon2id tag of `password` under this hasher's parameters and pepper, with
    /// optional associated data, into `out_len` bytes. Exists so that known-answer tests
    /// (RFC 9106 section 5.3) run through the same configured primitive as [`Self::hash`].
    pub fn derive_raw(
        &self,
        password: &[u8],
        salt: &[u8],
        associated_data: &[u8],
        out_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut b = ParamsBuilder::new();
        b.m_cost(self.params.m_cost())
            .t_cost(self.params.t_cost())
            .p_cost(self.params.p_cost())
            .output_len(out_len);
        if !associated_data.is_empty() {
            b.data(
                AssociatedData::new(associated_data)
                    .map_err(|_| Error::InvalidConfig("associated data too long"))?,
            );
        }
        let params = b
            .build()
            .map_err(|_| Error::InvalidConfig("argon2 parameters out of range"))?;
        let mut out = Zeroizing::new(vec![0u8; out_len]);
        let _run = self.work.argon2(params.m_cost(), params.t_cost());
        self.argon2(params)?
            .hash_password_into(password, salt, &mut out)
            .map_err(|_| Error::Hashing)?;
        Ok(out)
    }

    /// Runs `f` on tokio's blocking pool once a permit is free (at most
    /// [`PasswordConfig::max_concurrent_hashes`] at once). The permit moves into the blocking
    /// task, so a caller that gives up waiting (a dropped future) frees it only when the run
    /// really ends: dropped connections cannot push more runs past the bound.
    async fn run_bounded<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Self) -> T + Send + 'static,
    ) -> Result<T, Error> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| Error::TaskFailed)?;
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(&this)
        })
        .await
        .map_err(|_| Error::TaskFailed)
    }

    /// [`Self::hash`] on tokio's blocking pool, so tens of milliseconds of Argon2 never stall an
    /// async worker thread; bounded by [`PasswordConfig::max_concurrent_hashes`].
    pub async fn hash_async(
        self: &Arc<Self>,
        password: SecretString,
    ) -> Result<PasswordHash, Error> {
        self.run_bounded(move |this| this.hash(&password)).await?
    }

    /// [`Self::verify`] on tokio's blocking pool, bounded by
    /// [`PasswordConfig::max_concurrent_hashes`]: however many verifications are started at
    /// once, at most that many Argon2 (or bcrypt) runs are in progress; the rest wait.
    pub async fn verify_async(
        self: &Arc<Self>,
        password: SecretString,
        stored: String,
    ) -> Result<HashStatus, Error> {
        self.run_bounded(move |this| this.verify(&password, &stored))
            .await?
    }

    /// A whole password login against a [`PasswordStore`]: unknown users take the dummy path,
    /// a correct password with a weak or legacy hash is rehashed and saved, all hashing runs on
    /// the blocking pool under the [`PasswordConfig::max_concurrent_hashes`] bound. `Ok(())`
    /// means the password is right.
    ///
    /// An empty or over-long password fails with [`Error::PasswordEmpty`] /
    /// [`Error::PasswordTooLong`] *before* the account is looked up, identically whether the
    /// account exists or not. The rehash is saved with [`PasswordStore::set_if`], so it never
    /// overwrites a password change that landed while the old password was being verified.
    ///
    /// Timing: an unknown account costs one Argon2 run at the configured parameters (`m × t`
    /// KiB × passes). A known account costs at least that much whatever its stored hash: when
    /// the stored hash asked for less Argon2 work (older or cheaper parameters, an imported hash)
    /// the difference is run on top, to within 8 KiB × passes; a bcrypt or malformed hash gets
    /// the full amount on top of its own cost. So a known account is never faster than an
    /// unknown one. It can still be slower: a bcrypt hash (bcrypt plus the padding) until the
    /// user's next successful login replaces it, a stored hash costlier than the current
    /// parameters, and a correct password with a weak hash (the rehash).
    pub async fn login<S: PasswordStore>(
        self: &Arc<Self>,
        store: &S,
        user: &UserId,
        password: SecretString,
    ) -> Result<(), Error> {
        // Length first, before the lookup: a known account must not fail differently (or
        // faster) than an unknown one.
        self.check_len(password.expose_secret().as_bytes())?;
        let Some(stored) = store.get(user).await? else {
            return self
                .run_bounded(move |this| Err(this.verify_unknown_user(&password)))
                .await?;
        };
        let (new, stored) = self
            .run_bounded(move |this| {
                this.verify_and_rehash(&password, &stored)
                    .map(|new| (new, stored))
            })
            .await??;
        if let Some(new) = new {
            // Compare-and-set: if the password changed while we verified the old one, keep the
            // change (the login itself still succeeded: the password was right when read).
            store.set_if(user, &stored, new).await?;
        }
        Ok(())
    }
}
