//! The one error type of this crate.

use bosso_token::UnixTime;
use http::StatusCode;

/// Everything that can go wrong in `bosso-accounts`.
///
/// Variants are what a caller acts on. No variant carries a password, token, code or any other
/// byte of the input, so an error can be logged as it is. Credential failures are deliberately
/// one variant ([`Error::InvalidCredentials`]) so that a server that maps errors to responses
/// cannot accidentally tell an attacker *which* part of a login was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The password, code or token does not match (or the account does not exist).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The password is longer than the configured maximum; it was not hashed.
    #[error("password longer than {max} bytes")]
    PasswordTooLong {
        /// The configured maximum, in bytes.
        max: usize,
    },
    /// The password is empty.
    #[error("empty password")]
    PasswordEmpty,
    /// A stored password hash could not be parsed or names an unsupported algorithm; the reason
    /// names the rule, not the input.
    #[error("malformed password hash: {0}")]
    MalformedHash(&'static str),
    /// A stored password hash asks for more work than this verifier allows (a "hash bomb").
    #[error("password hash parameters exceed the verifier's limits")]
    HashParamsTooExpensive,
    /// The password hashing primitive failed (out of memory, invalid parameters).
    #[error("password hashing failed")]
    Hashing,
    /// A blocking task (hashing off the async runtime) could not complete.
    #[error("background hashing task failed")]
    TaskFailed,
    /// A TOTP code was correct but its time step was already accepted (RFC 6238 section 5.2).
    #[error("one-time code already used")]
    CodeReused,
    /// TOTP is not enrolled (or not yet activated) for this account.
    #[error("two-factor authentication not enrolled")]
    TotpNotEnrolled,
    /// The QR code image could not be produced.
    #[error("QR code generation failed")]
    QrCode,
    /// A login-session or refresh token is not in the format this crate issues.
    #[error("malformed token: {0}")]
    MalformedToken(&'static str),
    /// The login-session or refresh token is unknown, expired or revoked.
    #[error("session expired or revoked")]
    SessionInvalid,
    /// A refresh token that was already exchanged was presented again; its whole family is now
    /// revoked and the user must log in again.
    #[error("refresh token reuse detected; token family revoked")]
    RefreshTokenReuse,
    /// The caller is over its rate limit.
    #[error("rate limited; retry after {retry_after_ms} ms")]
    RateLimited {
        /// How long until one more request would be admitted, in milliseconds.
        retry_after_ms: u64,
    },
    /// The account (or account-and-source pair) is locked after repeated failures.
    #[error("locked until {}", until.as_secs())]
    Locked {
        /// When the lock ends.
        until: UnixTime,
    },
    /// A bounded in-memory store is at capacity with nothing it may safely evict; the request
    /// is refused rather than risking a bypass.
    #[error("store full")]
    StoreFull,
    /// A store could not answer (unreachable, poisoned, timed out); the request is refused.
    #[error("store unavailable: {0}")]
    StoreUnavailable(String),
    /// A configuration value is outside its allowed bounds.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// Key material is invalid (wrong length, empty).
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// The system random number generator failed.
    #[error("random number generator failed")]
    Rng,
    /// A `Cookie` header, or one of this crate's cookies in it, is malformed or appears twice.
    #[error("malformed cookie: {0}")]
    MalformedCookie(&'static str),
    /// The request's `Cookie` headers exceed the configured size.
    #[error("cookie header too large")]
    CookieTooLarge,
    /// An unsafe request failed the CSRF checks (token, `Origin` or `Sec-Fetch-Site`).
    #[error("CSRF check failed: {0}")]
    Csrf(&'static str),
    /// A request body was larger than the layer buffers.
    #[error("request body too large")]
    BodyTooLarge,
    /// Authenticated, but not allowed to do this.
    #[error("permission denied")]
    Forbidden,
}

impl Error {
    /// A poisoned lock in an in-memory store: report it as an unavailable store (fail closed).
    pub(crate) fn poisoned() -> Self {
        Error::StoreUnavailable("in-memory store lock poisoned".to_owned())
    }

    /// The HTTP status for this error: 401 for a credential or session that does not hold
    /// (never saying which part of a login was wrong), 429 when throttled or locked, 503 when
    /// a store cannot answer or is full, 403 for a failed CSRF check or a denied permission,
    /// 431 for oversized cookies, 413 for an oversized body, 400 otherwise.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::InvalidCredentials | Error::SessionInvalid => StatusCode::UNAUTHORIZED,
            Error::RateLimited { .. } | Error::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::StoreUnavailable(_) | Error::StoreFull => StatusCode::SERVICE_UNAVAILABLE,
            Error::Csrf(_) | Error::Forbidden => StatusCode::FORBIDDEN,
            Error::CookieTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Error::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_say_only_unauthenticated_throttled_unavailable_or_bad_request() {
        let until = UnixTime::from_secs(1);
        for (e, code) in [
            (Error::InvalidCredentials, 401),
            (Error::SessionInvalid, 401),
            (Error::RateLimited { retry_after_ms: 5 }, 429),
            (Error::Locked { until }, 429),
            (Error::StoreFull, 503),
            (Error::StoreUnavailable("redis: get timed out".into()), 503),
            (Error::PasswordEmpty, 400),
            (Error::MalformedToken("wrong token length"), 400),
            (Error::MalformedCookie("duplicate session cookie"), 400),
            (Error::Csrf("token missing"), 403),
            (Error::Forbidden, 403),
            (Error::CookieTooLarge, 431),
            (Error::BodyTooLarge, 413),
        ] {
            assert_eq!(e.status().as_u16(), code, "{e:?}");
        }
    }
}
