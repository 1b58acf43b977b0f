//! One behavioural suite per account store (sessions, refresh families, TOTP), run against the
//! in-memory and the Redis implementations; plus the Redis-only properties: two nodes share one
//! truth, tokens reach Redis only as HMACs. Each Redis test starts its own redis-server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

// One copy of the Redis test helpers, shared with bosso-auth's Redis tests.
#[path = "../../bosso-auth/tests/redis_support/mod.rs"]
mod redis_support;

use std::sync::Arc;

use bosso_accounts::Error;
use bosso_accounts::login_session::{
    LoginSessionConfig, LoginSessionManager, LoginSessionStore, MemoryLoginSessionStore,
    RotationReason,
};
use bosso_accounts::refresh::{MemoryRefreshStore, RefreshConfig, RefreshManager, RefreshStore};
use bosso_accounts::token::TokenKey;
use bosso_accounts::totp::{
    MemoryTotpStore, Totp, TotpAlgorithm, TotpConfig, TotpManager, TotpStore,
};
use bosso_token::{Clock, ManualClock, UnixTime, UserId};
use redis_support::rt;
use secrecy::ExposeSecret;

const T0: u64 = 1_700_000_010;
const DAY: u64 = 86_400;
const KEY: [u8; 32] = [7; 32];

fn user(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

fn sessions<S: LoginSessionStore>(
    store: S,
    clock: &ManualClock,
) -> LoginSessionManager<S, ManualClock> {
    let key = TokenKey::from_bytes(&KEY).unwrap();
    LoginSessionManager::new(LoginSessionConfig::default(), store, clock.clone(), key).unwrap()
}

/// The LoginSessionStore contract, through the manager.
async fn session_suite<S: LoginSessionStore + 'static>(store: S, clock: ManualClock) {
    let m = Arc::new(sessions(store, &clock));
    let (t, v) = m.create(&user("alice"), false).await.unwrap();
    assert_eq!(m.validate(t.expose()).await.unwrap().user(), v.user());
    // Idle window: activity just before 7 days keeps it (the touch is recorded: 24 h passed).
    clock.advance(7 * DAY - 1);
    m.validate(t.expose()).await.unwrap();
    clock.advance(7 * DAY - 1);
    m.validate(t.expose()).await.unwrap();
    clock.advance(7 * DAY);
    assert_eq!(m.validate(t.expose()).await, Err(Error::SessionInvalid));
    // Rotation: old token dead, new one valid and marked mfa on step-up.
    let (t1, _) = m.create(&user("alice"), false).await.unwrap();
    let (t2, v2) = m.rotate(t1.expose(), RotationReason::StepUp).await.unwrap();
    assert!(v2.mfa());
    assert_eq!(m.validate(t1.expose()).await, Err(Error::SessionInvalid));
    assert!(m.validate(t2.expose()).await.unwrap().mfa());
    // 16 concurrent rotations of one token: exactly one wins.
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let m = m.clone();
            let t = t2.expose().to_owned();
            tokio::spawn(async move { m.rotate(&t, RotationReason::Other).await.is_ok() })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.unwrap());
    }
    assert_eq!(wins, 1);
    // Revoke one, revoke all: bob's session survives alice's "log out everywhere".
    let (a1, _) = m.create(&user("alice"), false).await.unwrap();
    let (a2, _) = m.create(&user("alice"), true).await.unwrap();
    let (b1, _) = m.create(&user("bob"), false).await.unwrap();
    m.revoke(a1.expose()).await.unwrap();
    assert_eq!(m.validate(a1.expose()).await, Err(Error::SessionInvalid));
    m.validate(a2.expose()).await.unwrap();
    let n = m.revoke_all(&user("alice")).await.unwrap();
    assert!(n >= 1, "at least the live session a2: {n}");
    assert_eq!(m.validate(a2.expose()).await, Err(Error::SessionInvalid));
    m.validate(b1.expose()).await.unwrap();
    // Absolute lifetime: 30 days from login, whatever the activity.
    let (c, _) = m.create(&user("carol"), false).await.unwrap();
    for _ in 0..4 {
        clock.advance(6 * DAY);
        m.validate(c.expose()).await.unwrap();
    }
    clock.advance(6 * DAY - 1);
    m.validate(c.expose()).await.unwrap();
    clock.advance(1);
    assert_eq!(m.validate(c.expose()).await, Err(Error::SessionInvalid));
}

fn refresh<S: RefreshStore>(store: S, clock: &ManualClock) -> RefreshManager<S, ManualClock> {
    let key = TokenKey::from_bytes(&KEY).unwrap();
    RefreshManager::new(RefreshConfig::default(), store, clock.clone(), key).unwrap()
}

