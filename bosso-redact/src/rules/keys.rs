//! Which identifiers name a secret: keys are split into components and composed from parts.
//!
//! A key is split at `_`, `-`, `.` and camel-case steps (`dbPassword` is `db` `password`,
//! `APIKey` is `api` `key`). It names a secret when a component is a secret word
//! (`password`, `passwd`, `secret`, `token`, `credential`, ...), or `key` qualified by the
//! component before it (`api_key`, `private_key`, `aws_access_key`, `signing_key`). The secret
//! word may be followed by more components (`passwd_hash_input`, `password_super_secure`)
//! unless one of them says the value is about the secret rather than the secret itself
//! (`token_count`, `secret_name`, `password_changed`, `auth_method`).

use crate::kind::Rule;

/// Longest key we classify; longer identifiers are not secret names.
pub(crate) const MAX_KEY: usize = 64;
const MAX_PARTS: usize = 16;

/// How a secret word may appear in a key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Anywhere, alone or with other components.
    Free,
    /// Only as the last component (`auth`, `cookie`: `auth_method`, `cookie_name` stay).
    Last,
    /// Only as the last component and after a qualifier (`db_pass`, `db_pwd`; a bare `pass` or
    /// `pwd` is a test count or the working directory).
    LastQualified,
}

const WORDS: &[(&[u8], Rule, Place)] = &[
    (b"password", Rule::Password, Place::Free),
    (b"passwd", Rule::Password, Place::Free),
    (b"passphrase", Rule::Password, Place::Free),
    (b"pass", Rule::Password, Place::LastQualified),
    (b"pwd", Rule::Password, Place::LastQualified),
    (b"secret", Rule::Secret, Place::Free),
    (b"secretkey", Rule::Secret, Place::Free),
    (b"secretaccesskey", Rule::Secret, Place::Free),
    (b"accesskey", Rule::Secret, Place::Free),
    (b"token", Rule::Token, Place::Free),
    (b"apikey", Rule::ApiKey, Place::Free),
    (b"privatekey", Rule::PrivateKey, Place::Free),
    (b"credential", Rule::Credential, Place::Free),
    (b"credentials", Rule::Credential, Place::Free),
    (b"auth", Rule::Credential, Place::Last),
    (b"authorization", Rule::Authorization, Place::Last),
    (b"cookie", Rule::Cookie, Place::Last),
];

/// Words that also name a secret at the end of one unbroken component (`PGPASSWORD`,
/// `accesstoken`, `clientsecret`); `pass`, `pwd`, `auth` and `key` end too many other words.
const FUSED: &[&[u8]] = &[b"password", b"passwd", b"secret", b"token"];

fn fused(word: &[u8]) -> Option<&'static (&'static [u8], Rule, Place)> {
    let w = FUSED
        .iter()
        .find(|w| word.len() >= w.len() + 2 && word.ends_with(w))?;
    WORDS.iter().find(|(x, _, _)| x == w)
}

/// Components that turn a following `key` into a secret name, and the rule it gets.
const KEY_QUALIFIERS: &[(&[u8], Rule)] = &[
    (b"api", Rule::ApiKey),
    (b"private", Rule::PrivateKey),
    (b"secret", Rule::Secret),
    (b"access", Rule::Secret),
    (b"signing", Rule::Secret),
    (b"encryption", Rule::Secret),
    (b"master", Rule::Secret),
    (b"hmac", Rule::Secret),
    (b"account", Rule::Secret),
    (b"app", Rule::Secret),
    (b"auth", Rule::Secret),
    (b"client", Rule::Secret),
    (b"license", Rule::Secret),
];

/// Components after a secret word that make the key describe the secret instead of holding it.
const ABOUT: &[&[u8]] = &[
    b"at",
    b"age",
    b"arn",
    b"change",
    b"changed",
    b"count",
    b"counts",
    b"dir",
    b"disabled",
    b"duration",
    b"enable",
    b"enabled",
    b"endpoint",
    b"error",
    b"errors",
    b"exp",
    b"expiration",
    b"expired",
    b"expires",
    b"expiry",
    b"field",
    b"file",
    b"filename",
    b"format",
    b"hint",
    b"id",
    b"ids",
    b"idx",
    b"index",
    b"interval",
    b"issuer",
    b"kind",
    b"label",
    b"len",
    b"length",
    b"lifetime",
    b"limit",
    b"max",
    b"method",
    b"methods",
    b"min",
    b"missing",
    b"mode",
    b"name",
    b"names",
    b"path",
    b"period",
    b"policy",
    b"prefix",
    b"provider",
    b"ref",
    b"required",
    b"reset",
    b"rotated",
    b"rotation",
    b"scheme",
    b"scope",
    b"scopes",
    b"size",
    b"source",
    b"state",
    b"status",
    b"strategy",
    b"strength",
    b"suffix",
    b"time",
    b"timeout",
    b"ts",
    b"ttl",
    b"type",
    b"types",
    b"uri",
    b"url",
    b"urls",
    b"usage",
    b"used",
    b"valid",
    b"validation",
    b"verification",
    b"verified",
    b"version",
];

