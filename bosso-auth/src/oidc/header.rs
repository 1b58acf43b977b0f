//! The `Authorization: Bearer <token>` request header (RFC 6750 section 2.1).

use http::HeaderMap;
use http::header::AUTHORIZATION;

use crate::Error;

/// The bearer token of the request's one `Authorization` header line.
///
/// - no `Authorization` line, or one with another scheme (`Basic ...`): [`Error::BearerMissing`]
///   (the request carries no bearer credentials; RFC 6750 section 3.1 answers 401 with no
///   error code);
/// - more than one line: [`Error::DuplicateHeader`] (which credential would count is
///   ambiguous);
/// - `Bearer` with no token, with a token outside the `b64token` syntax (RFC 6750 section 2.1:
///   `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"` then any `=`), or a value that is not
///   visible ASCII: [`Error::MalformedAuthorization`].
///
/// The scheme name is case-insensitive (RFC 9110 section 11.1). The token is returned as is:
/// verify it with [`super::JwksCache::verify`].
pub fn bearer_from_headers(headers: &HeaderMap) -> Result<&str, Error> {
    let mut lines = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = lines.next() else {
        return Err(Error::BearerMissing);
    };
    if lines.next().is_some() {
        return Err(Error::DuplicateHeader("authorization"));
    }
    let value = value
        .to_str()
        .map_err(|_| Error::MalformedAuthorization("not visible ASCII"))?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Error::BearerMissing);
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() {
        return Err(Error::MalformedAuthorization("no token"));
    }
    let body = token.trim_end_matches('=');
    let b64token = |c: char| c.is_ascii_alphanumeric() || "-._~+/".contains(c);
    if body.is_empty() || !body.chars().all(b64token) {
        return Err(Error::MalformedAuthorization("token is not a b64token"));
    }
    Ok(token)
}
