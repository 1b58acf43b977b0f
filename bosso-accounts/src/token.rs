//! Opaque bearer tokens (session and refresh) and the keyed hash the stores see instead.
//!
//! A token is a prefix naming its kind followed by 256 random bits in unpadded base64url. The
//! prefix lets log scrubbers (bosso-redact) recognise the secret and stops a refresh token being
//! accepted where a session token is expected. Stores never see the token: they see
//! `HMAC-SHA256(server key, label || raw bytes)`, so a leaked store (or a Redis dump) cannot be
//! replayed as a cookie, and without the server key cannot even be checked against a guess.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use zeroize::Zeroizing;

use crate::Error;

/// Random bytes in a token: 256 bits, beyond any online or offline guessing.
pub const TOKEN_BYTES: usize = 32;
/// Length of the base64url body of a token (`ceil(32 * 4 / 3)` without padding).
const BODY_LEN: usize = 43;

/// Which kind of bearer token; part of the text form and of the keyed hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Session,
    Refresh,
}

impl TokenKind {
    fn prefix(self) -> &'static str {
        match self {
            TokenKind::Session => "bss_",
            TokenKind::Refresh => "bsr_",
        }
    }

    /// Domain separation label mixed into the HMAC so one kind's hash is never another's.
    /// The labels keep the name of the crate these tokens were first issued by: a new label
    /// would turn every hash already in a store into one no token matches.
    fn label(self) -> &'static [u8] {
        match self {
            TokenKind::Session => b"bosso-auth session v1\0",
            TokenKind::Refresh => b"bosso-auth refresh v1\0",
        }
    }
}

/// A bearer token as handed to (or received from) a client. `Debug` is redacted; the text is
/// reachable only through [`BearerToken::expose`].
#[derive(Clone)]
pub struct BearerToken {
    kind: TokenKind,
    text: SecretString,
    raw: Zeroizing<[u8; TOKEN_BYTES]>,
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BearerToken({:?}, [REDACTED])", self.kind)
    }
}

impl BearerToken {
    pub(crate) fn generate(kind: TokenKind) -> Result<Self, Error> {
        let (raw, text) =
            bosso_token::random::base64url::<TOKEN_BYTES>(kind.prefix()).map_err(|_| Error::Rng)?;
        Ok(Self { kind, text, raw })
    }

    /// Parses untrusted client input. Checks the prefix, the exact length and the alphabet, and
    /// that the encoding is canonical; never echoes the input in the error.
    pub(crate) fn parse(kind: TokenKind, input: &str) -> Result<Self, Error> {
        let body = input
            .strip_prefix(kind.prefix())
            .ok_or(Error::MalformedToken("wrong token prefix"))?;
        if body.len() != BODY_LEN {
            return Err(Error::MalformedToken("wrong token length"));
        }
        let mut raw = Zeroizing::new([0u8; TOKEN_BYTES]);
        let decoded = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(body)
                .map_err(|_| Error::MalformedToken("not base64url"))?,
        );
        if decoded.len() != TOKEN_BYTES {
            return Err(Error::MalformedToken("wrong token length"));
        }
        raw.copy_from_slice(&decoded);
        Ok(Self {
            kind,
            text: SecretString::from(input.to_owned()),
            raw,
        })
    }

    /// The token text to send to the client (cookie value, JSON field). Handle as a secret.
    pub fn expose(&self) -> &str {
        self.text.expose_secret()
    }
}

/// What a store keys a token by: `HMAC-SHA256(server key, label || token bytes)`.
///
/// One-way: nothing in it recovers the token. Compared in constant time where it is compared.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// The 32 hash bytes (for a store's key encoding).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Rebuilds a hash read back from a store.
    pub fn from_bytes(b: [u8; 32]) -> Self {
        Self(b)
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not secret, but long; the first bytes are enough to correlate log lines.
        let [a, b, c, d, ..] = self.0;
        write!(f, "TokenHash({a:02x}{b:02x}{c:02x}{d:02x}..)")
    }
}

