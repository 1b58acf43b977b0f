//! Strictly typed access-token claims and the verified result.

use bosso_token::{UnixTime, UserId};
use serde::Deserialize;
use serde::de::Error as _;

use super::AccessTokenVerifierConfig;
use crate::Error;

/// The latest NumericDate accepted, 9999-12-31T23:59:59Z. No identity provider dates a token
/// later; below this bound every value is exact in an `f64` (under 2^53) and adding a leeway
/// can never saturate.
pub const MAX_NUMERIC_DATE: u64 = 253_402_300_799;

/// A NumericDate (RFC 7519 section 2): seconds since the epoch, which may have a fraction.
///
/// The number is read by serde_json (a fraction or an exponent is parsed as an IEEE double);
/// a negative value, one above [`MAX_NUMERIC_DATE`], or one serde_json cannot represent
/// (`1e400`) is refused. `-0` is zero. JSON has no NaN or infinity literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NumericDate {
    /// The whole seconds (the value rounded down).
    secs: u64,
    /// Whether the value had a non-zero fraction.
    fraction: bool,
}

impl NumericDate {
    fn from_number(n: &serde_json::Number) -> Option<Self> {
        if let Some(secs) = n.as_u64() {
            return (secs <= MAX_NUMERIC_DATE).then_some(Self {
                secs,
                fraction: false,
            });
        }
        if n.is_i64() {
            return None; // a negative integer
        }
        let f = n.as_f64()?;
        // Written so that NaN fails too.
        #[allow(clippy::cast_precision_loss)] // MAX_NUMERIC_DATE < 2^53: exact
        if !(f >= 0.0 && f <= MAX_NUMERIC_DATE as f64) {
            return None;
        }
        let whole = f.floor();
        // In 0..=MAX_NUMERIC_DATE and integral, so the cast is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let secs = whole as u64;
        Some(Self {
            secs,
            fraction: f > whole,
        })
    }

    /// The value rounded down: how `nbf` and `iat` are compared.
    fn floor(self) -> UnixTime {
        UnixTime::from_secs(self.secs)
    }

    /// The value rounded up: how `exp` is compared.
    fn ceil(self) -> UnixTime {
        UnixTime::from_secs(self.secs.saturating_add(u64::from(self.fraction)))
    }
}

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // `Number` takes only a JSON number: a string, bool or object is a type error.
        let n = serde_json::Number::deserialize(d)?;
        Self::from_number(&n).ok_or_else(|| D::Error::custom("NumericDate out of range"))
    }
}

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

/// The claims we read. Every field has an exact JSON type: a string `exp`, a negative `nbf` or
/// an object `iss` is a deserialization error, never "absent" (GHSA-h395-gr6q-cpjc). serde
/// refuses a duplicated member, so `{"exp":1,"exp":9}` cannot pick the friendlier value.
/// The set must be a JSON object (RFC 7519 section 7.2), never an array.
#[derive(Deserialize)]
struct RawClaims {
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    aud: Option<OneOrMany>,
    #[serde(default)]
    exp: Option<NumericDate>,
    #[serde(default)]
    nbf: Option<NumericDate>,
    #[serde(default)]
    iat: Option<NumericDate>,
    /// RFC 9068 / RFC 8693: space-separated scopes.
    #[serde(default)]
    scope: Option<String>,
    /// Azure AD / Okta style scopes, string or array.
    #[serde(default)]
    scp: Option<OneOrMany>,
}

/// An access token whose signature, issuer, audience, lifetime and subject were all checked.
///
/// Only [`super::AccessTokenVerifier::verify`] and [`super::JwksCache::verify`] construct this type;
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
    claims: std::sync::Arc<serde_json::Map<String, serde_json::Value>>,
}

impl VerifiedAccessToken {
    /// The claim `name` as JSON, registered (`sub`, `exp`) or not (`email`, `roles`,
    /// `tenant`), if the token carries it. Claim names are unique (a token naming one twice is
    /// refused).
    pub fn claim(&self, name: &str) -> Option<&serde_json::Value> {
        self.claims.get(name)
    }

    /// Every claim of the token, as JSON.
    pub fn claims(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.claims
    }

