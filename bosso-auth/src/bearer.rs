//! The bearer secret of a local daemon's direct connections.
//!
//! A daemon listening on loopback accepts direct connections (CLI, a local browser tab) that
//! prove knowledge of a configured secret. Browsers cannot set `Authorization` on a WebSocket,
//! so the secret may also travel as a subprotocol entry `<app>.bearer.<secret>`; the protocol
//! echoed back is always the application protocol, never the entry with the secret.
//!
//! The configured secret is kept only as an Argon2id hash (a leaked config or memory dump does
//! not give the secret away), and comparison happens inside Argon2 verification, which compares
//! in constant time.

use std::fmt;
use std::sync::Arc;

use bosso_token::subprotocol::ProtocolScanner;
use secrecy::{ExposeSecret, SecretString};

use crate::Error;
use crate::accounts::password::{PasswordHash, PasswordHasher};

/// A bearer secret found in a request, with the application protocol to echo.
pub struct BearerOffer {
    secret: SecretString,
    /// The application protocol to echo (from the server's supported list), if the secret
    /// came in `Sec-WebSocket-Protocol`.
    pub echo: Option<String>,
}

impl fmt::Debug for BearerOffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerOffer")
            .field("secret", &"[REDACTED]")
            .field("echo", &self.echo)
            .finish()
    }
}

/// Finds the bearer secret in `Sec-WebSocket-Protocol` entries `<app>.bearer.<secret>` (dots
/// inside the secret survive) or in `Authorization: Bearer <secret>`. Exactly one secret may
/// be present across both places.
pub fn extract_bearer(
    headers: &http::HeaderMap,
    app: &str,
    supported: &[&str],
) -> Result<BearerOffer, Error> {
    let prefix = format!("{app}.bearer.");
    let mut scanner = ProtocolScanner::new();
    let mut secret: Option<SecretString> = None;
    let mut echo = None;
    for v in headers.get_all(http::header::SEC_WEBSOCKET_PROTOCOL) {
        for entry in scanner
            .scan(v.as_bytes())
            .map_err(|_| Error::BearerInvalid)?
        {
            if let Some(s) = entry.strip_prefix(prefix.as_str()) {
                if secret.is_some() || s.is_empty() {
                    return Err(Error::BearerInvalid);
                }
                secret = Some(SecretString::from(s.to_string()));
            } else if echo.is_none() {
                echo = supported
                    .iter()
                    .find(|p| **p == entry && !p.starts_with(prefix.as_str()))
                    .map(|p| p.to_string());
            }
        }
    }
    let mut auth = headers.get_all(http::header::AUTHORIZATION).iter();
    if let Some(v) = auth.next() {
        if auth.next().is_some() || secret.is_some() {
            return Err(Error::BearerInvalid);
        }
        let v = v.to_str().map_err(|_| Error::BearerInvalid)?;
        let (scheme, value) = v.split_once(' ').ok_or(Error::BearerInvalid)?;
        let value = value.trim_matches(' ');
        if !scheme.eq_ignore_ascii_case("bearer") || value.is_empty() {
            return Err(Error::BearerInvalid);
        }
        secret = Some(SecretString::from(value.to_string()));
    }
    let secret = secret.ok_or(Error::BearerMissing)?;
    if secret.expose_secret().is_empty() {
        return Err(Error::BearerInvalid);
    }
    Ok(BearerOffer { secret, echo })
}

/// The configured bearer secret, held only as an Argon2id hash.
pub struct BearerVerifier {
    hasher: Arc<PasswordHasher>,
    hash: PasswordHash,
}

impl fmt::Debug for BearerVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerVerifier")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

impl BearerVerifier {
    /// Hashes `secret` now; the plaintext is dropped (and zeroized) when this returns.
    pub fn new(hasher: Arc<PasswordHasher>, secret: SecretString) -> Result<Self, Error> {
        let hash = hasher.hash(&secret)?;
        Ok(Self { hasher, hash })
    }

    /// A verifier for a secret already hashed (e.g. loaded from the daemon's config).
    pub fn from_hash(hasher: Arc<PasswordHasher>, hash: PasswordHash) -> Self {
        Self { hasher, hash }
    }

    /// The stored hash (safe to persist).
    pub fn hash(&self) -> &PasswordHash {
        &self.hash
    }

    /// Checks an offered secret, off the async worker threads. Any mismatch is
    /// [`Error::BearerInvalid`].
    pub async fn verify(&self, offer: &BearerOffer) -> Result<(), Error> {
        self.hasher
            .verify_async(offer.secret.clone(), self.hash.as_str().to_string())
            .await
            .map(|_| ())
            .map_err(|e| match e {
                Error::InvalidCredentials
                | Error::PasswordTooLong { .. }
                | Error::PasswordEmpty => Error::BearerInvalid,
                other => other,
            })
    }
}
