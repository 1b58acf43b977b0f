//! Host and Origin allowlists: protection against DNS rebinding for services on loopback.
//!
//! A page on `attacker.example` can make its name resolve to 127.0.0.1 and then talk to a
//! local daemon from the victim's browser; the only thing that still names the attacker is
//! the `Host` header (and `Origin`). So every request, upgrades included, must carry a Host
//! this service answers to.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::Error;

/// Longest Host header accepted.
pub const MAX_HOST_LEN: usize = 255;

/// A parsed, normalised Host header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A DNS name, lowercased, without trailing dot or port.
    Name(String),
    /// An IPv4 literal.
    V4(Ipv4Addr),
    /// A bracketed IPv6 literal.
    V6(Ipv6Addr),
}

impl Host {
    /// Parses a Host header value: `name[:port]`, `a.b.c.d[:port]` or `[v6][:port]`.
    /// Case-insensitive; one trailing dot is removed. Unbracketed IPv6, empty values, bad
    /// ports and characters outside DNS names are errors.
    pub fn parse(value: &[u8]) -> Result<Self, Error> {
        const BAD: Error = Error::HostNotAllowed;
        if value.is_empty() || value.len() > MAX_HOST_LEN || !value.is_ascii() {
            return Err(BAD);
        }
        let s = std::str::from_utf8(value).map_err(|_| BAD)?;
        if let Some(rest) = s.strip_prefix('[') {
            let (inner, after) = rest.split_once(']').ok_or(BAD)?;
            check_port(after)?;
            return inner.parse::<Ipv6Addr>().map(Host::V6).map_err(|_| BAD);
        }
        let (name, port) = match s.split_once(':') {
            // A second colon means an unbracketed IPv6 literal: ambiguous with a port, denied.
            Some((_, p)) if p.contains(':') => return Err(BAD),
            Some((n, p)) => (n, Some(p)),
            None => (s, None),
        };
        if let Some(p) = port {
            check_port(&format!(":{p}"))?;
        }
        let name = name.strip_suffix('.').unwrap_or(name);
        if let Ok(v4) = name.parse::<Ipv4Addr>() {
            return Ok(Host::V4(v4));
        }
        let lower = name.to_ascii_lowercase();
        if !is_dns_name(&lower) {
            return Err(BAD);
        }
        Ok(Host::Name(lower))
    }
}

fn check_port(after: &str) -> Result<(), Error> {
    if after.is_empty() {
        return Ok(());
    }
    let digits = after.strip_prefix(':').ok_or(Error::HostNotAllowed)?;
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::HostNotAllowed);
    }
    match digits.parse::<u32>() {
        Ok(p) if p <= 65_535 => Ok(()),
        _ => Err(Error::HostNotAllowed),
    }
}

fn is_dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// Which Host values this service answers to.
///
/// Default: `localhost`, `*.localhost` and IP literals. Add exact names or `.domain` entries
/// (the domain and all its subdomains). [`HostPolicy::allow_any`] turns the check off (a
/// missing or malformed Host is still refused).
#[derive(Debug, Clone)]
pub struct HostPolicy {
    exact: Vec<String>,
    suffixes: Vec<String>,
    local: bool,
    any: bool,
}

impl Default for HostPolicy {
    fn default() -> Self {
        Self {
            exact: Vec::new(),
            suffixes: Vec::new(),
            local: true,
            any: false,
        }
    }
}

impl HostPolicy {
    /// The default policy: loopback names and IP literals only.
    pub fn local() -> Self {
        Self::default()
    }

    /// Only the configured names (no implicit localhost or IP literals).
    pub fn only() -> Self {
        Self {
            local: false,
            ..Self::default()
        }
    }

    /// Disables the allowlist. Use only behind a proxy that already validates Host.
    pub fn allow_any() -> Self {
        Self {
            any: true,
            ..Self::default()
        }
    }

    /// Adds `name` (exact) or `.domain` (the domain and its subdomains).
    pub fn allow(mut self, entry: &str) -> Result<Self, Error> {
        let e = entry.trim_end_matches('.').to_ascii_lowercase();
        if let Some(domain) = e.strip_prefix('.') {
            if !is_dns_name(domain) {
                return Err(Error::InvalidConfig(
                    "host allowlist entry is not a DNS name",
                ));
            }
            self.suffixes.push(domain.to_string());
        } else {
            if !is_dns_name(&e) {
                return Err(Error::InvalidConfig(
                    "host allowlist entry is not a DNS name",
                ));
            }
            self.exact.push(e);
        }
        Ok(self)
    }

    /// Checks a raw Host header value (`None`: header missing).
    pub fn check(&self, value: Option<&[u8]>) -> Result<Host, Error> {
        let host = Host::parse(value.ok_or(Error::HostNotAllowed)?)?;
        if self.any || self.permits(&host) {
            Ok(host)
        } else {
            Err(Error::HostNotAllowed)
        }
    }

    fn permits(&self, host: &Host) -> bool {
        match host {
            Host::V4(_) | Host::V6(_) => self.local,
            Host::Name(n) => {
                (self.local && (n == "localhost" || n.ends_with(".localhost")))
                    || self.exact.iter().any(|e| e == n)
                    || self.suffixes.iter().any(|d| {
                        n == d
                            || n.strip_suffix(d.as_str())
                                .is_some_and(|head| head.ends_with('.'))
                    })
            }
        }
    }
}

/// Which `Origin` values may open a connection: exact origins (`scheme://host[:port]`),
/// compared case-insensitively. A missing Origin is refused unless allowed (non-browser
/// clients such as a CLI send none; browsers always send one on WebSocket upgrades).
#[derive(Debug, Clone, Default)]
pub struct OriginPolicy {
    origins: Vec<String>,
    allow_missing: bool,
}

impl OriginPolicy {
    /// Allows exactly these origins.
    pub fn exact<I: IntoIterator<Item = S>, S: AsRef<str>>(origins: I) -> Result<Self, Error> {
        let mut out = Vec::new();
        for o in origins {
            let o = o.as_ref().trim_end_matches('/').to_ascii_lowercase();
            let ok = o.split_once("://").is_some_and(|(scheme, rest)| {
                matches!(scheme, "https" | "http")
                    && !rest.is_empty()
                    && !rest.contains(['/', '?', '#', '@', ' '])
            });
            if !ok {
                return Err(Error::InvalidConfig("origin must be scheme://host[:port]"));
            }
            out.push(o);
        }
        Ok(Self {
            origins: out,
            allow_missing: false,
        })
    }

    /// Also admits requests without an `Origin` header (non-browser clients).
    #[must_use]
    pub fn allow_missing(mut self, yes: bool) -> Self {
        self.allow_missing = yes;
        self
    }

    /// Checks a raw Origin header value (`None`: header missing). `null` is always refused.
    pub fn check(&self, value: Option<&[u8]>) -> Result<(), Error> {
        let Some(v) = value else {
            return if self.allow_missing {
                Ok(())
            } else {
                Err(Error::OriginNotAllowed)
            };
        };
        let v = std::str::from_utf8(v)
            .map_err(|_| Error::OriginNotAllowed)?
            .to_ascii_lowercase();
        if self.origins.contains(&v) {
            Ok(())
        } else {
            Err(Error::OriginNotAllowed)
        }
    }
}
