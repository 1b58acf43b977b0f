//! Public JOSE vectors through the public API: RFC 7515 Appendix A, RFC 7520 section 4 and
//! the Wycheproof JSON Web Signature suite.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod oidc_support;

use bosso_auth::Error;
use bosso_auth::oidc::{Alg, JwksKeySet, verify_signature_only};
use oidc_support::*;
use serde_json::Value;

fn set(jwk: &Value) -> JwksKeySet {
    JwksKeySet::from_jwks_json(&jwks(std::slice::from_ref(jwk))).unwrap()
}

fn rfc7515(id: &str) -> Value {
    let v = vectors("jose/rfc7515_appendix_a.json");
    v["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap()
        .clone()
}

#[test]
fn rfc7515_a2_rs256_a3_es256_a4_es512_verify() {
    for (id, alg) in [
        ("RFC7515-A.2", Alg::RS256),
        ("RFC7515-A.3", Alg::ES256),
        ("RFC7515-A.4", Alg::ES512),
    ] {
        let e = rfc7515(id);
        let keys = set(&e["jwk"]);
        let ok = verify_signature_only(e["compact"].as_str().unwrap(), &keys, &Alg::ALL)
            .unwrap_or_else(|err| panic!("{id}: {err}"));
        assert_eq!(ok.alg(), alg);
        assert_eq!(ok.payload(), e["payload_utf8"].as_str().unwrap().as_bytes());
        // The same vector with one payload byte changed must fail.
        let compact = e["compact"].as_str().unwrap();
        let (h, rest) = compact.split_once('.').unwrap();
        let (_, s) = rest.split_once('.').unwrap();
        let forged = format!("{h}.{}.{s}", b64(b"{\"iss\":\"joe\",\"exp\":1}"));
        assert_eq!(
            verify_signature_only(&forged, &keys, &Alg::ALL).unwrap_err(),
            Error::JwtBadSignature,
            "{id}"
        );
        // Not on the allow-list: refused before any key is used.
        let others: Vec<Alg> = Alg::ALL.into_iter().filter(|a| *a != alg).collect();
        assert_eq!(
            verify_signature_only(compact, &keys, &others).unwrap_err(),
            Error::JwtAlgorithmNotAllowed
        );
    }
}

#[test]
fn rfc7515_a1_hs256_and_a5_none_are_refused() {
    let rsa = set(&rfc7515("RFC7515-A.2")["jwk"]);
    for id in ["RFC7515-A.1", "RFC7515-A.5"] {
        let e = rfc7515(id);
        assert_eq!(
            verify_signature_only(e["compact"].as_str().unwrap(), &rsa, &Alg::ALL).unwrap_err(),
            if id.ends_with("A.1") {
                Error::JwtAlgorithmNotAllowed
            } else {
                // A.5 has an empty signature part.
                Error::JwtMalformed("empty part")
            },
            "{id}"
        );
    }
    // The A.1 HMAC key is a symmetric `oct` key: never a verification key.
    let hs = rfc7515("RFC7515-A.1");
    assert!(matches!(
        JwksKeySet::from_jwks_json(&jwks(&[hs["jwk"].clone()])),
        Err(Error::JwksInvalid(_))
    ));
}

#[test]
fn rfc7520_rs256_ps384_es512_verify() {
    let v = vectors("jose/rfc7520_jws_examples.json");
    let payload = v["payload_utf8"].as_str().unwrap();
    let mut checked = 0;
    for e in v["examples"].as_array().unwrap() {
        let Some(alg) = e["alg"].as_str() else {
            continue;
        };
        if !["RS256", "PS384", "ES512"].contains(&alg) {
            continue;
        }
        let keys = set(&e["jwk"]);
        let ok = verify_signature_only(e["compact"].as_str().unwrap(), &keys, &Alg::ALL)
            .unwrap_or_else(|err| panic!("{}: {err}", e["section"]));
        assert_eq!(ok.alg().name(), alg);
        assert_eq!(ok.kid(), Some("bilbo.baggins@hobbiton.example"));
        assert_eq!(ok.payload(), payload.as_bytes());
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn rfc7520_hs256_is_refused_even_with_every_algorithm_allowed() {
    let v = vectors("jose/rfc7520_jws_examples.json");
    let rsa = set(&v["examples"][0]["jwk"]);
    let hs = &v["examples"][3];
    assert_eq!(hs["alg"], "HS256");
    assert_eq!(
        verify_signature_only(hs["compact"].as_str().unwrap(), &rsa, &Alg::ALL).unwrap_err(),
        Error::JwtAlgorithmNotAllowed
    );
}

/// Wycheproof `json_web_signature_test.json`: every group with an asymmetric public key runs
/// through `verify_signature_only`. Invalid cases must fail; valid cases must pass, except
/// the groups whose JWK says `"alg":"ES521"` (not a registered JOSE name: RFC 7518 calls it
/// ES512) and the two PS384 signatures checked against a JWK stating `"alg":"PS256"`, which
/// we refuse on purpose. HMAC groups must fail against an RSA key set.
#[test]
fn wycheproof_json_web_signature() {
    let v = vectors("wycheproof/json_web_signature_test.json");
    let rfc_rsa = set(&rfc7515("RFC7515-A.2")["jwk"]);
    let (mut valid_ok, mut invalid_rejected) = (0, 0);
    let (mut refused_es521, mut refused_alg_mismatch) = (0, 0);
    for g in v["testGroups"].as_array().unwrap() {
        let keys = g
            .get("public")
            .map(|p| JwksKeySet::from_jwks_json(&jwks(std::slice::from_ref(p))));
        for t in g["tests"].as_array().unwrap() {
            let Some(jws) = t["jws"].as_str() else {
                // JSON-serialized JWS objects are not compact tokens: must be refused.
                continue;
            };
            let result = match &keys {
                Some(Ok(keys)) => verify_signature_only(jws, keys, &Alg::ALL).map(|_| ()),
                Some(Err(e)) => Err(e.clone()),
                None => verify_signature_only(jws, &rfc_rsa, &Alg::ALL).map(|_| ()),
            };
            let id = format!("{} tc{} {}", g["comment"], t["tcId"], t["comment"]);
            match (t["result"].as_str().unwrap(), &result) {
                ("invalid", Err(_)) => invalid_rejected += 1,
                ("invalid", Ok(())) => panic!("accepted invalid: {id}"),
                ("valid", Ok(())) => valid_ok += 1,
                ("valid", Err(_)) if g.get("public").is_none() => {} // HMAC: refused by design
                ("valid", Err(_)) if g["public"]["alg"] == "ES521" => refused_es521 += 1,
                // RFC 7520 PS384 signatures checked against a JWK that states "alg":"PS256":
                // a key verifies only its stated algorithm (RFC 8725 3.1), so we refuse.
                ("valid", Err(Error::JwtUnknownKey))
                    if g["public"]["alg"] == "PS256" && jws.starts_with("eyJhbGciOiJQUzM4NCIs") =>
                {
                    refused_alg_mismatch += 1
                }
                ("valid", Err(e)) => panic!("rejected valid: {id}: {e}"),
                (_, _) => {} // "acceptable": either way, without panicking
            }
        }
    }
    assert!(valid_ok >= 20, "{valid_ok}");
    assert!(invalid_rejected >= 200, "{invalid_rejected}");
    assert_eq!(refused_es521, 2);
    assert_eq!(refused_alg_mismatch, 2);
}
