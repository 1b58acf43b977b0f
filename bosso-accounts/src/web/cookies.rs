//! Finding this crate's cookies in a request, with the `cookie` crate doing the parsing.

use cookie::{Cookie, SameSite};
use http::HeaderMap;
use http::header::COOKIE;

use crate::Error;

/// The value of cookie `name` in the request's `Cookie` headers, if present.
///
/// Refuses (never panics on) headers whose total size exceeds `max_bytes`
/// ([`Error::CookieTooLarge`]), a header that is not visible ASCII, and `name` appearing more
/// than once ([`Error::MalformedCookie`]): with `__Host-` cookies a duplicate cannot come from
/// this server, so one of them was planted. Other cookies that do not parse are skipped, since
/// they belong to other applications on the host.
pub fn find_cookie(
    headers: &HeaderMap,
    name: &str,
    max_bytes: usize,
) -> Result<Option<String>, Error> {
    // The size first, before any parsing, so an oversized request costs no parsing work.
    let total = headers
        .get_all(COOKIE)
        .iter()
        .fold(0usize, |t, v| t.saturating_add(v.len()));
    if total > max_bytes {
        return Err(Error::CookieTooLarge);
    }
    let mut found = None;
    for value in headers.get_all(COOKIE) {
        let text = value
            .to_str()
            .map_err(|_| Error::MalformedCookie("cookie header is not visible ASCII"))?;
        if let Some(v) = find_in_header(text, name)?
            && found.replace(v).is_some()
        {
            return Err(Error::MalformedCookie("cookie sent twice"));
        }
    }
    Ok(found)
}

/// [`find_cookie`] over one header value (the fuzzed entry point).
pub fn find_in_header(header: &str, name: &str) -> Result<Option<String>, Error> {
    let mut found: Option<String> = None;
    for c in Cookie::split_parse(header).flatten() {
        if c.name() == name {
            if found.is_some() {
                return Err(Error::MalformedCookie("cookie sent twice"));
            }
            found = Some(c.value().to_owned());
        }
    }
    Ok(found)
}

/// A `Set-Cookie` value for a `__Host-` cookie: `Secure; HttpOnly; Path=/`, no `Domain`.
/// `max_age_secs: None` makes a browser-session cookie; `Some(0)` deletes it.
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    same_site: SameSite,
    max_age_secs: Option<u64>,
) -> String {
    let mut c = Cookie::build((name.to_owned(), value.to_owned()))
        .secure(true)
        .http_only(true)
        .path("/")
        .same_site(same_site);
    if let Some(secs) = max_age_secs {
        let secs = i64::try_from(secs).unwrap_or(i64::MAX);
        c = c.max_age(cookie::time::Duration::seconds(secs));
    }
    c.build().to_string()
}
