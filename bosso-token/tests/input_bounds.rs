//! Length rules at their edges: the HMAC key minimum, and the 1..=max length of every string
//! field of a token (SPEC section 3), reached with correctly MAC'ed bodies built here from the
//! SPEC, independently of the crate's encoder.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(missing_docs)]

mod common;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bosso_token::*;
use common::T0;
use secrecy::SecretSlice;

#[test]
fn hmac_keys_shorter_than_32_bytes_are_refused() {
    assert_eq!(MIN_HMAC_KEY_LEN, 32);
    let kid = || KeyId::new("k").unwrap();
    for len in [0usize, 1, 16, 31] {
        let err = SigningKey::hmac_from_bytes(kid(), SecretSlice::from(vec![7u8; len]))
            .expect_err("short HMAC key accepted");
        assert!(matches!(err, Error::InvalidKey(_)), "{len} bytes: {err}");
    }
    for len in [32usize, 33, 64] {
        let key = SigningKey::hmac_from_bytes(kid(), SecretSlice::from(vec![7u8; len])).unwrap();
        assert_eq!(key.secret_bytes().len(), len);
        assert_eq!(key.version(), Version::V1HmacSha256);
    }
    // The generated key is exactly the minimum.
    let generated = SigningKey::generate_hmac(kid()).unwrap();
    assert_eq!(generated.secret_bytes().len(), MIN_HMAC_KEY_LEN);
}

const KEY: [u8; 32] = [0x42; 32];

fn verifier() -> AttachVerifier {
    let mut keys = VerificationKeys::new();
    let mac = SigningKey::hmac_from_bytes(KeyId::new("k").unwrap(), KEY.to_vec().into()).unwrap();
    keys.insert(mac.verification_key()).unwrap();
    AttachVerifier::new(keys, Audience::new("bosso").unwrap())
        .with_clock(Arc::new(ManualClock::new(UnixTime::from_secs(T0))))
}

/// A `bat1h.` token over the SPEC body of these five strings (kid, aud, user, session, chat),
/// valid in every other respect.
fn token(fields: [&[u8]; 5]) -> String {
    let mut body = Vec::new();
    for f in fields {
        body.push(u8::try_from(f.len()).unwrap());
        body.extend_from_slice(f);
    }
    body.push(0x02); // editor
    body.extend_from_slice(&T0.to_be_bytes());
    body.extend_from_slice(&(T0 + 300).to_be_bytes());
    body.extend_from_slice(&[9u8; 16]);
    let input = [b"bat1h.".as_slice(), &body].concat();
    let tag = ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &KEY), &input);
    format!(
        "bat1h.{}",
        URL_SAFE_NO_PAD.encode([body.as_slice(), tag.as_ref()].concat())
    )
}

#[test]
fn every_string_field_is_one_to_max_bytes() {
    let v = verifier();
    let verify = |fields: [&[u8]; 5]| v.verify_str(&token(fields), &Expected::any_scope());
    let at_max = [b'u'; MAX_ID_LEN];
    // The control: each id field at its maximum verifies.
    assert!(verify([b"k", b"bosso", &at_max, &at_max, &at_max]).is_ok());
    let over = [b'u'; MAX_ID_LEN + 1];
    let names = ["audience", "user id", "session id", "chat id"];
    for (i, name) in names.into_iter().enumerate() {
        for bad in [&b""[..], &over[..]] {
            let mut fields: [&[u8]; 5] = [b"k", b"bosso", b"alice", b"s1", b"c1"];
            fields[i + 1] = bad;
            assert_eq!(
                verify(fields).unwrap_err(),
                Error::Malformed(name),
                "{name} of {} bytes",
                bad.len()
            );
        }
    }
    // The key id is read before the signature is checked, with its own maximum.
    assert_eq!(MAX_KEY_ID_LEN, 32);
    for bad in [&b""[..], &[b'k'; MAX_KEY_ID_LEN + 1][..]] {
        let t = token([bad, b"bosso", b"alice", b"s1", b"c1"]);
        assert_eq!(
            UnverifiedToken::parse(&t).unwrap_err(),
            Error::Malformed("key id")
        );
    }
    let t = token([&[b'k'; MAX_KEY_ID_LEN], b"bosso", b"alice", b"s1", b"c1"]);
    assert_eq!(
        UnverifiedToken::parse(&t).unwrap().key_id(),
        "k".repeat(MAX_KEY_ID_LEN)
    );
    // A field of the right length with a byte outside visible ASCII is malformed too.
    assert_eq!(
        verify([b"k", b"bosso", b"al ce", b"s1", b"c1"]).unwrap_err(),
        Error::Malformed("user id")
    );
}

/// The 7 small-order encodings from libsodium's `has_small_order` list (an independent
/// source), each also with the sign bit set: none may become a verification key, directly or
/// through a JWK set, while an honest key still can.
#[test]
fn small_order_ed25519_keys_are_refused_everywhere() {
    let hex = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ];
    let kid = || KeyId::new("k").unwrap();
    for h in hex {
        let mut key: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        for _sign in 0..2 {
            assert!(bosso_token::ed25519::is_small_order(&key), "{h}");
            assert!(
                matches!(
                    VerificationKey::ed25519_public(kid(), &key),
                    Err(Error::InvalidKey(_))
                ),
                "{h}"
            );
            let jwks = format!(
                r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"k","x":"{}"}}]}}"#,
                URL_SAFE_NO_PAD.encode(&key)
            );
            let imported = VerificationKeys::from_jwks_json(&jwks);
            assert!(
                imported.map_or(true, |keys| keys.is_empty()),
                "a small-order key entered a key set through JWK import: {h}"
            );
            key[31] ^= 0x80;
        }
    }
    let honest = SigningKey::generate_ed25519(kid())
        .unwrap()
        .verification_key();
    let public = *honest.ed25519_public_key().unwrap();
    assert!(!bosso_token::ed25519::is_small_order(&public));
    assert!(VerificationKey::ed25519_public(kid(), &public).is_ok());
}
