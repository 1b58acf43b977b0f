//! Where a JWKS comes from: the [`JwksSource`] trait.

use std::future::Future;
use std::time::Duration;

use crate::Error;

/// A fetched JWKS document and how long its server says it may be cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksDocument {
    /// The JWKS JSON bytes (parsed by [`super::JwksKeySet::from_jwks_json`]).
    pub bytes: Vec<u8>,
    /// The `Cache-Control: max-age` of the response, if any (see [`cache_control_max_age`]).
    pub max_age: Option<Duration>,
}

/// A source of an issuer's JWKS: an HTTPS endpoint in production, anything in tests.
///
/// Implementations must bound what they read (size, time) and report failures as
/// [`Error::JwksUnavailable`]; the cache keeps serving its last good keys when they do.
pub trait JwksSource: Send + Sync {
    /// Fetches the current JWKS document.
    fn fetch(&self) -> impl Future<Output = Result<JwksDocument, Error>> + Send;
}

/// A source that always returns the same document (for fixed keys, tests and demos).
#[derive(Debug, Clone)]
pub struct StaticJwksSource {
    doc: JwksDocument,
}

impl StaticJwksSource {
    /// A source serving `bytes` with no cache lifetime.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            doc: JwksDocument {
                bytes: bytes.into(),
                max_age: None,
            },
        }
    }
}

impl JwksSource for StaticJwksSource {
    fn fetch(&self) -> impl Future<Output = Result<JwksDocument, Error>> + Send {
        std::future::ready(Ok(self.doc.clone()))
    }
}

/// The `max-age` of a `Cache-Control` header value (RFC 9111 5.2.2.1), or `None` when the
/// header has none or an unparsable one. `no-store`/`no-cache` count as zero (the cache then
/// clamps to its minimum TTL rather than refetching on every token).
pub fn cache_control_max_age(value: &str) -> Option<Duration> {
    let mut found = None;
    for directive in value.split(',') {
        let directive = directive.trim();
        let (name, arg) = directive.split_once('=').unwrap_or((directive, ""));
        let name = name.trim();
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            return Some(Duration::ZERO);
        }
        if name.eq_ignore_ascii_case("max-age") {
            let arg = arg.trim().trim_matches('"');
            if arg.is_empty() || arg.len() > 10 || !arg.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            found = arg.parse::<u64>().ok().map(Duration::from_secs);
        }
    }
    found
}
