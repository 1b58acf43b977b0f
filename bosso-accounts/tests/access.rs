//! Access JWTs minted by `accounts::access` are checked by bosso-auth's own OIDC verifier fed
//! only the published JWKS (the loop the issue asks for), for EdDSA and RS256, through the
//! static verifier and the rotating JWKS cache, across key rotation and at the lifetime edges.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

// One copy of the OIDC test helpers (independent signing with ring), shared with bosso-auth.
#[path = "../../bosso-auth/tests/oidc_support/mod.rs"]
mod oidc_support;

use std::sync::Arc;

use bosso_accounts::Error;
use bosso_accounts::access::{
    AccessConfig, AccessIssuer, AccessSigningKey, DEFAULT_ACCESS_TTL_SECS, MAX_ACCESS_TTL_SECS,
    RsaKeyParts,
};
use bosso_auth::Error as VerifyError;
use bosso_auth::oidc::{
    AccessTokenVerifier, AccessTokenVerifierConfig, Alg, JwksCache, JwksKeySet, StaticJwksSource,
};
use bosso_token::{KeyId, ManualClock, UnixTime, UserId};
use oidc_support::{NOW, b64, unb64, vectors};
use serde_json::Value;

const ISSUER: &str = "https://auth.bosso.test";
const API: &str = "https://api.bosso.test";

fn kid(s: &str) -> KeyId {
    KeyId::new(s).unwrap()
}

fn alice() -> UserId {
    UserId::new("alice").unwrap()
}

fn issuer(key: AccessSigningKey, clock: &ManualClock) -> AccessIssuer<ManualClock> {
    AccessIssuer::new(AccessConfig::new(ISSUER, API).unwrap(), key, clock.clone())
}

fn verifier<C>(issuer: &AccessIssuer<C>, clock: &ManualClock) -> AccessTokenVerifier
where
    C: bosso_token::Clock,
{
    let keys = JwksKeySet::from_jwks_json(issuer.jwks_json().unwrap().as_bytes()).unwrap();
    let config = AccessTokenVerifierConfig::new(ISSUER, [API])
        .unwrap()
        .with_algorithms(issuer.algorithms())
        .unwrap()
        .with_required_typ("at+jwt")
        .unwrap();
    AccessTokenVerifier::new(config, keys).with_clock(Arc::new(clock.clone()))
}

/// The three parts of a compact JWS, the first two decoded as JSON.
fn parts(jwt: &str) -> (Value, Value, Vec<u8>) {
    let p: Vec<&str> = jwt.split('.').collect();
    assert_eq!(p.len(), 3);
    (
        serde_json::from_slice(&unb64(p[0])).unwrap(),
        serde_json::from_slice(&unb64(p[1])).unwrap(),
        unb64(p[2]),
    )
}

/// The RFC 7515 Appendix A.2 RSA key: public and obviously test-only.
fn rfc7515_rsa() -> Value {
    let v = vectors("jose/rfc7515_appendix_a.json");
    v["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "RFC7515-A.2")
        .unwrap()["jwk"]
        .clone()
}

/// The eight private-JWK members in `RsaKeyParts` order: n, e, d, p, q, dp, dq, qi.
fn rsa_members(jwk: &Value) -> Vec<Vec<u8>> {
    ["n", "e", "d", "p", "q", "dp", "dq", "qi"]
        .iter()
        .map(|m| unb64(jwk[*m].as_str().unwrap()))
        .collect()
}

fn key_parts(m: &[Vec<u8>]) -> RsaKeyParts<'_> {
    RsaKeyParts {
        n: &m[0],
        e: &m[1],
        d: &m[2],
        p: &m[3],
        q: &m[4],
        dp: &m[5],
        dq: &m[6],
        qi: &m[7],
    }
}

fn rsa_key(jwk: &Value, id: &str) -> AccessSigningKey {
    AccessSigningKey::rs256_from_parts(kid(id), &key_parts(&rsa_members(jwk))).unwrap()
}

#[test]
fn eddsa_tokens_verify_against_the_published_jwks() {
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let key = AccessSigningKey::generate_ed25519(kid("at-1")).unwrap();
    let issuer = issuer(key, &clock);
    let token = issuer
        .issue(&alice(), &["chats:read", "chats:write"])
        .unwrap();

    let verified = verifier(&issuer, &clock).verify(token.expose()).unwrap();
    assert_eq!(verified.subject(), &alice());
    assert_eq!(verified.issuer(), ISSUER);
    assert_eq!(verified.audience(), [API.to_string()]);
    assert_eq!(verified.issued_at(), Some(UnixTime::from_secs(NOW)));
    assert_eq!(
        verified.expires_at(),
        UnixTime::from_secs(NOW + DEFAULT_ACCESS_TTL_SECS)
    );
    // The issue's "short-lived (15 min)".
    assert_eq!(verified.expires_at().as_secs() - NOW, 15 * 60);
    assert!(verified.has_scope("chats:read") && verified.has_scope("chats:write"));
    assert!(!verified.has_scope("admin"));

    // The wire form: RFC 9068 header, a fresh 128-bit jti per token.
    let (header, claims, sig) = parts(token.expose());
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["kid"], "at-1");
    assert_eq!(sig.len(), 64);
    assert_eq!(claims["jti"], token.token_id());
    assert_eq!(unb64(token.token_id()).len(), 16);
    let other = issuer.issue(&alice(), &[]).unwrap();
    assert_ne!(other.token_id(), token.token_id());
    let (_, other_claims, _) = parts(other.expose());
    assert!(other_claims.get("scope").is_none());
}

