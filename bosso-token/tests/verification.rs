//! Verification behaviour through the public API: every check of SPEC.md section 5.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::sync::Arc;

use bosso_token::*;
use common::*;
use proptest::prelude::*;

fn alice() -> Scope {
    scope("alice", "s1", "c1", Permission::Editor)
}

#[test]
fn round_trip_both_algorithms() {
    for f in [ed25519(), hmac()] {
        let t = f.minter.mint(&alice()).unwrap();
        let store = MemoryReplayStore::new();
        let c = block_on(f.verifier.verify_and_consume(
            t.expose_secret(),
            &Expected::any_scope(),
            &store,
        ))
        .unwrap();
        assert_eq!(c.scope(), &alice());
        assert_eq!(
            c.expires_at().as_secs() - c.issued_at().as_secs(),
            DEFAULT_TTL_SECS
        );
        assert_eq!(c.token_id(), t.token_id());
        assert!(
            t.expose_secret()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
    }
}

#[test]
fn expiry_and_leeway_edges() {
    let f = ed25519();
    let t = f.minter.mint(&alice()).unwrap();
    let exp = T0 + DEFAULT_TTL_SECS;
    // Valid up to exp + leeway inclusive, refused one second later.
    f.clock.set(UnixTime::from_secs(exp + DEFAULT_LEEWAY_SECS));
    assert!(
        f.verifier
            .verify_str(t.expose_secret(), &Expected::any_scope())
            .is_ok()
    );
    f.clock
        .set(UnixTime::from_secs(exp + DEFAULT_LEEWAY_SECS + 1));
    assert_eq!(
        f.verifier
            .verify_str(t.expose_secret(), &Expected::any_scope())
            .unwrap_err(),
        Error::Expired
    );
    // Issued in the future: accepted within leeway, refused beyond.
    f.clock.set(UnixTime::from_secs(T0 - DEFAULT_LEEWAY_SECS));
    assert!(
        f.verifier
            .verify_str(t.expose_secret(), &Expected::any_scope())
            .is_ok()
    );
    f.clock
        .set(UnixTime::from_secs(T0 - DEFAULT_LEEWAY_SECS - 1));
    assert_eq!(
        f.verifier
            .verify_str(t.expose_secret(), &Expected::any_scope())
            .unwrap_err(),
        Error::NotYetValid
    );
}

#[test]
fn leeway_and_lifetime_bounds_are_enforced_in_config() {
    let f = ed25519();
    let aud = Audience::new("bosso").unwrap();
    assert!(
        AttachVerifier::new(f.ring.verification_keys(), aud.clone())
            .with_leeway(61)
            .is_err()
    );
    assert!(
        AttachVerifier::new(f.ring.verification_keys(), aud.clone())
            .with_leeway(60)
            .is_ok()
    );
    assert!(
        AttachVerifier::new(f.ring.verification_keys(), aud.clone())
            .with_max_lifetime(0)
            .is_err()
    );
    assert!(
        AttachVerifier::new(f.ring.verification_keys(), aud.clone())
            .with_max_lifetime(901)
            .is_err()
    );
    assert!(
        AttachMinter::new(f.ring.active().clone(), aud.clone())
            .with_ttl(901)
            .is_err()
    );
    assert!(
        AttachMinter::new(f.ring.active().clone(), aud)
            .with_ttl(0)
            .is_err()
    );
}

#[test]
fn lifetime_cap_applies_to_correctly_signed_tokens() {
    let f = ed25519();
    let aud = Audience::new("bosso").unwrap();
    let long = AttachMinter::new(f.ring.active().clone(), aud)
        .with_ttl(600)
        .unwrap()
        .with_clock(Arc::new(f.clock.clone()));
    let t = long.mint(&alice()).unwrap();
    assert_eq!(
        f.verifier
            .verify_str(t.expose_secret(), &Expected::any_scope())
            .unwrap_err(),
        Error::LifetimeTooLong
    );
}

#[test]
fn wrong_audience_is_refused() {
    let f = ed25519();
    let other = AttachMinter::new(f.ring.active().clone(), Audience::new("not-bosso").unwrap())
        .with_clock(Arc::new(f.clock.clone()));
    let t = other.mint(&alice()).unwrap();
    assert_eq!(
        f.verifier
            .verify_str(t.expose_secret(), &Expected::any_scope())
            .unwrap_err(),
        Error::WrongAudience
    );
}

#[test]
fn scope_is_enforced_when_expected() {
    let f = hmac();
    let t = f
        .minter
        .mint(&scope("alice", "s1", "c1", Permission::Viewer))
        .unwrap();
    let ok = |e: Expected| f.verifier.verify_str(t.expose_secret(), &e).map(|_| ());
    let s1 = || SessionId::new("s1").unwrap();
    let c1 = || ChatId::new("c1").unwrap();
    assert!(ok(Expected::chat(s1(), c1())).is_ok());
    assert!(ok(Expected::chat(s1(), c1()).user(UserId::new("alice").unwrap())).is_ok());
    assert!(ok(Expected::chat(s1(), c1()).permission(Permission::Viewer)).is_ok());
    let wrong = [
        Expected::chat(s1(), ChatId::new("c2").unwrap()),
        Expected::chat(SessionId::new("s2").unwrap(), c1()),
        Expected::chat(s1(), c1()).user(UserId::new("bob").unwrap()),
        Expected::chat(s1(), c1()).permission(Permission::Editor),
    ];
    for e in wrong {
        assert_eq!(ok(e).unwrap_err(), Error::WrongScope);
    }
}

#[test]
fn algorithm_is_fixed_by_version_even_with_same_kid() {
    // An HMAC key and an Ed25519 key share a key id; each verifies only its own version.
    let kid = KeyId::new("shared").unwrap();
    let ed = SigningKey::generate_ed25519(kid.clone()).unwrap();
    let mac = SigningKey::generate_hmac(kid).unwrap();
    let aud = Audience::new("bosso").unwrap();
    let mut only_ed = VerificationKeys::new();
    only_ed.insert(ed.verification_key()).unwrap();
    let v = AttachVerifier::new(only_ed, aud.clone());
    let t = AttachMinter::new(Arc::new(mac), aud)
        .mint(&alice())
        .unwrap();
    assert_eq!(
        v.verify_str(t.expose_secret(), &Expected::any_scope())
            .unwrap_err(),
        Error::UnknownKey
    );
}

#[test]
fn rotation_keeps_old_tokens_valid_until_retired() {
    let mut f = ed25519();
    let aud = Audience::new("bosso").unwrap();
    let old = f.minter.mint(&alice()).unwrap();
    f.ring
        .rotate(SigningKey::generate_ed25519(KeyId::new("ed-2").unwrap()).unwrap())
        .unwrap();
    f.verifier.set_keys(f.ring.verification_keys());
    let new_minter =
        AttachMinter::new(f.ring.active().clone(), aud).with_clock(Arc::new(f.clock.clone()));
    let new = new_minter.mint(&alice()).unwrap();
    assert!(
        f.verifier
            .verify_str(old.expose_secret(), &Expected::any_scope())
            .is_ok()
    );
    assert!(
        f.verifier
            .verify_str(new.expose_secret(), &Expected::any_scope())
            .is_ok()
    );
    assert!(
        f.ring.retire(&KeyId::new("ed-2").unwrap()).is_err(),
        "active key cannot be retired"
    );
    f.ring.retire(&KeyId::new("ed-1").unwrap()).unwrap();
    f.verifier.set_keys(f.ring.verification_keys());
    assert_eq!(
        f.verifier
            .verify_str(old.expose_secret(), &Expected::any_scope())
            .unwrap_err(),
        Error::UnknownKey
    );
    assert!(
        f.verifier
            .verify_str(new.expose_secret(), &Expected::any_scope())
            .is_ok()
    );
    // A duplicate key id cannot be rotated in.
    assert!(
        f.ring
            .rotate(SigningKey::generate_ed25519(KeyId::new("ed-2").unwrap()).unwrap())
            .is_err()
    );
}

#[test]
fn public_keys_round_trip_through_jwks_and_verify_elsewhere() {
    let f = ed25519();
    let json = f.ring.verification_keys().to_jwks_json();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["keys"][0]["kty"], "OKP");
    assert_eq!(v["keys"][0]["crv"], "Ed25519");
    assert_eq!(v["keys"][0]["kid"], "ed-1");
    let imported = VerificationKeys::from_jwks_json(&json).unwrap();
    let remote = AttachVerifier::new(imported, Audience::new("bosso").unwrap())
        .with_clock(Arc::new(f.clock.clone()));
    let t = f.minter.mint(&alice()).unwrap();
    assert!(
        remote
            .verify_str(t.expose_secret(), &Expected::any_scope())
            .is_ok()
    );
    // HMAC keys never leave.
    let h = hmac();
    assert_eq!(h.ring.verification_keys().to_jwks_json(), r#"{"keys":[]}"#);
}

#[test]
fn jwks_import_rejects_bad_entries() {
    let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    let bad = [
        format!(r#"{{"keys":[{{"kty":"RSA","crv":"Ed25519","kid":"a","x":"{x}"}}]}}"#),
        format!(r#"{{"keys":[{{"kty":"OKP","crv":"X25519","kid":"a","x":"{x}"}}]}}"#),
        format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"a","x":"{x}","alg":"HS256"}}]}}"#
        ),
        format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"a","x":"{x}","use":"enc"}}]}}"#),
        format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"a b","x":"{x}"}}]}}"#),
        r#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"AAAA"}]}"#.to_string(),
        format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"a","x":"{x}"}},{{"kty":"OKP","crv":"Ed25519","kid":"a","x":"{x}"}}]}}"#
        ),
        "not json".to_string(),
        format!(r#"{{"keys":[]{}}}"#, " ".repeat(MAX_JWKS_LEN)),
    ];
    for doc in bad {
        assert!(
            VerificationKeys::from_jwks_json(&doc).is_err(),
            "{}",
            &doc[..doc.len().min(80)]
        );
    }
    let good = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"a","x":"{x}"}}]}}"#);
    assert_eq!(VerificationKeys::from_jwks_json(&good).unwrap().len(), 1);
}

