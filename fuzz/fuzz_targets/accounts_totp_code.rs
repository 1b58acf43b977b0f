//! TOTP code matching on arbitrary user input, times, skews, digit counts, step lengths and
//! algorithms.
//!
//! Properties (what `Totp::matching_step` promises):
//! - soundness: a step is returned only if it lies within `skew` steps of `at`, the input
//!   without whitespace is exactly `digits` ASCII digits, and that is the code of that step
//!   (recomputed here from the step's start time);
//! - completeness: the genuine code of `at` (also with whitespace inside) always matches, and
//!   with no skew it matches exactly the step of `at`.
#![no_main]

use bosso_accounts::totp::{Totp, TotpAlgorithm, TotpSecret};
use bosso_token::UnixTime;
// The fuzz crate has no direct secrecy dependency; bosso-vault re-exports the same crate.
use bosso_vault::secrecy::ExposeSecret as _;
use libfuzzer_sys::fuzz_target;

const SECRET: &[u8] = b"12345678901234567890";

fuzz_target!(|data: &[u8]| {
    let Some((head, code)) = data.split_at_checked(12) else {
        return;
    };
    let mut t = [0u8; 8];
    t.copy_from_slice(&head[..8]);
    let at = UnixTime::from_secs(u64::from_le_bytes(t));
    let skew = head[8] % 4;
    let digits = 6 + usize::from(head[9] % 3);
    let algorithm = match head[9] / 3 % 3 {
        0 => TotpAlgorithm::Sha1,
        1 => TotpAlgorithm::Sha256,
        _ => TotpAlgorithm::Sha512,
    };
    let step_secs = 1 + u64::from(u16::from_le_bytes([head[10], head[11]])) % 300;
    let Ok(secret) = TotpSecret::from_bytes(SECRET) else {
        return;
    };
    let Ok(totp) = Totp::new(&secret, algorithm, digits, step_secs) else {
        panic!("valid parameters refused: {digits} digits, {step_secs} s");
    };
    let now = totp.step_of(at);
    // Soundness of one answer: in the window, well-formed, and the code of that very step.
    let check = |code: &str, step: u64| {
        assert!(step.abs_diff(now) <= u64::from(skew), "{step} vs {now}");
        let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(typed.len() == digits && typed.bytes().all(|b| b.is_ascii_digit()));
        let start = step
            .checked_mul(step_secs)
            .expect("a matched step starts at a representable time");
        assert_eq!(totp.step_of(UnixTime::from_secs(start)), step);
        assert_eq!(
            totp.generate(UnixTime::from_secs(start)).expose_secret(),
            typed
        );
    };

    if let Ok(code) = std::str::from_utf8(code) {
        if let Some(step) = totp.matching_step(code, at, skew) {
            check(code, step);
        }
    }

    let genuine = totp.generate(at);
    let genuine = genuine.expose_secret();
    assert_eq!(totp.matching_step(genuine, at, 0), Some(now));
    let Some(step) = totp.matching_step(genuine, at, skew) else {
        panic!("the genuine code did not match");
    };
    check(genuine, step);
    let spaced = format!("{} {}", &genuine[..3], &genuine[3..]);
    assert_eq!(totp.matching_step(&spaced, at, 0), Some(now));
});
