//! `key=value`, `key: value`, `"key": "value"` and header lines whose key names a secret.
//!
//! The key must be followed by an assignment shape: `=`, `:`, `:=`, `=>`, `==` (a comparison
//! with a literal), `%3D` (percent-encoded), a quoted name then `, "value"`
//! (`getenv("api_token", "v")`), `--flag value`, `setPassword("v")` or `<password>v<`.
//! A bare `word:` followed by prose is a logger's module prefix, not a key (see
//! [`reads_as_prose`]).

use super::keys::{MAX_KEY, classify};
use super::{Hit, MARKER, at, is_ident, line_end, prev, run, run_back, starts_with_at};
use crate::kind::Rule;

/// Also used by the JSON scrubber: does this object key name a secret?
#[cfg_attr(not(feature = "json"), allow(dead_code))]
pub(crate) fn key_rule(key: &str) -> Option<Rule> {
    classify(key.as_bytes())
}

/// An anchor inside an identifier: expand to the whole key, classify it, read its value.
pub(crate) fn key_value(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    let mut ks = s - run_back(h, s, MAX_KEY, is_ident);
    // `--password value`: the dashes are the flag's, not the key's.
    ks += run(h, ks, s - ks, |b| b == b'-');
    let ke = e + run(h, e, MAX_KEY, is_ident);
    // `[REDACTED:password:3f9a1c]` is our own keyed tag, not `password: 3f9a1c`.
    if h.get(..ks).is_some_and(|t| t.ends_with(b"[REDACTED:")) {
        return None;
    }
    let rule = classify(h.get(ks..ke)?)?;
    value_after(h, ks, ke, rule)
}

pub(crate) fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Always ends an unquoted value.
fn is_hard_stop(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' | b'`' | b'&' | b'\\' | b'<'
    )
}

/// Ends an unquoted value only where it ends the word: `{password=x}`, `f(token=x), y`.
fn is_closer(b: u8) -> bool {
    matches!(b, b',' | b';' | b')' | b']' | b'}' | b'>')
}

/// End of an unquoted value starting at `from`.
///
/// The value runs to whitespace, a quote, `&`, `\` or `<`. A run of `, ; ) ] } >` ends it only
/// when that run is followed by one of those or by the end of the text; inside a word it is
/// part of the value (`p4ss}w0rd`, `a,b`). `#` never ends a value (`p@ss#1`): in a log line it
/// is far more often part of a secret than a comment, and redacting a URL fragment with the
/// value leaks nothing.
pub(crate) fn unquoted_end(h: &[u8], from: usize) -> usize {
    let mut i = from;
    loop {
        let Some(b) = at(h, i) else {
            return i;
        };
        if is_hard_stop(b) {
            return i;
        }
        if is_closer(b) {
            let n = run(h, i, usize::MAX, is_closer);
            if at(h, i + n).is_none_or(is_hard_stop) {
                return i;
            }
            i += n;
            continue;
        }
        i += 1;
    }
}

/// Words that say "no secret here", compared case-insensitively.
const PLACEHOLDER_WORDS: &[&[u8]] = &[
    b"null",
    b"none",
    b"nil",
    b"true",
    b"false",
    b"undefined",
    b"example",
    b"changeme",
    b"changeit",
    b"placeholder",
    b"redacted",
    b"password",
    b"passwd",
    b"pass",
    b"secret",
    b"token",
    b"test",
];

/// Obviously fake values: one repeated character (`xxx`, `****`, `0000`), `<...>`, `[...]`,
/// `${VAR}`, `$VAR`, `$(cmd)`, `{{ ... }}`, `%s`, the words above, and our own marker.
pub(crate) fn is_placeholder(v: &[u8]) -> bool {
    let Some((&first, rest)) = v.split_first() else {
        return true;
    };
    v.starts_with(MARKER)
        || rest.iter().all(|&b| b == first)
        || PLACEHOLDER_WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
        || (first == b'<' && v.ends_with(b">"))
        || (first == b'[' && v.ends_with(b"]"))
        || (first == b'$'
            && rest
                .first()
                .is_none_or(|&b| b == b'{' || b == b'(' || is_ident(b)))
        || v.starts_with(b"{{")
        || v == b"%s"
}

/// HTTP authentication schemes: the word after `Authorization:` that is not prose.
const SCHEMES: &[&[u8]] = &[
    b"basic",
    b"bearer",
    b"digest",
    b"token",
    b"negotiate",
    b"ntlm",
    b"hoba",
    b"mutual",
    b"aws4-hmac-sha256",
    b"apikey",
    b"api-token",
];

