//! The crate's one error type.

use crate::Verdict;

/// What went wrong. Messages never echo the command being judged (it may carry tokens).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The policy file is not valid TOML or has an unknown key or a value of the wrong type.
    /// The message is the TOML parser's, with line and column (no excerpt of the file).
    #[error("policy is not valid: {0}")]
    PolicySyntax(String),
    /// A pattern in the policy's `allow`, `ask` or `deny` list is malformed.
    #[error("policy {list}[{index}]: {problem}")]
    InvalidPattern {
        /// `"allow"`, `"ask"` or `"deny"`.
        list: &'static str,
        /// Position in that list, from 0.
        index: usize,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Another policy value is out of range.
    #[error("policy {key}: {problem}")]
    InvalidSetting {
        /// The TOML key.
        key: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Reading the policy file failed.
    #[error("reading the policy failed: {0}")]
    Io(#[from] std::io::Error),
    /// An argument vector to spawn was empty or contained a NUL byte.
    #[error("argument vector is empty or contains a NUL byte")]
    InvalidArgv,
    /// The bouncer did not allow the argument vector; the verdict says why.
    #[error("command not approved: {0}")]
    NotApproved(Verdict),
}
