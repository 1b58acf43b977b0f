//! # Bosso
//!
//! An embeddable Rust security SDK. This facade re-exports the crates of the family behind
//! features of the same name (all on by default):
//!
//! | feature | crate | what it makes true |
//! |---|---|---|
//! | `token` | [`bosso_token`] | single-use attach tokens scoped to one (user, session, chat) |
//! | `auth` | [`bosso_auth`] | OIDC verification, three-axis ownership, the attach gate, accounts |
//! | `e2ee` | [`bosso_e2ee`] | end-to-end encrypted framing through an untrusted relay |
//! | `vault` | [`bosso_vault`] | OS keychain / encrypted-file secrets and envelope encryption |
//! | `redact` | [`bosso_redact`] | scrubbing of logs, crash and bug reports |
#![forbid(unsafe_code)]

#[cfg(feature = "auth")]
pub use bosso_auth as auth;
#[cfg(feature = "e2ee")]
pub use bosso_e2ee as e2ee;
#[cfg(feature = "redact")]
pub use bosso_redact as redact;
#[cfg(feature = "token")]
pub use bosso_token as token;
#[cfg(feature = "vault")]
pub use bosso_vault as vault;
