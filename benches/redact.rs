//! Redaction throughput on a generated several-MiB log, clean and dense (1 line in 20 carries
//! a secret): bosso-redact beside the naive redactor a user would write (the same rule set as
//! one `regex::Regex::replace_all` after another) and beside a plain `memchr` scan (the limit).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use bosso::redact::Redactor;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const SIZE: usize = 4 * 1024 * 1024;

/// Deterministic xorshift so every run measures the same bytes.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
    fn alnum(&mut self, n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| char::from(A[self.below(A.len() as u64) as usize]))
            .collect()
    }
}

fn ts(r: &mut Rng) -> String {
    format!(
        "2026-11-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        1 + r.below(28),
        r.below(24),
        r.below(60),
        r.below(60),
        r.below(1_000_000)
    )
}

fn uuid(r: &mut Rng) -> String {
    format!(
        "{}-{}-4{}-9{}-{}",
        r.hex(8),
        r.hex(4),
        r.hex(3),
        r.hex(3),
        r.hex(12)
    )
}

fn clean_line(r: &mut Rng) -> String {
    match r.below(5) {
        0 => format!(
            "{} INFO  http: request_id={} method=GET path=/api/v1/users/{}/files status=200 duration_ms={} bytes={}",
            ts(r),
            uuid(r),
            r.below(100_000),
            r.below(500),
            r.below(100_000)
        ),
        1 => format!(
            "{{\"ts\":\"{}\",\"level\":\"debug\",\"target\":\"worker::sync\",\"msg\":\"synced repository\",\"commit\":\"{}\",\"files\":{},\"elapsed_ms\":{}}}",
            ts(r),
            r.hex(40),
            r.below(1000),
            r.below(5000)
        ),
        2 => format!(
            "{} WARN [pool-3-thread-{}] com.example.cache.Store - eviction pass took {}ms (evicted={} remaining={}) file=/var/lib/app/cache/shard-{:02}.db",
            ts(r),
            r.below(16),
            r.below(100),
            r.below(5000),
            r.below(100_000),
            r.below(64)
        ),
        3 => format!(
            "Nov 23 05:57:{:02} build-host sshd[{}]: Accepted connection from 10.{}.{}.{} port {} session={} trace={}",
            r.below(60),
            r.below(65536),
            r.below(256),
            r.below(256),
            r.below(256),
            r.below(65536),
            r.below(1000),
            r.hex(16)
        ),
        _ => format!(
            "  {:>2}: tokio::runtime::task::harness::Harness<T,S>::poll at /rustc/{}/library/core/src/future/mod.rs:{}:{}",
            r.below(40),
            r.hex(8),
            r.below(900),
            r.below(80)
        ),
    }
}

fn secret_line(r: &mut Rng) -> String {
    let jwt = format!(
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI{}In0.{}",
        r.alnum(20),
        r.alnum(43)
    );
    match r.below(12) {
        10 => format!(
            "{} INFO  deploy: running curl -sS -u admin:{} https://search.internal:9200/",
            ts(r),
            r.alnum(16)
        ),
        11 => format!(
            "{} DEBUG billing: client built with sk_test_{} retries=2",
            ts(r),
            r.alnum(24)
        ),
        0 => format!(
            "{} DEBUG http: request headers: Authorization: Bearer {}",
            ts(r),
            jwt
        ),
        1 => format!(
            "{} INFO  db: connecting url=postgres://app:{}@db.internal:5432/app",
            ts(r),
            r.alnum(16)
        ),
        2 => format!(
            "{{\"ts\":\"{}\",\"level\":\"info\",\"msg\":\"login\",\"user\":\"alice{}@example.com\"}}",
            ts(r),
            r.below(100)
        ),
        3 => format!(
            "{} ERROR config: loaded password={} from env",
            ts(r),
            r.alnum(14)
        ),
        4 => format!("{} DEBUG git: push with token ghp_{}", ts(r), r.alnum(36)),
        5 => format!(
            "{} INFO  aws: using key AKIA{} region=eu-west-1",
            ts(r),
            r.alnum(16).to_uppercase()
        ),
        6 => format!(
            "{{\"ts\":\"{}\",\"headers\":{{\"x-api-key\":\"{}\",\"accept\":\"*/*\"}}}}",
            ts(r),
            r.alnum(32)
        ),
        7 => format!(
            "{} DEBUG http: Cookie: session={}; theme=dark",
            ts(r),
            r.alnum(24)
        ),
        8 => format!(
            "{} INFO  billing: charged card 4111 1111 1111 1111 amount=12.50",
            ts(r)
        ),
        _ => format!(
            "{} WARN  openai: retrying with sk-proj-{}",
            ts(r),
            r.alnum(40)
        ),
    }
}

