//! The literal anchors of every rule, searched for together in one pass.

use super::{Hit, curl, email, keyvalue, pem, tokens};
use crate::kind::Rule;

/// What to verify when an anchor is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// A fragment of a secret-naming key (`assw`, `oken`, ...): key/value rules.
    Key,
    /// `earer`: `Bearer <tok>`, `<app>.bearer.<secret>`, or a `bearer_token` key.
    Bearer,
    /// `.attach.`: `bosso.attach.<token>`.
    Attach,
    /// `code=`, `sig=`, `signature=` query parameters.
    Query,
    Jwt,
    Bat1,
    GhPrefix,
    GithubPat,
    Xox,
    SlackHook,
    Live,
    Whsec,
    Aws,
    Google,
    Sk,
    Npm,
    Pem,
    Home,
    /// `-u ` / `--user` of a curl command.
    Curl,
    /// `ZXlK`: base64 of `eyJ`, a JWT wrapped in base64.
    B64Jwt,
    /// `%40`: a percent-encoded `@` (emails and URL userinfo in query strings).
    PctAt,
}

/// Key fragments drop the first letter so that `password`, `Password` and `dbPassword` share
/// one anchor; the upper-case copy covers `PASSWORD`. Mixed forms such as `PassWord` are missed.
///
/// Teddy, the SIMD searcher, handles at most 64 literals per set, and its candidate check is as
/// strong as its set's shortest literal is long (the engine keeps 3-byte anchors in a set of
/// their own). Anchors are therefore few, and chosen to cover many spellings each:
/// `Key` covers `apiKey`, `X-Api-Key`, `X-API-Key`, `api_Key`, `APIKey`, `signingKey`; `KEY`
/// covers `API_KEY`, `APIKEY`, `DB_KEY`; `_key` and `-key` the snake and kebab forms.
const KEY_FRAGMENTS: &[&str] = &[
    "assw",
    "ecret",
    "oken",
    "uth",
    "redential",
    "rivate",
    "ookie",
];

const LITERALS: &[(&str, Action)] = &[
    ("earer", Action::Bearer),
    ("EARER", Action::Bearer),
    ("pikey", Action::Key),
    // Keys composed from parts (`db_pass`, `DB_PWD`, `aws_access_key`, `signingKey`).
    ("Key", Action::Key),
    ("KEY", Action::Key),
    ("_key", Action::Key),
    ("-key", Action::Key),
    ("_pass", Action::Key),
    ("_PASS", Action::Key),
    ("Pass", Action::Key),
    ("_pwd", Action::Key),
    ("_PWD", Action::Key),
    ("Pwd", Action::Key),
    (".attach.", Action::Attach),
    ("code=", Action::Query),
    ("sig=", Action::Query),
    // `signature=`, `Signature=` (`X-Amz-Signature=`).
    ("ignature=", Action::Query),
    ("eyJ", Action::Jwt),
    ("bat1", Action::Bat1),
    ("ghp_", Action::GhPrefix),
    ("gho_", Action::GhPrefix),
    ("ghu_", Action::GhPrefix),
    ("ghs_", Action::GhPrefix),
    ("ghr_", Action::GhPrefix),
    ("github_pat_", Action::GithubPat),
    ("xox", Action::Xox),
    ("xapp-", Action::Xox),
    ("hooks.slack.com", Action::SlackHook),
    ("_live_", Action::Live),
    // `sk_test_`, `rk_test_`, `sk_prod_`, `rk_prod_`: starting at the `k` keeps these rarer
    // than a bare `_test_`.
    ("k_test_", Action::Live),
    ("k_prod_", Action::Live),
    ("whsec_", Action::Whsec),
    ("AKIA", Action::Aws),
    ("ASIA", Action::Aws),
    ("ABIA", Action::Aws),
    ("ACCA", Action::Aws),
    ("A3T", Action::Aws),
    ("AIza", Action::Google),
    ("sk-", Action::Sk),
    ("npm_", Action::Npm),
    ("-----BEGIN ", Action::Pem),
    ("-u ", Action::Curl),
    ("--user", Action::Curl),
    ("ZXlK", Action::B64Jwt),
    ("%40", Action::PctAt),
];

/// The anchor patterns with their actions, in pattern-id order.
pub(crate) fn patterns(home: Option<&[u8]>) -> Vec<(Vec<u8>, Action)> {
    let mut out = Vec::new();
    for f in KEY_FRAGMENTS {
        out.push((f.as_bytes().to_vec(), Action::Key));
        out.push((f.to_ascii_uppercase().into_bytes(), Action::Key));
    }
    for (lit, action) in LITERALS {
        out.push((lit.as_bytes().to_vec(), *action));
    }
    if let Some(h) = home {
        out.push((h.to_vec(), Action::Home));
    }
    out
}

