//! # bosso-auth
//!
//! The attach side: who may open a live view of a remote session. OIDC access-token
//! verification, three-axis ownership checks, the attach gate, Host/Origin and bearer guards
//! for local daemons, and live views cut when their daemon goes away.
//!
//! **Security contract.** Two independent checks are required before a browser attaches to a
//! live session: the caller is authenticated ([`oidc`]: issuer, audience, expiry, signature
//! against a rotating JWKS) **and** the three-axis ownership holds ([`ownership`]: the chat
//! belongs to the session, the session to the daemon, the daemon to the user), checked when the
//! attach token is issued and again at the WebSocket upgrade ([`gate`]), through lookups that
//! only ever traverse the requesting user's daemons. Ownership failures are indistinguishable to
//! the caller (no oracle for whether another user's session exists); the failed axis goes to the
//! [`audit`] sink only. Live views ([`live`]) are cut at once when their daemon goes offline or
//! is replaced. Only a verified principal can ask for a token ([`gate::Authenticated`] is
//! sealed). Local daemons are guarded by Host/Origin allowlists against DNS rebinding
//! ([`host`]) and a 256-bit bearer secret kept only as a SHA-256 hash ([`bearer`]), checked in
//! that order by [`local::LocalGuard`].
//!
//! "Session" in this crate means a remote coding session (`bosso_token::SessionId`). The login
//! side (passwords, TOTP, login sessions, refresh tokens, rate limits, lockout) is the
//! `bosso-accounts` crate, which depends on this one; a login session it validated reaches the
//! gate as a [`gate::TrustedPrincipal`].
//!
//! # Quickstart: the attach gate
//! ```
//! use std::sync::Arc;
//! use bosso_auth::gate::{AttachGate, TrustedPrincipal};
//! use bosso_auth::host::{HostPolicy, OriginPolicy};
//! use bosso_auth::ownership::MemoryOwnershipStore;
//! use bosso_token::*;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let ring = KeyRing::new(SigningKey::generate_ed25519(KeyId::new("k1")?)?);
//! let aud = Audience::new("bosso")?;
//! let ownership = MemoryOwnershipStore::new();
//! let (alice, daemon) = (UserId::new("alice")?, DaemonId::new("d1")?);
//! ownership.set_daemon(&alice, &daemon, Some(InstanceId::new("run-1")?));
//! ownership.set_session(&alice, &daemon, &SessionId::new("s1")?, vec![ChatId::new("c1")?]);
//!
//! let gate = AttachGate::builder(
//!     AttachMinter::new(ring.active().clone(), aud.clone()),
//!     AttachVerifier::new(ring.verification_keys(), aud),
//!     ownership,
//!     MemoryReplayStore::new(),
//! )
//! .hosts(HostPolicy::only().allow("app.example.com")?)
//! .origins(OriginPolicy::exact(["https://app.example.com"])?)
//! .protocols(["myapp.v1"])
//! .build()?;
//!
//! // POST /attach-token. The principal is an `oidc::VerifiedAccessToken` (from
//! // `JwksCache::verify`) or a `TrustedPrincipal`: from bosso-accounts'
//! // `ValidLoginSession::principal`, or from a host that authenticated the user by other
//! // means and vouches for it explicitly:
//! let principal = TrustedPrincipal::assert_verified(alice);
//! let token = gate.issue(&principal, SessionId::new("s1")?, ChatId::new("c1")?, Permission::Editor).await?;
//!
//! // GET /ws/s1/c1, the upgrade:
//! let mut headers = http::HeaderMap::new();
//! headers.insert("host", "app.example.com".parse()?);
//! headers.insert("origin", "https://app.example.com".parse()?);
//! let offer = subprotocol::client_header_value("myapp.v1", &token)?;
//! headers.insert("sec-websocket-protocol", secrecy::ExposeSecret::expose_secret(&offer).parse()?);
//! let admission = gate.admit(&headers, &SessionId::new("s1")?, &ChatId::new("c1")?).await?;
//! assert_eq!(admission.echo, "myapp.v1");
//!
//! // The daemon goes offline: the live view is cut.
//! gate.daemon_offline(&daemon);
//! assert!(admission.view.is_cut());
//! # Ok::<(), Box<dyn std::error::Error>>(()) })?;
//! # Ok(()) }
//! ```
//!
//! See the crate README for the threat model and what the host app must still do.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod audit;
#[cfg(feature = "axum")]
pub mod axum;
pub mod bearer;
mod error;
pub mod gate;
pub mod host;
pub mod live;
pub mod local;
pub mod oidc;
pub mod ownership;
mod principal;
#[cfg(feature = "redis")]
pub mod redis;

pub use error::Error;

/// The `bosso-token` crate, whose types run through this crate's API (ids, attach tokens and
/// their minter and verifier, keys, replay stores, the subprotocol helpers): a host can use
/// them from here without depending on `bosso-token` itself, and never at another version.
pub use bosso_token as token;
pub use bosso_token::{
    AttachClaims, AttachMinter, AttachToken, AttachVerifier, Audience, ChatId, DaemonId,
    DynReplayStore, InstanceId, KeyId, KeyRing, MemoryReplayStore, Permission, ReplayStore,
    SessionId, SigningKey, UserId, subprotocol,
};

// The README's snippets run as doctests, so a stale one fails `cargo test`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
