//! Regressions for the security-review findings: each input leaked (or was mangled) before
//! the fix. Every case runs through `redact`, `find`, the writer and the JSON scrubber.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use common::*;

/// Finding 1: a header inside a quoted string kept its credential.
#[test]
fn quoted_authorization_and_cookie_headers_are_redacted_whole() {
    check(
        "curl -H 'Authorization: Bearer abcdef123456' https://x",
        "curl -H 'Authorization: [REDACTED:authorization]' https://x",
    );
    check(
        r#"headers=["Authorization: Basic dXNlcjpwYXNzd29yZA=="]"#,
        r#"headers=["Authorization: [REDACTED:authorization]"]"#,
    );
    check(
        "curl -H 'Cookie: theme=dark; sid=s3cr3tvalue' -H 'Accept: */*'",
        "curl -H 'Cookie: [REDACTED:cookie]' -H 'Accept: */*'",
    );
    check(
        r#"h="Proxy-Authorization: Digest username=a, response=6629fae4""#,
        r#"h="Proxy-Authorization: [REDACTED:authorization]""#,
    );
    check(
        "'Set-Cookie: sid=s3cr3tvalue; Path=/; HttpOnly'",
        "'Set-Cookie: [REDACTED:cookie]'",
    );
    // Quote never closes on the line: the value runs to the end of the line.
    check(
        "msg='Authorization: Bearer abcdef123456\nnext",
        "msg='Authorization: [REDACTED:authorization]\nnext",
    );
    check(
        "Authorization=Bearer abcdef123456",
        "Authorization=[REDACTED:authorization]",
    );
    check(
        r#"{"Authorization": "Basic dXNlcjpwYXNz", "x": 1}"#,
        r#"{"Authorization": "[REDACTED:authorization]", "x": 1}"#,
    );
    check(
        r#"{"msg":"sent \"Authorization: Bearer abcdef123456\" ok"}"#,
        r#"{"msg":"sent \"Authorization: [REDACTED:authorization]\" ok"}"#,
    );
}

/// Finding 7: real v1 tokens (141 to 194 characters) were never matched by the bare rule.
#[test]
fn real_bosso_v1_tokens_are_redacted() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bosso-token/tests/vectors/v1.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut n = 0;
    for vec in v["vectors"].as_array().unwrap() {
        if !vec["name"].as_str().unwrap().starts_with("valid-") {
            continue;
        }
        let tok = vec["token"].as_str().unwrap();
        check(
            &format!("verify failed for {tok}: expired"),
            "verify failed for [REDACTED:bosso_token]: expired",
        );
        n += 1;
    }
    assert!(n >= 4, "expected the valid-* v1 vectors, found {n}");
    keep(&format!("bat1e.{}", "A".repeat(99)));
}

/// Finding 8: API-key headers in their usual mixed case.
#[test]
fn mixed_case_api_key_headers() {
    check("X-Api-Key: abc123", "X-Api-Key: [REDACTED:api_key]");
    check("Api-Key: abc123", "Api-Key: [REDACTED:api_key]");
    check("X-API-Key: abc123", "X-API-Key: [REDACTED:api_key]");
    check("api_Key=abc123", "api_Key=[REDACTED:api_key]");
    check("API_Key=abc123", "API_Key=[REDACTED:api_key]");
    check("APIKey: abc123", "APIKey: [REDACTED:api_key]");
    keep("X-Api-Keys-Count: 3 rapi-Key=1");
}

const BODY: [&str; 2] = [
    "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu",
    "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm",
];

/// Finding 9: indented (YAML) or line-prefixed PEM blocks kept their body.
#[test]
fn indented_and_prefixed_pem_blocks() {
    let [a, b] = BODY;
    check(
        &format!(
            "tls:\n  key: |\n    -----BEGIN RSA PRIVATE KEY-----\n    {a}\n    {b}\n    -----END RSA PRIVATE KEY-----\n  cert: x\n"
        ),
        "tls:\n  key: |\n    [REDACTED:pem_private_key]\n  cert: x\n",
    );
    check(
        &format!(
            "app_1  | -----BEGIN PRIVATE KEY-----\napp_1  | {a}\napp_1  | {b}\napp_1  | -----END PRIVATE KEY-----\napp_1  | started\n"
        ),
        "app_1  | [REDACTED:pem_private_key]\napp_1  | started\n",
    );
    // No END line: through the last base64-looking line.
    check(
        &format!("  -----BEGIN EC PRIVATE KEY-----\n  {a}\n  {b}\n  done.\n"),
        "  [REDACTED:pem_private_key]\n  done.\n",
    );
    keep(&format!(
        "    -----BEGIN CERTIFICATE-----\n    {a}\n    -----END CERTIFICATE-----"
    ));
}