#[test]
fn jwks_import_takes_only_objects_and_no_repeated_members() {
    let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    // The same key as arrays of fields in declaration order: a derived parser takes these.
    for doc in [
        format!(r#"{{"keys":[["OKP","Ed25519","a","{x}"]]}}"#),
        format!(r#"[[{{"kty":"OKP","crv":"Ed25519","kid":"a","x":"{x}"}}]]"#),
        format!(r#"[[["OKP","Ed25519","a","{x}"]]]"#),
        // A repeated member cannot pick which key is imported.
        format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"a","x":"{x}","x":"{x}"}}]}}"#),
        format!(r#"{{"keys":[],"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"a","x":"{x}"}}]}}"#),
    ] {
        assert_eq!(
            VerificationKeys::from_jwks_json(&doc).unwrap_err(),
            Error::InvalidKeySet("not a JWK set"),
            "{doc}"
        );
    }
}

#[test]
fn debug_never_shows_secrets() {
    for f in [ed25519(), hmac()] {
        let t = f.minter.mint(&alice()).unwrap();
        let key = f.ring.active();
        let secret_hex: String = key
            .secret_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let rendered = [
            format!("{t:?}"),
            format!("{key:?}"),
            format!("{:?}", f.ring),
            format!("{:?}", f.minter),
            format!("{:?}", f.verifier),
            format!("{:?}", f.ring.verification_keys()),
            format!("{:?}", UnverifiedToken::parse(t.expose_secret()).unwrap()),
            format!(
                "{:?}",
                f.verifier
                    .verify_str(t.expose_secret(), &Expected::any_scope())
                    .unwrap()
            ),
        ];
        let body = &t.expose_secret()[6..];
        for r in rendered {
            assert!(!r.contains(body), "token leaked in {r}");
            assert!(!r.contains(&body[..40]), "token prefix leaked in {r}");
            assert!(!r.contains(&secret_hex), "key leaked in {r}");
            assert!(
                !r.contains(&format!("{:?}", key.secret_bytes())),
                "key leaked in {r}"
            );
        }
    }
}

