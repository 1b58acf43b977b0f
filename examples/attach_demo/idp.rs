//! A stand-in OIDC identity provider: discovery and JWKS over HTTPS, EdDSA access tokens.

use std::sync::Arc;

use axum::Json;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::signature::{Ed25519KeyPair, KeyPair as _};
use serde_json::json;

pub struct Idp {
    key: Ed25519KeyPair,
    pub issuer: String,
}

const KID: &str = "demo-idp-1";

impl Idp {
    /// Generates the signing key (demo-only, in memory) and serves the IdP; returns it with
    /// its issuer URL.
    pub fn start(tls: &super::tls::Tls) -> Result<Arc<Self>, String> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| "keygen")?;
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| "key")?;
        let x = B64.encode(key.public_key().as_ref());
        let (listener, port) = super::tls::listener()?;
        let issuer = format!("https://localhost:{port}");
        let discovery = json!({"issuer": issuer, "jwks_uri": format!("{issuer}/jwks")});
        let jwks = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": KID, "alg": "EdDSA", "use": "sig", "x": x}]});
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || async move { Json(discovery) }),
            )
            .route(
                "/jwks",
                get(move || async move { ([("cache-control", "max-age=300")], Json(jwks)) }),
            );
        super::tls::serve(listener, app, tls);
        Ok(Arc::new(Self { key, issuer }))
    }

    /// An access token for `sub` (valid five minutes), as the IdP would issue after login.
    pub fn access_token(&self, sub: &str, email: &str) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": KID});
        let claims = json!({"iss": self.issuer, "sub": sub, "aud": "bosso", "iat": now, "exp": now + 300, "email": email});
        let input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        let sig = self.key.sign(input.as_bytes());
        format!("{input}.{}", B64.encode(sig.as_ref()))
    }
}
