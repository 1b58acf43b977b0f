//! The built-in rules: how each secret is recognised once a cheap trigger fired.
//!
//! Rules never look for a secret everywhere. Each one is reached from a trigger: a literal
//! anchor (found for all rules at once by one SIMD multi-literal search), an `@` (found with
//! `memchr`), or a dense run of digits (found with a word-at-a-time scan). The verifier then
//! reads a few bytes around the trigger. This is why the cost does not grow with the rule count.
//!
//! Every match is confined to one line (except PEM blocks), which is what lets the streaming
//! writer cut its input at line ends and still produce exactly the whole-buffer output.

pub(crate) mod anchors;
pub(crate) mod card;
pub(crate) mod curl;
pub(crate) mod email;
pub(crate) mod keys;
pub(crate) mod keyvalue;
pub(crate) mod pem;
pub(crate) mod tokens;

use crate::kind::Rule;

/// A verified match: byte range and rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) rule: Rule,
}

impl Hit {
    pub(crate) const fn new(start: usize, end: usize, rule: Rule) -> Option<Hit> {
        if start < end {
            Some(Hit { start, end, rule })
        } else {
            None
        }
    }
}

/// The marker every replacement starts with; rules skip values that already start with it,
/// which keeps redaction idempotent.
pub(crate) const MARKER: &[u8] = b"[REDACTED";

pub(crate) fn prev(h: &[u8], i: usize) -> Option<u8> {
    i.checked_sub(1).and_then(|j| h.get(j).copied())
}

pub(crate) fn at(h: &[u8], i: usize) -> Option<u8> {
    h.get(i).copied()
}

/// Number of bytes from `from` onwards satisfying `pred`, at most `max`.
pub(crate) fn run(h: &[u8], from: usize, max: usize, pred: impl Fn(u8) -> bool) -> usize {
    h.get(from..)
        .unwrap_or_default()
        .iter()
        .take(max)
        .take_while(|&&b| pred(b))
        .count()
}

/// Number of bytes right before `to` satisfying `pred`, at most `max`.
pub(crate) fn run_back(h: &[u8], to: usize, max: usize, pred: impl Fn(u8) -> bool) -> usize {
    h.get(..to)
        .unwrap_or_default()
        .iter()
        .rev()
        .take(max)
        .take_while(|&&b| pred(b))
        .count()
}

pub(crate) fn starts_with_at(h: &[u8], i: usize, lit: &[u8]) -> bool {
    h.get(i..).is_some_and(|t| t.starts_with(lit))
}

/// True when the byte before `i` cannot be part of the same word.
pub(crate) fn boundary_before(h: &[u8], i: usize) -> bool {
    prev(h, i).is_none_or(|b| !b.is_ascii_alphanumeric())
}

pub(crate) fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

pub(crate) fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Characters of an opaque credential (RFC 6750 b64token plus `.`).
pub(crate) fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
}

pub(crate) fn line_end(h: &[u8], from: usize) -> usize {
    h.get(from..)
        .and_then(|t| memchr::memchr(b'\n', t))
        .map_or(h.len(), |k| from + k)
}
