//! Attach tokens: our mint/verify beside the raw `ring` operation on the same bytes (the limit)
//! and beside `jsonwebtoken` (rust_crypto backend) with equivalent claims (the peer).
//!
//! Run: `cargo bench --bench token`
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::sync::Arc;

use base64::Engine as _;
use bosso::token::*;
use criterion::{Criterion, criterion_group, criterion_main};
use ring::signature::{Ed25519KeyPair, KeyPair as _};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct JwtClaims {
    sub: String,
    sid: String,
    chat: String,
    perm: String,
    aud: String,
    iat: u64,
    exp: u64,
    jti: String,
}

fn scope() -> Scope {
    Scope::new(
        UserId::new("6f1c2a8e-3b7d-4e59-9a1f-2c4d5e6f7a8b").unwrap(),
        SessionId::new("sess-01HF3Z8K9Q2W4E6R8T0Y").unwrap(),
        ChatId::new("chat-01HF3Z8M1N3B5V7C9X1Z").unwrap(),
        Permission::Editor,
    )
}

fn jwt_claims(now: u64) -> JwtClaims {
    JwtClaims {
        sub: "6f1c2a8e-3b7d-4e59-9a1f-2c4d5e6f7a8b".into(),
        sid: "sess-01HF3Z8K9Q2W4E6R8T0Y".into(),
        chat: "chat-01HF3Z8M1N3B5V7C9X1Z".into(),
        perm: "editor".into(),
        aud: "bosso".into(),
        iat: now,
        exp: now + 300,
        jti: "923befd5d31ade9a418f19856bb7e912".into(),
    }
}

/// The signing input and signature inside one of our tokens, for the raw-primitive rows.
fn split(token: &str, sig_len: usize) -> (Vec<u8>, Vec<u8>) {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&token[6..])
        .unwrap();
    let (body, sig) = raw.split_at(raw.len() - sig_len);
    let mut input = token.as_bytes()[..6].to_vec();
    input.extend_from_slice(body);
    (input, sig.to_vec())
}

