//! `curl -u user:password` and `curl --user user:password`: the password goes.

use super::keyvalue::{is_placeholder, is_quote};
use super::{Hit, MARKER, at, line_end, prev, run};
use crate::kind::Rule;
use memchr::memmem;

/// Anchor `-u ` / `--user` at `s..e`.
///
/// Line-local like every rule but PEM: the option counts when `curl` appears earlier on its
/// line, or when the line holds only options up to it (a `\`-continued command). The credential
/// is one shell word (`user:pw`, `'user:pw'`, `user:'pw'`); the part after the first `:` is
/// redacted, or the user part when the password is empty (`-u "sk_test_x:"` sends an API key
/// as the user name). Obvious placeholders (`$1:$2`, `<user:password>`, `test:test`) stay.
pub(crate) fn user(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    if prev(h, s).is_some_and(|b| b != b' ' && b != b'\t') {
        return None;
    }
    let mut i = e;
    if h.get(s..e) == Some(b"--user") {
        match at(h, i)? {
            b'=' => i += 1,
            b' ' | b'\t' => {}
            _ => return None,
        }
    }
    i += run(h, i, 5, |b| b == b' ' || b == b'\t');
    if !curl_line(h, s) {
        return None;
    }
    let (ws, we) = (i, word_end(h, i));
    let word = h.get(ws..we)?;
    // Already redacted (the marker's own `:` is not the credential's).
    if word.is_empty() || is_placeholder(word) || memmem::find(word, MARKER).is_some() {
        return None;
    }
    let colon = ws + memchr::memchr(b':', word)?;
    let (us, ue) = unquote(h, ws, colon);
    let (ps, pe) = unquote(h, colon + 1, we);
    let (user, pass) = (h.get(us..ue)?, h.get(ps..pe)?);
    if pass.is_empty() {
        if user.is_empty() || is_placeholder(user) {
            return None;
        }
        return Hit::new(us, ue, Rule::Credential);
    }
    if is_placeholder(pass) {
        return None;
    }
    Hit::new(ps, pe, Rule::Credential)
}

/// `curl` before `s` on its line, or only whitespace and other options before it.
fn curl_line(h: &[u8], s: usize) -> bool {
    let ls = h
        .get(..s)
        .and_then(|t| memchr::memrchr(b'\n', t))
        .map_or(0, |n| n + 1);
    let Some(before) = h.get(ls..s) else {
        return false;
    };
    if memmem::find(before, b"curl").is_some() {
        return true;
    }
    let lead = run(before, 0, usize::MAX, |b| b == b' ' || b == b'\t');
    lead > 0
        && before
            .get(lead..)
            .is_some_and(|t| t.is_empty() || t.starts_with(b"-"))
}

/// End of the shell word at `from`: quoted parts are taken to their closing quote.
fn word_end(h: &[u8], from: usize) -> usize {
    let le = line_end(h, from);
    let mut i = from;
    while i < le {
        match at(h, i) {
            Some(q) if is_quote(q) => {
                i = h
                    .get(i + 1..le)
                    .and_then(|t| memchr::memchr(q, t))
                    .map_or(le, |k| i + 1 + k + 1);
            }
            Some(b' ' | b'\t' | b'\r') | None => return i,
            Some(_) => i += 1,
        }
    }
    le
}

/// `s..e` without the quotes around it, or without the one quote on the side that has it
/// (`"user:pw"` splits at the colon into `"user` and `pw"`).
fn unquote(h: &[u8], s: usize, e: usize) -> (usize, usize) {
    let s2 = if at(h, s).is_some_and(is_quote) && s < e {
        s + 1
    } else {
        s
    };
    let e2 = if e > s2 && prev(h, e).is_some_and(is_quote) {
        e - 1
    } else {
        e
    };
    (s2, e2)
}