/// `key: value` where `value` is a plain word followed by more words reads as a sentence
/// (`auth: token verification failed`, `token: refreshed 3 entries`): a logger's module
/// prefix, not a key. A value with a digit, inner capital or symbol (`hunter2`), or alone at
/// the end of its line (`password: correcthorse`), is a value.
fn reads_as_prose(h: &[u8], vs: usize, ve: usize, rule: Rule) -> bool {
    let Some(word) = h.get(vs..ve) else {
        return false;
    };
    let Some((first, rest)) = word.split_first() else {
        return false;
    };
    let plain = first.is_ascii_alphabetic() && rest.iter().all(u8::is_ascii_lowercase);
    if !plain || word.len() < 2 {
        return false;
    }
    if rule == Rule::Authorization && SCHEMES.iter().any(|s| word.eq_ignore_ascii_case(s)) {
        return false;
    }
    at(h, ve) == Some(b' ') && at(h, ve + 1).is_some_and(|b| b.is_ascii_alphanumeric())
}

/// The separator after a key ending at `i`: where its value starts, and whether it was a bare
/// `:` (which needs a plausible value).
fn separator(h: &[u8], ks: usize, ke: usize) -> Option<(usize, Sep)> {
    let quoted_key = prev(h, ks).filter(|&q| is_quote(q) && at(h, ke) == Some(q));
    let mut i = ke + run(h, ke, 3, |b| is_quote(b) || b == b'\\');
    i += run(h, i, 16, is_space);
    let sep = match at(h, i)? {
        b':' => {
            i += 1;
            match at(h, i) {
                Some(b'=') => {
                    i += 1;
                    Sep::Assign
                }
                _ => Sep::Colon,
            }
        }
        b'=' => {
            i += 1;
            // `=>`, and `==` / `===` comparing with a literal.
            i += run(h, i, 2, |b| b == b'=' || b == b'>');
            Sep::Assign
        }
        b'%' if h
            .get(i..i + 3)
            .is_some_and(|t| t.eq_ignore_ascii_case(b"%3D")) =>
        {
            return Some((i + 3, Sep::Percent));
        }
        // `getenv("api_token", "value")`: a quoted name, a comma, a quoted value. Not when the
        // name is itself a JSON value (`"name": "password", "value": ...`).
        b',' if quoted_key.is_some() && !json_value_before(h, ks) => {
            i += 1;
            i += run(h, i, 16, is_space);
            let q = at(h, i + usize::from(at(h, i) == Some(b'@')))?;
            return is_quote(q).then_some((i, Sep::Quoted));
        }
        // `setPassword("value")`.
        b'(' if starts_with_ci(h, ks, b"set") => {
            return at(h, i + 1)
                .filter(|&q| is_quote(q))
                .map(|_| (i + 1, Sep::Quoted));
        }
        // `<password>value</password>`.
        b'>' if prev(h, ks) == Some(b'<') => return Some((i + 1, Sep::Tag)),
        _ => return None,
    };
    i += run(h, i, 16, is_space);
    Some((i, sep))
}

/// `--password value` / `--api-token value` (a command-line flag, value after one space).
fn flag_value(h: &[u8], ks: usize, ke: usize) -> Option<usize> {
    let dashes = ks.checked_sub(2).filter(|&d| h.get(d..ks) == Some(b"--"))?;
    let ok = prev(h, dashes).is_none_or(is_space)
        && at(h, ke) == Some(b' ')
        && at(h, ke + 1).is_some_and(|b| b != b'-' && !is_space(b));
    ok.then_some(ke + 1)
}

fn starts_with_ci(h: &[u8], i: usize, lit: &[u8]) -> bool {
    h.get(i..i + lit.len())
        .is_some_and(|t| t.eq_ignore_ascii_case(lit))
}

