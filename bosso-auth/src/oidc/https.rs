//! The HTTPS [`JwksSource`] (feature `https`): reqwest on rustls with the ring provider,
//! OIDC discovery, a response size cap and timeouts.

use std::time::Duration;

use serde::Deserialize;

use super::source::{JwksDocument, JwksSource, cache_control_max_age};
use crate::Error;

/// Options of an [`HttpsJwksSource`].
#[derive(Debug, Clone)]
pub struct HttpsOptions {
    /// Extra trusted root certificates (DER), beside the webpki roots (for a private CA, or a
    /// self-signed certificate in tests and demos).
    pub extra_roots_der: Vec<Vec<u8>>,
    /// Whole-request timeout (default 10 s).
    pub timeout: Duration,
    /// Connect timeout (default 5 s).
    pub connect_timeout: Duration,
    /// Largest response body read (default 256 KiB, the JWKS parser's own cap).
    pub max_body_bytes: usize,
}

impl Default for HttpsOptions {
    fn default() -> Self {
        Self {
            extra_roots_der: Vec::new(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: super::jwks::MAX_JWKS_BYTES,
        }
    }
}

/// Fetches an issuer's JWKS over HTTPS (never plain HTTP, never following redirects).
#[derive(Debug, Clone)]
pub struct HttpsJwksSource {
    client: reqwest::Client,
    jwks_uri: reqwest::Url,
    max_body_bytes: usize,
}

fn unavailable(what: &str) -> Error {
    Error::JwksUnavailable(what.to_owned())
}

fn https_url(s: &str) -> Result<reqwest::Url, Error> {
    let url = reqwest::Url::parse(s).map_err(|_| Error::InvalidConfig("invalid URL"))?;
    if url.scheme() != "https" {
        return Err(Error::InvalidConfig("URL must be https"));
    }
    Ok(url)
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl HttpsJwksSource {
    /// A source for a known `jwks_uri` (must be `https`).
    pub fn new(jwks_uri: &str, options: HttpsOptions) -> Result<Self, Error> {
        let mut builder = reqwest::Client::builder()
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout);
        for der in &options.extra_roots_der {
            let cert = reqwest::Certificate::from_der(der)
                .map_err(|_| Error::InvalidConfig("extra root certificate is not DER"))?;
            builder = builder.add_root_certificate(cert);
        }
        let client = builder
            .build()
            .map_err(|_| Error::InvalidConfig("HTTPS client could not be built"))?;
        Ok(Self {
            client,
            jwks_uri: https_url(jwks_uri)?,
            max_body_bytes: options.max_body_bytes,
        })
    }

    /// OIDC discovery: fetches `{issuer}/.well-known/openid-configuration`, requires its
    /// `issuer` to equal `issuer` exactly (OIDC Discovery 1.0 section 4.3, against a
    /// mix-up or a hijacked discovery document) and uses its `jwks_uri` (must be `https`).
    pub async fn discover(issuer: &str, options: HttpsOptions) -> Result<Self, Error> {
        let base = Self::new(
            &format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            ),
            options,
        )?;
        let (body, _) = base.get(&base.jwks_uri).await?;
        let doc: Discovery = super::json::from_object(&body)
            .map_err(|_| unavailable("discovery document is not valid JSON"))?;
        if doc.issuer != issuer {
            return Err(unavailable("discovery document issuer mismatch"));
        }
        Ok(Self {
            jwks_uri: https_url(&doc.jwks_uri)
                .map_err(|_| unavailable("discovery jwks_uri is not an https URL"))?,
            ..base
        })
    }

    /// The JWKS URL in use.
    pub fn jwks_uri(&self) -> &str {
        self.jwks_uri.as_str()
    }

    async fn get(&self, url: &reqwest::Url) -> Result<(Vec<u8>, Option<Duration>), Error> {
        let mut resp = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    unavailable("request timed out")
                } else {
                    unavailable("request failed")
                }
            })?;
        if !resp.status().is_success() {
            return Err(Error::JwksUnavailable(format!(
                "HTTP status {}",
                resp.status().as_u16()
            )));
        }
        if resp
            .content_length()
            .is_some_and(|l| l > self.max_body_bytes as u64)
        {
            return Err(unavailable("response too large"));
        }
        let max_age = resp
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(cache_control_max_age);
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|_| unavailable("reading the response failed"))?
        {
            if body.len().saturating_add(chunk.len()) > self.max_body_bytes {
                return Err(unavailable("response too large"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((body, max_age))
    }
}

impl JwksSource for HttpsJwksSource {
    async fn fetch(&self) -> Result<JwksDocument, Error> {
        let (bytes, max_age) = self.get(&self.jwks_uri).await?;
        Ok(JwksDocument { bytes, max_age })
    }
}
