//! Host and Origin allowlists: protection against DNS rebinding for services on loopback.
//!
//! A page on `attacker.example` can make its name resolve to 127.0.0.1 and then talk to a
//! local daemon from the victim's browser; the only thing that still names the attacker is
//! the `Host` header (and `Origin`). So every request, upgrades included, must carry a Host
//! this service answers to.
//!
//! Read both from a request with [`HostPolicy::check_headers`] and
//! [`OriginPolicy::check_headers`]: they refuse a header sent on more than one line
//! ([`Error::DuplicateHeader`], HTTP 400), because servers and proxies disagree about which
//! line counts (RFC 9112 section 3.2 makes a repeated Host a 400), and checking the first line
//! while another component routes on the second defeats the allowlist.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::Error;

/// The one value of a header that must not be repeated: `Ok(None)` when absent, and
/// [`Error::DuplicateHeader`] when it came on two or more lines (even with equal values).
pub(crate) fn single_header<'h>(
    headers: &'h http::HeaderMap,
    name: &'static str,
) -> Result<Option<&'h http::HeaderValue>, Error> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(Error::DuplicateHeader(name));
    }
    Ok(first)
}

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
    /// Case-insensitive; one trailing dot is removed; a port is 1 to 5 ASCII digits with a
    /// value of at most 65535 (so `:080` is port 80, `:0000080` and `:+80` are errors).
    /// Unbracketed IPv6, empty values and characters outside DNS names are errors.
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

/// True for a name whose last label is a number (`127.1`, `0x7f.1`): a URL parser reads it
/// as an IPv4 address (WHATWG URL, "ends in a number"), so as an allowlist name it would
/// never mean what it says.
fn ends_in_number(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    let hex = last
        .strip_prefix("0x")
        .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    hex || (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
}

/// Which Host values this service answers to.
///
/// Default: `localhost`, `*.localhost` and IP literals. Add exact names, `.domain` entries
/// (the domain and all its subdomains) or exact IP literals (`127.0.0.1`, `[::1]`) with
/// [`HostPolicy::allow`]. [`HostPolicy::allow_any`] turns the check off (a missing, repeated
/// or malformed Host is still refused).
#[derive(Debug, Clone)]
pub struct HostPolicy {
    exact: Vec<String>,
    suffixes: Vec<String>,
    ips: Vec<IpAddr>,
    local: bool,
    any: bool,
}

impl Default for HostPolicy {
    fn default() -> Self {
        Self {
            exact: Vec::new(),
            suffixes: Vec::new(),
            ips: Vec::new(),
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

    /// Adds one entry, matched against the Host without its port (any valid port matches,
    /// as for every entry):
    /// - `name`: exactly that DNS name (case-insensitive, one trailing dot ignored);
    /// - `.domain`: the domain and all its subdomains;
    /// - `a.b.c.d`: exactly that IPv4 address;
    /// - `[v6]`: exactly that IPv6 address (compared as an address, so `[0:0::1]` is `[::1]`;
    ///   an IPv4-mapped `[::ffff:a.b.c.d]` is not `a.b.c.d`).
    ///
    /// Refused with [`Error::InvalidConfig`]: an entry with a port, an unbracketed IPv6
    /// address, a name whose last label is a number (`127.1`, which URL parsers read as an
    /// IPv4 address, so it would never match as a name), and anything that is not a DNS name.
    pub fn allow(mut self, entry: &str) -> Result<Self, Error> {
        const NOT_A_HOST: Error = Error::InvalidConfig(
            "host allowlist entry is not a DNS name, .domain, IPv4 or [IPv6] address",
        );
        if let Some(rest) = entry.strip_prefix('[') {
            let v6 = rest
                .strip_suffix(']')
                .and_then(|inner| inner.parse::<Ipv6Addr>().ok())
                .ok_or(Error::InvalidConfig(
                    "IPv6 allowlist entry must be [address], without a port",
                ))?;
            self.ips.push(IpAddr::V6(v6));
            return Ok(self);
        }
        if entry.contains(':') {
            return Err(Error::InvalidConfig(
                "host allowlist entry must not carry a port (IPv6 goes in brackets)",
            ));
        }
        let e = entry
            .strip_suffix('.')
            .unwrap_or(entry)
            .to_ascii_lowercase();
        if let Ok(v4) = e.parse::<Ipv4Addr>() {
            self.ips.push(IpAddr::V4(v4));
            return Ok(self);
        }
        let (domain, suffix) = match e.strip_prefix('.') {
            Some(d) => (d, true),
            None => (e.as_str(), false),
        };
        if !is_dns_name(domain) {
            return Err(NOT_A_HOST);
        }
        if ends_in_number(domain) {
            return Err(Error::InvalidConfig(
                "host allowlist name ends in a number: write the IPv4 address in full",
            ));
        }
        if suffix {
            self.suffixes.push(domain.to_owned());
        } else {
            self.exact.push(domain.to_owned());
        }
        Ok(self)
    }

    /// Checks the request's `Host` header: exactly one line, parsed and allowed. A missing
    /// Host is [`Error::HostNotAllowed`]; two or more lines are [`Error::DuplicateHeader`]
    /// (`"host"`), whatever their values.
    pub fn check_headers(&self, headers: &http::HeaderMap) -> Result<Host, Error> {
        let value = single_header(headers, "host")?;
        self.check(value.map(http::HeaderValue::as_bytes))
    }

    /// Checks one raw Host header value (`None`: header missing). Reading it from a request,
    /// use [`HostPolicy::check_headers`], which also refuses a repeated header.
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
            Host::V4(ip) => self.local || self.ips.contains(&IpAddr::V4(*ip)),
            Host::V6(ip) => self.local || self.ips.contains(&IpAddr::V6(*ip)),
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

    /// True when this policy refuses every request: no origin listed and a missing one not
    /// allowed (the [`Default`]). A gate refuses to be built with such a policy.
    pub fn admits_nothing(&self) -> bool {
        self.origins.is_empty() && !self.allow_missing
    }

    /// Checks the request's `Origin` header: at most one line (two or more are
    /// [`Error::DuplicateHeader`] (`"origin"`), whatever their values), then as
    /// [`OriginPolicy::check`].
    pub fn check_headers(&self, headers: &http::HeaderMap) -> Result<(), Error> {
        self.check(single_header(headers, "origin")?.map(http::HeaderValue::as_bytes))
    }

    /// Checks one raw Origin header value (`None`: header missing). `null` is always refused.
    /// Reading it from a request, use [`OriginPolicy::check_headers`].
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
