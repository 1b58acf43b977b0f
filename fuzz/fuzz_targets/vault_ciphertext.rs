//! Arbitrary bytes as an envelope ciphertext: header parsing and decryption return Ok or
//! Err, never panic. The bytes are also tried behind a valid header naming the keyset's
//! primary key, so the AEAD path is reached; the fuzzer cannot forge a tag, so decryption of
//! anything but a real ciphertext must fail.
#![no_main]

use std::sync::OnceLock;

use bosso_vault::EnvelopeKeyset;
use bosso_vault::envelope::{CiphertextHeader, Context, TenantId};
use libfuzzer_sys::fuzz_target;

fn fixture() -> &'static (EnvelopeKeyset, Context) {
    static F: OnceLock<(EnvelopeKeyset, Context)> = OnceLock::new();
    F.get_or_init(|| {
        let ks = EnvelopeKeyset::generate().unwrap();
        let ctx = Context::new(TenantId::new("t").unwrap(), "table", "column", "1").unwrap();
        (ks, ctx)
    })
}

fuzz_target!(|data: &[u8]| {
    let (ks, ctx) = fixture();
    let _ = CiphertextHeader::parse(data);
    assert!(ks.decrypt(ctx, data).is_err());
    let mut framed = vec![1u8];
    framed.extend_from_slice(&ks.primary().get().to_be_bytes());
    framed.extend_from_slice(data);
    assert!(ks.decrypt(ctx, &framed).is_err());
});
