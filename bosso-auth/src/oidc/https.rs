//! The HTTPS [`JwksSource`] (feature `https`): reqwest on rustls with the ring provider,
//! OIDC discovery, a response size cap and timeouts. Plain `http://` only on loopback, and
//! only after [`HttpsOptions::allow_plain_http_loopback`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
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
    /// Whether plain `http://` is allowed on loopback: refused by default, allowed only by
    /// [`HttpsOptions::allow_plain_http_loopback`].
    pub plain_http: PlainHttp,
}

impl Default for HttpsOptions {
    fn default() -> Self {
        Self {
            extra_roots_der: Vec::new(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: super::jwks::MAX_JWKS_BYTES,
            plain_http: PlainHttp { loopback: false },
        }
    }
}

impl HttpsOptions {
    /// Allows plain `http://` URLs, for the discovery document and the JWKS, when their host
    /// is in 127.0.0.0/8, is `[::1]`, or is `localhost`: for development against an identity
    /// provider on the same machine. Any other `http://` URL is still refused (including
    /// `localhost.`, other names that resolve to loopback, and IPv4-mapped IPv6 addresses), and
    /// `https://` URLs are checked as always.
    ///
    /// This is a call in code on purpose: [`PlainHttp`] has no constructor, no `Deserialize`
    /// and no `FromStr`, so no configuration file or environment value can turn it on.
    #[must_use]
    pub fn allow_plain_http_loopback(mut self) -> Self {
        self.plain_http = PlainHttp { loopback: true };
        self
    }
}

/// Whether an [`HttpsJwksSource`] may use plain `http://` on a loopback host. Opaque: the
/// only way to allow it is [`HttpsOptions::allow_plain_http_loopback`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainHttp {
    loopback: bool,
}

impl PlainHttp {
    /// Whether plain `http://` is allowed on loopback hosts.
    pub fn allowed_on_loopback(self) -> bool {
        self.loopback
    }
}

/// Fetches an issuer's JWKS over HTTPS (never plain HTTP unless allowed on loopback, never
/// following redirects).
#[derive(Debug, Clone)]
pub struct HttpsJwksSource {
    client: reqwest::Client,
    jwks_uri: reqwest::Url,
    max_body_bytes: usize,
    plain_http: PlainHttp,
}

fn unavailable(what: &str) -> Error {
    Error::JwksUnavailable(what.to_owned())
}

/// Whether the URL's host is 127.0.0.0/8, `[::1]` or `localhost`. The URL parser has already
/// put the host in canonical form (`127.1` is `127.0.0.1`, `LOCALHOST` is `localhost`);
/// `localhost.` and IPv4-mapped IPv6 addresses are not loopback here.
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    if host == "localhost" {
        return true;
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>() == Ok(Ipv6Addr::LOCALHOST);
    }
    host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

fn checked_url(s: &str, plain_http: PlainHttp) -> Result<reqwest::Url, Error> {
    let url = reqwest::Url::parse(s).map_err(|_| Error::InvalidConfig("invalid URL"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if plain_http.loopback && is_loopback(&url) => Ok(url),
        _ => Err(Error::InvalidConfig(
            "URL must be https (http only on loopback, after allow_plain_http_loopback)",
        )),
    }
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl HttpsJwksSource {
    /// A source for a known `jwks_uri` (must be `https`, or loopback `http` when
    /// [`HttpsOptions::allow_plain_http_loopback`] was called).
    pub fn new(jwks_uri: &str, options: HttpsOptions) -> Result<Self, Error> {
        let plain_http = options.plain_http;
        let jwks_uri = checked_url(jwks_uri, plain_http)?;
        let mut builder = reqwest::Client::builder()
            // Every URL this client requests passed `checked_url`, and redirects are off.
            .https_only(!plain_http.loopback)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout);
        for der in &options.extra_roots_der {
            let cert = reqwest::Certificate::from_der(der)
                .map_err(|_| Error::InvalidConfig("extra root certificate is not DER"))?;
            builder = builder.add_root_certificate(cert);
        }
        if plain_http.loopback {
            // Plain-text loopback traffic must stay on this machine: no proxy from the
            // environment, and `localhost` pinned rather than left to DNS or a hosts file.
            // Port 0: the URL's own port is used.
            builder = builder.no_proxy().resolve_to_addrs(
                "localhost",
                &[
                    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
                    SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0),
                ],
            );
        }
        let client = builder
            .build()
            .map_err(|_| Error::InvalidConfig("HTTPS client could not be built"))?;
        Ok(Self {
            client,
            jwks_uri,
            max_body_bytes: options.max_body_bytes,
            plain_http,
        })
    }

    /// OIDC discovery: fetches `{issuer}/.well-known/openid-configuration`, requires its
    /// `issuer` to equal `issuer` exactly (OIDC Discovery 1.0 section 4.3, against a
    /// mix-up or a hijacked discovery document) and uses its `jwks_uri`, which must be
    /// `https` (or loopback `http` under [`HttpsOptions::allow_plain_http_loopback`]).
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
            jwks_uri: checked_url(&doc.jwks_uri, base.plain_http)
                .map_err(|_| unavailable("discovery jwks_uri is not an allowed URL"))?,
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
