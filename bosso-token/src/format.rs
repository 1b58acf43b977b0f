//! The v1 wire format (see `SPEC.md`). Encoding and the two-stage decoding live here and
//! nowhere else: stage one reads only what is needed to find the key (version, key id); stage
//! two parses the claims, and runs only on bytes whose signature has already verified.

use base64_simd::URL_SAFE_NO_PAD;

use crate::Error;
use crate::id::{MAX_ID_LEN, MAX_KEY_ID_LEN, Permission, TokenId, is_visible_ascii};
use crate::time::UnixTime;

/// Longest token string accepted, in bytes. Checked before anything else is parsed.
pub const MAX_TOKEN_LEN: usize = 600;

/// Bytes after base64 decoding can never exceed this for a token within [`MAX_TOKEN_LEN`].
pub(crate) const MAX_DECODED_LEN: usize = MAX_TOKEN_LEN * 3 / 4;

/// The algorithm, fixed by the version prefix. There is no `alg` field to negotiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Version {
    /// `bat1e.`: Ed25519 signatures (RFC 8032), the default.
    V1Ed25519,
    /// `bat1h.`: HMAC-SHA256 tags, for a single service that both mints and verifies.
    V1HmacSha256,
}

impl Version {
    /// The ASCII prefix of tokens of this version, including the trailing dot. It is also the
    /// first part of the signing input, so a tag of one version never verifies as another.
    pub const fn prefix(self) -> &'static str {
        match self {
            Version::V1Ed25519 => "bat1e.",
            Version::V1HmacSha256 => "bat1h.",
        }
    }

    pub(crate) const fn sig_len(self) -> usize {
        match self {
            Version::V1Ed25519 => 64,
            Version::V1HmacSha256 => 32,
        }
    }

    fn from_token(token: &str) -> Result<(Self, &str), Error> {
        for v in [Version::V1Ed25519, Version::V1HmacSha256] {
            if let Some(rest) = token.strip_prefix(v.prefix()) {
                return Ok((v, rest));
            }
        }
        // A token of a future version is an honest client ahead of us, not garbage.
        if token.starts_with("bat") && token.contains('.') {
            Err(Error::UnsupportedVersion)
        } else {
            Err(Error::Malformed("unknown prefix"))
        }
    }
}

// Every prefix has PREFIX_LEN bytes, checked at compile time. A const block rather than a
// const fn called from one: Rust 1.88 reports such a fn as never used.
const _: () = {
    assert!(Version::V1Ed25519.prefix().len() == PREFIX_LEN);
    assert!(Version::V1HmacSha256.prefix().len() == PREFIX_LEN);
};

/// The claims of a token as they are laid out on the wire, borrowed from the decoded buffer.
///
/// The string fields stay bytes until a consumed token is turned into [`crate::AttachClaims`]:
/// comparing bytes is all verification needs, and it spares a UTF-8 pass per field.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WireClaims<'a> {
    pub kid: &'a [u8],
    pub aud: &'a [u8],
    pub user: &'a [u8],
    pub session: &'a [u8],
    pub chat: &'a [u8],
    pub permission: Permission,
    pub iat: UnixTime,
    pub exp: UnixTime,
    pub jti: TokenId,
}

/// Every version prefix has this length; the decode buffer starts with it so the signing
/// input (prefix || body) is one contiguous slice, verified without copying.
const PREFIX_LEN: usize = 6;

/// Stage-one view of a decoded token: version, key id, and where the signed bytes end.
/// Layout of `buf`: `prefix || body || signature`.
///
/// The buffer is on the heap and sized to the token: the view moves from parsing to
/// verification to consumption, and a pointer is cheaper to move than a worst-case array.
pub(crate) struct Decoded {
    pub version: Version,
    buf: Box<[u8]>,
    body_end: usize,
    kid_end: usize,
}

