//! Any string through parse + verify must return Ok or Err, never panic. Arbitrary bytes are
//! also wrapped as a correctly MAC'ed `bat1h.` body, so the claims parser behind the signature
//! check is reached too (the fuzzer cannot forge signatures on its own).
#![no_main]

use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use bosso_token::*;
use libfuzzer_sys::fuzz_target;

const HMAC_KEY: [u8; 32] = [0x42; 32]; // fuzz-only key

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        let mut keys = VerificationKeys::new();
        let ed = SigningKey::ed25519_from_seed(KeyId::new("e").unwrap(), &[7u8; 32]).unwrap();
        keys.insert(ed.verification_key()).unwrap();
        let mac = SigningKey::hmac_from_bytes(KeyId::new("h").unwrap(), HMAC_KEY.to_vec().into()).unwrap();
        keys.insert(mac.verification_key()).unwrap();
        let clock = ManualClock::new(UnixTime::from_secs(1_800_000_000));
        Verifier::new(keys, Audience::new("bosso").unwrap()).with_clock(Arc::new(clock))
    })
}

fuzz_target!(|data: &[u8]| {
    let v = verifier();
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = v.verify_str(s, &Expected::any_scope());
        if let Ok(t) = UnverifiedToken::parse(s) {
            let _ = t.key_id();
        }
    }
    // Authenticated-but-arbitrary body: key id "h" first so the key lookup succeeds.
    let mut body = vec![1u8, b'h'];
    body.extend_from_slice(data);
    let mut input = b"bat1h.".to_vec();
    input.extend_from_slice(&body);
    let tag = ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &HMAC_KEY), &input);
    body.extend_from_slice(tag.as_ref());
    let token = format!("bat1h.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&body));
    if let Ok(verified) = v.verify_str(&token, &Expected::any_scope()) {
        let store = MemoryReplayStore::with_capacity(16);
        let fut = verified.consume(&store);
        // The in-memory store completes immediately; poll once without a runtime.
        let mut fut = std::pin::pin!(fut);
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let _ = fut.as_mut().poll(&mut cx);
    }
});
