//! The parser of stored hash strings (PHC Argon2 and bcrypt): untrusted text, fuzzed.

use argon2::password_hash::PasswordHash as PhcHash;

use super::HashAlgorithm;
use crate::Error;

/// Parses a stored hash (PHC Argon2 or bcrypt) and reports its algorithm without verifying
/// anything. The parser of untrusted hash strings: it never panics (fuzzed).
pub fn inspect_hash(stored: &str) -> Result<HashAlgorithm, Error> {
    match parse_stored(stored)? {
        Stored::Argon2(h) => Ok(if h.algorithm.as_str() == "argon2id" {
            HashAlgorithm::Argon2id
        } else {
            HashAlgorithm::Argon2Other
        }),
        Stored::Bcrypt { .. } => Ok(HashAlgorithm::Bcrypt),
    }
}

pub(super) enum Stored<'a> {
    Argon2(Box<PhcHash<'a>>),
    Bcrypt { cost: u32 },
}

pub(super) fn parse_stored(stored: &str) -> Result<Stored<'_>, Error> {
    if stored.len() > 512 {
        return Err(Error::MalformedHash("too long"));
    }
    if let Some(rest) = stored.strip_prefix("$2") {
        // $2b$12$<22 salt chars><31 hash chars>
        let mut parts = rest.splitn(3, '$');
        let variant = parts.next().unwrap_or_default();
        let cost = parts.next().unwrap_or_default();
        let body = parts.next().unwrap_or_default();
        if !matches!(variant, "a" | "b" | "x" | "y") {
            return Err(Error::MalformedHash("unknown bcrypt variant"));
        }
        if cost.len() != 2 || !cost.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::MalformedHash("bad bcrypt cost"));
        }
        let cost: u32 = cost
            .parse()
            .map_err(|_| Error::MalformedHash("bad bcrypt cost"))?;
        if !(4..=31).contains(&cost) {
            return Err(Error::MalformedHash("bad bcrypt cost"));
        }
        let bcrypt_alphabet = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'/';
        if body.len() != 53 || !body.bytes().all(bcrypt_alphabet) {
            return Err(Error::MalformedHash("bad bcrypt body"));
        }
        return Ok(Stored::Bcrypt { cost });
    }
    let h = PhcHash::new(stored).map_err(|_| Error::MalformedHash("not a PHC string"))?;
    if !matches!(h.algorithm.as_str(), "argon2id" | "argon2i" | "argon2d") {
        return Err(Error::MalformedHash("unsupported algorithm"));
    }
    if h.salt.is_none() || h.hash.is_none() {
        return Err(Error::MalformedHash("missing salt or hash"));
    }
    Ok(Stored::Argon2(Box::new(h)))
}
