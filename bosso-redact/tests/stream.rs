//! The streaming writer equals the whole-buffer redactor for every way of chunking the input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use bosso_redact::{RedactingWriter, Redactor};
use proptest::prelude::*;
use std::io::Write;
use std::sync::Arc;

/// Pieces that make secrets, near misses and glue, so random concatenations hit the rules.
const PIECES: &[&str] = &[
    "password=",
    "hunter2",
    " ",
    "\n",
    "\r\n",
    "Authorization: Bearer ",
    "eyJhbGciOiJIUzI1NiJ9",
    ".",
    "eyJzdWIiOiIxIn0",
    "sig",
    "alice@example.com",
    "@",
    "https://u:p@h.io/",
    "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5",
    "AKIAIOSFODNN7EXAMPLE",
    "4111 1111 1111 1111",
    "4111",
    "-",
    "Cookie: a=b",
    "\"",
    "token",
    ":",
    "/home/alice/x",
    "-----BEGIN PRIVATE KEY-----",
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    "-----END PRIVATE KEY-----",
    "?code=abc&",
    "bosso.attach.",
    "xoxb-1234567890-abc",
    "sk-proj-abc123DEF456ghi789JKL012",
    "2026-11-23T05:57:52Z",
    "é",
    "日本",
    "    ",
    "app | ",
    "'",
    "X-Api-Key: ",
    "mongodb://u:p/ss@h",
    // Issue 22 shapes: changing per-line prefixes, closing text after the key, curl, encoded.
    "2026-11-23T05:57:52.1Z ",
    "2026-11-23T05:57:52.123Z ",
    "2026-11-23 05:57:52,120 INFO app: ",
    "{\"msg\":\"",
    "\"}",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "-----EN",
    "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm",
    "curl -u ",
    "--user ",
    "admin:s3cr3tPw",
    "%40",
    "postgres%3A%2F%2Fu%3Ap%40h",
    "ZXlKaGJHY2lPaUpJVXpJMU5pSjkuZXlKemRXSWlPaUl4SW4wLnNpZw==",
    "apikey == ",
    "@\"",
    "db_pass",
    "auth: ",
    "token verification failed",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|v| v.concat())
}

fn streamed(r: &Arc<Redactor>, input: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut w = RedactingWriter::new(Vec::new(), Arc::clone(r));
    let mut pos = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    cuts.sort_unstable();
    for c in cuts {
        w.write_all(&input[pos..c]).unwrap();
        if c % 3 == 0 {
            w.flush().unwrap();
        }
        pos = c;
    }
    w.write_all(&input[pos..]).unwrap();
    w.finish().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_chunking_gives_the_whole_buffer_output(s in text(), cuts in prop::collection::vec(any::<usize>(), 0..12)) {
        let r = Arc::new(Redactor::builder().home_dir("/home/alice").build());
        let whole = r.redact_bytes(s.as_bytes()).into_owned();
        prop_assert_eq!(streamed(&r, s.as_bytes(), &cuts), whole);
    }

    #[test]
    fn redaction_is_idempotent(s in text()) {
        let r = Redactor::builder().home_dir("/home/alice").build();
        let once = r.redact(&s).into_owned();
        prop_assert_eq!(r.redact(&once), once.clone());
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_idempotent(b in prop::collection::vec(any::<u8>(), 0..300)) {
        let r = Redactor::builder().home_dir("/home/alice").build();
        let once = r.redact_bytes(&b).into_owned();
        prop_assert_eq!(r.redact_bytes(&once).into_owned(), once);
    }
}

/// One line of a logged PEM block: a prefix whose digits change from line to line, then a
/// block line, a body line, other text or a line still being written.
fn pem_line() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![
        Just(String::new()),
        Just("  ".to_owned()),
        Just("app_1  | ".to_owned()),
        (0u32..60, 0u32..100_000).prop_map(|(s, f)| format!("2026-11-23T05:57:{s:02}.{f}Z ")),
        (0u32..60, 0u32..1000)
            .prop_map(|(s, ms)| format!("2026-11-23 05:57:{s:02},{ms:03} INFO app.tls: ")),
        (0u32..60).prop_map(|s| format!("{{\"ts\":\"05:57:{s}\",\"msg\":\"")),
    ];
    let body = prop::sample::select(
        &[
            "-----BEGIN PRIVATE KEY-----",
            "-----BEGIN EC PRIVATE KEY-----",
            "-----END PRIVATE KEY-----",
            "-----END EC PRIVATE KEY-----",
            "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu",
            "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm",
            "o3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2k==",
            "listening on :8443",
            "",
            "-----EN",
            "password=hunter2",
        ][..],
    );
    let suffix = prop::sample::select(&["", "", "\"}", "\",", "\r"][..]);
    (prefix, body, suffix).prop_map(|(p, b, s)| format!("{p}{b}{s}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Multi-line PEM blocks whose lines carry changing prefixes and closing text stream
    /// exactly like the whole buffer, whatever the write boundaries.
    #[test]
    fn prefixed_pem_blocks_stream_like_the_whole_buffer(
        lines in prop::collection::vec(pem_line(), 1..14),
        newline_at_end in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..10),
    ) {
        let r = Arc::new(Redactor::builder().home_dir("/home/alice").build());
        let mut s = lines.join("\n");
        if newline_at_end {
            s.push('\n');
        }
        let whole = r.redact_bytes(s.as_bytes()).into_owned();
        prop_assert_eq!(streamed(&r, s.as_bytes(), &cuts), whole.clone());
        prop_assert_eq!(r.redact_bytes(&whole).into_owned(), whole);
    }
}

#[test]
fn every_split_point_of_a_dense_sample() {
    let r = Arc::new(Redactor::builder().home_dir("/home/alice").build());
    let input = PIECES.join("|") + "\n" + &PIECES.join("\n");
    let whole = r.redact_bytes(input.as_bytes()).into_owned();
    for cut in 0..=input.len() {
        assert_eq!(
            streamed(&r, input.as_bytes(), &[cut]),
            whole,
            "cut at {cut}"
        );
    }
}

#[test]
fn secret_split_across_writes_is_caught() {
    let r = Arc::new(Redactor::default());
    let mut w = RedactingWriter::new(Vec::new(), r);
    w.write_all(b"login password=hun").unwrap();
    w.write_all(b"ter2 ok\nnext").unwrap();
    let out = w.finish().unwrap();
    assert_eq!(out, b"login password=[REDACTED:password] ok\nnext");
}

#[test]
fn writer_debug_does_not_show_pending_bytes() {
    let mut w = RedactingWriter::new(Vec::new(), Arc::new(Redactor::default()));
    w.write_all(b"password=hunter2").unwrap();
    assert!(!format!("{w:?}").contains("hunter2"));
}
