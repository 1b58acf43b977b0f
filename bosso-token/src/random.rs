//! Random secrets from the operating system's CSPRNG, made one way for the whole workspace:
//! bosso-auth's bearer secrets and bosso-accounts' login-session, refresh and HMAC keys come
//! from here.

use base64_simd::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::Error;

/// `N` bytes from the operating system's CSPRNG, wiped when dropped.
///
/// [`Error::Rng`] if the generator fails.
pub fn bytes<const N: usize>() -> Result<Zeroizing<[u8; N]>, Error> {
    let mut out = Zeroizing::new([0u8; N]);
    SystemRandom::new()
        .fill(out.as_mut())
        .map_err(|_| Error::Rng)?;
    Ok(out)
}

/// `N` fresh random bytes ([`bytes`]) and their text form: `prefix` followed by the bytes in
/// unpadded base64url (`A-Z a-z 0-9 - _`; 43 characters for 32 bytes), valid in a header, a
/// cookie or a subprotocol entry.
///
/// The text is written into one allocation of its final size, so no partial copy of the
/// secret is left behind in freed memory; [`SecretString`] wipes it when dropped.
///
/// [`Error::Rng`] if the generator fails.
pub fn base64url<const N: usize>(
    prefix: &str,
) -> Result<(Zeroizing<[u8; N]>, SecretString), Error> {
    let raw = bytes::<N>()?;
    let mut text = String::with_capacity(prefix.len() + (N * 4).div_ceil(3));
    text.push_str(prefix);
    URL_SAFE_NO_PAD.encode_append(raw.as_ref(), &mut text);
    Ok((raw, SecretString::from(text)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn base64url_is_the_prefix_then_the_bytes_unpadded() {
        let (raw, text) = base64url::<32>("bss_").unwrap();
        let text = text.expose_secret();
        let body = text.strip_prefix("bss_").unwrap();
        // 32 bytes are 256 bits: 42 full 6-bit characters and one more, no padding.
        assert_eq!(body.len(), 43);
        assert!(
            body.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        // Decoded by an independent implementation, the body is exactly the bytes.
        let decoded =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, body)
                .unwrap();
        assert_eq!(decoded.as_slice(), raw.as_ref());
    }

    #[test]
    fn every_call_draws_fresh_bytes() {
        let a = bytes::<16>().unwrap();
        let b = bytes::<16>().unwrap();
        assert_ne!(*a, *b);
        assert_ne!(*a, [0u8; 16]);
        let (_, x) = base64url::<32>("").unwrap();
        let (_, y) = base64url::<32>("").unwrap();
        assert_ne!(x.expose_secret(), y.expose_secret());
    }
}
