//! Stored password hash parsing (PHC Argon2 strings and bcrypt) from arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = bosso_auth::accounts::password::inspect_hash(s);
    }
});