/// Rules an action may produce, to skip the anchor when all of them are disabled.
pub(crate) fn produces(action: Action) -> u64 {
    let key = Rule::Authorization.bit()
        | Rule::Cookie.bit()
        | Rule::Password.bit()
        | Rule::Secret.bit()
        | Rule::Token.bit()
        | Rule::ApiKey.bit()
        | Rule::Credential.bit()
        | Rule::PrivateKey.bit();
    match action {
        Action::Key => key,
        Action::Bearer => key | Rule::Bearer.bit() | Rule::Subprotocol.bit(),
        Action::Attach => Rule::Subprotocol.bit(),
        Action::Query => Rule::QueryParam.bit(),
        Action::Jwt => Rule::Jwt.bit(),
        Action::Bat1 => Rule::BossoToken.bit(),
        Action::GhPrefix | Action::GithubPat => Rule::GitHub.bit(),
        Action::Xox | Action::SlackHook => Rule::Slack.bit(),
        Action::Live => Rule::Stripe.bit() | Rule::CbLive.bit(),
        Action::Whsec => Rule::Stripe.bit(),
        Action::Aws => Rule::AwsAccessKeyId.bit(),
        Action::Google => Rule::GoogleApiKey.bit(),
        Action::Sk => Rule::SkKey.bit(),
        Action::Npm => Rule::Npm.bit(),
        Action::Pem => Rule::PemPrivateKey.bit(),
        Action::Home => Rule::HomeDir.bit(),
        Action::Curl => Rule::Credential.bit(),
        Action::B64Jwt => Rule::Jwt.bit(),
        Action::PctAt => Rule::Email.bit() | Rule::UrlCredentials.bit(),
    }
}

/// Verify one anchor found at `s..e`.
pub(crate) fn verify(action: Action, h: &[u8], s: usize, e: usize) -> Option<Hit> {
    match action {
        Action::Key => keyvalue::key_value(h, s, e),
        Action::Bearer => tokens::bearer(h, s, e).or_else(|| keyvalue::key_value(h, s, e)),
        Action::Attach => tokens::attach(h, s, e),
        Action::Query => keyvalue::query_param(h, s, e),
        Action::Jwt => tokens::jwt(h, s),
        Action::Bat1 => tokens::bat1(h, s, e),
        Action::GhPrefix => {
            tokens::prefixed(h, s, e, 30, Rule::GitHub, |b| b.is_ascii_alphanumeric())
        }
        Action::GithubPat => tokens::prefixed(h, s, e, 30, Rule::GitHub, |b| {
            b.is_ascii_alphanumeric() || b == b'_'
        }),
        Action::Xox => tokens::slack(h, s, e),
        Action::SlackHook => tokens::slack_hook(h, e),
        Action::Live => tokens::live(h, s, e),
        Action::Whsec => tokens::prefixed(h, s, e, 20, Rule::Stripe, |b| {
            b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='
        }),
        Action::Aws => tokens::aws(h, s, e),
        Action::Google => tokens::prefixed(h, s, e, 35, Rule::GoogleApiKey, super::is_b64url),
        Action::Sk => tokens::sk(h, s, e),
        Action::Npm => tokens::prefixed(h, s, e, 36, Rule::Npm, |b| b.is_ascii_alphanumeric()),
        Action::Pem => pem::block(h, s, e).map(|(end, _)| Hit {
            start: s,
            end,
            rule: Rule::PemPrivateKey,
        }),
        Action::Home => tokens::home(h, s, e),
        Action::Curl => curl::user(h, s, e),
        Action::B64Jwt => tokens::base64_jwt(h, s),
        Action::PctAt => email::percent_at(h, s, e),
    }
}

#[cfg(test)]
mod tests {
    /// Past 64 literals the packed searcher stops using Teddy, and short anchors weaken every
    /// candidate check of their set (the issue 22 bench caught both): the engine searches the
    /// 4+ byte anchors and the few shorter ones as two sets; keep both within bounds.
    #[test]
    fn anchors_fit_teddy() {
        let (long, short): (Vec<_>, Vec<_>) = super::patterns(Some(b"/home/someone"))
            .into_iter()
            .partition(|(p, _)| p.len() >= 4);
        assert!(long.len() <= 64, "{} long anchors", long.len());
        assert!(short.len() <= 16, "{} short anchors", short.len());
    }
}
