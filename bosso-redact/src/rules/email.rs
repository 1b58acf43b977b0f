//! Triggered by `@`: URL userinfo (`scheme://user:pass@host`) and email addresses.

use super::{Hit, MARKER, at, run, run_back, starts_with_at};
use crate::kind::Rule;

const MAX_USERINFO: usize = 256;
const MAX_LOCAL: usize = 128;

fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_label(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// The `@` at `a` ends URL userinfo or sits inside an email address.
pub(crate) fn at_sign(h: &[u8], a: usize, url: bool, email: bool) -> Option<Hit> {
    if let Some(u) = userinfo(h, a) {
        return if url { u } else { None };
    }
    if email { address(h, a) } else { None }
}

/// `Some(None)`: this `@` ends userinfo that needs no redaction (already redacted).
fn userinfo(h: &[u8], a: usize) -> Option<Option<Hit>> {
    let lo = a.saturating_sub(MAX_USERINFO);
    let window = h.get(lo..a)?;
    let stop = |b: u8| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`');
    let mut start = None;
    for (i, &b) in window.iter().enumerate().rev() {
        if stop(b) {
            break;
        }
        if b == b':' && window.get(i + 1..i + 3) == Some(b"//") {
            start = Some(lo + i + 3);
            break;
        }
    }
    let start = start?;
    let scheme_ok = start >= 4 && h.get(start - 4).is_some_and(u8::is_ascii_alphanumeric);
    let info = h.get(start..a)?;
    if !scheme_ok || info.is_empty() || (has_reserved(info) && !raw_password(info)) {
        return None;
    }
    if info.starts_with(MARKER) {
        return Some(None);
    }
    Some(Hit::new(start, a, Rule::UrlCredentials))
}

fn has_reserved(b: &[u8]) -> bool {
    b.iter().any(|&c| matches!(c, b'/' | b'?' | b'#'))
}

/// `user:p/ss` with a raw `/`, `?` or `#` in the password (`mongodb+srv://u:p/ss@host`).
/// Not a host, port and path with an address in it (`https://host:8080/u/bob@example.org`),
/// and never across an earlier `@`.
fn raw_password(info: &[u8]) -> bool {
    let Some(colon) = memchr::memchr(b':', info) else {
        return false;
    };
    let (user, pass) = (
        info.get(..colon).unwrap_or_default(),
        info.get(colon + 1..).unwrap_or_default(),
    );
    let digits = pass.iter().take_while(|b| b.is_ascii_digit()).count();
    let port_then_path = digits > 0
        && pass
            .get(digits)
            .is_some_and(|&c| matches!(c, b'/' | b'?' | b'#'));
    !user.is_empty()
        && !has_reserved(user)
        && !port_then_path
        && memchr::memchr(b'@', info).is_none()
}

fn address(h: &[u8], a: usize) -> Option<Hit> {
    let mut ls = a - run_back(h, a, MAX_LOCAL, is_local);
    ls += run(h, ls, a - ls, |b| b == b'.');
    if ls == a {
        return None;
    }
    let end = domain_end(h, a + 1)?;
    if starts_with_at(h, ls, MARKER) {
        return None;
    }
    Hit::new(ls, end, Rule::Email)
}

/// The domain of an address starting at `from`: labels, the last one alphabetic (a TLD).
fn domain_end(h: &[u8], from: usize) -> Option<usize> {
    let mut labels: [(usize, usize); 8] = [(0, 0); 8];
    let mut count = 0;
    let mut i = from;
    while count < labels.len() {
        let n = run(h, i, 63, is_label);
        if n == 0 {
            break;
        }
        if let Some(slot) = labels.get_mut(count) {
            *slot = (i, i + n);
        }
        count += 1;
        i += n;
        if at(h, i) == Some(b'.') && at(h, i + 1).is_some_and(is_label) {
            i += 1;
        } else {
            break;
        }
    }
    // A label run that kept going past the TLD (`a@b.com9`) is not an address.
    if at(h, i).is_some_and(|b| is_label(b) || b == b'_') {
        return None;
    }
    while count >= 2 {
        let (s, e) = *labels.get(count - 1)?;
        let tld = h.get(s..e)?;
        if tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic) {
            break;
        }
        count -= 1;
    }
    if count < 2 {
        return None;
    }
    let (fs, fe) = *labels.first()?;
    let first = h.get(fs..fe)?;
    // `icon@2x.png` is an asset name, not an address.
    if count == 2
        && first.len() >= 2
        && first.ends_with(b"x")
        && first.iter().rev().skip(1).all(u8::is_ascii_digit)
    {
        return None;
    }
    let (_, end) = *labels.get(count - 1)?;
    Some(end)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The byte a `%XX` escape at `i` stands for.
fn escaped(h: &[u8], i: usize) -> Option<u8> {
    if at(h, i) != Some(b'%') {
        return None;
    }
    Some(hex(at(h, i + 1)?)? << 4 | hex(at(h, i + 2)?)?)
}

/// `%40` at `s..e`: percent-encoded URL userinfo (`postgres%3A%2F%2Fuser%3Apass%40host`) or
/// an address (`alice%40example.com`), as found in query strings.
pub(crate) fn percent_at(h: &[u8], s: usize, e: usize) -> Option<Hit> {
    // Userinfo: back to an encoded `://` with nothing that ends a query value in between.
    let lo = s.saturating_sub(MAX_USERINFO);
    let window = h.get(lo..s)?;
    let stop = |b: u8| {
        b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'&' | b'=' | b'?')
    };
    let mut i = window.len();
    while i > 0 {
        i -= 1;
        let b = *window.get(i)?;
        if stop(b) {
            break;
        }
        if b == b'%'
            && window
                .get(i..i + 9)
                .is_some_and(|t| t.eq_ignore_ascii_case(b"%3A%2F%2F"))
        {
            let start = lo + i + 9;
            let info = h.get(start..s)?;
            let scheme_ok = i > 0 && window.get(i - 1).is_some_and(u8::is_ascii_alphanumeric);
            // An encoded `/`, `?`, `#` or `@` means a host and path, not userinfo.
            let path = (0..info.len())
                .any(|k| escaped(info, k).is_some_and(|c| matches!(c, b'/' | b'?' | b'#' | b'@')));
            if scheme_ok && !info.is_empty() && !path && !info.starts_with(MARKER) {
                return Hit::new(start, s, Rule::UrlCredentials);
            }
            break;
        }
    }
    // An address: the local part stops after an escape of a character no address holds
    // (`hello%20bob%40example.org` is `bob`).
    let mut ls = s - run_back(h, s, MAX_LOCAL, is_local);
    let mut k = ls;
    while k < s {
        match escaped(h, k) {
            Some(c) if !is_local(c) || c == b'%' => {
                k += 3;
                ls = k;
            }
            _ => k += 1,
        }
    }
    ls += run(h, ls, s - ls, |b| b == b'.');
    if ls >= s || starts_with_at(h, ls, MARKER) {
        return None;
    }
    let end = domain_end(h, e)?;
    Hit::new(ls, end, Rule::Email)
}
