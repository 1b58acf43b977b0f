//! The HTTPS JWKS source against a TLS server on 127.0.0.1 with a certificate generated in
//! the test (rcgen): discovery with the issuer check, extra trusted roots, size cap; and plain
//! HTTP on 127.0.0.1, allowed only on loopback after an explicit opt-in.
#![cfg(feature = "https")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod oidc_support;

use std::sync::Arc;

use bosso_auth::Error;
use bosso_auth::oidc::{
    AccessTokenVerifierConfig, Alg, HttpsJwksSource, HttpsOptions, JwksCache, JwksSource,
};
use oidc_support::server;
use oidc_support::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// Starts the TLS server; returns its base URL and the certificate (DER) to trust.
async fn tls_server(jwks_body: Vec<u8>) -> (String, Vec<u8>) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let cert_der = ck.cert.der().to_vec();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![ck.cert.der().clone()], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let b = base.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let (base, jwks_body) = (b.clone(), jwks_body.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let n = tls.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = req.split(' ').nth(1).unwrap_or("/").to_owned();
                let body = match path.as_str() {
                    "/.well-known/openid-configuration" => {
                        json!({"issuer": base, "jwks_uri": format!("{base}/jwks")})
                            .to_string()
                            .into_bytes()
                    }
                    // A discovery document that names another issuer.
                    "/evil/.well-known/openid-configuration" => {
                        json!({"issuer": base, "jwks_uri": format!("{base}/jwks")})
                            .to_string()
                            .into_bytes()
                    }
                    "/jwks" => jwks_body,
                    "/big" => vec![b' '; 300 * 1024],
                    _ => Vec::new(),
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: max-age=300\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(&[head.into_bytes(), body].concat()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (base, cert_der)
}

fn trusting(cert: &[u8]) -> HttpsOptions {
    HttpsOptions {
        extra_roots_der: vec![cert.to_vec()],
        ..HttpsOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_then_jwks_over_loopback_tls() {
    let key = TestKey::ed25519();
    let (base, cert) = tls_server(jwks(&[key.jwk("k", None)])).await;
    let source = HttpsJwksSource::discover(&base, trusting(&cert))
        .await
        .unwrap();
    assert_eq!(source.jwks_uri(), format!("{base}/jwks"));
    let doc = source.fetch().await.unwrap();
    assert_eq!(doc.max_age, Some(std::time::Duration::from_secs(300)));

    let cfg = AccessTokenVerifierConfig::new(base.clone(), [AUD])
        .unwrap()
        .with_algorithms([Alg::EdDSA])
        .unwrap();
    let cache = JwksCache::new(cfg, source);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let t = key.token(
        &json!({"alg":"EdDSA","kid":"k"}),
        &json!({"iss": base, "aud": AUD, "sub": "u1", "exp": now + 300}),
    );
    assert_eq!(cache.verify(&t).await.unwrap().subject().as_str(), "u1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_certificate_issuer_mismatch_plain_http_and_oversize_fail() {
    let key = TestKey::ed25519();
    let (base, cert) = tls_server(jwks(&[key.jwk("k", None)])).await;
    // The self-signed certificate is not trusted without the extra root.
    let untrusted = HttpsJwksSource::new(&format!("{base}/jwks"), HttpsOptions::default()).unwrap();
    assert!(matches!(
        untrusted.fetch().await.unwrap_err(),
        Error::JwksUnavailable(_)
    ));
    // OIDC Discovery 4.3: the document's issuer must equal the one we asked for.
    assert!(matches!(
        HttpsJwksSource::discover(&format!("{base}/evil"), trusting(&cert))
            .await
            .unwrap_err(),
        Error::JwksUnavailable(_)
    ));
    // Plain HTTP is refused at construction.
    assert!(matches!(
        HttpsJwksSource::new("http://127.0.0.1:1/jwks", HttpsOptions::default()).unwrap_err(),
        Error::InvalidConfig(_)
    ));
    // A body above the cap is refused.
    let big = HttpsJwksSource::new(&format!("{base}/big"), trusting(&cert)).unwrap();
    assert!(matches!(
        big.fetch().await.unwrap_err(),
        Error::JwksUnavailable(_)
    ));
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_on_loopback_works_end_to_end_only_after_the_opt_in() {
    let key = TestKey::ed25519();
    let (addr, server) = server::start_server(jwks(&[key.jwk("k", None)])).await;
    let port = addr.rsplit_once(':').unwrap().1.to_owned();
    // 127.0.0.1 and localhost (pinned to loopback by the source, not resolved by DNS).
    for host in ["127.0.0.1", "localhost"] {
        let base = format!("http://{host}:{port}");
        *server.discovery.lock().unwrap() = Some(
            json!({"issuer": base, "jwks_uri": format!("{base}/jwks")})
                .to_string()
                .into_bytes(),
        );
        // Without the opt-in, plain http is refused even on loopback, before any request.
        let before = server.requests();
        assert!(matches!(
            HttpsJwksSource::discover(&base, HttpsOptions::default())
                .await
                .unwrap_err(),
            Error::InvalidConfig(_)
        ));
        assert!(matches!(
            HttpsJwksSource::new(&format!("{base}/jwks"), HttpsOptions::default()).unwrap_err(),
            Error::InvalidConfig(_)
        ));
        assert_eq!(server.requests(), before);

        let options = HttpsOptions::default().allow_plain_http_loopback();
        assert!(options.plain_http.allowed_on_loopback());
        let source = HttpsJwksSource::discover(&base, options).await.unwrap();
        assert_eq!(source.jwks_uri(), format!("{base}/jwks"));
        let cfg = AccessTokenVerifierConfig::new(base.clone(), [AUD])
            .unwrap()
            .with_algorithms([Alg::EdDSA])
            .unwrap();
        let cache = JwksCache::new(cfg, source);
        let t = key.token(
            &json!({"alg":"EdDSA","kid":"k"}),
            &json!({"iss": base, "aud": AUD, "sub": "u1", "exp": unix_now() + 300}),
        );
        assert_eq!(cache.verify(&t).await.unwrap().subject().as_str(), "u1");
        assert_eq!(server.requests(), before + 2); // discovery, then the JWKS
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_off_loopback_is_refused_even_with_the_opt_in() {
    let opted_in = || HttpsOptions::default().allow_plain_http_loopback();
    assert!(!HttpsOptions::default().plain_http.allowed_on_loopback());
    for url in [
        "http://192.0.2.1/jwks",
        "http://10.0.0.1/jwks",
        "http://0.0.0.0/jwks",
        "http://128.0.0.1/jwks",
        "http://example.com/jwks",
        "http://localhost.example/jwks",
        "http://localhost./jwks",
        "http://127.0.0.1.nip.io/jwks",
        "http://[::2]/jwks",
        "http://[::ffff:127.0.0.1]/jwks",
        "ftp://127.0.0.1/jwks",
        "file:///etc/passwd",
    ] {
        assert!(
            matches!(
                HttpsJwksSource::new(url, opted_in()).unwrap_err(),
                Error::InvalidConfig(_)
            ),
            "{url}"
        );
    }
    // The whole of 127.0.0.0/8, [::1], and forms the URL parser makes canonical.
    for url in [
        "http://127.0.0.1/jwks",
        "http://127.255.255.254:8080/jwks",
        "http://127.1/jwks",
        "http://[::1]:8080/jwks",
        "http://LOCALHOST/jwks",
    ] {
        assert!(HttpsJwksSource::new(url, opted_in()).is_ok(), "{url}");
    }
    // A loopback discovery document cannot point the source at a non-loopback http JWKS.
    let key = TestKey::ed25519();
    let (addr, server) = server::start_server(jwks(&[key.jwk("k", None)])).await;
    let base = format!("http://{addr}");
    *server.discovery.lock().unwrap() = Some(
        json!({"issuer": base, "jwks_uri": "http://192.0.2.1/jwks"})
            .to_string()
            .into_bytes(),
    );
    assert!(matches!(
        HttpsJwksSource::discover(&base, opted_in())
            .await
            .unwrap_err(),
        Error::JwksUnavailable(_)
    ));
}
