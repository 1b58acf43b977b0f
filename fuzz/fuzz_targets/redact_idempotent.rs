//! `redact` never panics on any bytes, and redacting twice changes nothing.
#![no_main]

use bosso_redact::Redactor;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn redactor() -> &'static Redactor {
    static R: OnceLock<Redactor> = OnceLock::new();
    R.get_or_init(|| Redactor::builder().home_dir("/home/alice").build())
}

fuzz_target!(|data: &[u8]| {
    let r = redactor();
    let once = r.redact_bytes(data).into_owned();
    let twice = r.redact_bytes(&once).into_owned();
    assert_eq!(once, twice, "redaction is not idempotent");
    // The str API agrees with the bytes API on UTF-8 input, and find never reports past the end.
    if let Ok(s) = std::str::from_utf8(data) {
        assert_eq!(r.redact(s).as_bytes(), &once[..]);
        for f in r.find(s) {
            assert!(f.range.start < f.range.end && f.range.end <= s.len());
        }
    }
});
