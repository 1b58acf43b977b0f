//! `decode_keyed` on any bytes: never panics; what it accepts re-encodes to the same bytes
//! (the format has one encoding), with a key id of the documented alphabet.
#![no_main]

use bosso_vault::secrecy::ExposeSecret;
use bosso_vault::{decode_keyed, encode_keyed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(k) = decode_keyed(data) {
        assert!(
            k.key_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        );
        let again = encode_keyed(&k.key_id, k.secret.expose_secret()).expect("re-encodes");
        assert_eq!(again.expose_secret(), data);
    }
});
