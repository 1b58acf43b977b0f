//! The account layer: passwords, TOTP, sessions, refresh rotation, access JWTs, rate limits and
//! lockout.
//!
//! Every piece keeps its state behind a store trait (async, return-position `impl Future`) with
//! a bounded in-memory implementation; a Redis implementation can be added beside each without
//! changing callers. Time comes from [`bosso_token::Clock`] (whole seconds) except in the rate
//! limiter, which needs nanoseconds (see [`ratelimit`]).
//!
//! | module | default | why |
//! |---|---|---|
//! | [`password`] | Argon2id m=19 MiB, t=2, p=1 | OWASP's minimum for Argon2id |
//! | [`totp`] | SHA-1, 6 digits, 30 s, skew 1 | what every authenticator app speaks; RFC 6238 5.2 |
//! | [`session`] | idle 7 d, touch 24 h, absolute 30 d | the seeds' session table |
//! | [`refresh`] | 7 d per token and per family | the seeds' "7-day max session" |
//! | [`access`] | EdDSA, 15 min, at most 1 h | cannot be revoked, so short; see the module |
//! | [`ratelimit`] | login 10/min, general 20/s | the seeds' limits |
//! | [`lockout`] | 5 failures / 15 min, 1 min doubling to 1 h | see the module |
//!
//! # Quickstart: a password + TOTP login that issues a session
//!
//! ```
//! use std::sync::Arc;
//! use bosso_auth::accounts::{
//!     lockout::{Lockout, LockoutPolicy, MemoryLockoutStore},
//!     password::{MemoryPasswordStore, PasswordConfig, PasswordHasher, PasswordStore},
//!     ratelimit::{MemoryRateLimiter, Quota, RateLimiter, ThrottleKey},
//!     session::{MemorySessionStore, SessionConfig, SessionManager},
//!     token::TokenKey,
//! };
//! use bosso_token::{ManualClock, UnixTime, UserId};
//! use secrecy::SecretString;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let clock = ManualClock::new(UnixTime::from_secs(1_700_000_000));
//! // Cheap parameters for the doc test; production keeps `PasswordConfig::default()`.
//! let cheap = PasswordConfig { memory_kib: 64, iterations: 1, ..PasswordConfig::default() };
//! let hasher = Arc::new(PasswordHasher::new(cheap)?);
//! let passwords = MemoryPasswordStore::new();
//! let alice = UserId::new("alice")?;
//! passwords.set(&alice, hasher.hash(&SecretString::from("correct horse"))?).await?;
//!
//! let limiter = MemoryRateLimiter::new(Quota::login(), 100_000);
//! let lockout = Lockout::new(LockoutPolicy::default(), MemoryLockoutStore::new(100_000), clock.clone())?;
//! let sessions = SessionManager::new(
//!     SessionConfig::default(),
//!     MemorySessionStore::new(100_000, clock.clone()),
//!     clock.clone(),
//!     TokenKey::generate()?,
//! )?;
//!
//! let ip: std::net::IpAddr = "203.0.113.7".parse()?;
//! limiter.check(&ThrottleKey::ip("login", ip)).await?;
//! let lock_key = ThrottleKey::account_and_ip("login", &alice, ip);
//! // Counts this attempt *before* the password is checked (atomically), so concurrent guesses
//! // cannot all pass; refuses when locked or when the store cannot track the key.
//! lockout.begin_attempt(&lock_key).await?;
//! hasher.login(&passwords, &alice, SecretString::from("correct horse")).await?;
//! lockout.success(&lock_key).await?; // correct password: refund, the key starts over
//! let (token, session) = sessions.create(&alice, false).await?;
//! assert_eq!(sessions.validate(token.expose()).await?.user(), session.user());
//! # Ok(()) }
//! ```
pub mod access;
pub mod lockout;
pub mod password;
pub mod ratelimit;
pub mod refresh;
pub mod session;
pub mod token;
pub mod totp;

pub use bosso_token::{Clock, ManualClock, SystemClock, UnixTime, UserId};