    /// The claims deserialized into the host's own type (`struct MyClaims { roles: Vec<String>,
    /// email: Option<String> }`); members it does not name are ignored unless it says
    /// otherwise. A mismatch is [`Error::JwtInvalidClaims`], naming no value.
    pub fn custom_claims<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        T::deserialize(&*self.claims)
            .map_err(|_| Error::JwtInvalidClaims("custom claims do not match the requested type"))
    }

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

    /// When the token expires (`exp`, a fractional value rounded up to whole seconds).
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// When the token was issued (`iat` rounded down to whole seconds), if stated.
    pub fn issued_at(&self) -> Option<UnixTime> {
        self.issued_at
    }

    /// The start of validity (`nbf` rounded down to whole seconds), if stated.
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
    config: &AccessTokenVerifierConfig,
    now: UnixTime,
) -> Result<VerifiedAccessToken, Error> {
    let raw: RawClaims = super::json::from_object(payload).map_err(|_| {
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
    // The clock reads whole seconds, so `now` stands for any instant of that second. A
    // fractional date is compared in the token's favour within that second: `exp` rounds up
    // and `nbf`/`iat` round down. With integer `now` and leeway, `now < ceil(exp) + leeway`
    // is exactly `now < exp + leeway` over the reals.
    let exp = raw
        .exp
        .ok_or(Error::JwtInvalidClaims("exp missing"))?
        .ceil();
    // Valid while now < exp (RFC 7519 4.1.4: "on or after" exp it is expired), plus leeway.
    if now >= exp.saturating_add(leeway) {
        return Err(Error::JwtExpired);
    }
    let not_before = raw.nbf.map(NumericDate::floor);
    if not_before.is_some_and(|nbf| now.saturating_add(leeway) < nbf) {
        return Err(Error::JwtNotYetValid);
    }
    let issued_at = raw.iat.map(NumericDate::floor);
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
    // Read again, whole, only once every check above has passed; a repeated claim name is
    // refused here (the typed read above refuses repeats of the names it knows).
    let claims = super::json::unique_members(payload)
        .map_err(|_| Error::JwtInvalidClaims("claim names are not unique"))?;
    Ok(VerifiedAccessToken {
        subject,
        issuer,
        audience,
        expires_at: exp,
        issued_at,
        not_before,
        scopes,
        claims: std::sync::Arc::new(claims),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn date(json: &str) -> Option<NumericDate> {
        serde_json::from_str(json).ok()
    }

    fn secs(json: &str) -> Option<(u64, u64)> {
        date(json).map(|d| (d.floor().as_secs(), d.ceil().as_secs()))
    }

    #[test]
    fn integers_and_fractions_round_down_for_floor_and_up_for_ceil() {
        assert_eq!(secs("1700000000"), Some((1_700_000_000, 1_700_000_000)));
        assert_eq!(secs("1700000000.5"), Some((1_700_000_000, 1_700_000_001)));
        assert_eq!(secs("1700000000.0"), Some((1_700_000_000, 1_700_000_000)));
        assert_eq!(secs("1.7e9"), Some((1_700_000_000, 1_700_000_000)));
        assert_eq!(secs("17000000005e-1"), Some((1_700_000_000, 1_700_000_001)));
        assert_eq!(secs("0"), Some((0, 0)));
        assert_eq!(secs("0.25"), Some((0, 1)));
        // -0 is zero, and an underflowing exponent is zero too.
        assert_eq!(secs("-0"), Some((0, 0)));
        assert_eq!(secs("-0.0"), Some((0, 0)));
        assert_eq!(secs("1e-400"), Some((0, 0)));
        assert_eq!(
            secs("253402300799"),
            Some((MAX_NUMERIC_DATE, MAX_NUMERIC_DATE))
        );
        assert_eq!(
            secs("253402300798.5"),
            Some((MAX_NUMERIC_DATE - 1, MAX_NUMERIC_DATE))
        );
    }

    #[test]
    fn negative_out_of_range_and_non_numbers_are_refused() {
        for bad in [
            "-1",
            "-0.5",
            "-1e-9",
            "-9223372036854775808",
            "253402300800",
            "253402300799.5",
            "2.6e11",
            "18446744073709551615",
            "18446744073709551616",
            "1e308",
            // serde_json refuses these itself: exponent overflow, and no NaN/Infinity literal.
            "1e400",
            "-1e400",
            "NaN",
            "Infinity",
            "\"1700000000\"",
            "true",
            "null",
            "[1700000000]",
            "{}",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }
}
