//! JWK set import from arbitrary bytes. Whatever imports must export to a document that
//! imports to the same keys (same key ids, same public key bytes, same order) and exports to
//! the same bytes again; and each exported `x` must decode, with the `base64` crate's strict
//! decoder (an implementation independent of the crate's own), to the imported key.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bosso_token::VerificationKeys;
use libfuzzer_sys::fuzz_target;

fn keys_of(set: &VerificationKeys) -> Vec<(String, [u8; 32])> {
    set.iter()
        .map(|k| {
            let pk = k.ed25519_public_key().expect("only Ed25519 keys import");
            (k.key_id().as_str().to_owned(), *pk)
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(keys) = VerificationKeys::from_jwks_json(s) else {
        return;
    };
    let imported = keys_of(&keys);
    let exported = keys.to_jwks_json();
    let again = VerificationKeys::from_jwks_json(&exported).expect("an export imports");
    assert_eq!(keys_of(&again), imported);
    assert_eq!(again.to_jwks_json(), exported);
    // The export lists each key as `"kid":"<kid>","x":"<x>"` in import order (a kid is
    // `[A-Za-z0-9._-]`, so it needs no JSON escaping).
    let mut rest = exported.as_str();
    for (kid, pk) in &imported {
        let kid_at = rest
            .find(&format!(r#""kid":"{kid}","x":""#))
            .expect("each key is exported with its kid and x");
        let tail = &rest[kid_at + kid.len() + 14..];
        let x_end = tail.find('"').expect("x is a closed string");
        let x = URL_SAFE_NO_PAD
            .decode(&tail[..x_end])
            .expect("the base64 crate reads the exported x");
        assert_eq!(x.as_slice(), pk.as_slice());
        rest = &tail[x_end..];
    }
});
