//! OIDC access-token verification: our verifier with a warm JWKS cache beside the raw `ring`
//! signature verify of the same bytes (the limit) and beside `jsonwebtoken::decode` with its
//! `rust_crypto` backend and the key in hand (the peer), for RS256, ES256 and EdDSA.
//!
//! Run: `cargo bench --bench auth --no-default-features --features auth`
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bosso::auth::oidc::{
    AccessTokenVerifier, AccessTokenVerifierConfig, Alg, JwksCache, JwksKeySet, StaticJwksSource,
};
use criterion::{Criterion, criterion_group, criterion_main};
use ring::rand::SystemRandom;
use ring::signature::{self as rs, KeyPair as _};
use serde::Deserialize;

const ISS: &str = "https://idp.example.test";

#[derive(Deserialize)]
#[allow(dead_code)]
struct PeerClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
}

fn b64(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

/// The raw primitive's verify: (message, signature) -> valid.
type RawVerify = Box<dyn Fn(&[u8], &[u8]) -> bool>;

/// One algorithm's fixture: token, JWKS, the raw-verify closure inputs and the peer key.
struct Case {
    name: &'static str,
    alg: Alg,
    token: String,
    jwks: Vec<u8>,
    raw: RawVerify,
    peer_key: jsonwebtoken::DecodingKey,
    peer_alg: jsonwebtoken::Algorithm,
}

fn sign_token(alg: &str, kid: &str, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let header = format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"{kid}"}}"#);
    let claims = format!(
        r#"{{"iss":"{ISS}","sub":"6f1c2a8e-3b7d-4e59-9a1f-2c4d5e6f7a8b","aud":"bosso","exp":4000000000,"iat":1700000000,"scope":"attach"}}"#
    );
    let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let sig = sign(input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

fn rsa_case() -> Case {
    // RFC 7520 section 3.4 RSA-2048 test key (public vector, not a secret).
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/vectors/jose/rfc7520_jws_examples.json"
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let jwk = &v["examples"][0]["jwk"];
    let f = |k: &str| URL_SAFE_NO_PAD.decode(jwk[k].as_str().unwrap()).unwrap();
    let kp = rs::RsaKeyPair::from_components(&ring::rsa::KeyPairComponents {
        public_key: rs::RsaPublicKeyComponents {
            n: f("n"),
            e: f("e"),
        },
        d: f("d"),
        p: f("p"),
        q: f("q"),
        dP: f("dp"),
        dQ: f("dq"),
        qInv: f("qi"),
    })
    .unwrap();
    let token = sign_token("RS256", "rsa", |m| {
        let mut sig = vec![0; kp.public().modulus_len()];
        kp.sign(&rs::RSA_PKCS1_SHA256, &SystemRandom::new(), m, &mut sig)
            .unwrap();
        sig
    });
    let (n, e) = (f("n"), f("e"));
    let jwks = format!(
        r#"{{"keys":[{{"kty":"RSA","kid":"rsa","alg":"RS256","n":"{}","e":"{}"}}]}}"#,
        b64(&n),
        b64(&e)
    );
    Case {
        name: "RS256",
        alg: Alg::RS256,
        token,
        jwks: jwks.into_bytes(),
        peer_key: jsonwebtoken::DecodingKey::from_rsa_components(&b64(&n), &b64(&e)).unwrap(),
        raw: Box::new(move |m, s| {
            rs::RsaPublicKeyComponents { n: &n, e: &e }
                .verify(&rs::RSA_PKCS1_2048_8192_SHA256, m, s)
                .is_ok()
        }),
        peer_alg: jsonwebtoken::Algorithm::RS256,
    }
}

fn es256_case() -> Case {
    let rng = SystemRandom::new();
    let pkcs8 =
        rs::EcdsaKeyPair::generate_pkcs8(&rs::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let kp =
        rs::EcdsaKeyPair::from_pkcs8(&rs::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
    let token = sign_token("ES256", "ec", |m| {
        kp.sign(&rng, m).unwrap().as_ref().to_vec()
    });
    let point = kp.public_key().as_ref().to_vec();
    let jwks = format!(
        r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"ec","x":"{}","y":"{}"}}]}}"#,
        b64(&point[1..33]),
        b64(&point[33..])
    );
    Case {
        name: "ES256",
        alg: Alg::ES256,
        token,
        jwks: jwks.into_bytes(),
        peer_key: jsonwebtoken::DecodingKey::from_ec_der(&point),
        raw: Box::new(move |m, s| {
            rs::UnparsedPublicKey::new(&rs::ECDSA_P256_SHA256_FIXED, &point)
                .verify(m, s)
                .is_ok()
        }),
        peer_alg: jsonwebtoken::Algorithm::ES256,
    }
}