#[test]
fn the_jwks_holds_only_public_keys() {
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let jwk = rfc7515_rsa();
    let mut issuer = issuer(rsa_key(&jwk, "rsa-1"), &clock);
    issuer
        .rotate(AccessSigningKey::generate_ed25519(kid("ed-2")).unwrap())
        .unwrap();
    let doc: Value = serde_json::from_str(&issuer.jwks_json().unwrap()).unwrap();
    let keys = doc["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let rsa = keys.iter().find(|k| k["kid"] == "rsa-1").unwrap();
    // The modulus and exponent are the RFC's (an expected value from outside this code).
    assert_eq!(rsa["n"], jwk["n"]);
    assert_eq!(rsa["e"], jwk["e"]);
    assert_eq!(rsa["alg"], "RS256");
    for k in keys {
        assert_eq!(k["use"], "sig");
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(k.get(private).is_none(), "{private} published in {k}");
        }
    }
    assert_eq!(issuer.algorithms(), vec![Alg::RS256, Alg::EdDSA]);
}

#[test]
fn rs256_tokens_verify_here_and_with_the_rfc_public_key() {
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let jwk = rfc7515_rsa();
    let issuer = issuer(rsa_key(&jwk, "rsa-1"), &clock);
    let token = issuer.issue(&alice(), &["chats:read"]).unwrap();

    let verified = verifier(&issuer, &clock).verify(token.expose()).unwrap();
    assert_eq!(verified.subject(), &alice());

    // Independently of our JWKS export: ring with the RFC's own n and e.
    let (header, _, sig) = parts(token.expose());
    assert_eq!(header["alg"], "RS256");
    let input = token.expose().rsplit_once('.').unwrap().0;
    let public = ring::signature::RsaPublicKeyComponents {
        n: unb64(jwk["n"].as_str().unwrap()),
        e: unb64(jwk["e"].as_str().unwrap()),
    };
    public
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            input.as_bytes(),
            &sig,
        )
        .unwrap();
}

#[tokio::test]
async fn a_remote_verifier_through_the_jwks_cache() {
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let issuer = issuer(
        AccessSigningKey::generate_ed25519(kid("at-1")).unwrap(),
        &clock,
    );
    let config = AccessTokenVerifierConfig::new(ISSUER, [API])
        .unwrap()
        .with_algorithms([Alg::EdDSA])
        .unwrap();
    let source = StaticJwksSource::new(issuer.jwks_json().unwrap().into_bytes());
    let cache = JwksCache::new(config, source).with_clock(Arc::new(clock.clone()));
    let token = issuer.issue(&alice(), &[]).unwrap();
    assert_eq!(
        cache.verify(token.expose()).await.unwrap().subject(),
        &alice()
    );
}

#[test]
fn rotation_keeps_old_tokens_valid_until_the_key_is_retired() {
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let mut issuer = issuer(
        AccessSigningKey::generate_ed25519(kid("at-1")).unwrap(),
        &clock,
    );
    let old = issuer.issue(&alice(), &[]).unwrap();
    issuer
        .rotate(AccessSigningKey::generate_ed25519(kid("at-2")).unwrap())
        .unwrap();
    let new = issuer.issue(&alice(), &[]).unwrap();
    assert_eq!(parts(new.expose()).0["kid"], "at-2");

    let v = verifier(&issuer, &clock);
    v.verify(old.expose()).unwrap();
    v.verify(new.expose()).unwrap();

    issuer.retire(&kid("at-1")).unwrap();
    let v = verifier(&issuer, &clock);
    assert_eq!(
        v.verify(old.expose()).unwrap_err(),
        VerifyError::JwtUnknownKey
    );
    v.verify(new.expose()).unwrap();

    // A reused key id (published, or retired: a verifier may still cache the old key under
    // it), retiring the active key or an unknown one: refused.
    for used in ["at-2", "at-1"] {
        let dup = AccessSigningKey::generate_ed25519(kid(used)).unwrap();
        assert!(
            matches!(issuer.rotate(dup), Err(Error::InvalidKey(_))),
            "{used}"
        );
    }
    assert!(matches!(
        issuer.retire(&kid("at-2")),
        Err(Error::InvalidKey(_))
    ));
    assert!(matches!(
        issuer.retire(&kid("at-9")),
        Err(Error::InvalidKey(_))
    ));
}