/// The RefreshStore contract, through the manager.
async fn refresh_suite<S: RefreshStore + 'static>(store: S, clock: ManualClock) {
    let m = Arc::new(refresh(store, &clock));
    let t1 = m.issue(&user("alice")).await.unwrap();
    let (t2, u) = m.refresh(t1.expose()).await.unwrap();
    assert_eq!(u, user("alice"));
    let (t3, _) = m.refresh(t2.expose()).await.unwrap();
    // Reuse of a retired token revokes the whole family, current token included.
    assert_eq!(
        m.refresh(t1.expose()).await.unwrap_err(),
        Error::RefreshTokenReuse
    );
    assert_eq!(
        m.refresh(t3.expose()).await.unwrap_err(),
        Error::SessionInvalid
    );
    // Concurrent uses of one token: exactly one rotates.
    let t = m.issue(&user("bob")).await.unwrap();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let m = m.clone();
            let t = t.expose().to_owned();
            tokio::spawn(async move { m.refresh(&t).await.is_ok() })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.unwrap());
    }
    assert_eq!(wins, 1);
    // Expiry: 7 days per family.
    let e = m.issue(&user("erin")).await.unwrap();
    clock.advance(7 * DAY - 10);
    let (e2, _) = m.refresh(e.expose()).await.unwrap();
    clock.advance(10);
    assert_eq!(
        m.refresh(e2.expose()).await.unwrap_err(),
        Error::SessionInvalid
    );
    // Revoke one family, revoke all of a user.
    let c1 = m.issue(&user("carol")).await.unwrap();
    let c2 = m.issue(&user("carol")).await.unwrap();
    let c3 = m.issue(&user("carol")).await.unwrap();
    m.revoke(c1.expose()).await.unwrap();
    assert!(m.refresh(c1.expose()).await.is_err());
    assert_eq!(m.revoke_all(&user("carol")).await.unwrap(), 2);
    assert!(m.refresh(c2.expose()).await.is_err());
    assert!(m.refresh(c3.expose()).await.is_err());
    // The rotation cap (the callers set 8): the ninth rotation ends the family, and a retired
    // token of it is still refused afterwards.
    let first = m.issue(&user("dave")).await.unwrap();
    let mut t = first.clone();
    for _ in 0..8 {
        t = m.refresh(t.expose()).await.unwrap().0;
    }
    assert_eq!(
        m.refresh(t.expose()).await.unwrap_err(),
        Error::SessionInvalid
    );
    assert!(m.refresh(t.expose()).await.is_err());
    assert!(m.refresh(first.expose()).await.is_err());
}

/// The per-user caps both stores are given in [`per_user_suite`].
const FAMILIES_PER_USER: usize = 4;
const TOKENS_PER_USER: usize = 10;

/// One account logs in and rotates as much as it likes: 999 rotations, logging in again each
/// time its family is ended by its own cap, and once more every ten rotations.
async fn flood<S: RefreshStore>(m: &RefreshManager<S, ManualClock>, u: &UserId) {
    let mut t = m.issue(u).await.unwrap();
    for i in 0..999 {
        t = match m.refresh(t.expose()).await {
            Ok((next, _)) => next,
            Err(Error::SessionInvalid) => m.issue(u).await.unwrap(),
            Err(e) => panic!("rotation {i}: {e:?}"),
        };
        if i % 10 == 0 {
            m.issue(u).await.unwrap();
        }
    }
}

