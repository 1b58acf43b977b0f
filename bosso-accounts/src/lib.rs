//! # bosso-accounts
//!
//! The login side of a web app: who may log in, and what proves a login afterwards. Argon2id
//! passwords (with legacy bcrypt verification), TOTP two-factor with replay refusal, opaque
//! login-session tokens the store only sees as HMAC-SHA256 hashes, refresh-token families with
//! reuse detection, short-lived access JWTs, keyed GCRA rate limiting with bounded memory, and
//! account lockout with growing durations.
//!
//! A *login session* ([`login_session`]) is a user's authenticated browser or API session with
//! this server; it is not the *remote session* (`bosso_token::SessionId`) that the attach gate
//! of `bosso-auth` protects. A valid login session becomes a principal that gate accepts
//! through [`login_session::ValidLoginSession::principal`].
//!
//! Every piece keeps its state behind a store trait (async, return-position `impl Future`) with
//! a bounded in-memory implementation and a Redis one ([`redis`], feature `redis`). Time comes
//! from [`bosso_token::Clock`] (whole seconds) except in the rate limiter, which needs
//! nanoseconds (see [`ratelimit`]).
//!
//! | module | default | why |
//! |---|---|---|
//! | [`password`] | Argon2id m=19 MiB, t=2, p=1 | OWASP's minimum for Argon2id |
//! | [`totp`] | SHA-1, 6 digits, 30 s, skew 1 | what every authenticator app speaks; RFC 6238 5.2 |
//! | [`login_session`] | idle 7 d, touch 24 h, absolute 30 d | the seeds' session table |
//! | [`refresh`] | 7 d per token and per family | the seeds' "7-day max session" |
//! | [`access`] | EdDSA, 15 min, at most 1 h | cannot be revoked, so short; see the module |
//! | [`ratelimit`] | login 10/min, general 20/s | the seeds' limits |
//! | [`lockout`] | 5 failures / 15 min, 1 min doubling to 1 h | see the module |
//!
//! # Quickstart: a password login that issues a login session
//!
//! ```
//! use std::sync::Arc;
//! use bosso_accounts::{
//!     lockout::{Lockout, LockoutPolicy, MemoryLockoutStore},
//!     login_session::{LoginSessionConfig, LoginSessionManager, MemoryLoginSessionStore},
//!     password::{MemoryPasswordStore, PasswordConfig, PasswordHasher, PasswordStore},
//!     ratelimit::{MemoryRateLimiter, Quota, RateLimiter, ThrottleKey},
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
//! let sessions = LoginSessionManager::new(
//!     LoginSessionConfig::default(),
//!     MemoryLoginSessionStore::new(100_000, clock.clone()),
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
//!
//! The crate README has the threat model, the defaults and why, and the dependency choices.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access;
mod error;
pub mod lockout;
pub mod login_session;
pub mod password;
pub mod ratelimit;
#[cfg(feature = "redis")]
pub mod redis;
pub mod refresh;
pub mod token;
pub mod totp;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod web;

pub use bosso_token::{Clock, ManualClock, SystemClock, UnixTime, UserId};
pub use error::Error;

// The README's snippets run as doctests, so a stale one fails `cargo test`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