fn eddsa_case() -> Case {
    let pkcs8 = rs::Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let kp = rs::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let token = sign_token("EdDSA", "ed", |m| kp.sign(m).as_ref().to_vec());
    let x = kp.public_key().as_ref().to_vec();
    let jwks = format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"{}"}}]}}"#,
        b64(&x)
    );
    Case {
        name: "EdDSA",
        alg: Alg::EdDSA,
        token,
        jwks: jwks.into_bytes(),
        peer_key: jsonwebtoken::DecodingKey::from_ed_der(&x),
        raw: Box::new(move |m, s| {
            rs::UnparsedPublicKey::new(&rs::ED25519, &x)
                .verify(m, s)
                .is_ok()
        }),
        peer_alg: jsonwebtoken::Algorithm::EdDSA,
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for case in [rsa_case(), es256_case(), eddsa_case()] {
        let config = AccessTokenVerifierConfig::new(ISS, ["bosso"])
            .unwrap()
            .with_algorithms([case.alg])
            .unwrap();
        let cache = JwksCache::new(config.clone(), StaticJwksSource::new(case.jwks.clone()));
        // Warm the cache: keys parsed once here, never per token.
        assert!(rt.block_on(cache.verify(&case.token)).is_ok());
        let verifier =
            AccessTokenVerifier::new(config, JwksKeySet::from_jwks_json(&case.jwks).unwrap());
        assert!(verifier.verify(&case.token).is_ok());
        let (input, sig) = case.token.rsplit_once('.').unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        assert!((case.raw)(input.as_bytes(), &sig));
        let mut validation = jsonwebtoken::Validation::new(case.peer_alg);
        validation.set_audience(&["bosso"]);
        validation.set_issuer(&[ISS]);
        assert!(
            jsonwebtoken::decode::<PeerClaims>(&case.token, &case.peer_key, &validation).is_ok()
        );

        let mut g = c.benchmark_group(format!("oidc_verify_{}", case.name));
        g.bench_function("bosso_jwks_cache_warm", |b| {
            b.iter(|| rt.block_on(cache.verify(black_box(&case.token))).unwrap())
        });
        g.bench_function("bosso_verifier_static_keys", |b| {
            b.iter(|| verifier.verify(black_box(&case.token)).unwrap())
        });
        g.bench_function("raw_ring_verify", |b| {
            b.iter(|| assert!((case.raw)(black_box(input.as_bytes()), black_box(&sig))))
        });
        g.bench_function("jsonwebtoken_rust_crypto_decode", |b| {
            b.iter(|| {
                jsonwebtoken::decode::<PeerClaims>(
                    black_box(&case.token),
                    &case.peer_key,
                    &validation,
                )
                .unwrap()
            })
        });
        g.finish();
    }
}

// ---------------- the attach gate ----------------
// The full admit path (Host, Origin, subprotocol parse, Ed25519 verify, in-memory replay
// consume, ownership re-check, live-view registration) beside a bare attach-token verify
// with the same key: the gate's target is at most 1.3x the bare verify.
fn bench_gate(c: &mut Criterion) {
    use bosso::auth::gate::{AttachGate, TrustedPrincipal};
    use bosso::auth::host::{HostPolicy, OriginPolicy};
    use bosso::auth::ownership::MemoryOwnershipStore;
    use bosso::token::*;
    use secrecy::ExposeSecret;

    let ring = KeyRing::new(SigningKey::generate_ed25519(KeyId::new("k").unwrap()).unwrap());
    let aud = Audience::new("bosso").unwrap();
    let store = MemoryOwnershipStore::new();
    let (user, daemon) = (UserId::new("alice").unwrap(), DaemonId::new("d").unwrap());
    let (session, chat) = (SessionId::new("s").unwrap(), ChatId::new("c").unwrap());
    store.set_daemon(&user, &daemon, Some(InstanceId::new("r").unwrap()));
    store.set_session(&user, &daemon, &session, vec![chat.clone()]);
    let gate = AttachGate::builder(
        AttachMinter::new(ring.active().clone(), aud.clone()),
        AttachVerifier::new(ring.verification_keys(), aud.clone()),
        store,
        MemoryReplayStore::with_capacity(1 << 24),
    )
    .hosts(HostPolicy::only().allow("app.example.com").unwrap())
    .origins(OriginPolicy::exact(["https://app.example.com"]).unwrap())
    .protocols(["app.v1"])
    .build()
    .unwrap();
    let bare = AttachVerifier::new(ring.verification_keys(), aud);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // The bench itself stands in for the host's login check.
    let principal = TrustedPrincipal::assert_verified(user);
    // Tokens are minted outside the timed region (single use: each admit needs a new one).
    let mint = || {
        let t = rt
            .block_on(gate.issue(
                &principal,
                session.clone(),
                chat.clone(),
                Permission::Editor,
            ))
            .unwrap();
        let mut h = axum::http::HeaderMap::new();
        h.insert(axum::http::header::HOST, "app.example.com".parse().unwrap());
        h.insert(
            axum::http::header::ORIGIN,
            "https://app.example.com".parse().unwrap(),
        );
        let v = subprotocol::client_header_value("app.v1", &t).unwrap();
        h.insert(
            axum::http::header::SEC_WEBSOCKET_PROTOCOL,
            v.expose_secret().parse().unwrap(),
        );
        (t, h)
    };
    let mut g = c.benchmark_group("gate_admit_ed25519");
    g.bench_function("bosso_full_admit", |b| {
        b.iter_batched(
            mint,
            |(_, h)| rt.block_on(gate.admit(&h, &session, &chat)).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    let (t, _) = mint();
    g.bench_function("bare_token_verify", |b| {
        b.iter(|| {
            bare.verify_str(
                std::hint::black_box(t.expose_secret()),
                &Expected::any_scope(),
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench, bench_gate);
criterion_main!(benches);