#[test]
fn the_jwks_never_outgrows_what_verifiers_accept() {
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let mut issuer = issuer(
        AccessSigningKey::generate_ed25519(kid("k0")).unwrap(),
        &clock,
    );
    let max = bosso_auth::oidc::MAX_JWKS_KEYS;
    for i in 1..max {
        issuer
            .rotate(AccessSigningKey::generate_ed25519(kid(&format!("k{i}"))).unwrap())
            .unwrap();
    }
    // 64 keys published: still a JWKS every verifier takes, and no room for a 65th.
    let keys = JwksKeySet::from_jwks_json(issuer.jwks_json().unwrap().as_bytes()).unwrap();
    assert_eq!(keys.len(), max);
    let next = AccessSigningKey::generate_ed25519(kid("k-next")).unwrap();
    assert!(matches!(issuer.rotate(next), Err(Error::InvalidKey(_))));
    issuer.retire(&kid("k0")).unwrap();
    let next = AccessSigningKey::generate_ed25519(kid("k-next")).unwrap();
    issuer.rotate(next).unwrap();
    assert_eq!(
        JwksKeySet::from_jwks_json(issuer.jwks_json().unwrap().as_bytes())
            .unwrap()
            .len(),
        max
    );
}

#[test]
fn client_id_is_carried_when_configured() {
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let config = AccessConfig::new(ISSUER, API)
        .unwrap()
        .with_client_id("bosso-web")
        .unwrap();
    assert_eq!(config.client_id(), Some("bosso-web"));
    let issuer = AccessIssuer::new(
        config,
        AccessSigningKey::generate_ed25519(kid("at-1")).unwrap(),
        clock.clone(),
    );
    let token = issuer.issue(&alice(), &[]).unwrap();
    assert_eq!(parts(token.expose()).1["client_id"], "bosso-web");
    verifier(&issuer, &clock).verify(token.expose()).unwrap();
    assert!(
        AccessConfig::new(ISSUER, API)
            .unwrap()
            .with_client_id("has space")
            .is_err()
    );
}

#[test]
fn lifetime_edges() {
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let config = AccessConfig::new(ISSUER, API)
        .unwrap()
        .with_ttl_secs(300)
        .unwrap();
    let issuer = AccessIssuer::new(
        config,
        AccessSigningKey::generate_ed25519(kid("at-1")).unwrap(),
        clock.clone(),
    );
    let token = issuer.issue(&alice(), &[]).unwrap();
    assert_eq!(token.expires_at(), UnixTime::from_secs(NOW + 300));
    let verifier_clock = ManualClock::new(UnixTime::from_secs(NOW));
    let keys = JwksKeySet::from_jwks_json(issuer.jwks_json().unwrap().as_bytes()).unwrap();
    let v = AccessTokenVerifier::new(
        AccessTokenVerifierConfig::new(ISSUER, [API])
            .unwrap()
            .with_algorithms([Alg::EdDSA])
            .unwrap()
            .with_leeway_secs(0)
            .unwrap(),
        keys,
    )
    .with_clock(Arc::new(verifier_clock.clone()));
    verifier_clock.set(UnixTime::from_secs(NOW + 299));
    v.verify(token.expose()).unwrap();
    verifier_clock.set(UnixTime::from_secs(NOW + 300));
    assert_eq!(
        v.verify(token.expose()).unwrap_err(),
        VerifyError::JwtExpired
    );

    for bad in [0, MAX_ACCESS_TTL_SECS + 1] {
        let r = AccessConfig::new(ISSUER, API).unwrap().with_ttl_secs(bad);
        assert!(matches!(r, Err(Error::InvalidConfig(_))), "{bad}");
    }
    AccessConfig::new(ISSUER, API)
        .unwrap()
        .with_ttl_secs(MAX_ACCESS_TTL_SECS)
        .unwrap();
}

