//! Every built-in rule: true positives and near misses, each run through `redact`, `find`,
//! the streaming writer and the JSON scrubber, plus idempotence.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use common::*;

const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

#[test]
fn jwt() {
    check(JWT, "[REDACTED:jwt]");
    check(&format!("token {JWT} ok"), "token [REDACTED:jwt] ok");
    check(&format!("({JWT})."), "([REDACTED:jwt]).");
    // Unsecured JWS: empty signature.
    check(
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. next",
        "[REDACTED:jwt] next",
    );
    // JWE, 5 parts, empty encrypted key (alg dir).
    check(
        "jwe=eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aXYxMjM0NTY3ODkw.Y2lwaGVydGV4dA.dGFnMTIzNDU2Nzg5MDEy end",
        "jwe=[REDACTED:jwt] end",
    );
    keep("eyJhbGciOiJIUzI1NiJ9 alone is a header, not a token");
    keep("eyJhbGciOiJIUzI1NiJ9. then a sentence");
    keep("xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc");
}

#[test]
fn jwt_public_vectors() {
    // RFC 7515 Appendix A compact serializations, an independent source of real tokens.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/jose/rfc7515_appendix_a.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut n = 0;
    for ex in v["examples"].as_array().unwrap() {
        if let Some(compact) = ex["compact"].as_str() {
            check(
                &format!("Authorization-less log: jws={compact}"),
                "Authorization-less log: jws=[REDACTED:jwt]",
            );
            n += 1;
        }
    }
    assert!(n >= 4, "expected the RFC 7515 compact examples, found {n}");
}

fn b64url(n: usize) -> String {
    let a = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..n).map(|i| char::from(a[(i * 7 + 3) % 64])).collect()
}

#[test]
fn bosso_token_and_subprotocol() {
    let tok = format!("bat1e.{}", b64url(220));
    check(&format!("token={tok}"), "token=[REDACTED:token]");
    check(
        &format!("minted {tok} for chat"),
        "minted [REDACTED:bosso_token] for chat",
    );
    check(
        &format!("minted bat1h.{} x", b64url(300)),
        "minted [REDACTED:bosso_token] x",
    );
    check(
        &format!("Sec-WebSocket-Protocol: bosso.v1, bosso.attach.{tok}"),
        "Sec-WebSocket-Protocol: bosso.v1, bosso.attach.[REDACTED:subprotocol]",
    );
    check(
        "Sec-WebSocket-Protocol: paseo.bearer.s3cr3t-Value_1",
        "Sec-WebSocket-Protocol: paseo.bearer.[REDACTED:subprotocol]",
    );
    keep("minted bat1e.short");
    keep(&format!("combat1e.{}", b64url(220)));
    keep("import file.attach.ts");
}

#[test]
fn bearer() {
    check(
        "proxy said Bearer abcdefgh12345 was stale",
        "proxy said Bearer [REDACTED:bearer] was stale",
    );
    check("bearer_token=abc123", "bearer_token=[REDACTED:token]");
    keep("the bearer of bad news");
    keep("Bearer short");
}

#[test]
fn authorization_headers() {
    check(
        "Authorization: Basic dXNlcjpwYXNz",
        "Authorization: [REDACTED:authorization]",
    );
    check(
        "authorization: Bearer abc.def.ghi\r\nHost: x",
        "authorization: [REDACTED:authorization]\r\nHost: x",
    );
    check(
        "Proxy-Authorization: Digest username=\"a\", response=\"6629fae49393a05397450978507c4ef1\"",
        "Proxy-Authorization: [REDACTED:authorization]",
    );
    check(
        r#"{"Authorization":"Bearer x.y.z","accept":"*/*"}"#,
        r#"{"Authorization":"[REDACTED:authorization]","accept":"*/*"}"#,
    );
    keep("authorization failed for user 42");
    keep("author=jane title=Dune");
}

#[test]
fn cookies() {
    check("Cookie: sid=abc; theme=dark", "Cookie: [REDACTED:cookie]");
    check(
        "set-cookie: sid=abc; Path=/; HttpOnly\nnext",
        "set-cookie: [REDACTED:cookie]\nnext",
    );
    keep("cookies_enabled=true");
}