/// The server-side HMAC key that turns tokens into [`TokenHash`]es.
///
/// Keep it out of the store (configuration or bosso-vault): the point of hashing is that the
/// store alone is not enough.
pub struct TokenKey(hmac::Key);

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey([REDACTED])")
    }
}

impl TokenKey {
    /// A key from at least 32 bytes of secret material.
    pub fn from_bytes(key: &[u8]) -> Result<Self, Error> {
        if key.len() < 32 {
            return Err(Error::InvalidKey("token key must be at least 32 bytes"));
        }
        Ok(Self(hmac::Key::new(hmac::HMAC_SHA256, key)))
    }

    /// A fresh random key (tokens do not survive a restart with it; for tests and single-node
    /// deployments that accept that).
    pub fn generate() -> Result<Self, Error> {
        let k = bosso_token::random::bytes::<32>().map_err(|_| Error::Rng)?;
        Self::from_bytes(k.as_ref())
    }

    pub(crate) fn hash(&self, token: &BearerToken) -> TokenHash {
        let mut ctx = hmac::Context::with_key(&self.0);
        ctx.update(token.kind.label());
        ctx.update(token.raw.as_ref());
        let tag = ctx.sign();
        let mut out = [0u8; 32];
        // HMAC-SHA256 tags are exactly 32 bytes.
        for (o, t) in out.iter_mut().zip(tag.as_ref()) {
            *o = *t;
        }
        TokenHash(out)
    }

    /// Keyed hash of arbitrary short secrets (recovery codes), domain-separated by `label`.
    pub(crate) fn hash_labeled(&self, label: &[u8], data: &[u8]) -> TokenHash {
        let mut ctx = hmac::Context::with_key(&self.0);
        ctx.update(label);
        ctx.update(data);
        let tag = ctx.sign();
        let mut out = [0u8; 32];
        for (o, t) in out.iter_mut().zip(tag.as_ref()) {
            *o = *t;
        }
        TokenHash(out)
    }
}

/// Parses untrusted session or refresh token text: the entry point of the fuzz target.
/// Returns `Ok(())` for a well-formed token of either kind and never panics.
pub fn parse_any_token(input: &str) -> Result<(), Error> {
    BearerToken::parse(TokenKind::Session, input)
        .or_else(|_| BearerToken::parse(TokenKind::Refresh, input))
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_kinds_do_not_mix() {
        let t = BearerToken::generate(TokenKind::Session).unwrap();
        let p = BearerToken::parse(TokenKind::Session, t.expose()).unwrap();
        assert_eq!(*p.raw, *t.raw);
        assert!(BearerToken::parse(TokenKind::Refresh, t.expose()).is_err());
        let key = TokenKey::generate().unwrap();
        let r = BearerToken::parse(TokenKind::Refresh, &t.expose().replacen("bss_", "bsr_", 1))
            .unwrap();
        assert_ne!(key.hash(&t), key.hash(&r), "labels separate the kinds");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "bss_",
            "bss_short",
            &format!("bss_{}", "A".repeat(44)),
            &format!("bss_{}", "+".repeat(43)),
            // 43 chars whose last char carries non-zero padding bits: non-canonical.
            &format!("bss_{}B", "A".repeat(42)),
            &format!("xxx_{}", "A".repeat(43)),
        ] {
            assert!(
                BearerToken::parse(TokenKind::Session, bad).is_err(),
                "{bad}"
            );
        }
        assert!(parse_any_token(&format!("bsr_{}", "A".repeat(43))).is_ok());
    }

    #[test]
    fn debug_is_redacted() {
        let t = BearerToken::generate(TokenKind::Refresh).unwrap();
        let body = t.expose().strip_prefix("bsr_").unwrap().to_owned();
        assert!(!format!("{t:?}").contains(&body));
        assert!(!format!("{:?}", TokenKey::generate().unwrap()).contains("0x"));
    }

    #[test]
    fn key_too_short() {
        assert!(TokenKey::from_bytes(&[0u8; 31]).is_err());
    }
}
