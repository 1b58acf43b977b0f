//! Self-describing tokens: JWT/JWE, Bosso attach tokens, subprotocol and bearer credentials,
//! provider keys, and the home directory.

use super::{
    Hit, MARKER, at, boundary_before, is_b64url, is_token_char, prev, run, starts_with_at,
};
use crate::kind::Rule;

/// Upper bound on how far a token verifier reads, so a verifier is O(1) per anchor.
const MAX_TOKEN: usize = 16 * 1024;

/// `eyJ` (base64url of `{"`) starting 3 or 5 dot-separated base64url segments.
pub(crate) fn jwt(h: &[u8], s: usize) -> Option<Hit> {
    if prev(h, s).is_some_and(|b| is_b64url(b) || b == b'.') {
        return None;
    }
    let mut end = s;
    let mut lens = [0usize; 5];
    let mut parts = 0;
    for slot in &mut lens {
        let n = run(h, end, MAX_TOKEN, is_b64url);
        *slot = n;
        end += n;
        parts += 1;
        if at(h, end) != Some(b'.') || parts == 5 {
            break;
        }
        // After the signature, a dot with nothing after it is a full stop. Earlier segments may
        // be empty: the signature of an unsecured JWS (`header.payload.`), a JWE's key (`dir`).
        if parts >= 3 && !at(h, end + 1).is_some_and(is_b64url) {
            break;
        }
        end += 1;
    }
    let [header, payload, ..] = lens;
    let ok = match parts {
        3 => header >= 4 && payload >= 1,
        4 | 5 => header >= 4,
        _ => false,
    };
    if ok {
        Hit::new(s, end, Rule::Jwt)
    } else {
        None
    }
}

/// `bat1e.` / `bat1h.` followed by 100+ base64url characters (a v1 token is 141 to 194
/// characters in all; the smallest has 100 after the prefix).
pub(crate) fn bat1(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    if !boundary_before(h, s)
        || !matches!(at(h, e), Some(b'e' | b'h'))
        || at(h, e + 1) != Some(b'.')
    {
        return None;
    }
    let n = run(h, e + 2, MAX_TOKEN, is_b64url);
    if n < 100 {
        return None;
    }
    Hit::new(s, e + 2 + n, Rule::BossoToken)
}

/// Anchor `earer`: `<app>.bearer.<secret>` or `Bearer <token>`.
pub(crate) fn bearer(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    let b = s.checked_sub(1)?;
    if !matches!(at(h, b), Some(b'b' | b'B')) {
        return None;
    }
    if prev(h, b) == Some(b'.') && at(h, e) == Some(b'.') {
        let vs = e + 1;
        let n = run(h, vs, MAX_TOKEN, is_token_char);
        if n == 0 || starts_with_at(h, vs, MARKER) {
            return None;
        }
        return Hit::new(vs, vs + n, Rule::Subprotocol);
    }
    if boundary_before(h, b) && at(h, e) == Some(b' ') {
        let vs = e + 1;
        let n = run(h, vs, MAX_TOKEN, is_token_char);
        if n >= 8 {
            return Hit::new(vs, vs + n, Rule::Bearer);
        }
    }
    None
}

/// `<app>.attach.<token>` (Bosso's subprotocol form `bosso.attach.<token>`).
pub(crate) fn attach(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    if !prev(h, s).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let n = run(h, e, MAX_TOKEN, is_token_char);
    if n < 16 {
        return None;
    }
    Hit::new(e, e + n, Rule::Subprotocol)
}

/// A fixed prefix (`s..e`) then at least `min` characters of the token alphabet.
pub(crate) fn prefixed(
    h: &[u8],
    s: usize,
    e: usize,
    min: usize,
    rule: Rule,
    alphabet: fn(u8) -> bool,
) -> Option<Hit> {
    if !boundary_before(h, s) {
        return None;
    }
    let n = run(h, e, MAX_TOKEN, alphabet);
    if n < min {
        return None;
    }
    Hit::new(s, e + n, rule)
}

/// Slack `xox[abprse]-...` tokens.
pub(crate) fn slack(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    if !matches!(at(h, e), Some(b'a' | b'b' | b'p' | b'r' | b's' | b'e'))
        || at(h, e + 1) != Some(b'-')
    {
        return None;
    }
    prefixed(h, s, e + 2, 10, Rule::Slack, |b| {
        b.is_ascii_alphanumeric() || b == b'-'
    })
}

/// `hooks.slack.com/services/...`: the path is the secret.
pub(crate) fn slack_hook(h: &[u8], e: usize) -> Option<Hit> {
    if at(h, e) != Some(b'/') {
        return None;
    }
    let n = run(h, e + 1, MAX_TOKEN, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-')
    });
    if n < 10 {
        return None;
    }
    Hit::new(e + 1, e + 1 + n, Rule::Slack)
}

/// `sk_live_`, `rk_live_` (Stripe) and `cb_live_` (widget keys); `pk_live_` is public.
pub(crate) fn live(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    let start = s.checked_sub(2)?;
    let rule = match h.get(start..s)? {
        b"sk" | b"rk" => Rule::Stripe,
        b"cb" => Rule::CbLive,
        _ => return None,
    };
    prefixed(h, start, e, 10, rule, |b| b.is_ascii_alphanumeric())
}

/// AWS access key ids: `AKIA`/`ASIA` and exactly 16 upper-case alphanumerics.
pub(crate) fn aws(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    if !boundary_before(h, s) {
        return None;
    }
    let n = run(h, e, 17, |b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if n != 16 || at(h, e + n).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Hit::new(s, e + n, Rule::AwsAccessKeyId)
}

/// OpenAI / Anthropic style `sk-...` (`sk-proj-`, `sk-ant-api03-`): 20+ characters with a digit.
pub(crate) fn sk(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    if prev(h, s).is_some_and(is_b64url) {
        return None;
    }
    let n = run(h, e, MAX_TOKEN, is_b64url);
    let body = h.get(e..e + n)?;
    if n < 20 || !body.iter().any(u8::is_ascii_digit) {
        return None;
    }
    Hit::new(s, e + n, Rule::SkKey)
}

/// The home directory, only as a whole path component.
pub(crate) fn home(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    let path_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    if prev(h, s).is_some_and(path_char) || at(h, e).is_some_and(path_char) {
        return None;
    }
    Hit::new(s, e, Rule::HomeDir)
}
