//! Every claimed secret type, generated from random strings in the shape its issuer uses.
#![allow(dead_code, clippy::indexing_slicing)]

use super::rng::*;

/// How a secret sits in a line, which decides how a context renders it.
pub enum Form {
    /// `key=value` and its relatives; the key is part of the sample.
    Keyed(String),
    /// A self-describing token standing alone (`ghp_...`, a JWT, a card number).
    Bare(String),
    /// An HTTP header: name, and the full value (the secret is the credential in it).
    Header(&'static str, String),
    /// A URL with credentials in its userinfo (the secret is the password).
    Url(String),
    /// `curl -u user:password` (the secret is the password).
    CurlUser(String),
    /// A secret query parameter: name and value, always inside a URL.
    Query(&'static str, String),
    /// A PEM private key: its lines (the secrets are the body lines).
    Pem(Vec<String>),
}

pub struct Secret {
    pub kind: &'static str,
    pub form: Form,
    /// The text that must not survive redaction.
    pub needles: Vec<String>,
}

fn keyed(kind: &'static str, key: &str, value: String) -> Secret {
    Secret {
        kind,
        form: Form::Keyed(key.to_owned()),
        needles: vec![value],
    }
}

fn bare(kind: &'static str, value: String) -> Secret {
    Secret {
        kind,
        form: Form::Bare(value.clone()),
        needles: vec![value],
    }
}

fn jwt(r: &mut Rng, alg: &str) -> String {
    let header = base64url(format!("{{\"alg\":\"{alg}\",\"typ\":\"JWT\"}}").as_bytes());
    let payload = base64url(
        format!(
            "{{\"sub\":\"{}\",\"iat\":{},\"scope\":\"read write\"}}",
            r.user_id(),
            1_700_000_000 + r.below(50_000_000)
        )
        .as_bytes(),
    );
    if alg == "none" {
        // The unsecured form, with and without its trailing dot.
        let dot = if r.below(2) == 0 { "." } else { "" };
        return format!("{header}.{payload}{dot}");
    }
    format!("{header}.{payload}.{}", r.string(B64URL, 43))
}

fn password(r: &mut Rng) -> String {
    let n = 10 + r.below(22);
    r.mixed(PASSWORD, n)
}

/// The kinds in table order.
pub const KINDS: &[&str] = &[
    "jwt",
    "jwt_unsecured",
    "jwt_base64",
    "bosso_token",
    "subprotocol",
    "bearer",
    "authorization",
    "cookie",
    "password",
    "secret",
    "token",
    "api_key",
    "credential",
    "private_key",
    "curl_user",
    "query_param",
    "pem_private_key",
    "email",
    "url_credentials",
    "github",
    "slack",
    "slack_webhook",
    "stripe",
    "aws_access_key_id",
    "google_api_key",
    "sk_key",
    "npm",
    "cb_live",
    "card",
];

const PASSWORD_KEYS: &[&str] = &[
    "password",
    "db_password",
    "DB_PASSWORD",
    "dbPassword",
    "passwd",
    "db_pass",
    "DB_PASS",
    "mysql_pwd",
    "MYSQL_ROOT_PASSWORD",
    "passwd_hash_input",
    "password_super_secure",
    "userPassword",
    "admin-password",
    "Password",
    "PGPASSWORD",
    "smtp_passphrase",
];
const SECRET_KEYS: &[&str] = &[
    "client_secret",
    "CLIENT_SECRET",
    "secret",
    "app_secret",
    "secretKey",
    "secret_key",
    "webhook_secret",
    "signing_key",
    "JWT_SECRET",
    "aws_access_key",
    "AWS_SECRET_ACCESS_KEY",
    "encryption_key",
];
const TOKEN_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "api_token",
    "auth_token",
    "token",
    "id_token",
    "GITHUB_TOKEN",
    "slackToken",
    "bearer_token",
    "sessionToken",
    "X-Auth-Token",
    "accesstoken",
];
const API_KEY_KEYS: &[&str] = &[
    "api_key",
    "apiKey",
    "API_KEY",
    "x-api-key",
    "X-Api-Key",
    "apikey",
    "openai_api_key",
    "api-key",
    "APIKey",
];
const CREDENTIAL_KEYS: &[&str] = &["auth", "credentials", "credential", "db_credentials"];
const PRIVATE_KEY_KEYS: &[&str] = &[
    "private_key",
    "privateKey",
    "PRIVATE_KEY",
    "ssh_private_key",
];

pub fn generate(kind: &'static str, r: &mut Rng) -> Secret {
    match kind {
        "jwt" => {
            let alg = *r.pick(&["HS256", "RS256", "ES256"]);
            bare(kind, jwt(r, alg))
        }
        "jwt_unsecured" => bare(kind, jwt(r, "none")),
        "jwt_base64" => {
            let t = jwt(r, "HS256");
            bare(kind, base64_std(t.as_bytes()))
        }
        "bosso_token" => {
            let n = 135 + r.below(50);
            bare(
                kind,
                format!("bat1{}.{}", r.pick(&["e", "h"]), r.string(B64URL, n)),
            )
        }
        "subprotocol" => {
            let tok = r.string(B64URL, 40);
            Secret {
                kind,
                form: Form::Header(
                    "Sec-WebSocket-Protocol",
                    format!("bosso.v1, bosso.attach.{tok}"),
                ),
                needles: vec![tok],
            }
        }
        "bearer" => {
            let cred = r.mixed(ALNUM, 32);
            Secret {
                kind,
                form: Form::Header("", format!("Bearer {cred}")),
                needles: vec![cred],
            }
        }
        "authorization" => {
            let (scheme, cred) = match r.below(3) {
                0 => ("Bearer", r.mixed(ALNUM, 40)),
                1 => (
                    "Basic",
                    base64_std(format!("svc:{}", r.mixed(ALNUM, 14)).as_bytes()),
                ),
                _ => ("Bearer", jwt(r, "RS256")),
            };
            let name = *r.pick(&["Authorization", "authorization", "Proxy-Authorization"]);
            Secret {
                kind,
                form: Form::Header(name, format!("{scheme} {cred}")),
                needles: vec![cred],
            }
        }
        "cookie" => {
            let sid = r.mixed(ALNUM, 32);
            let name = ["Cookie", "Set-Cookie"][r.below(2)];
            Secret {
                kind,
                form: Form::Header(name, format!("sid={sid}; theme=dark; lang=en")),
                needles: vec![sid],
            }
        }
        "password" => {
            let key = *r.pick(PASSWORD_KEYS);
            keyed(kind, key, password(r))
        }
        "secret" => {
            let key = *r.pick(SECRET_KEYS);
            let v = if key.contains("ccess") || key.contains("CCESS") {
                r.mixed(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                    40,
                )
            } else {
                r.mixed(ALNUM, 32)
            };
            keyed(kind, key, v)
        }
        "token" => {
            let key = *r.pick(TOKEN_KEYS);
            let n = 24 + r.below(24);
            keyed(kind, key, r.mixed(B64URL, n))
        }
        "api_key" => {
            let key = *r.pick(API_KEY_KEYS);
            keyed(kind, key, r.mixed(ALNUM, 32))
        }
        "credential" => {
            let key = *r.pick(CREDENTIAL_KEYS);
            keyed(kind, key, r.mixed(ALNUM, 24))
        }
        "private_key" => {
            let key = *r.pick(PRIVATE_KEY_KEYS);
            keyed(kind, key, r.mixed(B64URL, 44))
        }
        "curl_user" => {
            let pw = r.mixed(ALNUM, 16);
            Secret {
                kind,
                form: Form::CurlUser(format!("{}:{pw}", r.pick(&["admin", "elastic", "svc-ci"]))),
                needles: vec![pw],
            }
        }
        "query_param" => {
            let key = *r.pick(&["code", "sig", "signature", "X-Amz-Signature"]);
            let v = r.mixed(ALNUM, 28);
            Secret {
                kind,
                form: Form::Query(key, v.clone()),
                needles: vec![v],
            }
        }
        "pem_private_key" => {
            let label = *r.pick(&[
                "RSA PRIVATE KEY",
                "PRIVATE KEY",
                "EC PRIVATE KEY",
                "OPENSSH PRIVATE KEY",
            ]);
            let n = 3 + r.below(6);
            let mut body: Vec<String> = (0..n)
                .map(|i| {
                    let s = r.string(
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                        64,
                    );
                    if i == 0 { format!("MII{}", &s[3..]) } else { s }
                })
                .collect();
            let last = r.string(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                20,
            );
            body.push(format!("{last}=="));
            let mut lines = vec![format!("-----BEGIN {label}-----")];
            lines.extend(body.iter().cloned());
            lines.push(format!("-----END {label}-----"));
            Secret {
                kind,
                form: Form::Pem(lines),
                needles: body,
            }
        }
        "email" => {
            let local = format!(
                "{}.{}",
                r.string(b"abcdefghijklmnopqrstuvwxyz", 7),
                r.string(b"abcdefghijklmnopqrstuvwxyz0123456789", 5)
            );
            let domain = format!(
                "{}.{}",
                r.string(b"abcdefghijklmnopqrstuvwxyz", 8),
                r.pick(&["io", "com", "co.uk", "org"])
            );
            bare(kind, format!("{local}@{domain}"))
        }
        "url_credentials" => {
            let pw = r.mixed(ALNUM, 18);
            let scheme = *r.pick(&["postgres", "mysql", "redis", "amqp", "mongodb+srv", "https"]);
            Secret {
                kind,
                form: Form::Url(format!(
                    "{scheme}://app:{pw}@db-{}.internal:5432/app",
                    r.below(9)
                )),
                needles: vec![pw],
            }
        }
        "github" => {
            let p = *r.pick(&["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]);
            if r.below(5) == 0 {
                bare(
                    kind,
                    format!("github_pat_{}_{}", r.mixed(ALNUM, 22), r.mixed(ALNUM, 59)),
                )
            } else {
                bare(kind, format!("{p}{}", r.mixed(ALNUM, 36)))
            }
        }
        "slack" => {
            let t = match r.below(4) {
                0 => format!(
                    "xoxb-{}-{}-{}",
                    r.string(b"0123456789", 12),
                    r.string(b"0123456789", 13),
                    r.mixed(ALNUM, 24)
                ),
                1 => format!(
                    "xoxp-{}-{}-{}-{}",
                    r.string(b"0123456789", 11),
                    r.string(b"0123456789", 12),
                    r.string(b"0123456789", 12),
                    r.hex(32)
                ),
                2 => format!(
                    "xapp-1-A{}-{}-{}",
                    r.string(UPPER_DIGITS, 10),
                    r.string(b"0123456789", 13),
                    r.hex(64)
                ),
                _ => format!(
                    "xoxo-{}-{}-{}-{}",
                    r.string(b"0123456789", 6),
                    r.string(b"0123456789", 6),
                    r.string(b"0123456789", 6),
                    r.hex(18)
                ),
            };
            bare(kind, t)
        }
        "slack_webhook" => {
            let path = format!(
                "services/T{}/B{}/{}",
                r.string(UPPER_DIGITS, 8),
                r.string(UPPER_DIGITS, 10),
                r.mixed(ALNUM, 24)
            );
            Secret {
                kind,
                form: Form::Bare(format!("https://hooks.slack.com/{path}")),
                needles: vec![path],
            }
        }
        "stripe" => {
            let p = *r.pick(&[
                "sk_live_", "sk_test_", "rk_live_", "rk_test_", "sk_prod_", "rk_prod_",
            ]);
            let n = 24 + r.below(76);
            bare(kind, format!("{p}{}", r.mixed(ALNUM, n)))
        }
        "aws_access_key_id" => {
            let p = *r.pick(&["AKIA", "ASIA", "ABIA", "ACCA", "A3TX"]);
            bare(kind, format!("{p}{}", r.string(UPPER_DIGITS, 16)))
        }
        "google_api_key" => bare(kind, format!("AIza{}", r.mixed(B64URL, 35))),
        "sk_key" => {
            let p = *r.pick(&["sk-proj-", "sk-ant-api03-", "sk-"]);
            bare(kind, format!("{p}{}", r.mixed(B64URL, 48)))
        }
        "npm" => bare(kind, format!("npm_{}", r.mixed(ALNUM, 36))),
        "cb_live" => bare(kind, format!("cb_live_{}", r.mixed(ALNUM, 24))),
        "card" => {
            let (first, len) = *r.pick(&[(4u8, 16usize), (5, 16), (3, 15), (6, 16), (2, 16)]);
            let n = luhn_number(r, first, len);
            let shown = if len == 16 && r.below(2) == 0 {
                let sep = if r.below(2) == 0 { " " } else { "-" };
                format!(
                    "{}{sep}{}{sep}{}{sep}{}",
                    &n[..4],
                    &n[4..8],
                    &n[8..12],
                    &n[12..]
                )
            } else {
                n
            };
            bare(kind, shown)
        }
        other => panic!("unknown kind {other}"),
    }
}
