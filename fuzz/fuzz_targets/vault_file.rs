//! Arbitrary bytes as a vault file, a plaintext store file and a serialized keyset: each
//! parser returns Ok or Err, never panics, and a parsed vault file re-lists sorted names.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = bosso_vault::inspect_vault_file(data) {
        assert!(info.names.windows(2).all(|w| w[0] < w[1]));
    }
    let _ = bosso_vault::inspect_plaintext_file(data);
    if let Ok(ks) = bosso_vault::Keyset::from_bytes(data) {
        // A keyset that parses has an enabled primary.
        assert!(ks.keys().iter().any(|k| k.primary));
    }
});