/// Whether the quoted string starting at `ks - 1` is the value of a JSON member.
fn json_value_before(h: &[u8], ks: usize) -> bool {
    let q = ks.saturating_sub(1);
    let n = run_back(h, q, 16, is_space);
    prev(h, q - n) == Some(b':')
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sep {
    Assign,
    Colon,
    Percent,
    Quoted,
    Tag,
}

/// After a secret-naming key at `ks..ke`: a separator and a value.
fn value_after(h: &[u8], ks: usize, ke: usize, rule: Rule) -> Option<Hit> {
    let (i, sep) = match separator(h, ks, ke) {
        Some(found) => found,
        None => (flag_value(h, ks, ke)?, Sep::Assign),
    };
    // C#'s verbatim string `@"..."`.
    let i = if at(h, i) == Some(b'@') && at(h, i + 1).is_some_and(is_quote) {
        i + 1
    } else {
        i
    };
    let header = matches!(rule, Rule::Authorization | Rule::Cookie);
    let (vs, ve) = match (at(h, i), at(h, i + 1)) {
        (Some(b'\\'), Some(q)) if is_quote(q) => {
            // Escaped JSON inside a log string: `\"password\":\"hunter2\"`.
            let vs = i + 2;
            let end = quoted_end(h, vs, q, false);
            let ve = if prev(h, end) == Some(b'\\') && end > vs {
                end - 1
            } else {
                end
            };
            (vs, ve)
        }
        (Some(q), _) if is_quote(q) => (i + 1, quoted_end(h, i + 1, q, true)),
        _ if sep == Sep::Quoted => return None,
        _ if sep == Sep::Tag => {
            let le = line_end(h, i);
            let end = h
                .get(i..le)
                .and_then(|t| memchr::memchr(b'<', t))
                .map_or(le, |k| i + k);
            (i, end)
        }
        _ if header => header_value(h, ks, ke, i),
        _ if sep == Sep::Percent => (i, percent_end(h, i)),
        _ => (i, unquoted_end(h, i)),
    };
    let value = h.get(vs..ve)?;
    if value.is_empty() || is_placeholder(value) {
        return None;
    }
    let unquoted = !prev(h, vs).is_some_and(is_quote);
    if unquoted && sep == Sep::Colon && reads_as_prose(h, vs, ve, rule) {
        return None;
    }
    if header {
        if scheme_then_placeholder(value) {
            return None;
        }
    } else if unquoted && (value.starts_with(b"{") || value.starts_with(b"[") || is_call(value)) {
        return None;
    }
    Hit::new(vs, ve, rule)
}

/// `getToken()`, `os.Getenv(`: code, not a value.
fn is_call(v: &[u8]) -> bool {
    memchr::memchr(b'(', v).is_some_and(|k| {
        k > 0
            && v.get(..k)
                .is_some_and(|f| f.iter().all(|&b| is_ident(b) || b == b'.'))
    })
}

/// `Bearer XXXX`, `Basic <base64>`, `Token ***`: a scheme and an obviously fake credential.
fn scheme_then_placeholder(v: &[u8]) -> bool {
    let Some(sp) = memchr::memchr(b' ', v) else {
        return false;
    };
    let cred = v.get(sp + 1..).unwrap_or_default();
    let cred = cred.get(run(cred, 0, 16, is_space)..).unwrap_or_default();
    let scheme = v.get(..sp).unwrap_or_default();
    SCHEMES.iter().any(|s| scheme.eq_ignore_ascii_case(s))
        && (is_placeholder(cred) || cred == b"...")
}

/// A header value runs to the end of the line, whatever its scheme (`Bearer x`,
/// `sid=a; theme=b`). A header inside a string (`-H 'Authorization: Bearer x'`,
/// `"Cookie: a=1; sid=2"`) runs to the quote that opened it instead.
fn header_value(h: &[u8], ks: usize, ke: usize, i: usize) -> (usize, usize) {
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

/// End of a percent-encoded value: an unquoted value that also stops at `%26` (`&`) and
/// `%20` (space).
fn percent_end(h: &[u8], from: usize) -> usize {
    let end = unquoted_end(h, from);
    let mut i = from;
    while let Some(k) = h.get(i..end).and_then(|t| memchr::memchr(b'%', t)) {
        let p = i + k;
        if h.get(p + 1..p + 3)
            .is_some_and(|t| t.eq_ignore_ascii_case(b"26") || t == b"20")
        {
            return p;
        }
        i = p + 1;
    }
    end
}

/// End of a quoted value: the closing quote, or the end of the line when it never closes.
/// With `escapes`, a backslash escapes the next byte (`"a\"b"` is one value).
fn quoted_end(h: &[u8], from: usize, q: u8, escapes: bool) -> usize {
    let mut i = from;
    loop {
        let Some(k) = h.get(i..).and_then(|t| memchr::memchr3(q, b'\n', b'\\', t)) else {
            return h.len();
        };
        let p = i + k;
        match at(h, p) {
            Some(b'\\') if escapes => {
                if at(h, p + 1).is_none_or(|b| b == b'\n') {
                    return p + 1;
                }
                i = p + 2;
            }
            Some(b'\\') => i = p + 1,
            _ => return p,
        }
    }
}

/// `?code=`, `&sig=`, `&signature=`, `X-Amz-Signature=`: short query names that carry secrets.
pub(crate) fn query_param(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    // The `ignature=` anchor starts one letter late.
    let s = if at(h, s) == Some(b'i') {
        s.checked_sub(1)?
    } else {
        s
    };
    let signature = starts_with_at(h, s, b"signature=") || starts_with_at(h, s, b"Signature=");
    let ok = match prev(h, s) {
        Some(b'?' | b'&') => true,
        Some(b'-' | b'_') => signature,
        _ => false,
    };
    if !ok {
        return None;
    }
    let ve = unquoted_end(h, e);
    let value = h.get(e..ve)?;
    if value.is_empty() || value.starts_with(MARKER) {
        return None;
    }
    Hit::new(e, ve, Rule::QueryParam)
}
