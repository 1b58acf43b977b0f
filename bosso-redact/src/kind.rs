//! What a finding is: the kind of secret and where it sits.

use core::ops::Range;

/// A built-in rule. Every rule can be switched off with
/// [`RedactorBuilder::disable`](crate::RedactorBuilder::disable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// Compact JWS (3 parts, or 2 when both are JSON: the unsecured form without its dot) and
    /// JWE (5 parts) starting `eyJ`, also wrapped in base64 (`ZXlK...`).
    Jwt,
    /// Bosso attach tokens `bat1e.` / `bat1h.` followed by 100+ base64url characters.
    BossoToken,
    /// Credentials in a WebSocket subprotocol: `bosso.attach.<token>`, `<app>.bearer.<secret>`.
    Subprotocol,
    /// `Bearer <token>` anywhere.
    Bearer,
    /// The value of `Authorization` / `Proxy-Authorization` (any scheme).
    Authorization,
    /// The value of `Cookie` / `Set-Cookie`.
    Cookie,
    /// `key=value`, `key: value`, `"key": "value"` where the key names a password.
    Password,
    /// ... where the key names a secret (`secret`, `client_secret`, `aws_secret_access_key`).
    Secret,
    /// ... where the key names a token (`token`, `access_token`, `x-auth-token`).
    Token,
    /// ... where the key names an API key (`api_key`, `apiKey`, `x-api-key`, `X-Api-Key`).
    ApiKey,
    /// ... where the key is `auth` or names credentials; and the password of `curl -u` /
    /// `curl --user`.
    Credential,
    /// ... where the key names a private key (`private_key`).
    PrivateKey,
    /// Secret-looking URL query parameters with short names: `code`, `sig`, `signature`.
    QueryParam,
    /// PEM private key blocks (`-----BEGIN ... PRIVATE KEY-----` ... `-----END`), across lines.
    PemPrivateKey,
    /// Email addresses, also percent-encoded (`alice%40example.com`).
    Email,
    /// URL userinfo: `scheme://user:pass@host`, also percent-encoded in a query string.
    UrlCredentials,
    /// GitHub tokens: `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`.
    GitHub,
    /// Slack tokens (`xoxb-`, `xoxp-`, `xapp-`, ... with numeric ids) and webhook URLs.
    Slack,
    /// Stripe secret and restricted keys in every mode (`sk_live_`, `sk_test_`, `rk_live_`,
    /// `rk_test_`, `sk_prod_`, ...) and `whsec_`.
    Stripe,
    /// AWS access key ids `AKIA`, `ASIA`, `ABIA`, `ACCA`, `A3T` (secret keys are caught by the
    /// `Secret` key rule).
    AwsAccessKeyId,
    /// Google API keys `AIza...`.
    GoogleApiKey,
    /// OpenAI / Anthropic style `sk-...` keys.
    SkKey,
    /// npm tokens `npm_...`.
    Npm,
    /// `cb_live_` widget keys.
    CbLive,
    /// Card numbers (13-19 digits, optional space/dash groups) that pass the Luhn check.
    CreditCard,
    /// The configured home directory, replaced by `~`.
    HomeDir,
}

impl Rule {
    /// Every built-in rule.
    pub const ALL: [Rule; 26] = [
        Rule::Jwt,
        Rule::BossoToken,
        Rule::Subprotocol,
        Rule::Bearer,
        Rule::Authorization,
        Rule::Cookie,
        Rule::Password,
        Rule::Secret,
        Rule::Token,
        Rule::ApiKey,
        Rule::Credential,
        Rule::PrivateKey,
        Rule::QueryParam,
        Rule::PemPrivateKey,
        Rule::Email,
        Rule::UrlCredentials,
        Rule::GitHub,
        Rule::Slack,
        Rule::Stripe,
        Rule::AwsAccessKeyId,
        Rule::GoogleApiKey,
        Rule::SkKey,
        Rule::Npm,
        Rule::CbLive,
        Rule::CreditCard,
        Rule::HomeDir,
    ];

    /// The label used in `[REDACTED:<label>]`. Labels never contain a rule's trigger followed by
    /// a separator, so redacted output is not redacted again (idempotence).
    pub const fn label(self) -> &'static str {
        match self {
            Rule::Jwt => "jwt",
            Rule::BossoToken => "bosso_token",
            Rule::Subprotocol => "subprotocol",
            Rule::Bearer => "bearer",
            Rule::Authorization => "authorization",
            Rule::Cookie => "cookie",
            Rule::Password => "password",
            Rule::Secret => "secret",
            Rule::Token => "token",
            Rule::ApiKey => "api_key",
            Rule::Credential => "credential",
            Rule::PrivateKey => "private_key",
            Rule::QueryParam => "query_param",
            Rule::PemPrivateKey => "pem_private_key",
            Rule::Email => "email",
            Rule::UrlCredentials => "url_credentials",
            Rule::GitHub => "github",
            Rule::Slack => "slack",
            Rule::Stripe => "stripe",
            Rule::AwsAccessKeyId => "aws_access_key_id",
            Rule::GoogleApiKey => "google_api_key",
            Rule::SkKey => "sk_key",
            Rule::Npm => "npm",
            Rule::CbLive => "cb_live",
            Rule::CreditCard => "card",
            Rule::HomeDir => "home",
        }
    }

    pub(crate) const fn bit(self) -> u64 {
        1u64 << (self as u32)
    }
}

/// What matched: a built-in rule or a user rule (by its index in the order it was added).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A built-in rule.
    Builtin(Rule),
    /// A user rule added with [`RedactorBuilder::rule`](crate::RedactorBuilder::rule).
    Custom(usize),
}

/// One secret found in a text: its byte range and kind. Holds no copy of the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Byte range in the input.
    pub range: Range<usize>,
    /// What matched. When matches overlap they are merged and the leftmost one names the kind.
    pub kind: Kind,
}