#[test]
fn key_value_secrets() {
    check(
        "password=hunter2 next=1",
        "password=[REDACTED:password] next=1",
    );
    check(
        r#"{"db_password": "s3cret", "user": "bob"}"#,
        r#"{"db_password": "[REDACTED:password]", "user": "bob"}"#,
    );
    check("PASSWORD=hunter2", "PASSWORD=[REDACTED:password]");
    check("dbPassword: hunter2", "dbPassword: [REDACTED:password]");
    check(
        r#"msg="{\"password\":\"hunter2\"}""#,
        r#"msg="{\"password\":\"[REDACTED:password]\"}""#,
    );
    check(
        "client_secret=abc123&grant_type=x",
        "client_secret=[REDACTED:secret]&grant_type=x",
    );
    check(
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SECRET_ACCESS_KEY=[REDACTED:secret]",
    );
    check(
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws_secret_access_key = [REDACTED:secret]",
    );
    check("access_token=abc", "access_token=[REDACTED:token]");
    check("X-Auth-Token: abc", "X-Auth-Token: [REDACTED:token]");
    check(
        "GET /x?id_token=abc&x=1",
        "GET /x?id_token=[REDACTED:token]&x=1",
    );
    check("refreshToken: 'abc'", "refreshToken: '[REDACTED:token]'");
    check(
        "api_key=abc x-api-key: def",
        "api_key=[REDACTED:api_key] x-api-key: [REDACTED:api_key]",
    );
    check(
        r#"apiKey="abc" API_KEY=def"#,
        r#"apiKey="[REDACTED:api_key]" API_KEY=[REDACTED:api_key]"#,
    );
    check(
        "auth=abc credentials: def",
        "auth=[REDACTED:credential] credentials: [REDACTED:credential]",
    );
    check(
        "private_key=abc privateKey: def",
        "private_key=[REDACTED:private_key] privateKey: [REDACTED:private_key]",
    );
    keep("password_changed=true password=null password:\npasswordless login");
    keep("secret_name=prod-db secretary=bob");
    keep("max_tokens=4096 tokens=12 token_count: 5 broken=true tokenizer=bpe");
    keep("api_keys_count=3 apikeyring=1");
    keep("oauth=enabled authenticated=true auth_method=oidc");
    keep("private_repo=true");
}

#[test]
fn query_params() {
    check(
        "GET /cb?code=abc123&state=xyz",
        "GET /cb?code=[REDACTED:query_param]&state=xyz",
    );
    check("u=/f?x=1&sig=abcDEF", "u=/f?x=1&sig=[REDACTED:query_param]");
    check(
        "https://s3/x?X-Amz-Signature=abcdef0123",
        "https://s3/x?X-Amz-Signature=[REDACTED:query_param]",
    );
    keep("exit code=1 zipcode=12345");
}

const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm\n-----END RSA PRIVATE KEY-----";

#[test]
fn pem_private_keys() {
    check(
        &format!("key:\n{PEM}\nafter"),
        "key:\n[REDACTED:pem_private_key]\nafter",
    );
    check(
        "{\"k\":\"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----\\n\"}",
        "{\"k\":\"[REDACTED:pem_private_key]\\n\"}",
    );
    // Truncated (a log tail): the body lines seen so far go.
    check(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nnot base64 here",
        "[REDACTED:pem_private_key]\nnot base64 here",
    );
    keep("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----");
    keep("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQ\n-----END PUBLIC KEY-----");
}

#[test]
fn emails_and_url_credentials() {
    check(
        "contact alice.smith+tag@example.co.uk now.",
        "contact [REDACTED:email] now.",
    );
    check("<bob@example.org>", "<[REDACTED:email]>");
    check(
        "db=postgres://app:pa55w0rd@db.internal:5432/app",
        "db=postgres://[REDACTED:url_credentials]@db.internal:5432/app",
    );
    check(
        "https://deploy:tok@github.com/o/r.git",
        "https://[REDACTED:url_credentials]@github.com/o/r.git",
    );
    keep("ping @mention and user@localhost");
    keep("icon@2x.png node@20.1 pkg@1.2.3");
    keep("https://example.com/@user/post");
}