fn log(dense: bool) -> String {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = String::with_capacity(SIZE + 256);
    let mut n = 0u64;
    while out.len() < SIZE {
        let line = if dense && n % 20 == 7 {
            secret_line(&mut r)
        } else {
            clean_line(&mut r)
        };
        out.push_str(&line);
        out.push('\n');
        n += 1;
    }
    out
}

/// The same rule set, written the way a user would: one regex per rule (25), applied in turn.
fn naive_rules() -> Vec<(regex::Regex, &'static str)> {
    [
        (r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)?", "[REDACTED:jwt]"),
        (r"bat1[eh]\.[A-Za-z0-9_-]{200,}", "[REDACTED:bosso_token]"),
        (r"\.(?:bearer|attach)\.[A-Za-z0-9._~+/=-]+", ".[REDACTED:subprotocol]"),
        (r"\b[Bb]earer [A-Za-z0-9._~+/=-]{8,}", "Bearer [REDACTED:bearer]"),
        (r"(?i)((?:proxy-)?authorization\s*[:=]\s*)[^\r\n]+", "${1}[REDACTED:authorization]"),
        (r"(?i)((?:set-)?cookie\s*[:=]\s*)[^\r\n]+", "${1}[REDACTED:cookie]"),
        (
            r#"(?i)((?:password|passwd|pass|pwd|secret|token|api[_-]?key|access[_-]?key|auth|credentials?|private[_-]?key)["']?\s*(?::|=|==|:=|=>)\s*@?["']?)[^\s&"'<\\]+"#,
            "${1}[REDACTED:secret]",
        ),
        (r"(\bcurl\b.*\s(?:-u|--user)[ =]?['\x22]?[^:\s]*:)[^\s'\x22]+", "${1}[REDACTED:credential]"),
        (r"\bZXlK[A-Za-z0-9+/_-]{32,}={0,2}", "[REDACTED:jwt]"),
        (r"[A-Za-z0-9._+-]+%40[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", "[REDACTED:email]"),
        (r#"([?&](?:code|sig|signature)=)[^&\s#"']+"#, "${1}[REDACTED:query_param]"),
        (r"(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", "[REDACTED:pem_private_key]"),
        (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", "[REDACTED:email]"),
        (r"([A-Za-z][A-Za-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", "${1}[REDACTED:url_credentials]@"),
        (r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})", "[REDACTED:github]"),
        (r"\b(?:xox[abprseo]|xapp)-[A-Za-z0-9-]{10,}", "[REDACTED:slack]"),
        (r"hooks\.slack\.com/[A-Za-z0-9/_-]{10,}", "hooks.slack.com/[REDACTED:slack]"),
        (r"\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,}|\bwhsec_[A-Za-z0-9+/=]{20,}", "[REDACTED:stripe]"),
        (r"\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b", "[REDACTED:aws_access_key_id]"),
        (r"\bAIza[A-Za-z0-9_-]{35,}", "[REDACTED:google_api_key]"),
        (r"\bsk-[A-Za-z0-9_-]{20,}", "[REDACTED:sk_key]"),
        (r"\bnpm_[A-Za-z0-9]{36,}", "[REDACTED:npm]"),
        (r"\bcb_live_[A-Za-z0-9]{10,}", "[REDACTED:cb_live]"),
        (r"\b[2-6]\d{3}(?:[ -]?\d{4}){2}[ -]?\d{1,7}\b", "[REDACTED:card]"),
        (r"/home/alice\b", "~"),
    ]
    .into_iter()
    .map(|(p, rep)| (regex::Regex::new(p).unwrap(), rep))
    .collect()
}

fn naive(rules: &[(regex::Regex, &'static str)], text: &str) -> usize {
    let mut s = std::borrow::Cow::Borrowed(text);
    for (re, rep) in rules {
        if let std::borrow::Cow::Owned(o) = re.replace_all(&s, *rep) {
            s = std::borrow::Cow::Owned(o);
        }
    }
    s.len()
}

fn bench(c: &mut Criterion) {
    let redactor = Redactor::builder().home_dir("/home/alice").build();
    let rules = naive_rules();
    for (name, text) in [("clean", log(false)), ("dense", log(true))] {
        let mut g = c.benchmark_group(format!("redact_{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function("bosso_redact", |b| {
            b.iter(|| redactor.redact(black_box(&text)).len())
        });
        g.bench_function("naive_regex_loop", |b| {
            b.iter(|| naive(&rules, black_box(&text)))
        });
        g.bench_function("memchr_limit", |b| {
            b.iter(|| memchr::memchr_iter(b'@', black_box(text.as_bytes())).count())
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