/// Issue 16 item 5: per-user caps on families and token hashes, the same user's oldest family
/// going first (never the one being rotated), so one account cannot take the capacity (memory)
/// or grow without bound (Redis). The store is built with [`FAMILIES_PER_USER`] and
/// [`TOKENS_PER_USER`].
async fn per_user_suite<S: RefreshStore + 'static>(store: S, clock: ManualClock) {
    let m = refresh(store, &clock);
    // Families: the fifth login drops the oldest; the other four still rotate.
    let alice = user("alice");
    let mut a = Vec::new();
    for _ in 0..=FAMILIES_PER_USER {
        a.push(m.issue(&alice).await.unwrap());
    }
    assert_eq!(
        m.refresh(a[0].expose()).await.unwrap_err(),
        Error::SessionInvalid
    );
    for t in &a[1..] {
        m.refresh(t.expose()).await.unwrap();
    }
    // Tokens: carol's c1 (1 hash) and c2 (1 + k after k rotations). Rotations 1 to 8 fit in
    // 10; the ninth drops c1, the oldest other family, and goes through; after that c2 alone
    // holds all 10 and its next rotation ends it.
    let carol = user("carol");
    let c1 = m.issue(&carol).await.unwrap();
    let mut c2 = m.issue(&carol).await.unwrap();
    for _ in 0..TOKENS_PER_USER - 1 {
        c2 = m.refresh(c2.expose()).await.unwrap().0;
    }
    assert_eq!(
        m.refresh(c1.expose()).await.unwrap_err(),
        Error::SessionInvalid
    );
    assert_eq!(
        m.refresh(c2.expose()).await.unwrap_err(),
        Error::SessionInvalid
    );
    // One account flooding does not touch anyone else: bob logs in and refreshes, and alice's
    // four families are still there.
    flood(&m, &user("mallory")).await;
    let b = m.issue(&user("bob")).await.unwrap();
    m.refresh(b.expose()).await.unwrap();
    assert_eq!(m.revoke_all(&alice).await.unwrap(), FAMILIES_PER_USER);
}

fn code_at(secret: &[u8], secs: u64) -> String {
    let s = bosso_accounts::totp::TotpSecret::from_bytes(secret).unwrap();
    Totp::new(&s, TotpAlgorithm::Sha1, 6, 30)
        .unwrap()
        .generate(UnixTime::from_secs(secs))
        .expose_secret()
        .to_owned()
}

fn totp<S: TotpStore>(store: S, clock: &ManualClock) -> TotpManager<S, ManualClock> {
    let key = TokenKey::from_bytes(&KEY).unwrap();
    TotpManager::new(TotpConfig::new("Bosso"), store, clock.clone(), key).unwrap()
}

/// Enrolls `u` on `m`; returns the secret and the recovery codes.
async fn enroll<S: TotpStore>(
    m: &TotpManager<S, ManualClock>,
    clock: &ManualClock,
    u: &UserId,
) -> (Vec<u8>, Vec<String>) {
    let p = m.begin_enrollment(u, u.as_str()).unwrap();
    let secret = p.secret().expose().to_vec();
    let codes = m
        .confirm_enrollment(p, &code_at(&secret, clock.now().as_secs()))
        .await
        .unwrap();
    let codes = codes
        .codes()
        .iter()
        .map(|c| c.expose_secret().to_owned())
        .collect();
    (secret, codes)
}

/// The TotpStore contract, through the manager.
async fn totp_suite<S: TotpStore + 'static>(store: S, clock: ManualClock) {
    let m = Arc::new(totp(store, &clock));
    let u = user("dave");
    assert_eq!(
        m.verify(&u, &code_at(&[1; 20], T0)).await,
        Err(Error::TotpNotEnrolled)
    );
    let (secret, codes) = enroll(&m, &clock, &u).await;
    // The enrollment step is used; the next step works once.
    assert_eq!(
        m.verify(&u, &code_at(&secret, T0)).await,
        Err(Error::CodeReused)
    );
    clock.advance(30);
    let now = clock.now().as_secs();
    // 16 concurrent uses of one code: exactly one accepted.
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let m = m.clone();
            let (u, c) = (u.clone(), code_at(&secret, now));
            tokio::spawn(async move { m.verify(&u, &c).await.is_ok() })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.unwrap());
    }
    assert_eq!(wins, 1);
    // An older step (still within skew) is refused once a newer one was accepted.
    clock.advance(30);
    m.verify(&u, &code_at(&secret, clock.now().as_secs()))
        .await
        .unwrap();
    assert!(m.verify(&u, &code_at(&secret, now)).await.is_err());
    // Recovery codes: each works once; a wrong one never.
    m.verify_recovery_code(&u, &codes[0]).await.unwrap();
    assert!(m.verify_recovery_code(&u, &codes[0]).await.is_err());
    m.verify_recovery_code(&u, &codes[1]).await.unwrap();
    assert!(m.verify_recovery_code(&u, "not-a-code").await.is_err());
    // The record round-trips (secret, parameters, last step).
    let r = m.store().get(&u).await.unwrap().unwrap();
    assert_eq!(r.secret.expose(), &secret[..]);
    assert_eq!((r.digits, r.step_secs), (6, 30));
    assert!(r.last_step.is_some());
    // Disable: gone.
    m.disable(&u).await.unwrap();
    assert!(m.store().get(&u).await.unwrap().is_none());
    assert!(m.verify_recovery_code(&u, &codes[2]).await.is_err());
}

