//! # bosso-bouncer
//!
//! **Security contract.** Before a coding agent's shell command runs, the bouncer parses it with
//! a real shell parser and judges every simple command the line would run — through pipelines,
//! lists, subshells, command and process substitution, here-documents, redirections, the
//! strings given to `sh -c`/`bash -c`/`eval`/`xargs sh -c`/`su -c`/`ssh host …` (recursively,
//! to a depth bound), wrappers (`sudo`, `doas`, `env`, `nice`, `timeout`, `nohup`, `command`,
//! `exec`, `busybox`, …) and `find -exec`/`-delete`. The answer is [`Verdict::Allow`],
//! [`Verdict::Deny`] (a rule matched) or [`Verdict::Review`] (cannot be decided statically:
//! a command name from a variable, decoded data piped to a shell, inline Python, an unknown
//! wrapper option, a line that does not parse). A `Review` is never an allow.
//!
//! Quoting, escapes, `${IFS}`, ANSI-C `$'\x72m'`, brace expansion, variables assigned in the
//! same line, `echo … | sh` and long or abbreviated options are resolved before the rules run,
//! so `r''m -rf /`, `rm${IFS}-rf${IFS}/`, `X=/; rm -rf $X` and `sudo env A=1 rm --recur /` are
//! all the same `rm -rf /`.
//!
//! It is a guard, not a sandbox: it judges the text of a command line and knows nothing of
//! what a program or script does once it runs. See the README's threat model.
//!
//! Entry points: [`Bouncer::check`] / [`Bouncer::evaluate`] (pattern layer, synchronous),
//! [`Guard::check`] (with an [`Analyzer`] under a deadline, and an [`AuditSink`] that
//! receives every decision with the command redacted by bosso-redact), [`Policy`] (host allow,
//! ask and deny patterns such as `Bash(git push:*)`, from TOML), and [`ApprovedArgv`] to spawn
//! an approved argument vector without a shell.
//!
//! ```
//! use bosso_bouncer::{Bouncer, BuiltinRule, Environment, Policy, RuleId, Verdict};
//!
//! let bouncer = Bouncer::new(Environment::new("/home/al", "/home/al/app"), Policy::default())?;
//! assert!(bouncer.check("cargo test && git status").is_allow());
//! match bouncer.check("sudo sh -c 'rm -rf ~/'") {
//!     Verdict::Deny { rule, .. } => assert_eq!(rule, RuleId::Builtin(BuiltinRule::RecursiveDelete)),
//!     other => panic!("{other}"),
//! }
//! assert!(bouncer.check("echo cm0gLXJmIH4K | base64 -d | sh").is_review());
//! # Ok::<(), bosso_bouncer::Error>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod analyzer;
mod audit;
mod bouncer;
mod error;
mod escapes;
mod eval;
mod paths;
mod pattern;
mod policy;
mod rules;
mod spawn;
mod verdict;

pub use analyzer::{AnalysisRequest, Analyzer, AnalyzerVerdict, Decision, Guard, NoAnalyzer};
pub use audit::{AuditEvent, AuditSink, Layer, MemorySink, WriterSink, format_line};
pub use bouncer::{Bouncer, BouncerBuilder};
pub use error::Error;
pub use eval::Evaluation;
pub use paths::Environment;
pub use policy::{DefaultAction, FailureAction, Policy};
pub use spawn::ApprovedArgv;
pub use verdict::{BuiltinRule, Finding, RuleId, Span, Verdict};

/// Not part of the API: the shell parser alone on `line` (true when it parses), for the bench's
/// "limit" column and the fuzz target.
#[doc(hidden)]
pub fn __parse_only(line: &str) -> bool {
    eval::parse_only(line)
}

// The README's snippets run as doctests, so a stale one fails `cargo test`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
