//! The OIDC extractor behind a real axum server on loopback, called with reqwest: every
//! refusal's status and RFC 6750 challenge, a failing JWKS source, a malformed header.
#![cfg(feature = "axum")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod oidc_support;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use bosso_auth::Error;
use bosso_auth::axum::{OidcAuth, OidcUser};
use bosso_auth::oidc::{
    AccessTokenVerifierConfig, Alg, JwksCache, JwksDocument, JwksSource, StaticJwksSource,
    bearer_from_headers,
};
use bosso_token::{ManualClock, UnixTime};
use oidc_support::*;
use serde_json::json;

/// A key source that is down.
struct Down;

impl JwksSource for Down {
    async fn fetch(&self) -> Result<JwksDocument, Error> {
        Err(Error::JwksUnavailable("down".into()))
    }
}

async fn whoami(OidcUser(user): OidcUser) -> String {
    user.subject().to_string()
}

fn config() -> AccessTokenVerifierConfig {
    AccessTokenVerifierConfig::new(ISS, [AUD])
        .unwrap()
        .with_algorithms([Alg::EdDSA])
        .unwrap()
}

async fn serve(auth: OidcAuth) -> String {
    let app = Router::new()
        .route("/attach-token", post(whoami))
        .with_state(auth);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/attach-token")
}

fn cache<S: JwksSource + 'static>(source: S) -> OidcAuth {
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    OidcAuth::new(JwksCache::new(config(), source).with_clock(Arc::new(clock)))
        .with_retry_after(Duration::from_secs(7))
}

struct Reply {
    status: u16,
    challenge: Option<String>,
    retry_after: Option<String>,
    body: String,
}

async fn call(url: &str, authorization: &[&str]) -> Reply {
    let mut req = reqwest::Client::new().post(url);
    for a in authorization {
        req = req.header("authorization", *a);
    }
    let resp = req.send().await.unwrap();
    let header = |n: &str| {
        resp.headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    Reply {
        status: resp.status().as_u16(),
        challenge: header("www-authenticate"),
        retry_after: header("retry-after"),
        body: resp.text().await.unwrap(),
    }
}

const INVALID_TOKEN: &str = r#"Bearer error="invalid_token""#;

#[tokio::test]
async fn statuses_and_challenges_through_a_real_server() {
    let key = TestKey::ed25519();
    let url = serve(cache(StaticJwksSource::new(jwks(&[key.jwk("a", None)])))).await;
    let header = json!({"alg": "EdDSA", "kid": "a"});

    // A good token: 200, and the handler sees the subject.
    let good = key.token(&header, &good_claims());
    let ok = call(&url, &[&format!("Bearer {good}")]).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "user-1"));
    // The scheme name is case-insensitive.
    assert_eq!(call(&url, &[&format!("bEaReR {good}")]).await.status, 200);

    // Expired: 401 invalid_token (was 400 before the status fix).
    let mut claims = good_claims();
    claims["exp"] = json!(NOW - 600);
    let expired = call(&url, &[&format!("Bearer {}", key.token(&header, &claims))]).await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.challenge.as_deref(), Some(INVALID_TOKEN));

    // Forged: signed by another key under kid "a". Same answer, nothing more.
    let forged = TestKey::ed25519().token(&header, &good_claims());
    let forged = call(&url, &[&format!("Bearer {forged}")]).await;
    assert_eq!(forged.status, 401);
    assert_eq!(forged.challenge.as_deref(), Some(INVALID_TOKEN));
    assert_eq!(
        forged.body, expired.body,
        "no detail tells the failures apart"
    );
    assert_eq!(forged.body, "Unauthorized");

    // Not a JWS at all (but a b64token): a token failure, 401.
    let junk = call(&url, &["Bearer abc.def"]).await;
    assert_eq!(junk.status, 401);
    assert_eq!(junk.challenge.as_deref(), Some(INVALID_TOKEN));

    // Missing, or another scheme: 401 with a bare challenge (RFC 6750 section 3.1: no error
    // code when the request carries no bearer credentials).
    for a in [&[][..], &["Basic dXNlcjpwYXNz"][..]] {
        let missing = call(&url, a).await;
        assert_eq!(missing.status, 401);
        assert_eq!(missing.challenge.as_deref(), Some("Bearer"));
    }

    // Malformed requests: 400 invalid_request.
    let twice = format!("Bearer {good}");
    for a in [
        &["Bearer"][..],
        &["Bearer not a token"][..],
        &["Bearer ===="][..],
        &[twice.as_str(), twice.as_str()][..],
    ] {
        let bad = call(&url, a).await;
        assert_eq!(bad.status, 400, "{a:?}");
        assert_eq!(
            bad.challenge.as_deref(),
            Some(r#"Bearer error="invalid_request""#)
        );
    }
}

