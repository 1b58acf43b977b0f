//! The parser of stored hash strings (PHC Argon2 and bcrypt): untrusted text, fuzzed.

use argon2::password_hash::PasswordHash as PhcHash;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use super::HashAlgorithm;
use crate::Error;

/// RFC 9106 section 3.1: the degree of parallelism is at most 2^24 - 1.
const ARGON2_MAX_LANES: u32 = 0x00FF_FFFF;

/// Parses a stored hash (PHC Argon2 or bcrypt) and reports its algorithm without verifying
/// anything. The parser of untrusted hash strings: it never panics, and accepts only
/// - Argon2 in canonical PHC form, `$argon2{id,i,d}[$v=<n>]$m=<m>,t=<t>,p=<p>$<salt>$<hash>`
///   with plain decimals and unpadded standard base64: the string an encoder writes, which
///   re-serialises to itself;
/// - bcrypt as `$2{a,b,x,y}$<cost 04 to 31>$<53 characters of bcrypt's alphabet>`.
///
/// (Both properties are fuzzed, with an independent grammar, in `fuzz/fuzz_targets/accounts_phc.rs`.)
pub fn inspect_hash(stored: &str) -> Result<HashAlgorithm, Error> {
    match parse_stored(stored)? {
        Stored::Argon2 { hash: h, .. } => Ok(if h.algorithm.as_str() == "argon2id" {
            HashAlgorithm::Argon2id
        } else {
            HashAlgorithm::Argon2Other
        }),
        Stored::Bcrypt { .. } => Ok(HashAlgorithm::Bcrypt),
    }
}

pub(super) enum Stored<'a> {
    /// A canonical Argon2 PHC string and its costs, within RFC 9106's ranges.
    Argon2 {
        hash: Box<PhcHash<'a>>,
        m_kib: u32,
        passes: u32,
        lanes: u32,
    },
    Bcrypt {
        cost: u32,
    },
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
    // Exactly `m=<m>,t=<t>,p=<p>` in decimal: a string without them would be verified at the
    // `argon2` crate's defaults, i.e. at costs the string does not state.
    let names: Vec<&str> = h.params.iter().map(|(k, _)| k.as_str()).collect();
    let values: Vec<u32> = h
        .params
        .iter()
        .filter_map(|(_, v)| {
            v.decimal()
                .ok()
                .filter(|d| d.to_string().as_str() == v.as_str())
        })
        .collect();
    let (["m", "t", "p"], &[m, t, p]) = (names.as_slice(), values.as_slice()) else {
        return Err(Error::MalformedHash("parameters must be m, t, p"));
    };
    // RFC 9106's ranges, checked here because `argon2` 0.5.3's `Params::new` computes `8 × p`
    // in `u32` (a panic on overflow where overflow checks are on, found by the fuzzer).
    if !(1..=ARGON2_MAX_LANES).contains(&p) || t == 0 || u64::from(m) < 8 * u64::from(p) {
        return Err(Error::MalformedHash("bad argon2 parameters"));
    }
    // One spelling per hash (what an encoder writes): re-serialising gives the same string
    // (which re-encodes the hash from its bytes), and the salt, kept as text, is canonical
    // base64 too (no stray bits after its last byte).
    let salt_canonical = h
        .salt
        .is_some_and(|s| STANDARD_NO_PAD.decode(s.as_str()).is_ok());
    if !salt_canonical || h.to_string() != stored {
        return Err(Error::MalformedHash("not in canonical PHC form"));
    }
    Ok(Stored::Argon2 {
        hash: Box::new(h),
        m_kib: m,
        passes: t,
        lanes: p,
    })
}
