//! Attach-token verification under fixed test keys, asserting unforgeability and canonical
//! encoding, not only "no panic":
//!
//! 1. any string verifies only if it is one of the tokens this target minted;
//! 2. a minted token with the input's edits applied verifies only if the edits changed nothing;
//! 3. an arbitrary body under a correct HMAC tag (so the claims parser is reached; the fuzzer
//!    cannot forge tags) verifies only if re-minting its claims gives back the same string,
//!    i.e. every accepted body is the one canonical encoding of its claims.
#![no_main]

use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use bosso_token::*;
use libfuzzer_sys::fuzz_target;

const HMAC_KEY: [u8; 32] = [0x42; 32]; // fuzz-only key
const NOW: u64 = 1_800_000_000;

struct Fixture {
    verifier: AttachVerifier,
    mac: SigningKey,
    /// Every token minted with the fixture's keys, valid at NOW.
    minted: Vec<String>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let clock = Arc::new(ManualClock::new(UnixTime::from_secs(NOW)));
        let audience = Audience::new("bosso").unwrap();
        let ed = SigningKey::ed25519_from_seed(KeyId::new("e").unwrap(), &[7u8; 32]).unwrap();
        let mac = SigningKey::hmac_from_bytes(KeyId::new("h").unwrap(), HMAC_KEY.to_vec().into())
            .unwrap();
        let mut keys = VerificationKeys::new();
        keys.insert(ed.verification_key()).unwrap();
        keys.insert(mac.verification_key()).unwrap();
        let mut minted = Vec::new();
        let ed = Arc::new(ed);
        let mac_minter =
            SigningKey::hmac_from_bytes(KeyId::new("h").unwrap(), HMAC_KEY.to_vec().into())
                .unwrap();
        for key in [ed, Arc::new(mac_minter)] {
            let minter = AttachMinter::new(key, audience.clone()).with_clock(clock.clone());
            for (user, chat, p) in [
                ("alice", "c1", Permission::Editor),
                ("b", "~", Permission::Viewer),
            ] {
                let scope = Scope::new(
                    UserId::new(user).unwrap(),
                    SessionId::new("s1").unwrap(),
                    ChatId::new(chat).unwrap(),
                    p,
                );
                minted.push(minter.mint(&scope).unwrap().expose_secret().to_owned());
            }
        }
        let verifier = AttachVerifier::new(keys, audience).with_clock(clock);
        Fixture {
            verifier,
            mac,
            minted,
        }
    })
}

/// Applies `edits` (pairs of position and byte) to `token`: a byte below 0x80 overwrites the
/// character at the position, 0x80..0xc0 inserts one, 0xc0.. deletes one.
fn edit(token: &str, edits: &[u8]) -> Vec<u8> {
    let mut out = token.as_bytes().to_vec();
    for e in edits.chunks_exact(2) {
        let (pos, op) = (usize::from(e[0]) * 3 % (out.len() + 1), e[1]);
        match op {
            0..0x80 if pos < out.len() => out[pos] = op,
            0x80..0xc0 => out.insert(pos, op & 0x7f),
            0xc0.. if pos < out.len() => {
                out.remove(pos);
            }
            _ => {}
        }
    }
    out
}

fn poll_ready<F: std::future::Future>(fut: F) -> Option<F::Output> {
    // The in-memory store completes immediately; poll once without a runtime.
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let any = Expected::any_scope();
    // 1. The input as a token.
    if let Ok(s) = std::str::from_utf8(data) {
        if f.verifier.verify_str(s, &any).is_ok() {
            assert!(
                f.minted.iter().any(|m| m == s),
                "a string that was never minted verified"
            );
        }
        if let Ok(t) = UnverifiedToken::parse(s) {
            let _ = t.key_id();
        }
    }
    // 2. A minted token, edited.
    if let Some((&pick, edits)) = data.split_first() {
        let original = &f.minted[usize::from(pick) % f.minted.len()];
        let edited = edit(original, edits);
        if let Ok(s) = std::str::from_utf8(&edited) {
            if f.verifier.verify_str(s, &any).is_ok() {
                assert_eq!(s, original, "an edited token verified");
            }
        }
    }
    // 3. An arbitrary body under a correct tag: key id "h" first so the key lookup succeeds.
    let mut body = vec![1u8, b'h'];
    body.extend_from_slice(data);
    let mut input = b"bat1h.".to_vec();
    input.extend_from_slice(&body);
    let tag = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &HMAC_KEY),
        &input,
    );
    body.extend_from_slice(tag.as_ref());
    let token = format!(
        "bat1h.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&body)
    );
    if let Ok(verified) = f.verifier.verify_str(&token, &any) {
        let store = MemoryReplayStore::with_capacity(16);
        let claims = poll_ready(verified.consume(&store))
            .expect("the memory store is synchronous")
            .expect("a fresh store consumes once");
        let jti = *claims.token_id().as_bytes();
        let again = bosso_token::__vectors::mint_fixed(
            &f.mac,
            claims.audience(),
            claims.scope(),
            claims.issued_at(),
            claims.expires_at(),
            jti,
        );
        assert_eq!(
            again.expose_secret(),
            token,
            "accepted body is not canonical"
        );
    }
});
