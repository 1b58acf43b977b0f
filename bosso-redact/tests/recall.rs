//! Issue 22: each miss class of the independent recall/precision corpus, and its false
//! positive. Values are made up; every case runs through `redact`, `find`, the writer and the
//! JSON scrubber (`common::check`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use common::*;

const BODY: [&str; 3] = [
    "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu",
    "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm",
    "o3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2k",
];

/// Class 1: every line of the block carries its own timestamp.
#[test]
fn pem_block_with_a_changing_prefix_on_every_line() {
    let [a, b, c] = BODY;
    // ISO timestamps whose fractional part changes length (Go trims trailing zeros).
    check(
        &format!(
            "2026-11-23T05:57:52.123Z -----BEGIN RSA PRIVATE KEY-----\n2026-11-23T05:57:52.124Z {a}\n2026-11-23T05:57:52.2Z {b}\n2026-11-23T05:57:52.31Z {c}\n2026-11-23T05:57:53.001Z -----END RSA PRIVATE KEY-----\n2026-11-23T05:57:53.002Z loaded\n"
        ),
        "2026-11-23T05:57:52.123Z [REDACTED:pem_private_key]\n2026-11-23T05:57:53.002Z loaded\n",
    );
    // Python logging: `%(asctime)s %(levelname)s %(name)s: %(message)s`, one call per line.
    check(
        &format!(
            "2026-11-23 05:57:52,120 INFO app.tls: -----BEGIN PRIVATE KEY-----\n2026-11-23 05:57:52,121 INFO app.tls: {a}\n2026-11-23 05:57:52,999 INFO app.tls: {b}\n2026-11-23 05:57:53,000 INFO app.tls: -----END PRIVATE KEY-----\n2026-11-23 05:57:53,001 INFO app.tls: ready\n"
        ),
        "2026-11-23 05:57:52,120 INFO app.tls: [REDACTED:pem_private_key]\n2026-11-23 05:57:53,001 INFO app.tls: ready\n",
    );
    // Without an END line (a log tail), and JSON lines whose message closes each line.
    check(
        &format!(
            "[2026-11-23 05:57:52] -----BEGIN EC PRIVATE KEY-----\n[2026-11-23 05:57:53] {a}\n[2026-11-23 05:57:54] {b}\n[2026-11-23 05:57:55] shutting down\n"
        ),
        "[2026-11-23 05:57:52] [REDACTED:pem_private_key]\n[2026-11-23 05:57:55] shutting down\n",
    );
    check(
        &format!(
            "{{\"ts\":\"2026-11-23T05:57:52.1Z\",\"msg\":\"-----BEGIN PRIVATE KEY-----\"}}\n{{\"ts\":\"2026-11-23T05:57:52.22Z\",\"msg\":\"{a}\"}}\n{{\"ts\":\"2026-11-23T05:57:52.3Z\",\"msg\":\"-----END PRIVATE KEY-----\"}}\n{{\"ts\":\"2026-11-23T05:57:52.4Z\",\"msg\":\"ok\"}}"
        ),
        "{\"ts\":\"2026-11-23T05:57:52.1Z\",\"msg\":\"[REDACTED:pem_private_key]\"}\n{\"ts\":\"2026-11-23T05:57:52.4Z\",\"msg\":\"ok\"}",
    );
    // A prefix of another shape is not part of the block.
    check(
        &format!("2026-11-23T05:57:52Z -----BEGIN PRIVATE KEY-----\nother: {a}\n"),
        &format!("2026-11-23T05:57:52Z [REDACTED:pem_private_key]\nother: {a}\n"),
    );
}

