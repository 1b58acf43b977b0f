//! # Bosso
//!
//! An embeddable Rust security SDK. This facade re-exports the crates of the family behind
//! features of the same name (all on by default):
//!
//! | feature | crate | what it makes true |
//! |---|---|---|
//! | `token` | [`bosso_token`] | single-use attach tokens scoped to one (user, session, chat) |
//! | `auth` | [`bosso_auth`] | OIDC verification, three-axis ownership, the attach gate |
//! | `accounts` | [`bosso_accounts`] | the login side: passwords, TOTP, login sessions, refresh tokens, rate limits, lockout |
//! | `e2ee` | [`bosso_e2ee`] | end-to-end encrypted framing through an untrusted relay |
//! | `vault` | [`bosso_vault`] | OS keychain / encrypted-file secrets and envelope encryption |
//! | `redact` | [`bosso_redact`] | scrubbing of logs, crash and bug reports |
//! | `bouncer` | [`bosso_bouncer`] | a command guard for agent tool execution (shell lines judged before they run) |
//!
//! Each crate's own features are forwarded as `<crate>-<feature>`, and each turns its crate
//! on: `token-http`, `token-redis`, `token-serde`; `auth-https`, `auth-axum`, `auth-redis`;
//! `accounts-qr`, `accounts-redis`, `accounts-axum`; `e2ee-tokio-tungstenite`, `e2ee-axum`,
//! `e2ee-qr`, `e2ee-attach-token`; `vault-keyring`, `vault-keyutils`, `vault-secret-service`,
//! `vault-apple-keychain`, `vault-windows-credential`; `redact-json`, `redact-tracing`,
//! `redact-log`; `bouncer-tokio`. For example
//! `bosso = { version = "0.1", default-features = false, features = ["auth-axum"] }` gives
//! `bosso::auth::axum` (`tests/forwarded_features.rs` checks this list against every crate's
//! features).
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "accounts")]
pub use bosso_accounts as accounts;
#[cfg(feature = "auth")]
pub use bosso_auth as auth;
#[cfg(feature = "bouncer")]
pub use bosso_bouncer as bouncer;
#[cfg(feature = "e2ee")]
pub use bosso_e2ee as e2ee;
#[cfg(feature = "redact")]
pub use bosso_redact as redact;
#[cfg(feature = "token")]
pub use bosso_token as token;
#[cfg(feature = "vault")]
pub use bosso_vault as vault;

// The root README's snippets run as doctests, so a stale one fails `cargo test`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