/// Finding 13: raw `/`, `?`, `#` in a URL password.
#[test]
fn url_password_with_reserved_characters() {
    check(
        "mongodb+srv://u:p/ss@cluster0/x",
        "mongodb+srv://[REDACTED:url_credentials]@cluster0/x",
    );
    check(
        "redis://default:a?b#c@cache:6379",
        "redis://[REDACTED:url_credentials]@cache:6379",
    );
    // A port then a path, with an address later: the address goes, the URL stays.
    check(
        "see https://example.com:8080/users/bob@example.org now",
        "see https://example.com:8080/users/[REDACTED:email] now",
    );
    check(
        "https://u:p/ss@host/x/bob@example.org",
        "https://[REDACTED:url_credentials]@host/x/[REDACTED:email]",
    );
    keep("https://example.com/@user/post");
}

/// Finding 14: HAR-style name/value pairs and colliding redacted keys.
#[cfg(feature = "json")]
#[test]
fn json_name_value_pairs_and_key_collisions() {
    let r = redactor();
    let mut v = serde_json::json!({"headers": [
        {"name": "Authorization", "value": "Basic dXNlcjpwYXNz"},
        {"name": "Accept", "value": "*/*"},
        {"key": "X-Api-Key", "val": "abc123"}
    ]});
    r.scrub_json(&mut v);
    assert_eq!(v["headers"][0]["value"], "[REDACTED:authorization]");
    assert_eq!(v["headers"][0]["name"], "Authorization");
    assert_eq!(v["headers"][1]["value"], "*/*");
    assert_eq!(v["headers"][2]["val"], "[REDACTED:api_key]");

    let mut v = serde_json::json!({"alice@example.org": 1, "bob@example.org": 2, "n": 3});
    r.scrub_json(&mut v);
    let map = v.as_object().unwrap();
    assert_eq!(map.len(), 3, "{v}");
    let mut values: Vec<i64> = map.values().map(|x| x.as_i64().unwrap()).collect();
    values.sort_unstable();
    assert_eq!(values, [1, 2, 3]);
    assert!(map.contains_key("[REDACTED:email]"));
    assert!(map.contains_key("[REDACTED:email]#2"));
}

/// Finding 9 with the writer: every pair of split points gives the whole-buffer output for
/// prefixed and indented PEM blocks (the writer's hold-back must agree with the rule).
#[test]
fn prefixed_pem_streams_like_the_whole_buffer() {
    let r = redactor();
    let [a, b] = BODY;
    let input = format!(
        "x | -----BEGIN PRIVATE KEY-----\nx | {a}\nx |   {b}\nx | -----END PRIVATE KEY-----\nx | ok\n  -----BEGIN RSA PRIVATE KEY-----\n  {a}\n  \n  {b}\n  tail: 'Cookie: a=1; sid=2' X-Api-Key: k\n"
    );
    let whole = r.redact(&input).into_owned();
    assert!(!whole.contains(a) && !whole.contains(b), "{whole}");
    assert!(
        !whole.contains("sid=2") && whole.contains("x | ok"),
        "{whole}"
    );
    for cut in (0..=input.len()).step_by(3) {
        for second in [cut + 1, cut + 17, cut + 70] {
            let second = second.min(input.len());
            let mut w = RedactingWriter::new(Vec::new(), Arc::clone(&r));
            w.write_all(&input.as_bytes()[..cut]).unwrap();
            w.write_all(&input.as_bytes()[cut..second]).unwrap();
            w.write_all(&input.as_bytes()[second..]).unwrap();
            let out = String::from_utf8(w.finish().unwrap()).unwrap();
            assert_eq!(out, whole, "cuts {cut} {second}");
        }
    }
}
