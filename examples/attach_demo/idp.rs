//! A stand-in OIDC identity provider: discovery and JWKS over HTTPS, and EdDSA access tokens
//! minted by `bosso_accounts::access` (what a host's own auth service would run).

use std::sync::Arc;

use axum::Json;
use axum::routing::get;
use bosso::accounts::access::{AccessConfig, AccessIssuer, AccessSigningKey};
use bosso::token::{KeyId, SystemClock, UserId};
use serde_json::json;

pub struct Idp {
    minter: AccessIssuer<SystemClock>,
    pub issuer: String,
}

impl Idp {
    /// Generates the signing key (demo-only, in memory) and serves the IdP; returns it with
    /// its issuer URL.
    pub fn start(tls: &super::tls::Tls) -> Result<Arc<Self>, String> {
        let (listener, port) = super::tls::listener()?;
        let issuer = format!("https://localhost:{port}");
        let key = KeyId::new("demo-idp-1")
            .map_err(|e| e.to_string())
            .and_then(|kid| AccessSigningKey::generate_ed25519(kid).map_err(|e| e.to_string()))?;
        let config = AccessConfig::new(issuer.clone(), "bosso").map_err(|e| e.to_string())?;
        let minter = AccessIssuer::new(config, key, SystemClock);
        let jwks: serde_json::Value = minter
            .jwks_json()
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))?;
        let discovery = json!({"issuer": issuer, "jwks_uri": format!("{issuer}/jwks")});
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
        Ok(Arc::new(Self { minter, issuer }))
    }

    /// An access token for `sub` (valid 15 minutes), as the IdP would issue after login.
    pub fn access_token(&self, sub: &str) -> Result<String, String> {
        let user = UserId::new(sub).map_err(|e| e.to_string())?;
        self.minter
            .issue(&user, &[])
            .map(|t| t.expose().to_owned())
            .map_err(|e| e.to_string())
    }
}