#[tokio::test]
async fn a_failing_key_source_is_503_with_retry_after() {
    let key = TestKey::ed25519();
    let url = serve(cache(Down)).await;
    let token = key.token(&json!({"alg": "EdDSA", "kid": "a"}), &good_claims());
    let down = call(&url, &[&format!("Bearer {token}")]).await;
    // Was 400 before the status fix.
    assert_eq!(down.status, 503);
    assert_eq!(down.retry_after.as_deref(), Some("7"));
    assert_eq!(down.challenge, None);
    assert_eq!(down.body, "Service Unavailable");
}

#[test]
fn bearer_header_parser() {
    let parse = |lines: &[&str]| {
        let mut h = http::HeaderMap::new();
        for l in lines {
            h.append("authorization", l.parse().unwrap());
        }
        bearer_from_headers(&h).map(str::to_owned)
    };
    assert_eq!(
        parse(&["Bearer a.b-c_d~e+f/g=="]).unwrap(),
        "a.b-c_d~e+f/g=="
    );
    assert_eq!(parse(&["Bearer   spaced"]).unwrap(), "spaced");
    assert_eq!(parse(&[]), Err(Error::BearerMissing));
    assert_eq!(parse(&["Basic x"]), Err(Error::BearerMissing));
    assert_eq!(parse(&["Bearerx"]), Err(Error::BearerMissing));
    assert!(matches!(
        parse(&["Bearer "]),
        Err(Error::MalformedAuthorization(_))
    ));
    assert!(matches!(
        parse(&["Bearer a b"]),
        Err(Error::MalformedAuthorization(_))
    ));
    assert!(matches!(
        parse(&["Bearer =a"]),
        Err(Error::MalformedAuthorization(_))
    ));
    assert_eq!(
        parse(&["Bearer a", "Bearer a"]),
        Err(Error::DuplicateHeader("authorization"))
    );
    let mut h = http::HeaderMap::new();
    h.insert(
        "authorization",
        http::HeaderValue::from_bytes(b"Bearer \xff").unwrap(),
    );
    assert!(matches!(
        bearer_from_headers(&h),
        Err(Error::MalformedAuthorization(_))
    ));
}

#[tokio::test]
async fn authenticate_without_the_extractor_gives_the_same_answers() {
    let key = TestKey::ed25519();
    let clock = ManualClock::new(UnixTime::from_secs(NOW));
    let cache = JwksCache::new(config(), StaticJwksSource::new(jwks(&[key.jwk("a", None)])))
        .with_clock(Arc::new(clock));
    let mut headers = http::HeaderMap::new();
    let missing = bosso_auth::axum::authenticate(&cache, &headers).await;
    assert_eq!(missing.unwrap_err().error(), &Error::BearerMissing);
    let token = key.token(&json!({"alg": "EdDSA", "kid": "a"}), &good_claims());
    headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    let user = bosso_auth::axum::authenticate(&cache, &headers)
        .await
        .unwrap();
    assert_eq!(user.subject().as_str(), "user-1");
}