impl Decoded {
    /// Size cap, version, base64url (canonical, unpadded), the key id. Nothing else.
    pub fn parse(token: &str) -> Result<Self, Error> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(Error::TooLarge);
        }
        let (version, b64) = Version::from_token(token)?;
        const NOT_B64: Error = Error::Malformed("not canonical unpadded base64url");
        let decoded_len = URL_SAFE_NO_PAD
            .decoded_length(b64.as_bytes())
            .map_err(|_| NOT_B64)?;
        let mut buf = Vec::with_capacity(PREFIX_LEN + decoded_len);
        buf.extend_from_slice(version.prefix().as_bytes());
        URL_SAFE_NO_PAD
            .decode_append(b64.as_bytes(), &mut buf)
            .map_err(|_| NOT_B64)?;
        let body_end = buf
            .len()
            .checked_sub(version.sig_len())
            .filter(|&end| end >= PREFIX_LEN)
            .ok_or(Error::Malformed("shorter than a signature"))?;
        let body = buf
            .get(PREFIX_LEN..body_end)
            .ok_or(Error::Malformed("length"))?;
        let mut r = Reader { buf: body, pos: 0 };
        r.str_field(MAX_KEY_ID_LEN, "key id")?;
        let kid_end = PREFIX_LEN + r.pos;
        Ok(Self {
            version,
            buf: buf.into_boxed_slice(),
            body_end,
            kid_end,
        })
    }

    pub fn kid_bytes(&self) -> &[u8] {
        self.buf
            .get(PREFIX_LEN + 1..self.kid_end)
            .unwrap_or_default()
    }

    /// `prefix || body`: exactly the bytes the signature covers.
    pub fn signing_input(&self) -> &[u8] {
        self.buf.get(..self.body_end).unwrap_or_default()
    }

    fn body(&self) -> &[u8] {
        self.buf.get(PREFIX_LEN..self.body_end).unwrap_or_default()
    }

    pub fn signature(&self) -> &[u8] {
        self.buf.get(self.body_end..).unwrap_or_default()
    }

    /// Stage two. Call only after the signature over [`Decoded::body`] has verified.
    pub fn claims(&self) -> Result<WireClaims<'_>, Error> {
        let mut r = Reader {
            buf: self.body(),
            pos: 0,
        };
        let kid = r.str_field(MAX_KEY_ID_LEN, "key id")?;
        let aud = r.str_field(MAX_ID_LEN, "audience")?;
        let user = r.str_field(MAX_ID_LEN, "user id")?;
        let session = r.str_field(MAX_ID_LEN, "session id")?;
        let chat = r.str_field(MAX_ID_LEN, "chat id")?;
        let permission =
            Permission::from_byte(r.u8()?).ok_or(Error::Malformed("unknown permission"))?;
        let iat = UnixTime::from_secs(r.u64()?);
        let exp = UnixTime::from_secs(r.u64()?);
        let jti = TokenId::from_bytes(r.array::<16>()?);
        if r.pos != r.buf.len() {
            return Err(Error::Malformed("trailing bytes"));
        }
        if exp <= iat {
            return Err(Error::Malformed("expiry not after issue time"));
        }
        Ok(WireClaims {
            kid,
            aud,
            user,
            session,
            chat,
            permission,
            iat,
            exp,
            jti,
        })
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self.pos.checked_add(n).ok_or(Error::Malformed("length"))?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or(Error::Malformed("truncated"))?;
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.array::<1>()?[0])
    }

    fn u64(&mut self) -> Result<u64, Error> {
        Ok(u64::from_be_bytes(self.array::<8>()?))
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        self.take(N)?
            .try_into()
            .map_err(|_| Error::Malformed("truncated"))
    }

    /// A length-prefixed (u8) string of 1..=max visible ASCII bytes.
    fn str_field(&mut self, max: usize, what: &'static str) -> Result<&'a [u8], Error> {
        let len = usize::from(self.u8()?);
        if len == 0 || len > max {
            return Err(Error::Malformed(what));
        }
        let bytes = self.take(len)?;
        if !all_visible_ascii(bytes) {
            return Err(Error::Malformed(what));
        }
        Ok(bytes)
    }
}

/// Every byte in `0x21..=0x7e`, eight bytes at a time. Claim fields are checked on every
/// verification (SPEC step 6), and a byte loop over them cost a tenth of an HMAC verify.
fn all_visible_ascii(bytes: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let words_ok = chunks.by_ref().all(|c| {
        let Ok(w) = <[u8; 8]>::try_from(c) else {
            return false;
        };
        let x = u64::from_le_bytes(w);
        // With every high bit clear no byte can carry into the next: a byte's high bit is
        // then set in `x + 0x5f` iff it is >= 0x21, and in `x + 0x01` iff it is >= 0x7f.
        x & HI == 0 && (x.wrapping_add(0x5f * LO) & !x.wrapping_add(LO) & HI) == HI
    });
    words_ok && chunks.remainder().iter().all(|&b| is_visible_ascii(b))
}

/// A field that passed [`Reader::str_field`] as a string. Visible ASCII is always valid UTF-8,
/// so the error is unreachable; it is still an error rather than a panic.
pub(crate) fn field_str<'a>(bytes: &'a [u8], what: &'static str) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|_| Error::Malformed(what))
}

/// Writes the body (everything the signature covers after the prefix).
pub(crate) fn encode_body(c: &WireClaims<'_>, out: &mut Vec<u8>) {
    for s in [c.kid, c.aud, c.user, c.session, c.chat] {
        // Lengths were validated by the id newtypes (<= 64), so the cast cannot truncate.
        out.push(u8::try_from(s.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(s);
    }
    out.push(c.permission.to_byte());
    out.extend_from_slice(&c.iat.as_secs().to_be_bytes());
    out.extend_from_slice(&c.exp.as_secs().to_be_bytes());
    out.extend_from_slice(c.jti.as_bytes());
}

/// `prefix || base64url(body || signature)`.
pub(crate) fn encode_token(version: Version, body: &[u8], sig: &[u8]) -> String {
    let mut raw = [0u8; MAX_DECODED_LEN];
    let len = body.len() + sig.len();
    let mut s = String::with_capacity(version.prefix().len() + len.div_ceil(3) * 4);
    s.push_str(version.prefix());
    // Claims are bounded by the id newtypes, so body + signature always fits; the fallback
    // (heap concatenation) only exists to keep this free of panics.
    if let Some(dst) = raw.get_mut(..len) {
        let (b, g) = dst.split_at_mut(body.len());
        b.copy_from_slice(body);
        g.copy_from_slice(sig);
        URL_SAFE_NO_PAD.encode_append(&*dst, &mut s);
    } else {
        URL_SAFE_NO_PAD.encode_append([body, sig].concat(), &mut s);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_ascii_check_agrees_with_the_definition_for_every_byte_and_position() {
        for len in 0..=24usize {
            assert!(all_visible_ascii(&vec![b'!'; len]));
            assert!(all_visible_ascii(&vec![b'~'; len]));
            for pos in 0..len {
                for b in 0..=255u8 {
                    let mut buf = vec![b'a'; len];
                    buf[pos] = b;
                    assert_eq!(
                        all_visible_ascii(&buf),
                        (0x21..=0x7e).contains(&b),
                        "len {len} pos {pos} byte {b:#04x}"
                    );
                }
            }
        }
    }
}
