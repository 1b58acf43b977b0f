//! The bearer secret of a local daemon's direct connections.
//!
//! A daemon listening on loopback accepts direct connections (CLI, a local browser tab) that
//! prove knowledge of a configured secret. Browsers cannot set `Authorization` on a WebSocket,
//! so the secret may also travel as a subprotocol entry `<app>.bearer.<secret>`; the protocol
//! echoed back is always the application protocol, never the entry with the secret.
//!
//! The secret is a machine secret, not a human password: [`BearerSecret::generate`] draws
//! 256 bits from the system CSPRNG, and [`BearerVerifier`] keeps only
//! `SHA-256("bosso-auth bearer v1\0" ‖ secret)`, compared in constant time. A fast hash is
//! right here: with 256 bits of entropy there is nothing to brute-force, so a leaked hash does
//! not give the secret away, and a guess costs the server one SHA-256, never an Argon2 run a
//! web page could multiply.
//!
//! Requests are checked through [`crate::local::LocalGuard`], which reads Host and Origin
//! before it looks at the bearer; this module exposes no way to verify a request's bearer on
//! its own.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bosso_token::subprotocol::ProtocolScanner;
use ring::digest;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::Error;

/// Random bytes in a generated secret.
pub const SECRET_BYTES: usize = 32;
/// Fewest characters a configured secret may have: 43 base64url characters carry 258 bits
/// (6 bits each), the shortest encoding of 256.
pub const MIN_SECRET_CHARS: usize = 43;
/// Most characters a configured secret may have.
pub const MAX_SECRET_CHARS: usize = 128;

/// Domain separation for the stored hash, so it is never the hash of the same bytes elsewhere.
const HASH_LABEL: &[u8] = b"bosso-auth bearer v1\0";
/// Prefix of the persisted hash form ([`BearerVerifier::hash`]).
const HASH_PREFIX: &str = "bearer-sha256:";

/// True if `s` is a secret this module accepts: [`MIN_SECRET_CHARS`] to [`MAX_SECRET_CHARS`]
/// characters of the base64url alphabet (`A-Z a-z 0-9 - _`, no padding).
fn is_accepted_secret(s: &str) -> bool {
    (MIN_SECRET_CHARS..=MAX_SECRET_CHARS).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn digest_of(secret: &str) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(HASH_LABEL);
    ctx.update(secret.as_bytes());
    let d = ctx.finish();
    let mut out = [0u8; 32];
    // SHA-256 digests are exactly 32 bytes.
    for (o, b) in out.iter_mut().zip(d.as_ref()) {
        *o = *b;
    }
    out
}

/// A freshly generated bearer secret: [`SECRET_BYTES`] (256 bits) from the system CSPRNG,
/// base64url without padding (43 characters, all valid in a subprotocol entry and in
/// `Authorization: Bearer`). Hand it to the client once; keep only [`BearerSecret::verifier`].
pub struct BearerSecret(SecretString);

impl fmt::Debug for BearerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerSecret([REDACTED])")
    }
}

impl BearerSecret {
    /// 256 fresh random bits. [`Error::Rng`] if the system generator fails.
    pub fn generate() -> Result<Self, Error> {
        let (_, text) =
            bosso_token::random::base64url::<SECRET_BYTES>("").map_err(|_| Error::Rng)?;
        Ok(Self(text))
    }

    /// The secret text, for the client (a config file it reads, a one-time display).
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// The verifier for this secret (only its hash).
    pub fn verifier(&self) -> BearerVerifier {
        BearerVerifier {
            digest: digest_of(self.0.expose_secret()),
        }
    }
}

/// The configured bearer secret, held only as `SHA-256("bosso-auth bearer v1\0" ‖ secret)`.
pub struct BearerVerifier {
    digest: [u8; 32],
}

impl fmt::Debug for BearerVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerVerifier").finish_non_exhaustive()
    }
}

impl BearerVerifier {
    /// A verifier for a secret configured by the operator. Accepted: [`MIN_SECRET_CHARS`]
    /// (43) to [`MAX_SECRET_CHARS`] (128) characters, each in the base64url alphabet
    /// `A-Z a-z 0-9 - _` (no `=` padding, no dots). At 6 bits per character that is room for
    /// at least 256 bits; no format check can tell whether the characters are really random,
    /// so make the secret with [`BearerSecret::generate`] (or base64url-encode 32 bytes from
    /// a CSPRNG). Anything else is [`Error::InvalidKey`], and the plaintext is not kept.
    pub fn new(secret: &SecretString) -> Result<Self, Error> {
        let s = secret.expose_secret();
        if !is_accepted_secret(s) {
            return Err(Error::InvalidKey(
                "bearer secret must be 43 to 128 base64url characters (256 bits or more)",
            ));
        }
        Ok(Self {
            digest: digest_of(s),
        })
    }

    /// A verifier from a hash persisted with [`BearerVerifier::hash`]
    /// (`bearer-sha256:` and 43 base64url characters).
    pub fn from_hash(hash: &str) -> Result<Self, Error> {
        const BAD: Error = Error::InvalidKey("bearer hash must be bearer-sha256:<base64url>");
        let body = hash.strip_prefix(HASH_PREFIX).ok_or(BAD)?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| BAD)?;
        let digest: [u8; 32] = bytes.try_into().map_err(|_| BAD)?;
        Ok(Self { digest })
    }

    /// The hash to persist in the daemon's configuration instead of the secret:
    /// `bearer-sha256:` followed by the digest in base64url without padding.
    pub fn hash(&self) -> String {
        format!("{HASH_PREFIX}{}", URL_SAFE_NO_PAD.encode(self.digest))
    }

    /// Compares an offered secret with the configured one in constant time (of the digests).
    /// A secret outside the accepted format cannot match and is refused without hashing.
    pub(crate) fn verify(&self, offer: &BearerOffer) -> Result<(), Error> {
        let s = offer.secret.expose_secret();
        if !is_accepted_secret(s) {
            return Err(Error::BearerInvalid);
        }
        if bool::from(digest_of(s).ct_eq(&self.digest)) {
            Ok(())
        } else {
            Err(Error::BearerInvalid)
        }
    }
}

/// A bearer secret found in a request, with the application protocol to echo.
pub(crate) struct BearerOffer {
    secret: SecretString,
    /// The application protocol to echo (from the server's supported list), if one was
    /// offered in `Sec-WebSocket-Protocol`.
    pub(crate) echo: Option<String>,
}

impl fmt::Debug for BearerOffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerOffer")
            .field("secret", &"[REDACTED]")
            .field("echo", &self.echo)
            .finish()
    }
}

/// Finds the bearer secret in `Sec-WebSocket-Protocol` entries `<app>.bearer.<secret>` (every
/// line, as one list) or in `Authorization: Bearer <secret>` (one line only). Exactly one
/// secret may be present across both places.
pub(crate) fn extract_bearer(
    headers: &http::HeaderMap,
    app: &str,
    supported: &[String],
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
                secret = Some(SecretString::from(s.to_owned()));
            } else if echo.is_none() {
                echo = supported
                    .iter()
                    .find(|p| p.as_str() == entry && !p.starts_with(prefix.as_str()))
                    .cloned();
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
        secret = Some(SecretString::from(value.to_owned()));
    }
    let secret = secret.ok_or(Error::BearerMissing)?;
    Ok(BearerOffer { secret, echo })
}
