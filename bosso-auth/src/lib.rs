//! # bosso-auth
//!
//! OIDC verification, three-axis ownership checks, the attach gate and the account layer.
//!
//! **Security contract.** Two independent checks are required: the caller is authenticated (OIDC JWT) and the chat belongs to the session, the session to the daemon, the daemon to the user.
//!
//! This crate is a placeholder in the workspace layout; the issue that delivers it fills in the
//! API, the threat model and a quickstart.
#![forbid(unsafe_code)]
