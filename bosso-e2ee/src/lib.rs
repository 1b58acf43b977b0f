//! # bosso-e2ee
//!
//! End-to-end encrypted WebSocket framing through an untrusted relay.
//!
//! **Security contract.** The relay is untrusted: it forwards opaque frames and can neither read, forge, replay nor reorder them.
//!
//! This crate is a placeholder in the workspace layout; the issue that delivers it fills in the
//! API, the threat model and a quickstart.
#![forbid(unsafe_code)]
