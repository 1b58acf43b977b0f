//! Security response headers, set when the handler (or an inner, per-route layer) did not set
//! them already: mount a [`SecureHeaders`] on a single route to override the app-wide one.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use http::{HeaderName, HeaderValue};

use crate::Error;

/// Default `Content-Security-Policy`: same-origin resources only, no plugins, no framing, forms
/// post only to this origin.
pub const DEFAULT_CSP: &str = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The headers and their values; `None` leaves a header out.
#[derive(Debug, Clone)]
pub struct SecureHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Default for SecureHeaders {
    /// HSTS two years with subdomains, `X-Frame-Options: DENY`, `nosniff`, [`DEFAULT_CSP`],
    /// `Referrer-Policy: same-origin` (not `no-referrer`: with it a browser sends `Origin: null` even on same-origin form posts, which the CSRF origin check must refuse).
    fn default() -> Self {
        Self {
            headers: vec![
                (
                    STRICT_TRANSPORT_SECURITY,
                    HeaderValue::from_static("max-age=63072000; includeSubDomains"),
                ),
                (X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
                (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
                (
                    CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(DEFAULT_CSP),
                ),
                (REFERRER_POLICY, HeaderValue::from_static("same-origin")),
            ],
        }
    }
}

impl SecureHeaders {
    /// Sets (or, with `None`, removes) one header of the set. The value must be a valid header
    /// value.
    pub fn with(mut self, name: HeaderName, value: Option<&str>) -> Result<Self, Error> {
        self.headers.retain(|(n, _)| *n != name);
        if let Some(v) = value {
            let v = HeaderValue::from_str(v)
                .map_err(|_| Error::InvalidConfig("header value is not valid"))?;
            self.headers.push((name, v));
        }
        Ok(self)
    }

    /// The value this set gives `name`.
    pub fn get(&self, name: &HeaderName) -> Option<&HeaderValue> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// The middleware: `axum::middleware::from_fn_with_state(Arc::new(headers), secure_headers)`.
/// A header already on the response is kept, so the innermost layer (a route's) wins.
pub async fn secure_headers(
    State(h): State<Arc<SecureHeaders>>,
    req: Request,
    next: Next,
) -> Response {
    let mut resp = next.run(req).await;
    for (n, v) in &h.headers {
        if !resp.headers().contains_key(n) {
            resp.headers_mut().insert(n.clone(), v.clone());
        }
    }
    resp
}
