//! The OIDC bearer extractor: `OidcUser` runs the request's `Authorization: Bearer` token
//! through the host's [`VerifyAccessToken`] (usually a [`crate::oidc::JwksCache`]) and answers
//! refusals as RFC 6750 section 3 says, with nothing that helps an attacker.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::Error;
use crate::oidc::{VerifiedAccessToken, VerifyAccessToken, bearer_from_headers};

/// The default `Retry-After` of a 503 (the key source was unavailable).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// What [`OidcUser`] needs from the router's state: the verifier, shared.
///
/// Put it in the state and implement (or derive) `FromRef<YourState> for OidcAuth`; with
/// `Router::with_state(auth)` it is the state itself.
#[derive(Clone)]
pub struct OidcAuth {
    verifier: Arc<dyn VerifyAccessToken>,
    retry_after: Duration,
}

impl std::fmt::Debug for OidcAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcAuth")
            .field("retry_after", &self.retry_after)
            .finish_non_exhaustive()
    }
}

impl OidcAuth {
    /// Verifies with `verifier` (a `JwksCache`, an `Arc` of one, an `AccessTokenVerifier`).
    pub fn new(verifier: impl VerifyAccessToken + 'static) -> Self {
        Self::from_arc(Arc::new(verifier))
    }

    /// Verifies with a shared verifier.
    pub fn from_arc(verifier: Arc<dyn VerifyAccessToken>) -> Self {
        Self {
            verifier,
            retry_after: DEFAULT_RETRY_AFTER,
        }
    }

    /// The `Retry-After` sent with a 503 (whole seconds, at least 1).
    #[must_use]
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = after.max(Duration::from_secs(1));
        self
    }

    /// Reads and verifies the bearer token of `headers` (what the extractor does).
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
    ) -> Result<VerifiedAccessToken, OidcRejection> {
        authenticate_with(&*self.verifier, headers, self.retry_after).await
    }
}

/// What [`OidcUser`] does, for a handler that holds its verifier itself (a `JwksCache` in its
/// own state): the bearer token of `headers`, verified, or the refusal to answer with.
pub async fn authenticate(
    verifier: &(impl VerifyAccessToken + ?Sized),
    headers: &HeaderMap,
) -> Result<VerifiedAccessToken, OidcRejection> {
    authenticate_with(verifier, headers, DEFAULT_RETRY_AFTER).await
}

async fn authenticate_with(
    verifier: &(impl VerifyAccessToken + ?Sized),
    headers: &HeaderMap,
    retry_after: Duration,
) -> Result<VerifiedAccessToken, OidcRejection> {
    let reject = |error| OidcRejection { error, retry_after };
    let token = bearer_from_headers(headers).map_err(reject)?;
    verifier.verify_access_token(token).await.map_err(reject)
}

/// An authenticated caller: extracting it verifies the request's bearer access token.
///
/// Refusals ([`OidcRejection`]): 401 with `WWW-Authenticate: Bearer` when no bearer token was
/// sent, 401 with `WWW-Authenticate: Bearer error="invalid_token"` for every token failure
/// (expired, forged, wrong issuer or audience, unknown key: one answer for all), 503 with
/// `Retry-After` when the issuer's keys cannot be had, 400 with `error="invalid_request"` for a
/// malformed or repeated `Authorization` header.
#[derive(Debug, Clone)]
pub struct OidcUser(pub VerifiedAccessToken);

impl<S> FromRequestParts<S> for OidcUser
where
    OidcAuth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = OidcRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = OidcAuth::from_ref(state);
        auth.authenticate(&parts.headers).await.map(OidcUser)
    }
}

/// Why [`OidcUser`] refused a request; its response carries only the status, the RFC 6750
/// challenge and (for 503) `Retry-After`. The [`Error`] is for the host's logs.
#[derive(Debug)]
pub struct OidcRejection {
    error: Error,
    retry_after: Duration,
}

impl OidcRejection {
    /// The underlying error (never in the response; safe to log).
    pub fn error(&self) -> &Error {
        &self.error
    }
}

impl IntoResponse for OidcRejection {
    fn into_response(self) -> Response {
        let status = self.error.status();
        let no_credentials = matches!(self.error, Error::BearerMissing);
        let mut response = self.error.into_response_uniform();
        let headers = response.headers_mut();
        match status {
            StatusCode::UNAUTHORIZED if no_credentials => {
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            StatusCode::UNAUTHORIZED => {
                headers.insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer error="invalid_token""#),
                );
            }
            StatusCode::BAD_REQUEST => {
                headers.insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer error="invalid_request""#),
                );
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                headers.insert(RETRY_AFTER, HeaderValue::from(self.retry_after.as_secs()));
            }
            _ => {}
        }
        response
    }
}
