//! bosso-accounts: our path beside the raw primitive (the limit) and the crate a user would
//! otherwise pick, in the same run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use std::collections::HashMap;
use std::future::Future;
use std::hint::black_box;
use std::num::NonZeroU32;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use bosso::accounts::login_session::{
    LoginSessionConfig, LoginSessionManager, MemoryLoginSessionStore,
};
use bosso::accounts::password::{PasswordConfig, PasswordHasher};
use bosso::accounts::ratelimit::{MemoryRateLimiter, Quota, ThrottleKey};
use bosso::accounts::token::TokenKey;
use bosso::accounts::totp::{Totp, TotpAlgorithm, TotpSecret};
use bosso::accounts::{ManualClock, UnixTime, UserId};
use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::{ExposeSecret, SecretString};

/// The in-memory stores never return Pending; poll once instead of paying for a runtime.
fn ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("in-memory store returned Pending"),
    }
}

fn passwords(c: &mut Criterion) {
    let mut g = c.benchmark_group("password_default_params");
    g.sample_size(10);
    let ours = PasswordHasher::new(PasswordConfig::default()).unwrap();
    let pw = SecretString::from("correct horse battery staple");
    let stored = ours.hash(&pw).unwrap();
    g.bench_function("bosso_hash", |b| {
        b.iter(|| ours.hash(black_box(&pw)).unwrap())
    });
    g.bench_function("bosso_verify", |b| {
        b.iter(|| ours.verify(black_box(&pw), stored.as_str()).unwrap())
    });
    // The primitive, at the same parameters (argon2 crate defaults = OWASP = ours).
    let raw = argon2::Argon2::default();
    let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
    let raw_stored = raw
        .hash_password(b"correct horse battery staple", &salt)
        .unwrap()
        .to_string();
    g.bench_function("argon2_raw_hash", |b| {
        b.iter(|| {
            raw.hash_password(black_box(b"correct horse battery staple"), &salt)
                .unwrap()
        })
    });
    g.bench_function("argon2_raw_verify", |b| {
        b.iter(|| {
            let h = PasswordHash::new(&raw_stored).unwrap();
            raw.verify_password(black_box(b"correct horse battery staple"), &h)
                .unwrap()
        })
    });
    g.finish();
}

fn totp(c: &mut Criterion) {
    let mut g = c.benchmark_group("totp_verify");
    let seed = b"12345678901234567890";
    let at = UnixTime::from_secs(1_111_111_111);
    let ours = Totp::new(
        &TotpSecret::from_bytes(seed).unwrap(),
        TotpAlgorithm::Sha1,
        6,
        30,
    )
    .unwrap();
    let code = ours.generate(at).expose_secret().to_owned();
    // Our window check: 3 candidate steps, constant-time compares, returns the step.
    g.bench_function("bosso_matching_step_skew1", |b| {
        b.iter(|| ours.matching_step(black_box(&code), at, 1).unwrap())
    });
    let peer = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        seed.to_vec(),
        None,
        String::new(),
    )
    .unwrap();
    g.bench_function("totp_rs_check_skew1", |b| {
        b.iter(|| assert!(peer.check(black_box(&code), at.as_secs())))
    });
    // The primitive: one HMAC-SHA1 over the 8-byte counter (a verifier needs 3 of them).
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, seed);
    let counter = (at.as_secs() / 30).to_be_bytes();
    g.bench_function("ring_hmac_sha1_one_step", |b| {
        b.iter(|| ring::hmac::sign(&key, black_box(&counter)))
    });
    g.finish();
}

fn sessions(c: &mut Criterion) {
    let mut g = c.benchmark_group("session_lookup");
    let clock = ManualClock::new(UnixTime::from_secs(1_700_000_000));
    let m = LoginSessionManager::new(
        LoginSessionConfig::default(),
        MemoryLoginSessionStore::new(200_000, clock.clone()),
        clock,
        TokenKey::generate().unwrap(),
    )
    .unwrap();
    let user = UserId::new("alice").unwrap();
    let mut tokens = Vec::new();
    for _ in 0..10_000 {
        tokens.push(ready(m.create(&user, false)).unwrap().0.expose().to_owned());
    }
    let mut i = 0;
    g.bench_function("bosso_validate_10k_sessions", |b| {
        b.iter(|| {
            i = (i + 1) % tokens.len();
            ready(m.validate(black_box(&tokens[i]))).unwrap()
        })
    });
    // The primitive: the HMAC-SHA256 of one token.
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[7u8; 32]);
    g.bench_function("ring_hmac_sha256_token", |b| {
        b.iter(|| ring::hmac::sign(&key, black_box(tokens[0].as_bytes())))
    });
    // What a user would otherwise write: plaintext tokens as map keys (no hashing at all).
    let naive: HashMap<String, UserId> = tokens.iter().map(|t| (t.clone(), user.clone())).collect();
    let mut j = 0;
    g.bench_function("plaintext_hashmap_lookup", |b| {
        b.iter(|| {
            j = (j + 1) % tokens.len();
            naive.get(black_box(&tokens[j])).unwrap()
        })
    });
    g.finish();
}

