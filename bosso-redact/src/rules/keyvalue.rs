//! `key=value`, `key: value`, `"key": "value"` and header lines whose key names a secret.

use super::{Hit, MARKER, at, is_ident, line_end, prev, run, run_back, starts_with_at};
use crate::kind::Rule;

/// Longest key we classify; longer identifiers are not secret names.
const MAX_KEY: usize = 64;

/// Key suffixes that name a secret, lower-case. A key matches when it ends with one of these at
/// a component boundary (`db_password`, `x-api-key`, `clientSecret`), never in the middle of a
/// word (`tokens`, `token_count`, `author`, `broken` stay).
const SUFFIXES: &[(&[u8], Rule)] = &[
    (b"proxy-authorization", Rule::Authorization),
    (b"authorization", Rule::Authorization),
    (b"cookie", Rule::Cookie),
    (b"password", Rule::Password),
    (b"passwd", Rule::Password),
    (b"secret_access_key", Rule::Secret),
    (b"secretaccesskey", Rule::Secret),
    (b"secret_key", Rule::Secret),
    (b"secret-key", Rule::Secret),
    (b"secretkey", Rule::Secret),
    (b"secret", Rule::Secret),
    (b"token", Rule::Token),
    (b"apikey", Rule::ApiKey),
    (b"api_key", Rule::ApiKey),
    (b"api-key", Rule::ApiKey),
    (b"auth", Rule::Credential),
    (b"credentials", Rule::Credential),
    (b"credential", Rule::Credential),
    (b"private_key", Rule::PrivateKey),
    (b"private-key", Rule::PrivateKey),
    (b"privatekey", Rule::PrivateKey),
];

/// Classify an identifier as a secret-naming key.
pub(crate) fn classify(key: &[u8]) -> Option<Rule> {
    if key.len() > MAX_KEY || key.is_empty() {
        return None;
    }
    let mut lower = [0u8; MAX_KEY];
    let lower = lower.get_mut(..key.len())?;
    lower.copy_from_slice(key);
    lower.make_ascii_lowercase();
    for (suffix, rule) in SUFFIXES {
        if !lower.ends_with(suffix) {
            continue;
        }
        let i = key.len() - suffix.len();
        let Some(before) = prev(key, i) else {
            return Some(*rule);
        };
        let first = at(key, i).unwrap_or(b'a');
        let component = matches!(before, b'_' | b'-' | b'.')
            || (first.is_ascii_uppercase()
                && (before.is_ascii_lowercase() || before.is_ascii_digit()));
        return component.then_some(*rule);
    }
    None
}

/// Also used by the JSON scrubber: does this object key name a secret?
#[cfg_attr(not(feature = "json"), allow(dead_code))]
pub(crate) fn key_rule(key: &str) -> Option<Rule> {
    classify(key.as_bytes())
}

/// An anchor inside an identifier: expand to the whole key, classify it, read its value.
pub(crate) fn key_value(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    let ks = s - run_back(h, s, MAX_KEY, is_ident);
    let ke = e + run(h, e, MAX_KEY, is_ident);
    // `[REDACTED:password:3f9a1c]` is our own keyed tag, not `password: 3f9a1c`.
    if h.get(..ks).is_some_and(|t| t.ends_with(b"[REDACTED:")) {
        return None;
    }
    let rule = classify(h.get(ks..ke)?)?;
    value_after(h, ks, ke, rule)
}

fn is_quote(b: u8) -> bool {
    b == b'"' || b == b'\''
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Ends an unquoted value.
pub(crate) fn is_value_delim(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'\r'
            | b'\n'
            | b','
            | b';'
            | b'&'
            | b'#'
            | b'"'
            | b'\''
            | b')'
            | b']'
            | b'}'
            | b'>'
            | b'<'
            | b'\\'
    )
}

/// Values that say "there is no secret here".
fn is_placeholder(v: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[b"null", b"none", b"nil", b"true", b"false", b"undefined"];
    v.starts_with(MARKER)
        || WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
        || v.iter().all(|&b| b == b'*')
}

/// After a secret-naming key at `ks..ke`: quotes, a separator, a value.
fn value_after(h: &[u8], ks: usize, ke: usize, rule: Rule) -> Option<Hit> {
    let mut i = ke + run(h, ke, 3, |b| is_quote(b) || b == b'\\');
    i += run(h, i, 16, is_space);
    match at(h, i)? {
        b':' => {
            i += 1;
            if at(h, i) == Some(b'=') {
                i += 1;
            }
        }
        b'=' => {
            i += 1;
            if at(h, i) == Some(b'>') {
                i += 1;
            }
        }
        _ => return None,
    }
    i += run(h, i, 16, is_space);
    let (vs, ve) = match (at(h, i), at(h, i + 1)) {
        (Some(b'\\'), Some(q)) if is_quote(q) => {
            // Escaped JSON inside a log string: `\"password\":\"hunter2\"`.
            let vs = i + 2;
            let end = quoted_end(h, vs, q);
            let ve = if prev(h, end) == Some(b'\\') && end > vs {
                end - 1
            } else {
                end
            };
            (vs, ve)
        }
        (Some(q), _) if is_quote(q) => (i + 1, quoted_end(h, i + 1, q)),
        _ if matches!(rule, Rule::Authorization | Rule::Cookie) => {
            // A header value runs to the end of the line, whatever its scheme (`Bearer x`,
            // `sid=a; theme=b`). A header inside a string (`-H 'Authorization: Bearer x'`,
            // `"Cookie: a=1; sid=2"`) runs to the quote that opened it instead.
            let le = line_end(h, i);
            let opened = prev(h, ks).filter(|&q| is_quote(q) && at(h, ke) != Some(q));
            let mut end = match opened {
                Some(q) => match h.get(i..le).and_then(|t| memchr::memchr(q, t)) {
                    // `\"Authorization: Basic x\"` inside a log string: drop the escape too.
                    Some(k) if k > 0 && at(h, i + k - 1) == Some(b'\\') => i + k - 1,
                    Some(k) => i + k,
                    None => le,
                },
                None => le,
            };
            end -= run_back(h, end, end - i, |b| b == b'\r' || is_space(b));
            (i, end)
        }
        _ => (i, i + run(h, i, usize::MAX, |b| !is_value_delim(b))),
    };
    let value = h.get(vs..ve)?;
    if value.is_empty() || is_placeholder(value) {
        return None;
    }
    if !matches!(rule, Rule::Authorization | Rule::Cookie)
        && (value.starts_with(b"{") || value.starts_with(b"["))
    {
        return None;
    }
    Hit::new(vs, ve, rule)
}

/// End of a quoted value: the closing quote, or the end of the line when it never closes.
fn quoted_end(h: &[u8], from: usize, q: u8) -> usize {
    h.get(from..)
        .and_then(|t| memchr::memchr2(q, b'\n', t))
        .map_or(h.len(), |k| from + k)
}

/// `?code=`, `&sig=`, `&signature=`, `X-Amz-Signature=`: short query names that carry secrets.
pub(crate) fn query_param(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    let signature = starts_with_at(h, s, b"signature=") || starts_with_at(h, s, b"Signature=");
    let ok = match prev(h, s) {
        Some(b'?' | b'&') => true,
        Some(b'-' | b'_') => signature,
        _ => false,
    };
    if !ok {
        return None;
    }
    let ve = e + run(h, e, usize::MAX, |b| !is_value_delim(b));
    let value = h.get(e..ve)?;
    if value.is_empty() || value.starts_with(MARKER) {
        return None;
    }
    Hit::new(e, ve, Rule::QueryParam)
}
