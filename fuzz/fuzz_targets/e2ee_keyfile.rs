//! Daemon key file (v2 JSON) parsing: never panics; whatever parses re-encodes to a file that
//! parses to the same key, and that encoding is canonical (a fixed point).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(keys) = bosso_e2ee::decode_key_file(text, "fuzz") {
            // Whatever parses must round-trip to a file that parses to the same key.
            let again = bosso_e2ee::encode_key_file(&keys);
            let reparsed = bosso_e2ee::decode_key_file(&again, "fuzz").expect("round trip");
            assert_eq!(reparsed.public(), keys.public());
            // The encoding is canonical: encoding the reparsed key gives the same bytes.
            assert_eq!(*bosso_e2ee::encode_key_file(&reparsed), *again);
        }
    }
});