/// Component boundaries of `key`, lower-cased into `buf`: returns the component ranges.
fn components(key: &[u8], buf: &mut [u8; MAX_KEY]) -> ([(usize, usize); MAX_PARTS], usize) {
    let mut parts = [(0usize, 0usize); MAX_PARTS];
    let mut n = 0;
    let mut start = 0;
    let mut push = |s: usize, e: usize, n: &mut usize| {
        if s < e
            && let Some(slot) = parts.get_mut(*n)
        {
            *slot = (s, e);
            *n += 1;
        }
    };
    for (i, &b) in key.iter().enumerate() {
        if let Some(slot) = buf.get_mut(i) {
            *slot = b.to_ascii_lowercase();
        }
        if matches!(b, b'_' | b'-' | b'.') {
            push(start, i, &mut n);
            start = i + 1;
            continue;
        }
        let prev = i.checked_sub(1).and_then(|j| key.get(j).copied());
        let next = key.get(i + 1).copied();
        let camel = b.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    // `APIKey`: the `K` starts a word when a lower-case letter follows.
                    || (p.is_ascii_uppercase() && next.is_some_and(|c| c.is_ascii_lowercase()))
            });
        if camel && i > start {
            push(start, i, &mut n);
            start = i;
        }
    }
    push(start, key.len(), &mut n);
    (parts, n)
}

/// Classify an identifier as a secret-naming key.
pub(crate) fn classify(key: &[u8]) -> Option<Rule> {
    if key.len() > MAX_KEY || key.is_empty() {
        return None;
    }
    let mut buf = [0u8; MAX_KEY];
    let (parts, n) = components(key, &mut buf);
    let part = |k: usize| -> &[u8] {
        parts
            .get(k)
            .filter(|_| k < n)
            .and_then(|&(s, e)| buf.get(s..e))
            .unwrap_or_default()
    };
    // The rightmost secret word decides; what follows it must not describe it.
    for k in (0..n).rev() {
        let word = part(k);
        // `token1`, `password2`: a numbered copy names the same thing.
        let word = word
            .get(..word.len() - word.iter().rev().take_while(|b| b.is_ascii_digit()).count())
            .unwrap_or(word);
        let last = k + 1 == n;
        let rule = if word == b"key" {
            k.checked_sub(1).and_then(|q| {
                KEY_QUALIFIERS
                    .iter()
                    .find(|(w, _)| *w == part(q))
                    .map(|(_, r)| *r)
            })
        } else {
            WORDS
                .iter()
                .find(|(w, _, _)| *w == word)
                .or_else(|| fused(word))
                .and_then(|&(_, rule, place)| match place {
                    Place::Free => Some(rule),
                    Place::Last => last.then_some(rule),
                    Place::LastQualified => (last && k > 0).then_some(rule),
                })
        };
        let Some(rule) = rule else {
            continue;
        };
        let described = (k + 1..n).any(|j| ABOUT.contains(&part(j)));
        return (!described).then_some(rule);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composed_key_names() {
        let yes: &[(&str, Rule)] = &[
            ("password", Rule::Password),
            ("db_pass", Rule::Password),
            ("DB_PASS", Rule::Password),
            ("dbPwd", Rule::Password),
            ("passwd_hash_input", Rule::Password),
            ("password_super_secure", Rule::Password),
            ("aws_access_key", Rule::Secret),
            ("AWS_SECRET_ACCESS_KEY", Rule::Secret),
            ("api_token", Rule::Token),
            ("_authToken", Rule::Token),
            ("APIKey", Rule::ApiKey),
            ("X-Api-Key", Rule::ApiKey),
            ("apikey", Rule::ApiKey),
            ("privateKey", Rule::PrivateKey),
            ("auth", Rule::Credential),
            ("Proxy-Authorization", Rule::Authorization),
            ("Set-Cookie", Rule::Cookie),
            ("signing_key", Rule::Secret),
            ("AccountKey", Rule::Secret),
            ("PGPASSWORD", Rule::Password),
            ("accesstoken", Rule::Token),
            ("bot_token1", Rule::Token),
        ];
        for (k, r) in yes {
            assert_eq!(classify(k.as_bytes()), Some(*r), "{k}");
        }
        for k in [
            "tokens",
            "max_tokens",
            "token_count",
            "author",
            "secret_name",
            "password_changed",
            "auth_method",
            "cookies_enabled",
            "cookie_name",
            "pass",
            "PWD",
            "OLDPWD",
            "bypass",
            "cache_key",
            "key",
            "aws_access_key_id",
            "api_keys_count",
            "private_repo",
            "tokenizer",
        ] {
            assert_eq!(classify(k.as_bytes()), None, "{k}");
        }
    }
}
