//! The guard of a local daemon's direct connections: Host, then Origin, then the bearer secret.
//!
//! [`LocalGuard::check`] is the one way this crate verifies a request's bearer secret, and it
//! runs the checks in a fixed order:
//!
//! 1. **Host** ([`HostPolicy::check_headers`]): exactly one line, an allowed name or address.
//!    A DNS-rebinding page talks to `127.0.0.1` under its own name; it stops here.
//! 2. **Origin** ([`OriginPolicy::check_headers`]): at most one line, an allowed origin (or
//!    none, if the policy admits clients without one). A cross-site page stops here.
//! 3. **Bearer** ([`crate::bearer`]): exactly one secret, in a `<app>.bearer.<secret>`
//!    subprotocol entry or in `Authorization: Bearer`, compared with the configured hash.
//!
//! So a request refused for its Host or Origin never has its secret read or compared: a page
//! that cannot name this service cannot use it as a guessing oracle either.
//!
//! ```
//! use bosso_auth::bearer::BearerSecret;
//! use bosso_auth::host::{HostPolicy, OriginPolicy};
//! use bosso_auth::local::LocalGuard;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let secret = BearerSecret::generate()?; // show it to the user once, keep the verifier
//! let guard = LocalGuard::new("paseo", secret.verifier())?
//!     .with_hosts(HostPolicy::local())
//!     .with_origins(OriginPolicy::exact(["http://localhost:5173"])?)
//!     .with_protocols(["paseo.v1"]);
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("host", "localhost:7777".parse()?);
//! headers.insert("origin", "http://localhost:5173".parse()?);
//! let offer = format!("paseo.v1, paseo.bearer.{}", secret.expose_secret());
//! headers.insert("sec-websocket-protocol", offer.parse()?);
//! let admitted = guard.check(&headers)?;
//! assert_eq!(admitted.echo.as_deref(), Some("paseo.v1"));
//! # Ok(()) }
//! ```

use crate::Error;
use crate::bearer::{BearerVerifier, extract_bearer};
use crate::host::{Host, HostPolicy, OriginPolicy};

/// What a request that passed [`LocalGuard::check`] carries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LocalAdmission {
    /// The request's Host, parsed.
    pub host: Host,
    /// The application subprotocol to echo in a 101 response (never the secret entry), if
    /// the client offered one this guard speaks.
    pub echo: Option<String>,
}

/// Host, Origin and bearer checks for a local daemon, always in that order.
#[derive(Debug)]
pub struct LocalGuard {
    app: String,
    bearer: BearerVerifier,
    hosts: HostPolicy,
    origins: OriginPolicy,
    protocols: Vec<String>,
}

impl LocalGuard {
    /// A guard for application `app` (the `<app>` of `<app>.bearer.<secret>`: ASCII letters,
    /// digits, `-` and `_`, else [`Error::InvalidConfig`]). Defaults: [`HostPolicy::local`], no
    /// allowed Origin and a missing one refused ([`LocalGuard::with_origins`]), no
    /// application subprotocols.
    pub fn new(app: &str, bearer: BearerVerifier) -> Result<Self, Error> {
        let ok = !app.is_empty()
            && app
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(Error::InvalidConfig(
                "application name must be ASCII letters, digits, - or _",
            ));
        }
        Ok(Self {
            app: app.to_owned(),
            bearer,
            hosts: HostPolicy::local(),
            origins: OriginPolicy::default(),
            protocols: Vec::new(),
        })
    }

    /// The Host allowlist.
    #[must_use]
    pub fn with_hosts(mut self, hosts: HostPolicy) -> Self {
        self.hosts = hosts;
        self
    }

    /// The application subprotocols this daemon speaks.
    #[must_use]
    pub fn with_protocols<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        protocols: I,
    ) -> Self {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// The Origin allowlist (use [`OriginPolicy::allow_missing`] for a CLI that sends none).
    #[must_use]
    pub fn with_origins(mut self, origins: OriginPolicy) -> Self {
        self.origins = origins;
        self
    }

    /// Checks a request: Host, then Origin, then the bearer secret (see the module docs).
    /// Errors: [`Error::DuplicateHeader`], [`Error::HostNotAllowed`],
    /// [`Error::OriginNotAllowed`], [`Error::BearerMissing`], [`Error::BearerInvalid`] (a
    /// wrong, malformed or repeated secret), the first that applies in that order.
    pub fn check(&self, headers: &http::HeaderMap) -> Result<LocalAdmission, Error> {
        let host = self.hosts.check_headers(headers)?;
        self.origins.check_headers(headers)?;
        let offer = extract_bearer(headers, &self.app, &self.protocols)?;
        self.bearer.verify(&offer)?;
        Ok(LocalAdmission {
            host,
            echo: offer.echo,
        })
    }
}