fn base64_std(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

/// Class 2: a JWT inside base64 (a `ZXlK...` blob).
#[test]
fn base64_wrapped_jwt() {
    let wrapped = base64_std(JWT.as_bytes());
    assert!(wrapped.starts_with("ZXlK"));
    check(
        &format!("session blob={wrapped} len=3"),
        "session blob=[REDACTED:jwt] len=3",
    );
    check(
        &format!("{{\"state\":\"{wrapped}\"}}"),
        "{\"state\":\"[REDACTED:jwt]\"}",
    );
    // Base64 of something else starting `eyJ` but not a JWT stays.
    keep(&format!(
        "x={}",
        base64_std(b"eyJ is just three letters here")
    ));
    keep("ZXlKaGJHY2lPaU");
}

/// Class 3: percent-encoded addresses, URL userinfo and a Slack webhook.
#[test]
fn percent_encoded_secrets_in_query_strings() {
    check(
        "GET /invite?email=alice.smith%40example.com&x=1",
        "GET /invite?email=[REDACTED:email]&x=1",
    );
    check(
        "GET /s?q=hello%20bob%40example.org%20there",
        "GET /s?q=hello%20[REDACTED:email]%20there",
    );
    check(
        "GET /connect?dsn=postgres%3A%2F%2Fapp%3Ap4ssw0rd%40db.internal%3A5432%2Fapp HTTP/1.1",
        "GET /connect?dsn=postgres%3A%2F%2F[REDACTED:url_credentials]%40db.internal%3A5432%2Fapp HTTP/1.1",
    );
    check(
        "GET /go?q=https%3A%2F%2Fhooks.slack.com%2Fservices%2F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&r=1",
        "GET /go?q=https%3A%2F%2Fhooks.slack.com%2F[REDACTED:slack]&r=1",
    );
    keep("GET /f?path=%2Fhome%2Fuser%40host%3A22 and icon%402x.png");
}

/// Class 4: provider formats that were missing.
#[test]
fn more_provider_formats() {
    let a24 = "4eC39HqLyjWDarjtT1zdp7dc";
    for prefix in ["sk_test_", "rk_live_", "rk_test_", "sk_prod_", "rk_prod_"] {
        check(
            &format!("charge with {prefix}{a24} ok"),
            "charge with [REDACTED:stripe] ok",
        );
    }
    keep(&format!("pk_test_{a24} pk_prod_{a24} run_test_{a24}"));
    check(
        "SLACK_APP=xapp-1-A052FGTS2DL-5171572773297-610b6a11f4b7eb819e87b767d80e6575",
        "SLACK_APP=[REDACTED:slack]",
    );
    check(
        "legacy xoxo-523423-234243-234233-e039d02840a0b9379c end",
        "legacy [REDACTED:slack] end",
    );
    for id in [
        "A3TXQ5RNM2KD7LP4WZ6B",
        "ABIAQ5RNM2KD7LP4WZ6B",
        "ACCAQ5RNM2KD7LP4WZ6B",
    ] {
        check(
            &format!("key id {id} region=eu-west-1"),
            "key id [REDACTED:aws_access_key_id] region=eu-west-1",
        );
    }
    keep("ABIAQ5RNM2KD7LP4WZ6 ACCAQ5RNM2KD7LP4WZ6BX A3T");
    // Unsecured JWT, two segments and no trailing dot.
    check(
        "tok eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0 end",
        "tok [REDACTED:jwt] end",
    );
    keep("eyJhbGciOiJub25lIn0.then words");
}

/// Class 5: `curl -u user:password` and `--user`.
#[test]
fn curl_user_option() {
    check(
        "curl --cacert ca.crt -u elastic:P4ssw0rdZ1 https://localhost:9200",
        "curl --cacert ca.crt -u elastic:[REDACTED:credential] https://localhost:9200",
    );
    check(
        "$ curl -s --user 'api:d2LkV78zLx!t' https://api.example.net/v3",
        "$ curl -s --user 'api:[REDACTED:credential]' https://api.example.net/v3",
    );
    check(
        "curl --user=kevin:'pRf7vG2h1L8nQkW9' -X PATCH",
        "curl --user=kevin:'[REDACTED:credential]' -X PATCH",
    );
    check(
        "curl -u \"sk9f8d7s6a5d4f3g2h1:\" https://api.example.com",
        "curl -u \"[REDACTED:credential]:\" https://api.example.com",
    );
    check(
        "  -u developer:yqDVtkqPECriaLRi \\",
        "  -u developer:[REDACTED:credential] \\",
    );
    keep("curl -i -u 'test:test' https://x");
    keep("curl -sL --user \"$1:$2\" \"$3\"");
    keep("curl -u <user:password> https://test.com/endpoint");
    keep("curl -u \"${username}:${password}\" https://x");
    keep("curl -u \"myusername\" http://localhost:15130/");
    keep("curl --user-agent x:y https://x");
    keep("sudo -u postgres psql && ps -u root:wheel");
}

/// Class 6: key names and assignment shapes that were missed.
#[test]
fn key_name_forms() {
    check(
        "if (apikey == \"k3yV4lu3x\") {",
        "if (apikey == \"[REDACTED:api_key]\") {",
    );
    check(
        "var password = @\"C0rrect#Horse\";",
        "var password = @\"[REDACTED:password]\";",
    );
    check(
        "token := GetEnvOrDefault(\"api_token\", \"t0k3nV4lue\")",
        "token := GetEnvOrDefault(\"api_token\", \"[REDACTED:token]\")",
    );
    check(
        "aws_access_key = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\"",
        "aws_access_key = \"[REDACTED:secret]\"",
    );
    check("db_pass=s3cr3tpw", "db_pass=[REDACTED:password]");
    check(
        "passwd_hash_input: 9f8e7d6c",
        "passwd_hash_input: [REDACTED:password]",
    );
    check(
        "password_super_secure = 'Tr0ub4dor'",
        "password_super_secure = '[REDACTED:password]'",
    );
    check("DB_PWD=hunter22", "DB_PWD=[REDACTED:password]");
    check(
        "signing_key: 3q2+7w== account_key=Zm9vYmFy",
        "signing_key: [REDACTED:secret] account_key=[REDACTED:secret]",
    );
    // A quoted name followed by a JSON member is not a pair.
    keep("{\"name\": \"password\", \"value\": \"set\"}");
    keep("pass=12 fail=0 PWD=/srv/app OLDPWD=/srv cache_key=user:42");
}

/// Class 7: a quoted value runs to its closing quote; an unquoted one to the end of its word.
#[test]
fn values_are_taken_whole() {
    check(
        "password=\"ab#c}d e\" next=1",
        "password=\"[REDACTED:password]\" next=1",
    );
    check(
        "{\"password\":\"a\\\"b}c #d\",\"user\":\"bob\"}",
        "{\"password\":\"[REDACTED:password]\",\"user\":\"bob\"}",
    );
    check(
        "password=ab#cd}ef user=bob",
        "password=[REDACTED:password] user=bob",
    );
    check("token=abc)def];ghi next", "token=[REDACTED:token] next");
    check("{password=abc}", "{password=[REDACTED:password]}");
    check(
        "(password=abc), user=bob",
        "(password=[REDACTED:password]), user=bob",
    );
    check(
        "password=abc, user=bob; secret=x1;",
        "password=[REDACTED:password], user=bob; secret=[REDACTED:secret];",
    );
    check(
        "export API_TOKEN=`t0k3n#v`",
        "export API_TOKEN=`[REDACTED:token]`",
    );
}

/// The false positive: a logger's module prefix `auth:` is not a key.
#[test]
fn logger_prefix_is_not_a_key() {
    keep(
        "2026-11-23T05:57:52.123Z WARN auth: token verification failed reason=expired user=u_0d1D6L",
    );
    keep("2026-11-23 05:57:52,120 INFO token: refreshed 3 entries in 12ms");
    keep("level=warn module=secret msg=\"secret: rotation scheduled for tomorrow\"");
    keep("E1123 05:57:52.123456 auth: Token refresh failed for user u_0d1D6L");
    // An assignment shape still is.
    check("auth: dXNlcjpwYXNz", "auth: [REDACTED:credential]");
    check(
        "password: hunter2 user=bob",
        "password: [REDACTED:password] user=bob",
    );
    check("password: correcthorse", "password: [REDACTED:password]");
}

/// Obviously fake values stay: one repeated character, `<...>`, `${VAR}`, `$VAR`, `{{...}}`,
/// and the words `example`, `changeme`, `placeholder`, `password`, `secret`, `token`, `test`.
#[test]
fn placeholders_stay() {
    keep("Authorization: Bearer XXXXXXXXXXXX");
    keep("curl -H \"Authorization: Bearer <Openverse API token>\"");
    keep("proxy said Bearer ************ was stale");
    keep("password = \"<your password>\" api_key=xxx token=${API_TOKEN} secret=$SECRET");
    keep("password=changeme secret: example api_key: placeholder token=\"{{ .Values.token }}\"");
    keep("password=******** PASSWORD=\"\" password='' token=0000000000");
    // A real value next to them is still caught.
    check("password=changeme2", "password=[REDACTED:password]");
}

/// Shapes the corpus generator found after the classes above were fixed.
#[test]
fn shapes_found_by_the_corpus() {
    let [a, b, _] = BODY;
    // Keys fused into one word, numbered keys, flags.
    check("PGPASSWORD=Zx9-pq7Lw", "PGPASSWORD=[REDACTED:password]");
    check(
        "\"accesstoken\": \"t0kVal9x\", \"bot_token1\": \"t0kVal9y\"",
        "\"accesstoken\": \"[REDACTED:token]\", \"bot_token1\": \"[REDACTED:token]\"",
    );
    check(
        "./deploy --db_password s55%0HPib#! --verbose",
        "./deploy --db_password [REDACTED:password] --verbose",
    );
    // A quoted multi-line env value with no footer: the last line before the quote is key.
    check(
        &format!("PRIVATE_KEY=\"-----BEGIN PRIVATE KEY-----\n{a}\n{b}\"\nnext=1\n"),
        "PRIVATE_KEY=\"[REDACTED:pem_private_key]\"\nnext=1\n",
    );
    // Placeholders in provider shapes.
    keep("xoxb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx xoxb-abcdef-abcdef key = AKIAXXXXXXXXXXXXXXXX");
    keep("https://indieweb.org/images/3/35/2018-250-xoxo-indieweb-1.jpg");
}

/// Every assignment shape the README lists.
#[test]
fn assignment_shapes() {
    check("password=p4ss", "password=[REDACTED:password]");
    check("password: p4ss", "password: [REDACTED:password]");
    check(
        "password := \"p4ss\"",
        "password := \"[REDACTED:password]\"",
    );
    check(
        ":password => 'p4ss',",
        ":password => '[REDACTED:password]',",
    );
    check(
        "if (password === 'p4ss')",
        "if (password === '[REDACTED:password]')",
    );
    check(
        "q=user%3Dbob%26password%3Dp4ss%26next%3D1",
        "q=user%3Dbob%26password%3D[REDACTED:password]%26next%3D1",
    );
    check(
        "q=password%3Dp4ss%20x",
        "q=password%3D[REDACTED:password]%20x",
    );
    check(
        "os.environ.get(\"DB_PASSWORD\", \"p4ss\")",
        "os.environ.get(\"DB_PASSWORD\", \"[REDACTED:password]\")",
    );
    check(
        "user.setPassword(\"p4ss\");",
        "user.setPassword(\"[REDACTED:password]\");",
    );
    check(
        "<password>p4ss</password>",
        "<password>[REDACTED:password]</password>",
    );
    check(
        "app --password p4ss --verbose",
        "app --password [REDACTED:password] --verbose",
    );
    // Not assignments: a getter's argument is a name, a flag followed by another flag.
    keep("vault.get_secret(\"db-creds\") app --password --verbose");
    keep("token := os.Getenv(\"API_TOKEN\")");
}