fn clock() -> ManualClock {
    ManualClock::new(UnixTime::from_secs(T0))
}

#[test]
fn memory_backends_pass_the_suites() {
    rt().block_on(async {
        let c = clock();
        session_suite(MemoryLoginSessionStore::new(1000, c.clone()), c).await;
        let c = clock();
        refresh_suite(
            MemoryRefreshStore::new(1000, c.clone()).with_max_rotations(8),
            c,
        )
        .await;
        totp_suite(MemoryTotpStore::new(), clock()).await;
        let c = clock();
        // Capacity 1000, as in the report: the flood alone used to fill it.
        let store = MemoryRefreshStore::new(1000, c.clone())
            .with_max_families_per_user(FAMILIES_PER_USER)
            .with_max_tokens_per_user(TOKENS_PER_USER);
        per_user_suite(store, c).await;
    });
}

#[cfg(feature = "redis")]
mod redis_backend {
    use super::*;
    use bosso_accounts::login_session::LoginSessionToken;
    use bosso_accounts::redis::{RedisLoginSessionStore, RedisRefreshStore, RedisTotpStore};
    use redis_support::{dump, node, server};

    #[test]
    fn redis_backends_pass_the_suites() {
        let Some(server) = server() else { return };
        rt().block_on(async {
            let c = clock();
            session_suite(
                RedisLoginSessionStore::new(node(&server).await, c.clone()),
                c,
            )
            .await;
            let c = clock();
            let store =
                RedisRefreshStore::new(node(&server).await, c.clone()).with_max_rotations(8);
            refresh_suite(store, c).await;
            totp_suite(RedisTotpStore::new(node(&server).await), clock()).await;
            let c = clock();
            let store = RedisRefreshStore::new(node(&server).await, c.clone())
                .with_max_families_per_user(FAMILIES_PER_USER)
                .with_max_tokens_per_user(TOKENS_PER_USER);
            per_user_suite(store, c).await;
        });
    }

    /// Issue 16 item 7 on Redis: a session key expires when the session ends, i.e. at the end
    /// of its idle window, not at its 30-day absolute expiry; each recorded touch moves that
    /// end, capped by the absolute expiry. (The node's clock is manual, Redis's is not: the
    /// TTLs below are read back within a second of being set.)
    #[test]
    fn session_keys_expire_with_the_idle_window() {
        let Some(server) = server() else { return };
        rt().block_on(async {
            let c = clock();
            let store = RedisLoginSessionStore::new(node(&server).await, c.clone());
            let m = sessions(store.clone(), &c);
            let client = redis::Client::open(server.url()).unwrap();
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            let (t, _) = m.create(&user("alice"), false).await.unwrap();
            let key = store.key(&m.hash_of(&LoginSessionToken::parse(t.expose()).unwrap()));
            let ttl = redis::cmd("TTL").arg(&key).to_owned();
            let idle = 7 * DAY as i64;
            let secs: i64 = ttl.query_async(&mut conn).await.unwrap();
            assert!((idle - 1..=idle + 1).contains(&secs), "{secs}");
            // Touched on day 6: the key now lives 7 more days.
            c.advance(6 * DAY);
            m.validate(t.expose()).await.unwrap();
            let secs: i64 = ttl.query_async(&mut conn).await.unwrap();
            assert!((idle - 1..=idle + 1).contains(&secs), "{secs}");
            // Touched on days 12, 18, 24: on day 24 the absolute expiry (day 30) is nearer.
            for _ in 0..3 {
                c.advance(6 * DAY);
                m.validate(t.expose()).await.unwrap();
            }
            let left = 6 * DAY as i64;
            let secs: i64 = ttl.query_async(&mut conn).await.unwrap();
            assert!((left - 1..=left + 1).contains(&secs), "{secs}");
        });
    }

    /// Issue 16 item 5 on Redis: after one account's flood, what Redis holds for it is within
    /// its caps: at most 4 family hashes, at most 10 token fields across them, and exactly one
    /// pointer per token field (the pointers of dropped families and of refused rotations are
    /// deleted, not left for a week).
    #[test]
    fn one_accounts_footprint_in_redis_is_bounded() {
        let Some(server) = server() else { return };
        rt().block_on(async {
            let c = clock();
            let store = RedisRefreshStore::new(node(&server).await, c.clone())
                .with_max_families_per_user(FAMILIES_PER_USER)
                .with_max_tokens_per_user(TOKENS_PER_USER);
            let m = refresh(store, &c);
            flood(&m, &user("mallory")).await;
            let client = redis::Client::open(server.url()).unwrap();
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg("*")
                .query_async(&mut conn)
                .await
                .unwrap();
            let families: Vec<&String> = keys
                .iter()
                .filter(|k| k.starts_with("bosso:rf:{"))
                .collect();
            let pointers = keys.iter().filter(|k| k.starts_with("bosso:rt:{")).count();
            let mut token_fields = 0;
            for k in &families {
                let fields: Vec<String> = redis::cmd("HKEYS")
                    .arg(k.as_str())
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                token_fields += fields.iter().filter(|f| f.starts_with("t:")).count();
            }
            assert!(
                !families.is_empty() && families.len() <= FAMILIES_PER_USER,
                "{families:?}"
            );
            assert!(token_fields <= TOKENS_PER_USER, "{token_fields}");
            assert_eq!(pointers, token_fields);
        });
    }

