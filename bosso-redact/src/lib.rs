//! # bosso-redact
//!
//! **Security contract.** Crash and error reports, log lines, bug-report log tails, panic
//! messages and structured reports are scrubbed before they leave the machine: tokens, JWTs,
//! authorization headers, cookies, email addresses, provider keys, PEM private keys, URL
//! credentials and card numbers become `[REDACTED:<kind>]`, and the home directory becomes `~`.
//! Ordinary log content (commit hashes, UUIDs, request ids, timestamps, paths, numbers) stays.
//!
//! Redaction is idempotent, `redact` borrows when nothing matched, and the streaming
//! [`RedactingWriter`] produces exactly the whole-buffer output however its input is split
//! (lines up to [`DEFAULT_MAX_LINE`]).
//!
//! What it does not promise: secrets in formats no rule knows (add one with
//! [`RedactorBuilder::rule`]), content crafted to evade the rules, or secrets split across
//! lines (only PEM blocks span lines). See the README's threat model and rule table.
//!
//! Entry points: [`Redactor::redact`] / [`Redactor::find`] / [`Redactor::redact_bytes`],
//! [`RedactingWriter`], `Redactor::scrub_json` (feature `json`),
//! `integrations::tracing::RedactingMakeWriter` (feature `tracing`),
//! `integrations::log::RedactingLogger` (feature `log`), [`install_panic_hook`],
//! [`Redactor::log_tail`], [`Redactor::error_report`], keyed tags with [`TagKey`].
//!
//! ```
//! use bosso_redact::Redactor;
//!
//! let r = Redactor::builder().home_dir("/home/alice").build();
//! let line = "GET /cb?code=abc123 user=alice@example.com Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig";
//! assert_eq!(
//!     r.redact(line),
//!     "GET /cb?code=[REDACTED:query_param] user=[REDACTED:email] Authorization: [REDACTED:authorization]"
//! );
//! // Nothing to redact: the input is returned borrowed.
//! assert!(matches!(r.redact("commit 3f9a1c2 took 12ms"), std::borrow::Cow::Borrowed(_)));
//! assert_eq!(r.redact("/home/alice/src/main.rs:10"), "~/src/main.rs:10");
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod engine;
mod error;
pub mod integrations;
#[cfg(feature = "json")]
mod json;
mod kind;
mod panic;
mod report;
mod rules;
mod tag;
mod writer;

pub use engine::{Redactor, RedactorBuilder};
pub use error::Error;
pub use kind::{Finding, Kind, Rule};
pub use panic::{install_panic_hook, install_panic_hook_with, panic_report};
pub use report::ErrorReport;
pub use tag::TagKey;
pub use writer::{DEFAULT_MAX_LINE, RedactingWriter};

use std::borrow::Cow;
use std::sync::OnceLock;

/// The process-wide default redactor: every built-in rule, home directory from `HOME`.
pub fn default_redactor() -> &'static Redactor {
    static DEFAULT: OnceLock<Redactor> = OnceLock::new();
    DEFAULT.get_or_init(Redactor::default)
}

/// Redact with the [`default_redactor`].
pub fn redact(text: &str) -> Cow<'_, str> {
    default_redactor().redact(text)
}

// The README's snippets run as doctests, so a stale one fails `cargo test`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
