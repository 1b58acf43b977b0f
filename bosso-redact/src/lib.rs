//! # bosso-redact
//!
//! Fast, streaming redaction of logs, crash reports and bug reports.
//!
//! **Security contract.** Crash and error reports are scrubbed before they leave the machine: tokens, JWTs, authorization headers and email addresses are redacted.
//!
//! This crate is a placeholder in the workspace layout; the issue that delivers it fills in the
//! API, the threat model and a quickstart.
#![forbid(unsafe_code)]