#[test]
fn a_verifier_for_another_service_or_issuer_refuses() {
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let issuer = issuer(
        AccessSigningKey::generate_ed25519(kid("at-1")).unwrap(),
        &clock,
    );
    let token = issuer.issue(&alice(), &[]).unwrap();
    let keys = || JwksKeySet::from_jwks_json(issuer.jwks_json().unwrap().as_bytes()).unwrap();
    let cfg = |iss: &str, aud: &str| {
        AccessTokenVerifierConfig::new(iss, [aud])
            .unwrap()
            .with_algorithms([Alg::EdDSA])
            .unwrap()
    };
    let at = |v: AccessTokenVerifier| v.with_clock(Arc::new(clock.clone()));
    assert_eq!(
        at(AccessTokenVerifier::new(
            cfg(ISSUER, "https://other.test"),
            keys()
        ))
        .verify(token.expose())
        .unwrap_err(),
        VerifyError::JwtAudienceMismatch
    );
    assert_eq!(
        at(AccessTokenVerifier::new(
            cfg("https://evil.test", API),
            keys()
        ))
        .verify(token.expose())
        .unwrap_err(),
        VerifyError::JwtIssuerMismatch
    );
    // An RS256-only verifier (the OIDC default) does not take an EdDSA token.
    let rs_only = AccessTokenVerifierConfig::new(ISSUER, [API]).unwrap();
    assert_eq!(
        at(AccessTokenVerifier::new(rs_only, keys()))
            .verify(token.expose())
            .unwrap_err(),
        VerifyError::JwtAlgorithmNotAllowed
    );
}

#[test]
fn any_changed_byte_is_refused() {
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let issuer = issuer(
        AccessSigningKey::generate_ed25519(kid("at-1")).unwrap(),
        &clock,
    );
    let v = verifier(&issuer, &clock);
    let token = issuer.issue(&alice(), &["chats:read"]).unwrap();
    // Re-signing is impossible without the key: change only the subject inside the payload
    // text and keep the header and signature bytes. The unchanged re-encoding must still
    // verify, so the refusal below is caused by the swap and nothing else.
    let (h, p, sig) = {
        let mut it = token.expose().split('.');
        (it.next().unwrap(), it.next().unwrap(), it.next().unwrap())
    };
    let payload = String::from_utf8(unb64(p)).unwrap();
    assert!(payload.contains(r#""sub":"alice""#));
    let same = format!("{h}.{}.{sig}", b64(payload.as_bytes()));
    v.verify(&same).unwrap();
    let swapped = payload.replace(r#""sub":"alice""#, r#""sub":"mallo""#);
    let forged = format!("{h}.{}.{sig}", b64(swapped.as_bytes()));
    assert_eq!(v.verify(&forged).unwrap_err(), VerifyError::JwtBadSignature);
    let jwt = token.expose().as_bytes();
    for i in (0..jwt.len()).step_by(7) {
        let mut t = jwt.to_vec();
        t[i] = if t[i] == b'A' { b'B' } else { b'A' };
        let t = String::from_utf8(t).unwrap();
        assert!(v.verify(&t).is_err(), "byte {i} changed and still verified");
    }
}

#[test]
fn scopes_and_names_are_validated() {
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let issuer = issuer(
        AccessSigningKey::generate_ed25519(kid("at-1")).unwrap(),
        &clock,
    );
    for bad in ["", "two words", "quote\"", "back\\slash", &"s".repeat(65)] {
        assert!(
            matches!(issuer.issue(&alice(), &[bad]), Err(Error::InvalidConfig(_))),
            "{bad:?}"
        );
    }
    let many: Vec<&str> = std::iter::repeat_n("s", 33).collect();
    assert!(issuer.issue(&alice(), &many).is_err());
    assert!(issuer.issue(&alice(), &many[..32]).is_ok());
    assert!(AccessConfig::new("", API).is_err());
    assert!(AccessConfig::new(ISSUER, "with space").is_err());
    assert!(AccessConfig::new("x".repeat(257), API).is_err());
}

#[test]
fn keys_import_and_debug_never_shows_secrets() {
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let key = AccessSigningKey::ed25519_from_pkcs8(kid("imp-1"), pkcs8.as_ref()).unwrap();
    assert_eq!(key.alg(), Alg::EdDSA);
    assert!(matches!(
        AccessSigningKey::ed25519_from_pkcs8(kid("x"), b"not a key"),
        Err(Error::InvalidKey(_))
    ));
    assert!(matches!(
        AccessSigningKey::rs256_from_pkcs8(kid("x"), pkcs8.as_ref()),
        Err(Error::InvalidKey(_))
    ));
    // Parts that do not belong together are refused by ring's consistency checks.
    let mut members = rsa_members(&rfc7515_rsa());
    members[3][10] ^= 1; // p
    let bad = key_parts(&members);
    // Derived Debug would print the byte arrays; the redacted one prints nothing of them.
    assert_eq!(format!("{bad:?}"), "RsaKeyParts([REDACTED])");
    assert!(matches!(
        AccessSigningKey::rs256_from_parts(kid("x"), &bad),
        Err(Error::InvalidKey(_))
    ));

    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let issuer = issuer(key, &clock);
    let token = issuer.issue(&alice(), &[]).unwrap();
    let shown = format!("{token:?} {issuer:?}");
    let sig = token.expose().rsplit_once('.').unwrap().1;
    assert!(!shown.contains(sig), "{shown}");
    assert!(!shown.contains(token.expose()));
    assert!(shown.contains("imp-1"));
}