    #[test]
    fn two_nodes_share_sessions_refresh_families_and_totp_steps() {
        let Some(server) = server() else { return };
        rt().block_on(async {
            let c = clock();
            let a = sessions(
                RedisLoginSessionStore::new(node(&server).await, c.clone()),
                &c,
            );
            let b = sessions(
                RedisLoginSessionStore::new(node(&server).await, c.clone()),
                &c,
            );
            let (t, _) = a.create(&user("alice"), false).await.unwrap();
            b.validate(t.expose()).await.unwrap();
            a.revoke(t.expose()).await.unwrap();
            assert_eq!(b.validate(t.expose()).await, Err(Error::SessionInvalid));

            let a = refresh(RedisRefreshStore::new(node(&server).await, c.clone()), &c);
            let b = refresh(RedisRefreshStore::new(node(&server).await, c.clone()), &c);
            let t1 = a.issue(&user("alice")).await.unwrap();
            let (t2, _) = b.refresh(t1.expose()).await.unwrap();
            // The thief replays t1 on node A: reuse detected, the family dies on node B too.
            assert_eq!(
                a.refresh(t1.expose()).await.unwrap_err(),
                Error::RefreshTokenReuse
            );
            assert_eq!(
                b.refresh(t2.expose()).await.unwrap_err(),
                Error::SessionInvalid
            );

            let a = totp(RedisTotpStore::new(node(&server).await), &c);
            let b = totp(RedisTotpStore::new(node(&server).await), &c);
            let u = user("dave");
            let (secret, _) = enroll(&a, &c, &u).await;
            c.advance(30);
            let code = code_at(&secret, c.now().as_secs());
            a.verify(&u, &code).await.unwrap();
            assert_eq!(b.verify(&u, &code).await, Err(Error::CodeReused));
        });
    }

    #[test]
    fn redis_holds_only_hmacs_of_tokens_and_keys_expire() {
        let Some(server) = server() else { return };
        rt().block_on(async {
            let c = clock();
            let store = RedisLoginSessionStore::new(node(&server).await, c.clone());
            let m = sessions(store.clone(), &c);
            let r = refresh(RedisRefreshStore::new(node(&server).await, c.clone()), &c);
            let mut secrets = Vec::new();
            for _ in 0..5 {
                let (t, _) = m.create(&user("alice"), false).await.unwrap();
                let rt = r.issue(&user("alice")).await.unwrap();
                let (rt2, _) = r.refresh(rt.expose()).await.unwrap();
                for text in [t.expose(), rt.expose(), rt2.expose()] {
                    let body = &text[4..];
                    secrets.push(body.as_bytes().to_vec());
                    use base64::Engine as _;
                    secrets.push(
                        base64::engine::general_purpose::URL_SAFE_NO_PAD
                            .decode(body)
                            .unwrap(),
                    );
                }
                // The key the store uses is the manager's keyed hash, not the token.
                let key = store.key(&m.hash_of(&t));
                assert!(key.starts_with("bosso:sess:{") && !key.contains(&t.expose()[4..]));
            }
            let everything = dump(&server).await;
            assert!(!everything.is_empty());
            for s in &secrets {
                for item in &everything {
                    assert!(
                        !item.windows(s.len()).any(|w| w == &s[..]),
                        "a raw token reached Redis"
                    );
                }
            }
            // Every key expires: nothing in Redis outlives the data it guards.
            let client = redis::Client::open(server.url()).unwrap();
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg("*")
                .query_async(&mut conn)
                .await
                .unwrap();
            for k in keys {
                let ttl: i64 = redis::cmd("TTL")
                    .arg(&k)
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                assert!((1..=30 * DAY as i64 + 1).contains(&ttl), "{k}: ttl {ttl}");
            }
        });
    }
}