fn bench(c: &mut Criterion) {
    let clock = Arc::new(SystemClock);
    let now = clock.now().as_secs();
    let aud = Audience::new("bosso").unwrap();

    // ---------------- Ed25519 ----------------
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let seed = &pkcs8.as_ref()[16..48]; // PKCS#8 v2 from ring: the seed follows a 16-byte prefix
    let ed = Arc::new(SigningKey::ed25519_from_seed(KeyId::new("ed-1").unwrap(), seed).unwrap());
    assert_eq!(
        ed.verification_key()
            .ed25519_public_key()
            .unwrap()
            .as_slice(),
        pair.public_key().as_ref()
    );
    let mut keys = VerificationKeys::new();
    keys.insert(ed.verification_key()).unwrap();
    let minter = AttachMinter::new(ed.clone(), aud.clone());
    let verifier = AttachVerifier::new(keys, aud.clone());
    let token = minter.mint(&scope()).unwrap();
    let (input, sig) = split(token.expose_secret(), 64);
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ED25519,
        pair.public_key().as_ref().to_vec(),
    );

    let jwt_enc = jsonwebtoken::EncodingKey::from_ed_der(pkcs8.as_ref());
    let jwt_dec = jsonwebtoken::DecodingKey::from_ed_der(pair.public_key().as_ref());
    let jwt_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    let jwt = jsonwebtoken::encode(&jwt_header, &jwt_claims(now), &jwt_enc).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&["bosso"]);
    jsonwebtoken::decode::<JwtClaims>(&jwt, &jwt_dec, &validation).unwrap();

    let mut g = c.benchmark_group("ed25519_verify");
    g.bench_function("bosso", |b| {
        b.iter(|| {
            verifier
                .verify_str(black_box(token.expose_secret()), &Expected::any_scope())
                .unwrap()
        })
    });
    g.bench_function("ring_raw", |b| {
        b.iter(|| public.verify(black_box(&input), black_box(&sig)).unwrap())
    });
    g.bench_function("jsonwebtoken", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<JwtClaims>(black_box(&jwt), &jwt_dec, &validation).unwrap()
        })
    });
    g.finish();

    // Inputs are built once, outside the timed loop, for every row: the rows time the mint.
    let the_scope = scope();
    let the_claims = jwt_claims(now);
    let mut g = c.benchmark_group("ed25519_mint");
    g.bench_function("bosso", |b| {
        b.iter(|| minter.mint(black_box(&the_scope)).unwrap())
    });
    g.bench_function("ring_raw", |b| b.iter(|| pair.sign(black_box(&input))));
    g.bench_function("jsonwebtoken", |b| {
        b.iter(|| jsonwebtoken::encode(&jwt_header, black_box(&the_claims), &jwt_enc).unwrap())
    });
    g.finish();

    // ---------------- HMAC-SHA256 ----------------
    let secret = [0x5au8; 32]; // bench-only key
    let mac = Arc::new(
        SigningKey::hmac_from_bytes(KeyId::new("mac-1").unwrap(), secret.to_vec().into()).unwrap(),
    );
    let mut keys = VerificationKeys::new();
    keys.insert(mac.verification_key()).unwrap();
    let minter = AttachMinter::new(mac.clone(), aud.clone());
    let verifier = AttachVerifier::new(keys, aud.clone());
    let token = minter.mint(&scope()).unwrap();
    let (input, tag) = split(token.expose_secret(), 32);
    let ring_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);

    let hs_enc = jsonwebtoken::EncodingKey::from_secret(&secret);
    let hs_dec = jsonwebtoken::DecodingKey::from_secret(&secret);
    let hs_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    let hs = jsonwebtoken::encode(&hs_header, &jwt_claims(now), &hs_enc).unwrap();
    let mut hs_validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    hs_validation.set_audience(&["bosso"]);
    jsonwebtoken::decode::<JwtClaims>(&hs, &hs_dec, &hs_validation).unwrap();

    let mut g = c.benchmark_group("hmac_verify");
    g.bench_function("bosso", |b| {
        b.iter(|| {
            verifier
                .verify_str(black_box(token.expose_secret()), &Expected::any_scope())
                .unwrap()
        })
    });
    g.bench_function("ring_raw", |b| {
        b.iter(|| ring::hmac::verify(&ring_key, black_box(&input), black_box(&tag)).unwrap())
    });
    g.bench_function("jsonwebtoken", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<JwtClaims>(black_box(&hs), &hs_dec, &hs_validation).unwrap()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("hmac_mint");
    g.bench_function("bosso", |b| {
        b.iter(|| minter.mint(black_box(&the_scope)).unwrap())
    });
    g.bench_function("ring_raw", |b| {
        b.iter(|| ring::hmac::sign(&ring_key, black_box(&input)))
    });
    g.bench_function("jsonwebtoken", |b| {
        b.iter(|| jsonwebtoken::encode(&hs_header, black_box(&the_claims), &hs_enc).unwrap())
    });
    g.finish();

    // ---------------- single use ----------------
    // consume() at steady state: the clock advances one second every 100 consumes and ids
    // live 330 s, so about 33,000 ids are live, as on a node admitting 100 attaches/s. The
    // limit: inserting the same ids into a Mutex<HashSet> that never expires anything.
    let clock = ManualClock::new(UnixTime::from_secs(now));
    let store = MemoryReplayStore::new().with_clock(Arc::new(clock.clone()));
    let set = std::sync::Mutex::new(std::collections::HashSet::new());
    let mut counter = 0u128;
    let mut next_id = move || {
        counter += 1;
        // Spread ids like random ones (the first byte picks the shard).
        TokenId::from_bytes(
            counter
                .wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
                .to_be_bytes(),
        )
    };
    let mut g = c.benchmark_group("replay_consume");
    let mut n = 0u64;
    g.bench_function("memory_store", |b| {
        b.iter(|| {
            n += 1;
            if n.is_multiple_of(100) {
                clock.advance(1);
            }
            let fut = store.consume(next_id(), clock.now().saturating_add(330));
            let mut fut = std::pin::pin!(fut);
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            match fut.as_mut().poll(&mut cx) {
                std::task::Poll::Ready(r) => black_box(r.unwrap()),
                std::task::Poll::Pending => unreachable!("memory store is synchronous"),
            }
        })
    });
    let mut counter = 0u128;
    g.bench_function("mutex_hashset_insert", |b| {
        b.iter(|| {
            counter += 1;
            let id = TokenId::from_bytes(
                counter
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
                    .to_be_bytes(),
            );
            black_box(set.lock().unwrap().insert(id))
        })
    });
    g.finish();
    assert!(
        store.len() < 100_000,
        "steady state must stay bounded: {}",
        store.len()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
