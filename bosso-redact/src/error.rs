//! The crate's one error type.

/// What went wrong. Messages never echo the text being redacted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A user rule's label must be 1-32 characters of `a-z`, `0-9`, `_`.
    #[error("rule label must be 1-32 characters of a-z, 0-9 and _")]
    InvalidLabel,
    /// A user rule's regular expression did not compile.
    #[error("rule pattern is not a valid regular expression: {0}")]
    InvalidPattern(String),
    /// A keyed-tag key must be at least 32 bytes.
    #[error("tag key must be at least 32 bytes")]
    TagKeyTooShort,
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// Reading a log file failed.
    #[error("reading the log failed: {0}")]
    Io(#[from] std::io::Error),
}
