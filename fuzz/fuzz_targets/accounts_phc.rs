//! Stored password hash parsing (PHC Argon2 strings and bcrypt) from arbitrary text.
//!
//! Properties (what `inspect_hash` promises):
//! - it never panics;
//! - an accepted Argon2 string is canonical PHC: split into algorithm, optional version,
//!   `m`/`t`/`p` and the two base64 fields by an independent grammar here, and re-serialised
//!   from those parts (decimals re-printed, base64 re-encoded), it gives back the input;
//! - an accepted bcrypt string is `$2<a|b|x|y>$<cost 04..31>$<53 bcrypt-alphabet chars>`;
//! - the reported algorithm matches the prefix;
//! - verifying a fuzzed hash never succeeds (nobody can make a genuine hash by mutation), and
//!   never panics, under tight verify limits so each input costs microseconds.
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use bosso_accounts::password::{HashAlgorithm, PasswordConfig, PasswordHasher, inspect_hash};
use libfuzzer_sys::fuzz_target;
// The fuzz crate has no direct secrecy dependency; bosso-vault re-exports the same crate.
use bosso_vault::secrecy::SecretString;

static HASHER: LazyLock<Option<PasswordHasher>> = LazyLock::new(|| {
    PasswordHasher::new(PasswordConfig {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
        max_verify_memory_kib: 64,
        max_verify_iterations: 2,
        max_verify_parallelism: 2,
        max_bcrypt_cost: 4,
        max_concurrent_hashes: 1,
        ..PasswordConfig::default()
    })
    .ok()
});

/// A decimal as a canonical PHC encoder prints it (no sign, no leading zero).
fn decimal(s: &str) -> Option<u32> {
    let v: u32 = s.parse().ok()?;
    (v.to_string() == s).then_some(v)
}

/// Base64 without padding, canonical (re-encoding the decoded bytes gives the same text).
fn b64(s: &str) -> Option<Vec<u8>> {
    let bytes = STANDARD_NO_PAD.decode(s).ok()?;
    (STANDARD_NO_PAD.encode(&bytes) == s).then_some(bytes)
}

/// Re-serialises `s` from its parts if it is a canonical Argon2 PHC string.
fn canonical_argon2(s: &str) -> Option<String> {
    let mut f = s.strip_prefix('$')?.split('$');
    let alg = f.next()?;
    if !matches!(alg, "argon2id" | "argon2i" | "argon2d") {
        return None;
    }
    let mut next = f.next()?;
    let version = match next.strip_prefix("v=") {
        Some(v) => {
            next = f.next()?;
            Some(decimal(v)?)
        }
        None => None,
    };
    let mut params = next.split(',');
    let m = decimal(params.next()?.strip_prefix("m=")?)?;
    let t = decimal(params.next()?.strip_prefix("t=")?)?;
    let p = decimal(params.next()?.strip_prefix("p=")?)?;
    if params.next().is_some() {
        return None;
    }
    let salt = b64(f.next()?)?;
    let hash = b64(f.next()?)?;
    if f.next().is_some() {
        return None;
    }
    let v = version.map(|v| format!("$v={v}")).unwrap_or_default();
    Some(format!(
        "${alg}{v}$m={m},t={t},p={p}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(hash)
    ))
}

fn bcrypt_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 60
        && s.starts_with("$2")
        && matches!(b.get(2), Some(b'a' | b'b' | b'x' | b'y'))
        && b.get(3) == Some(&b'$')
        && b.get(6) == Some(&b'$')
        && s.get(4..6)
            .and_then(|c| c.parse::<u32>().ok())
            .is_some_and(|c| (4..=31).contains(&c))
        && b.get(7..).is_some_and(|body| {
            body.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"./".contains(c))
        })
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(alg) = inspect_hash(s) else {
        return;
    };
    match alg {
        HashAlgorithm::Bcrypt => assert!(bcrypt_shaped(s), "accepted as bcrypt: {s:?}"),
        HashAlgorithm::Argon2id | HashAlgorithm::Argon2Other => {
            assert_eq!(
                alg == HashAlgorithm::Argon2id,
                s.starts_with("$argon2id$"),
                "{s:?}"
            );
            assert_eq!(
                canonical_argon2(s).as_deref(),
                Some(s),
                "not canonical: {s:?}"
            );
        }
        _ => panic!("unknown algorithm for {s:?}"),
    }
    if let Some(h) = HASHER.as_ref() {
        assert!(
            h.verify(&SecretString::from("fuzz"), s).is_err(),
            "a fuzzed hash verified: {s:?}"
        );
    }
});