#[test]
fn errors_never_echo_the_token() {
    let f = ed25519();
    let t = f.minter.mint(&alice()).unwrap();
    let mut s = t.expose_secret().to_string();
    s.push('!');
    let e = f
        .verifier
        .verify_str(&s, &Expected::any_scope())
        .unwrap_err();
    assert!(!e.to_string().contains(&s[6..30]));
    assert!(!format!("{e:?}").contains(&s[6..30]));
}

fn any_scope() -> impl Strategy<Value = Scope> {
    let id = "[!-~]{1,64}";
    (
        id,
        id,
        id,
        prop_oneof![Just(Permission::Viewer), Just(Permission::Editor)],
    )
        .prop_map(|(u, s, c, p)| scope(&u, &s, &c, p))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn any_scope_round_trips(sc in any_scope(), use_hmac in any::<bool>()) {
        let f = if use_hmac { hmac() } else { ed25519() };
        let t = f.minter.mint(&sc).unwrap();
        prop_assert!(t.expose_secret().len() <= MAX_TOKEN_LEN);
        let store = MemoryReplayStore::new();
        let c = block_on(f.verifier.verify_and_consume(t.expose_secret(), &Expected::any_scope(), &store)).unwrap();
        prop_assert_eq!(c.scope(), &sc);
    }

    #[test]
    fn any_bit_flip_is_rejected(sc in any_scope(), use_hmac in any::<bool>(), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let f = if use_hmac { hmac() } else { ed25519() };
        let t = f.minter.mint(&sc).unwrap();
        let mut bytes = t.expose_secret().as_bytes().to_vec();
        let i = pos.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let s = String::from_utf8_lossy(&bytes);
        prop_assert!(f.verifier.verify_str(&s, &Expected::any_scope()).is_err());
    }

    #[test]
    fn any_truncation_or_extension_is_rejected(sc in any_scope(), cut in any::<prop::sample::Index>(), tail in "[A-Za-z0-9_.=-]{1,8}") {
        let f = ed25519();
        let t = f.minter.mint(&sc).unwrap();
        let s = t.expose_secret();
        let n = cut.index(s.len());
        prop_assert!(f.verifier.verify_str(&s[..n], &Expected::any_scope()).is_err());
        let longer = format!("{s}{tail}");
        prop_assert!(f.verifier.verify_str(&longer, &Expected::any_scope()).is_err());
    }

    #[test]
    fn changing_any_claim_is_rejected(a in any_scope(), b in any_scope()) {
        // Splice the signature of token B onto the claims of token A: a forged claim set.
        prop_assume!(a != b);
        let f = hmac();
        let ta = f.minter.mint(&a).unwrap();
        let tb = f.minter.mint(&b).unwrap();
        use base64::Engine as _;
        let eng = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let ra = eng.decode(&ta.expose_secret()[6..]).unwrap();
        let rb = eng.decode(&tb.expose_secret()[6..]).unwrap();
        let mut forged = ra[..ra.len() - 32].to_vec();
        forged.extend_from_slice(&rb[rb.len() - 32..]);
        let s = format!("bat1h.{}", eng.encode(&forged));
        prop_assert_eq!(f.verifier.verify_str(&s, &Expected::any_scope()).unwrap_err(), Error::BadSignature);
    }
}
