//! # bosso-vault
//!
//! Local secret stores (OS keychain, encrypted file) and envelope encryption with key rotation.
//!
//! **Security contract.** Secrets stay on the machine in the OS credential store or an encrypted file; no plaintext secret at rest unless explicitly opted in.
//!
//! This crate is a placeholder in the workspace layout; the issue that delivers it fills in the
//! API, the threat model and a quickstart.
#![forbid(unsafe_code)]