fn rate_limit(c: &mut Criterion) {
    let mut g = c.benchmark_group("rate_limit_check_1k_keys");
    // Same workload for both: 1000 keys round-robin, 20/s with burst 20, real clocks.
    let keys: Vec<ThrottleKey> = (0..1000)
        .map(|i| ThrottleKey::new("api", &format!("10.0.{}.{}", i / 256, i % 256)))
        .collect();
    let names: Vec<String> = keys.iter().map(|k| k.as_str().to_owned()).collect();
    let ours = MemoryRateLimiter::new(Quota::general(), 100_000);
    let mut i = 0;
    g.bench_function("bosso_gcra_sharded", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            let _ = black_box(ours.check_now(&keys[i]));
        })
    });
    let peer =
        governor::RateLimiter::keyed(governor::Quota::per_second(NonZeroU32::new(20).unwrap()));
    let mut j = 0;
    g.bench_function("governor_keyed_dashmap", |b| {
        b.iter(|| {
            j = (j + 1) % names.len();
            let _ = black_box(peer.check_key(&names[j]));
        })
    });
    g.finish();
}

/// Minting an EdDSA access JWT: ours beside ring's bare Ed25519 signature over a JWS of the
/// same size (the limit) and jsonwebtoken's `encode` of the same claims (the peer).
fn access_jwt(c: &mut Criterion) {
    use bosso::accounts::access::{AccessConfig, AccessIssuer, AccessSigningKey};
    use bosso_token::KeyId;
    use ring::signature::Ed25519KeyPair;

    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let key =
        AccessSigningKey::ed25519_from_pkcs8(KeyId::new("at-1").unwrap(), pkcs8.as_ref()).unwrap();
    let clock = ManualClock::new(UnixTime::from_secs(1_800_000_000));
    let config = AccessConfig::new("https://auth.bosso.test", "https://api.bosso.test").unwrap();
    let issuer = AccessIssuer::new(config, key, clock);
    let user = UserId::new("6f1c2a8e-3b7d-4e59-9a1f-2c4d5e6f7a8b").unwrap();
    let token = issuer.issue(&user, &["chats:read"]).unwrap();
    let input = token.expose().rsplit_once('.').unwrap().0.to_owned();

    #[derive(serde::Serialize)]
    struct Claims<'a> {
        iss: &'a str,
        sub: &'a str,
        aud: &'a str,
        iat: u64,
        exp: u64,
        jti: &'a str,
        scope: &'a str,
    }
    let claims = Claims {
        iss: "https://auth.bosso.test",
        sub: user.as_str(),
        aud: "https://api.bosso.test",
        iat: 1_800_000_000,
        exp: 1_800_000_900,
        jti: "kY3n0Xx2Jm5pQ8tV1wZ4bA",
        scope: "chats:read",
    };
    let enc = jsonwebtoken::EncodingKey::from_ed_der(pkcs8.as_ref());
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some("at-1".into());
    header.typ = Some("at+jwt".into());

    let mut g = c.benchmark_group("access_jwt_mint_eddsa");
    g.bench_function("bosso_issue", |b| {
        b.iter(|| issuer.issue(black_box(&user), &["chats:read"]).unwrap())
    });
    g.bench_function("ring_ed25519_sign_raw", |b| {
        b.iter(|| pair.sign(black_box(input.as_bytes())))
    });
    g.bench_function("jsonwebtoken_encode", |b| {
        b.iter(|| jsonwebtoken::encode(&header, black_box(&claims), &enc).unwrap())
    });
    g.finish();
}

criterion_group!(benches, passwords, totp, sessions, rate_limit, access_jwt);
criterion_main!(benches);
