//! A dyn-compatible face of the access-token verifiers, so a host can hold
//! `Arc<dyn VerifyAccessToken>` whatever its JWKS source is.

use std::sync::Arc;

pub use bosso_token::BoxFuture;

use super::{AccessTokenVerifier, JwksCache, JwksSource, VerifiedAccessToken};
use crate::Error;

/// Verifies an access token. Implemented by [`JwksCache`] (any source), by
/// [`AccessTokenVerifier`] (a fixed key set) and by `Arc`s of either; dyn-compatible.
pub trait VerifyAccessToken: Send + Sync {
    /// Verifies `token` exactly as the implementing type's own `verify` does.
    fn verify_access_token<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<VerifiedAccessToken, Error>>;
}

impl<S: JwksSource> VerifyAccessToken for JwksCache<S> {
    fn verify_access_token<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<VerifiedAccessToken, Error>> {
        Box::pin(self.verify(token))
    }
}

impl VerifyAccessToken for AccessTokenVerifier {
    fn verify_access_token<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<VerifiedAccessToken, Error>> {
        Box::pin(std::future::ready(self.verify(token)))
    }
}

impl<T: VerifyAccessToken + ?Sized> VerifyAccessToken for Arc<T> {
    fn verify_access_token<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<VerifiedAccessToken, Error>> {
        (**self).verify_access_token(token)
    }
}
