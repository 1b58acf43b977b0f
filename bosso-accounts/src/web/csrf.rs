//! Signed double-submit CSRF tokens, bound to the login session.
//!
//! A token is `v1.<nonce>.<mac>` (base64url, 16 and 32 bytes), where
//! `mac = HMAC-SHA256(csrf key, binding || nonce)` and the binding is the session's store hash
//! (or, before login, a fixed anonymous label). The server sets it in an `HttpOnly` `__Host-`
//! cookie and the page echoes it in a form field or header; an unsafe request passes only if
//! the echoed token equals the cookie (constant time) *and* its MAC verifies for the session the
//! request carries. A token lifted from another session, or minted without the key, fails.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq;

use crate::Error;

const NONCE: usize = 16;
const MAC: usize = 32;
/// `v1.` + 22 + `.` + 43 characters.
pub const TOKEN_LEN: usize = 3 + 22 + 1 + 43;

/// What a token is bound to: the session's store hash, or nothing yet (before login).
#[derive(Clone, Copy)]
pub enum Binding<'a> {
    /// Anonymous request (no valid session).
    Anonymous,
    /// A session, by its store hash.
    Session(&'a [u8; 32]),
}

/// The HMAC key for CSRF tokens (keep it apart from the session key).
pub struct CsrfKey(hmac::Key);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey([REDACTED])")
    }
}

impl CsrfKey {
    /// A key from at least 32 bytes.
    pub fn from_bytes(key: &[u8]) -> Result<Self, Error> {
        if key.len() < 32 {
            return Err(Error::InvalidKey("CSRF key must be at least 32 bytes"));
        }
        Ok(Self(hmac::Key::new(hmac::HMAC_SHA256, key)))
    }

    /// A random key.
    pub fn generate() -> Result<Self, Error> {
        let mut k = zeroize::Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(k.as_mut())
            .map_err(|_| Error::Rng)?;
        Self::from_bytes(k.as_ref())
    }

    fn mac(&self, binding: Binding<'_>, nonce: &[u8; NONCE]) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.0);
        match binding {
            Binding::Anonymous => ctx.update(b"bosso csrf v1 anonymous\0"),
            Binding::Session(h) => {
                ctx.update(b"bosso csrf v1 session\0");
                ctx.update(h);
            }
        }
        ctx.update(nonce);
        ctx.sign()
    }

    /// A fresh token for `binding`.
    pub fn mint(&self, binding: Binding<'_>) -> Result<String, Error> {
        let mut nonce = [0u8; NONCE];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| Error::Rng)?;
        let tag = self.mac(binding, &nonce);
        Ok(format!(
            "v1.{}.{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        ))
    }

    /// Whether `token` is well formed and was minted by this key for `binding`.
    pub fn verify(&self, token: &str, binding: Binding<'_>) -> Result<(), Error> {
        let (nonce, mac) = parse_token(token)?;
        let expected = self.mac(binding, &nonce);
        if bool::from(expected.as_ref().ct_eq(&mac)) {
            Ok(())
        } else {
            Err(Error::Csrf("token not valid for this session"))
        }
    }
}

/// Parses a token's structure (exact length, prefix, canonical base64url). Never echoes input.
pub fn parse_token(token: &str) -> Result<([u8; NONCE], [u8; MAC]), Error> {
    if token.len() != TOKEN_LEN {
        return Err(Error::Csrf("malformed token"));
    }
    let body = token
        .strip_prefix("v1.")
        .ok_or(Error::Csrf("malformed token"))?;
    let (n, m) = body.split_once('.').ok_or(Error::Csrf("malformed token"))?;
    let nonce: [u8; NONCE] = decode(n)?;
    let mac: [u8; MAC] = decode(m)?;
    Ok((nonce, mac))
}

fn decode<const N: usize>(s: &str) -> Result<[u8; N], Error> {
    let v = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| Error::Csrf("malformed token"))?;
    // The engine accepts non-canonical trailing bits; re-encoding rejects them.
    if URL_SAFE_NO_PAD.encode(&v) != s {
        return Err(Error::Csrf("malformed token"));
    }
    v.try_into().map_err(|_| Error::Csrf("malformed token"))
}

/// Whether two tokens are equal, in constant time.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_binding_and_key() {
        let k = CsrfKey::generate().unwrap();
        let other = CsrfKey::generate().unwrap();
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let t = k.mint(Binding::Session(&a)).unwrap();
        assert_eq!(t.len(), TOKEN_LEN);
        assert!(k.verify(&t, Binding::Session(&a)).is_ok());
        assert!(k.verify(&t, Binding::Session(&b)).is_err());
        assert!(k.verify(&t, Binding::Anonymous).is_err());
        assert!(other.verify(&t, Binding::Session(&a)).is_err());
        let anon = k.mint(Binding::Anonymous).unwrap();
        assert!(k.verify(&anon, Binding::Anonymous).is_ok());
        assert!(k.verify(&anon, Binding::Session(&a)).is_err());
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let k = CsrfKey::generate().unwrap();
        let t = k.mint(Binding::Anonymous).unwrap();
        let flipped_last = format!(
            "{}{}",
            &t[..t.len() - 1],
            if t.ends_with('A') { 'B' } else { 'A' }
        );
        for bad in [
            "",
            "v1.",
            "v2.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            &t[1..],
            &format!("{t}A"),
            &t.replace('.', "!"),
            &flipped_last,
        ] {
            assert!(k.verify(bad, Binding::Anonymous).is_err(), "{bad:?}");
        }
        assert!(format!("{k:?}").contains("REDACTED"));
    }
}
