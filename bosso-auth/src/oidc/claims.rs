//! Strictly typed access-token claims and the verified result.

use bosso_token::{UnixTime, UserId};
use serde::Deserialize;

use super::VerifierConfig;
use crate::Error;

/// A string or an array of strings (`aud`, `scp`), as RFC 7519 and the IdPs send them.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// The claims we read. Every field has an exact JSON type: a string `exp`, a float `nbf` or
/// an object `iss` is a deserialization error, never "absent" (GHSA-h395-gr6q-cpjc). serde
/// refuses a duplicated member, so `{"exp":1,"exp":9}` cannot pick the friendlier value.
/// NumericDates must be non-negative integers (every IdP we know sends integers).
#[derive(Deserialize)]
struct RawClaims {
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    aud: Option<OneOrMany>,
    #[serde(default)]
    exp: Option<u64>,
    #[serde(default)]
    nbf: Option<u64>,
    #[serde(default)]
    iat: Option<u64>,
    /// RFC 9068 / RFC 8693: space-separated scopes.
    #[serde(default)]
    scope: Option<String>,
    /// Azure AD / Okta style scopes, string or array.
    #[serde(default)]
    scp: Option<OneOrMany>,
}

/// An access token whose signature, issuer, audience, lifetime and subject were all checked.
///
/// Only [`super::Verifier::verify`] and [`super::JwksCache::verify`] construct this type;
/// nothing unverified can be turned into one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAccessToken {
    subject: UserId,
    issuer: String,
    audience: Vec<String>,
    expires_at: UnixTime,
    issued_at: Option<UnixTime>,
    not_before: Option<UnixTime>,
    scopes: Vec<String>,
}

impl VerifiedAccessToken {
    /// The authenticated user (`sub`).
    pub fn subject(&self) -> &UserId {
        &self.subject
    }

    /// The issuer (`iss`), equal to the configured issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Every audience the token names (at least one of them is configured).
    pub fn audience(&self) -> &[String] {
        &self.audience
    }

    /// When the token expires (`exp`).
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// When the token was issued (`iat`), if stated.
    pub fn issued_at(&self) -> Option<UnixTime> {
        self.issued_at
    }

    /// The start of validity (`nbf`), if stated.
    pub fn not_before(&self) -> Option<UnixTime> {
        self.not_before
    }

    /// The scopes from `scope` (space-separated) and `scp` (string or array), if any.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Whether the token carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// Checks the claims of a payload whose signature has verified.
pub(crate) fn check(
    payload: &[u8],
    config: &VerifierConfig,
    now: UnixTime,
) -> Result<VerifiedAccessToken, Error> {
    let raw: RawClaims = serde_json::from_slice(payload).map_err(|_| {
        Error::JwtInvalidClaims("claims are not a JSON object of the expected types")
    })?;
    let issuer = raw.iss.ok_or(Error::JwtInvalidClaims("iss missing"))?;
    if issuer != config.issuer {
        return Err(Error::JwtIssuerMismatch);
    }
    let audience = raw
        .aud
        .ok_or(Error::JwtInvalidClaims("aud missing"))?
        .into_vec();
    if !audience.iter().any(|a| config.audiences.contains(a)) {
        return Err(Error::JwtAudienceMismatch);
    }
    let leeway = config.leeway_secs;
    let exp = UnixTime::from_secs(raw.exp.ok_or(Error::JwtInvalidClaims("exp missing"))?);
    // Valid while now < exp (RFC 7519 4.1.4: "on or after" exp it is expired), plus leeway.
    if now >= exp.saturating_add(leeway) {
        return Err(Error::JwtExpired);
    }
    let not_before = raw.nbf.map(UnixTime::from_secs);
    if not_before.is_some_and(|nbf| now.saturating_add(leeway) < nbf) {
        return Err(Error::JwtNotYetValid);
    }
    let issued_at = raw.iat.map(UnixTime::from_secs);
    if issued_at.is_some_and(|iat| now.saturating_add(leeway) < iat) {
        return Err(Error::JwtNotYetValid);
    }
    let subject = UserId::new(raw.sub.ok_or(Error::JwtInvalidClaims("sub missing"))?)
        .map_err(|_| Error::JwtInvalidClaims("sub is not a valid user id"))?;
    let mut scopes: Vec<String> = raw
        .scope
        .map(|s| {
            s.split(' ')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if let Some(scp) = raw.scp {
        scopes.extend(scp.into_vec());
    }
    Ok(VerifiedAccessToken {
        subject,
        issuer,
        audience,
        expires_at: exp,
        issued_at,
        not_before,
        scopes,
    })
}
