//! Clean log lines: what a service logs when nothing secret is in it, including the words that
//! name secrets (`auth:`, `token`, `password`, `secret`) used the way logs use them.
#![allow(dead_code, clippy::indexing_slicing)]

use super::rng::*;

pub const TEMPLATES: usize = 34;

pub fn line(t: usize, r: &mut Rng) -> String {
    let ts = r.ts_iso();
    let user = r.user_id();
    match t {
        0 => format!("{ts} WARN auth: token verification failed reason=expired user={user}"),
        1 => format!("{ts} INFO auth: session refreshed user={user} ttl=3600"),
        2 => format!(
            "{ts} INFO token: refreshed {} entries in {}ms",
            r.below(50),
            r.below(90)
        ),
        3 => format!(
            "2026-11-23 05:57:{:02},{:03} INFO app.secrets: rotation scheduled for 2026-12-01",
            r.below(60),
            r.below(1000)
        ),
        4 => format!(
            "time=\"{ts}\" level=info msg=\"password reset email sent\" user_id={}",
            r.below(100_000)
        ),
        5 => format!(
            "{ts} DEBUG http: request_id={} method=GET path=/api/v1/users/{}/files status=200 duration_ms={}",
            r.uuid(),
            r.below(100_000),
            r.below(500)
        ),
        6 => format!(
            "{{\"ts\":\"{ts}\",\"level\":\"info\",\"msg\":\"completion done\",\"token_count\":{},\"max_tokens\":4096}}",
            r.below(4096)
        ),
        7 => format!(
            "{{\"event\":\"login\",\"user\":\"{user}\",\"auth_method\":\"oidc\",\"password_changed\":false,\"mfa\":true}}"
        ),
        8 => format!(
            "{ts} INFO cache: cache_key=user:{}:profile hit=true",
            r.below(9999)
        ),
        9 => format!(
            "{ts} DEBUG git: commit {} files={} branch=main",
            r.hex(40),
            r.below(30)
        ),
        10 => format!(
            "Nov 23 05:57:{:02} host sshd[{}]: Accepted publickey for deploy from 10.{}.{}.{} port {} ssh2",
            r.below(60),
            r.below(65536),
            r.below(256),
            r.below(256),
            r.below(256),
            r.below(65536)
        ),
        11 => format!(
            "  File \"/usr/lib/python3.11/site-packages/requests/auth.py\", line {}, in __call__",
            r.below(300)
        ),
        12 => format!(
            "main.(*Server).handleAuth(0xc000{}, {{0x7f8e{}, 0x{}}})",
            r.hex(6),
            r.hex(8),
            r.hex(2)
        ),
        13 => format!(
            "\tat com.example.auth.TokenService.verify(TokenService.java:{})",
            r.below(400)
        ),
        14 => format!(
            "{ts} INFO http: GET /api/v1/tokens?page={}&per_page=50 status=200",
            r.below(20)
        ),
        15 => format!(
            "{ts} WARN ratelimit: key=ip:10.2.{}.{} limit=100 remaining=0",
            r.below(256),
            r.below(256)
        ),
        16 => format!(
            "{ts} INFO k8s: secret/app-tls-{} created namespace=prod",
            r.hex(5)
        ),
        17 => format!(
            "{ts} INFO vault: secret_name=db-creds version={} lease_ttl=768h",
            r.below(9)
        ),
        18 => format!(
            "{ts} DEBUG sql: SELECT id, email_verified, password_hash FROM users WHERE id = $1 [{}]",
            r.below(100_000)
        ),
        19 => format!("{ts} INFO auth: login succeeded user={user} method=password"),
        20 => format!(
            "--- PASS: TestPasswordHash{} ({}.{:02}s)",
            r.below(9),
            r.below(3),
            r.below(100)
        ),
        21 => format!(
            "{ts} INFO shell: PWD=/srv/app OLDPWD=/srv pass={} fail=0",
            r.below(300)
        ),
        22 => format!(
            "{ts} INFO oauth: authorization_code grant for client_id=web-{} scope=\"openid profile\"",
            r.below(9)
        ),
        23 => format!(
            "{} INFO auth: User {user} authenticated via token",
            "2026-11-23 05:57:52,123"
        ),
        24 => format!(
            "E1123 05:57:{:02}.{:06}   {} auth.go:88] token: cache miss for key \"{user}\"",
            r.below(60),
            r.below(1_000_000),
            r.below(99)
        ),
        25 => format!("{ts} ERROR auth: invalid credentials for user={user}"),
        26 => format!("{ts} WARN secret: not found: db-creds-{}", r.below(99)),
        27 => format!(
            "{{\"level\":\"warn\",\"logger\":\"auth\",\"msg\":\"token expired\",\"exp\":{}}}",
            1_700_000_000 + r.below(9_999_999)
        ),
        28 => format!("{ts} INFO session: created sid_len=32 cookie_name=__Host-sid secure=true"),
        29 => format!("{ts} INFO password policy: min_length=12 require_symbols=true"),
        30 => format!(
            "curl -s https://api.example.com/v1/status -H \"Accept: application/json\" -o out-{}.json",
            r.below(99)
        ),
        31 => format!(
            "{} env: LOG_LEVEL=debug PORT=8080 TOKEN_TTL={} PASSWORD_MIN_LENGTH=12 AUTH_PROVIDER=oidc",
            r.ts_iso(),
            r.below(9000)
        ),
        32 => format!(
            "{ts} INFO http: 200 GET /docs/api-keys#rotation ref=https://example.com/help/tokens?lang=en ts_ms={}",
            1_700_000_000_000u64 + r.below(1_000_000_000) as u64
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