#[test]
fn provider_keys() {
    let a36 = "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5";
    check(&format!("push ghp_{a36}"), "push [REDACTED:github]");
    check(&format!("t=gho_{a36},"), "t=[REDACTED:github],");
    check(
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUV",
        "[REDACTED:github]",
    );
    keep("ghp_short");
    keep(&format!("xghp_{a36}"));
    check(
        "slack xoxb-1234567890-abcdefghij done",
        "slack [REDACTED:slack] done",
    );
    check(
        "url=https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX",
        "url=https://hooks.slack.com/[REDACTED:slack]",
    );
    keep("xoxo-hugs and xoxb-short");
    check(
        "stripe sk_live_51H8abcdEFGHijkl rk_live_51H8abcdEFGHijkl",
        "stripe [REDACTED:stripe] [REDACTED:stripe]",
    );
    check(
        "whsec_abcdefghijklmnopqrstuvwxyz012345",
        "[REDACTED:stripe]",
    );
    keep("pk_live_51H8abcdEFGHijkl is publishable; task_live_x");
    // The AWS documentation's example access key id.
    check(
        "key AKIAIOSFODNN7EXAMPLE used",
        "key [REDACTED:aws_access_key_id] used",
    );
    check("ASIAIOSFODNN7EXAMPLE", "[REDACTED:aws_access_key_id]");
    keep("AKIAIOSFODNN7EXAMPL AKIAIOSFODNN7EXAMPLEX akiaiosfodnn7example");
    check(
        "maps?key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe&x",
        "maps?key=[REDACTED:google_api_key]&x",
    );
    keep("AIzaShort");
    check(
        "OPENAI sk-proj-abc123DEF456ghi789JKL012mno345",
        "OPENAI [REDACTED:sk_key]",
    );
    check("sk-ant-api03-abcdefghij0123456789xyz", "[REDACTED:sk_key]");
    keep("task-runner-1 sk-learn risk-assessment-2024-q3-report");
    check(
        &format!("//registry/:_authToken=npm_{a36}"),
        "//registry/:_authToken=[REDACTED:token]",
    );
    check(&format!("npm_{a36}"), "[REDACTED:npm]");
    keep("npm_config_cache=/tmp/npm");
    check(
        "widget cb_live_abcdef1234567890",
        "widget [REDACTED:cb_live]",
    );
    keep("cb_live_short");
}

#[test]
fn credit_cards() {
    for card in [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5555555555554444",
        "378282246310005",
        "3782 822463 10005",
    ] {
        check(
            &format!("paid with {card} today"),
            "paid with [REDACTED:card] today",
        );
    }
    check("card=4111111111111111", "card=[REDACTED:card]");
    check(
        "4111 1111 1111 1111 2026-01-01",
        "[REDACTED:card] 2026-01-01",
    );
    keep("4111111111111112 fails Luhn");
    keep("ts=1700000000123456789 ns, date 2026-11-23 05:57:52");
    keep("ratio 0.4111111111111111 and abc4111111111111111 and /files/4111111111111111");
}

#[test]
fn home_directory() {
    check("at /home/alice/src/main.rs:10", "at ~/src/main.rs:10");
    check("cwd=/home/alice", "cwd=~");
    keep("/home/alice2/x and /mnt/home/alice/x");
}

#[test]
fn ordinary_log_content_stays() {
    for line in [
        "2026-11-23T05:57:52.123456Z INFO http: request_id=7f3c9a2e-4b1d-4c8e-9f2a-1b3c5d7e9f01 status=200",
        "commit 3f9a1c2b8e7d6f5a4b3c2d1e0f9a8b7c6d5e4f3a Merge: 1a2b3c4 5d6e7f8",
        "x-request-id: req_8f14e45fceea167a5a36dedd4bea2543 trace=00f067aa0ba902b7",
        "Nov 23 05:57:52 host sshd[48213]: Accepted from 10.2.3.4 port 52314",
        "{\"files\":128,\"elapsed_ms\":341,\"bytes\":18446744073709551615,\"path\":\"/var/lib/app/x.db\"}",
        "  12: tokio::runtime::task::harness::Harness<T,S>::poll at /rustc/90b35a62/library/core/src/future/mod.rs:123:9",
        "sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 size=1048576",
        "uuid 550e8400-e29b-41d4-a716-446655440000 counts 1234 5678 9012 3456 done",
        "C:\\Users\\bob\\AppData\\Local\\Temp\\x.log 3.14159 -42 1e10 0x7fff5fbff8a8",
    ] {
        keep(line);
    }
}

#[test]
fn disabled_rules_and_user_rules() {
    let r = Redactor::builder()
        .disable(Rule::Email)
        .rule("ticket", r"TICKET-[0-9]{4}")
        .unwrap()
        .build();
    assert_eq!(
        r.redact("alice@example.com TICKET-1234"),
        "alice@example.com [REDACTED:ticket]"
    );
    assert!(Redactor::builder().rule("Bad Label", "x").is_err());
    assert!(Redactor::builder().rule("ok", "(").is_err());
    let no_kv = Redactor::builder().disable(Rule::Authorization).build();
    // With the header rule off, the bearer rule still catches the credential.
    assert_eq!(
        no_kv.redact("Authorization: Bearer abcdefgh12345"),
        "Authorization: Bearer [REDACTED:bearer]"
    );
}

#[test]
fn overlapping_matches_merge_and_leave_nothing() {
    let r = redactor();
    let out = r.redact(&format!("password={JWT}")).into_owned();
    assert_eq!(out, "password=[REDACTED:password]");
    let f = r.find("a@b.com@c.org");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].range, 0..13);
}
