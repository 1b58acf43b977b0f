//! Self-describing tokens: JWT/JWE, Bosso attach tokens, subprotocol and bearer credentials,
//! provider keys, and the home directory.

use super::keyvalue::is_placeholder;
use super::{
    Hit, MARKER, at, boundary_before, is_b64url, is_token_char, prev, run, starts_with_at,
};
use crate::kind::Rule;

/// Upper bound on how far a token verifier reads, so a verifier is O(1) per anchor.
const MAX_TOKEN: usize = 16 * 1024;

/// `eyJ` (base64url of `{"`) starting 3 or 5 dot-separated base64url segments, or 2 when the
/// payload is a JSON object too (an unsecured JWS whose empty signature lost its dot).
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
        // The unsecured form without its trailing dot: both segments must be JSON objects.
        2 => header >= 10 && payload >= 10 && starts_with_at(h, s + header + 1, b"eyJ"),
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
        if n >= 8 && !is_placeholder(h.get(vs..vs + n)?) {
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

/// Slack `xox[abprseo]-...` tokens and `xapp-` app-level tokens.
pub(crate) fn slack(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    let body = if starts_with_at(h, s, b"xapp-") {
        e
    } else if matches!(
        at(h, e),
        Some(b'a' | b'b' | b'p' | b'r' | b's' | b'e' | b'o')
    ) && at(h, e + 1) == Some(b'-')
    {
        e + 2
    } else {
        return None;
    };
    let hit = prefixed(h, s, body, 10, Rule::Slack, |b| {
        b.is_ascii_alphanumeric() || b == b'-'
    })?;
    // Real tokens carry numeric workspace and user ids; `xoxb-xxxx-xxxx`, `xoxb-my-bot-token`
    // and `xoxo-indieweb-1` are placeholders and words.
    let digits = h
        .get(body..hit.end)?
        .iter()
        .filter(|b| b.is_ascii_digit())
        .count();
    (digits >= 4).then_some(hit)
}

/// `hooks.slack.com/services/...`: the path is the secret. Also percent-encoded, as the
/// value of a query parameter (`q=https%3A%2F%2Fhooks.slack.com%2Fservices%2F...`).
pub(crate) fn slack_hook(h: &[u8], e: usize) -> Option<Hit> {
    let (start, encoded) = if at(h, e) == Some(b'/') {
        (e + 1, false)
    } else if h
        .get(e..e + 3)
        .is_some_and(|t| t.eq_ignore_ascii_case(b"%2F"))
    {
        (e + 3, true)
    } else {
        return None;
    };
    let n = run(h, start, MAX_TOKEN, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-') || (encoded && b == b'%')
    });
    if n < 10 {
        return None;
    }
    Hit::new(start, start + n, Rule::Slack)
}

/// Stripe secret and restricted keys in every mode (`sk_live_`, `sk_test_`, `rk_live_`,
/// `rk_test_`, `sk_prod_`, ...: a test key is still a key) and `cb_live_` (widget keys);
/// publishable `pk_` keys are public and stay.
pub(crate) fn live(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    // The `k_test_` / `k_prod_` anchors start at the `k`.
    let s = if at(h, s) == Some(b'k') { s + 1 } else { s };
    let start = s.checked_sub(2)?;
    let rule = match h.get(start..s)? {
        b"sk" | b"rk" => Rule::Stripe,
        b"cb" if starts_with_at(h, s, b"_live_") => Rule::CbLive,
        _ => return None,
    };
    prefixed(h, start, e, 10, rule, |b| b.is_ascii_alphanumeric())
}

/// AWS access key ids: `AKIA`, `ASIA`, `ABIA`, `ACCA` or `A3T` + one character, then
/// upper-case alphanumerics to exactly 20 characters in all.
pub(crate) fn aws(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    if !boundary_before(h, s) {
        return None;
    }
    let want = 20 - (e - s);
    let n = run(h, e, want + 1, |b| {
        b.is_ascii_uppercase() || b.is_ascii_digit()
    });
    if n != want || at(h, e + n).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    // `AKIAXXXXXXXXXXXXXXXX` is a placeholder.
    if is_placeholder(h.get(e..e + n)?) {
        return None;
    }
    Hit::new(s, e + n, Rule::AwsAccessKeyId)
}

fn b64_value(b: u8) -> Option<u32> {
    match b {
        b'A'..=b'Z' => Some(u32::from(b - b'A')),
        b'a'..=b'z' => Some(u32::from(b - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(b - b'0') + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// `ZXlK...`: standard or URL-safe base64 whose decoded text is a JWT (`eyJ...`), as when a
/// token is stored or passed on base64-encoded.
pub(crate) fn base64_jwt(h: &[u8], s: usize) -> Option<Hit> {
    let is_b64 = |b: u8| b64_value(b).is_some();
    if prev(h, s).is_some_and(is_b64) {
        return None;
    }
    let n = run(h, s, MAX_TOKEN, is_b64);
    // Header and payload of the smallest JWT the jwt rule accepts, base64-encoded.
    if n < 32 {
        return None;
    }
    let mut decoded = Vec::with_capacity(n / 4 * 3 + 3);
    let body = h.get(s..s + n)?;
    for quad in body.chunks(4) {
        let mut acc = 0u32;
        for &b in quad {
            acc = (acc << 6) | b64_value(b)?;
        }
        // Left-align a short last group: 3 characters carry 2 bytes, 2 carry 1.
        let (bits, count) = match quad.len() {
            4 => (acc, 3),
            3 => (acc << 6, 2),
            2 => (acc << 12, 1),
            _ => (0, 0),
        };
        let bytes = bits.to_be_bytes();
        decoded.extend_from_slice(bytes.get(1..1 + count).unwrap_or_default());
    }
    let jwt = jwt(&decoded, 0)?;
    // Most of the blob must be the token (a JWT with more text after it still counts).
    if jwt.end * 2 < decoded.len() {
        return None;
    }
    let end = s + n + run(h, s + n, 2, |b| b == b'=');
    Hit::new(s, end, Rule::Jwt)
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
