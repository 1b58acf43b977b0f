//! TOTP code matching on arbitrary user input and times.
#![no_main]

use bosso_auth::accounts::totp::{Totp, TotpAlgorithm, TotpSecret};
use bosso_token::UnixTime;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((head, code)) = data.split_at_checked(8) else {
        return;
    };
    let mut t = [0u8; 8];
    t.copy_from_slice(head);
    let at = UnixTime::from_secs(u64::from_le_bytes(t));
    let Ok(secret) = TotpSecret::from_bytes(b"12345678901234567890") else {
        return;
    };
    let Ok(totp) = Totp::new(&secret, TotpAlgorithm::Sha1, 6, 30) else {
        return;
    };
    if let Ok(code) = std::str::from_utf8(code) {
        if let Some(step) = totp.matching_step(code, at, 1) {
            let now = totp.step_of(at);
            assert!(step + 1 >= now && step <= now.saturating_add(1));
        }
    }
});
