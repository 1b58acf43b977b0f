#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bosso_accounts::Error;
use bosso_accounts::login_session::{
    LoginSessionConfig, LoginSessionManager, LoginSessionRecord, LoginSessionStore,
    LoginSessionToken, MemoryLoginSessionStore, RotationReason,
};
use bosso_accounts::token::{TokenHash, TokenKey};
use bosso_token::{ManualClock, UnixTime, UserId};

const T0: u64 = 1_700_000_000;
const DAY: u64 = 86_400;
const KEY: [u8; 32] = [0x42; 32];

type Mgr = LoginSessionManager<MemoryLoginSessionStore<ManualClock>, ManualClock>;

fn setup() -> (Mgr, ManualClock) {
    setup_with(1000)
}

fn setup_with(cap: usize) -> (Mgr, ManualClock) {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let m = LoginSessionManager::new(
        LoginSessionConfig::default(),
        MemoryLoginSessionStore::new(cap, clock.clone()),
        clock.clone(),
        TokenKey::from_bytes(&KEY).unwrap(),
    )
    .unwrap();
    (m, clock)
}

fn at(clock: &ManualClock, secs: u64) {
    clock.set(UnixTime::from_secs(T0 + secs));
}

fn alice() -> UserId {
    UserId::new("alice").unwrap()
}

#[tokio::test]
async fn token_format_is_256_random_bits() {
    let (m, _) = setup();
    let (t, _) = m.create(&alice(), false).await.unwrap();
    let body = t.expose().strip_prefix("bss_").unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(body).unwrap().len(), 32);
    let (t2, _) = m.create(&alice(), false).await.unwrap();
    assert_ne!(t.expose(), t2.expose());
}

#[tokio::test]
async fn idle_window_edges() {
    let (m, clock) = setup();
    let (a, s) = m.create(&alice(), false).await.unwrap();
    let (b, _) = m.create(&alice(), false).await.unwrap();
    assert_eq!(s.expires(), UnixTime::from_secs(T0 + 7 * DAY));
    at(&clock, 7 * DAY - 1);
    m.validate(a.expose()).await.unwrap();
    at(&clock, 7 * DAY);
    // b was never used: exactly at the end of the idle window it is gone.
    assert_eq!(m.validate(b.expose()).await, Err(Error::SessionInvalid));
    // a was seen at 7d-1 (more than 24 h after its last write): its window slid.
    at(&clock, 14 * DAY - 2);
    m.validate(a.expose()).await.unwrap();
    at(&clock, 21 * DAY - 2);
    assert_eq!(m.validate(a.expose()).await, Err(Error::SessionInvalid));
}

#[tokio::test]
async fn activity_is_written_at_most_once_per_touch_interval() {
    let (m, clock) = setup();
    let (a, _) = m.create(&alice(), false).await.unwrap();
    let (b, _) = m.create(&alice(), false).await.unwrap();
    // a is used 23 h in: below the touch interval, last_seen is not moved.
    at(&clock, DAY - 3600);
    m.validate(a.expose()).await.unwrap();
    // b is used exactly 24 h in: touched.
    at(&clock, DAY);
    m.validate(b.expose()).await.unwrap();
    at(&clock, 7 * DAY);
    assert_eq!(m.validate(a.expose()).await, Err(Error::SessionInvalid));
    m.validate(b.expose()).await.unwrap();
    at(&clock, 8 * DAY);
    // b's last write was at 7d (>= 24 h after 1d), so it is still alive at 8d.
    m.validate(b.expose()).await.unwrap();
}

#[tokio::test]
async fn absolute_lifetime_edges_survive_activity_and_rotation() {
    let (m, clock) = setup();
    let (mut t, _) = m.create(&alice(), false).await.unwrap();
    for d in 1..30 {
        at(&clock, d * DAY);
        m.validate(t.expose()).await.unwrap();
    }
    // Rotation keeps the original login time.
    at(&clock, 30 * DAY - 10);
    let (nt, s) = m.rotate(t.expose(), RotationReason::Other).await.unwrap();
    assert_eq!(s.created(), UnixTime::from_secs(T0));
    assert_eq!(s.expires(), UnixTime::from_secs(T0 + 30 * DAY));
    t = nt;
    at(&clock, 30 * DAY - 1);
    m.validate(t.expose()).await.unwrap();
    at(&clock, 30 * DAY);
    assert_eq!(m.validate(t.expose()).await, Err(Error::SessionInvalid));
    assert!(
        m.store().is_empty().unwrap(),
        "expired sessions are removed"
    );
}

#[tokio::test]
async fn rotation_invalidates_the_old_token_and_step_up_marks_mfa() {
    let (m, _) = setup();
    let (t, s) = m.create(&alice(), false).await.unwrap();
    assert!(!s.mfa());
    let (t2, s2) = m.rotate(t.expose(), RotationReason::StepUp).await.unwrap();
    assert!(s2.mfa());
    assert_eq!(m.validate(t.expose()).await, Err(Error::SessionInvalid));
    assert!(m.validate(t2.expose()).await.unwrap().mfa());
    // A rotated-away token cannot be rotated again.
    assert_eq!(
        m.rotate(t.expose(), RotationReason::PrivilegeChange)
            .await
            .unwrap_err(),
        Error::SessionInvalid
    );
    let (t3, s3) = m
        .rotate(t2.expose(), RotationReason::PrivilegeChange)
        .await
        .unwrap();
    assert!(s3.mfa(), "mfa survives a privilege change");
    assert_eq!(m.store().len().unwrap(), 1);
    m.validate(t3.expose()).await.unwrap();
}

#[tokio::test]
async fn revoke_one_and_all() {
    let (m, _) = setup();
    let bob = UserId::new("bob").unwrap();
    let (a1, _) = m.create(&alice(), false).await.unwrap();
    let (a2, _) = m.create(&alice(), false).await.unwrap();
    let (b1, _) = m.create(&bob, false).await.unwrap();
    m.revoke(a1.expose()).await.unwrap();
    assert_eq!(m.validate(a1.expose()).await, Err(Error::SessionInvalid));
    m.validate(a2.expose()).await.unwrap();
    let (a3, _) = m.create(&alice(), false).await.unwrap();
    assert_eq!(m.revoke_all(&alice()).await.unwrap(), 2);
    assert_eq!(m.validate(a2.expose()).await, Err(Error::SessionInvalid));
    assert_eq!(m.validate(a3.expose()).await, Err(Error::SessionInvalid));
    m.validate(b1.expose()).await.unwrap();
}

#[tokio::test]
async fn store_only_ever_holds_keyed_hashes() {
    let (m, _) = setup();
    let (t, _) = m.create(&alice(), false).await.unwrap();
    let body = t.expose().strip_prefix("bss_").unwrap().to_owned();
    let raw = URL_SAFE_NO_PAD.decode(&body).unwrap();
    // Recompute the documented hash independently with ring.
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &KEY);
    let mut msg = b"bosso-auth session v1\0".to_vec();
    msg.extend_from_slice(&raw);
    let expected = ring::hmac::sign(&key, &msg);
    let hashes = m.store().hashes().unwrap();
    assert_eq!(hashes.len(), 1);
    assert_eq!(&hashes[0].as_bytes()[..], expected.as_ref());
    assert_ne!(&hashes[0].as_bytes()[..], &raw[..]);
    // Nothing in the store's full dump contains the token, its body or its raw bytes.
    let dump = format!("{:?}", m.store());
    assert!(!dump.contains(&body) && !dump.contains(t.expose()));
    assert!(!dump.contains(&format!("{raw:?}")));
    // A different server key gives a different hash: the store alone cannot check guesses.
    let other = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[0x43; 32]);
    assert_ne!(ring::hmac::sign(&other, &msg).as_ref(), expected.as_ref());
}

#[tokio::test]
async fn malformed_and_unknown_tokens() {
    let (m, _) = setup();
    let forged = format!("bss_{}", "A".repeat(43));
    assert_eq!(m.validate(&forged).await, Err(Error::SessionInvalid));
    for bad in [
        "",
        "bss_",
        "bsr_AAAA",
        "Bearer xyz",
        &format!("bsr_{}", "A".repeat(43)),
    ] {
        let e = m.validate(bad).await.unwrap_err();
        assert!(matches!(e, Error::MalformedToken(_)), "{bad}: {e:?}");
        if !bad.is_empty() {
            assert!(!e.to_string().contains(bad));
        }
    }
}

#[tokio::test]
async fn bounded_store_fails_closed_then_purges_expired() {
    let (m, clock) = setup_with(2);
    m.create(&alice(), false).await.unwrap();
    m.create(&alice(), false).await.unwrap();
    assert_eq!(
        m.create(&alice(), false).await.unwrap_err(),
        Error::StoreFull
    );
    at(&clock, 30 * DAY);
    m.create(&alice(), false).await.unwrap();
    assert_eq!(m.store().len().unwrap(), 1);
}

/// Issue 16 item 7: sessions past their inactivity limit (but far from their 30-day absolute
/// expiry) used to keep their slot, so a full store refused logins for up to 30 days. They can
/// never validate again, so a full store drops them; a session still inside its idle window is
/// never dropped.
#[tokio::test]
async fn full_store_drops_idle_dead_sessions_but_never_a_live_one() {
    let (m, clock) = setup_with(3);
    let (dead1, _) = m.create(&alice(), false).await.unwrap();
    let (dead2, _) = m.create(&alice(), false).await.unwrap();
    at(&clock, DAY);
    let (live, _) = m.create(&UserId::new("bob").unwrap(), false).await.unwrap();
    // 7 days after login: the first two are idle-dead (never used since), bob's is 6 days idle.
    at(&clock, 7 * DAY);
    let (carol, _) = m
        .create(&UserId::new("carol").unwrap(), false)
        .await
        .unwrap();
    let (dave, _) = m
        .create(&UserId::new("dave").unwrap(), false)
        .await
        .unwrap();
    assert_eq!(m.store().len().unwrap(), 3);
    // Full of sessions that can all still validate: refused, nothing evicted.
    assert_eq!(
        m.create(&UserId::new("erin").unwrap(), false)
            .await
            .unwrap_err(),
        Error::StoreFull
    );
    for t in [&live, &carol, &dave] {
        m.validate(t.expose()).await.unwrap();
    }
    for t in [&dead1, &dead2] {
        assert_eq!(m.validate(t.expose()).await, Err(Error::SessionInvalid));
    }
}

/// The store decides with the record's own limits (it does not know the configuration): an
/// idle-dead record fills the store until a login needs its slot.
#[tokio::test]
async fn idle_dead_records_are_evicted_on_insert() {
    let (m, clock) = setup_with(2);
    m.create(&alice(), false).await.unwrap();
    m.create(&alice(), false).await.unwrap();
    at(&clock, 7 * DAY - 1);
    assert_eq!(
        m.create(&alice(), false).await.unwrap_err(),
        Error::StoreFull
    );
    at(&clock, 7 * DAY);
    // Nobody validated the two (validate would have removed them): only insert can reclaim.
    m.create(&alice(), false).await.unwrap();
    assert_eq!(m.store().len().unwrap(), 1);
}

#[tokio::test]
async fn debug_is_redacted() {
    let (m, _) = setup();
    let (t, _) = m.create(&alice(), false).await.unwrap();
    let body = t.expose().strip_prefix("bss_").unwrap().to_owned();
    assert!(!format!("{t:?}").contains(&body));
    let parsed = LoginSessionToken::parse(t.expose()).unwrap();
    assert!(!format!("{parsed:?}").contains(&body));
    assert!(!format!("{m:?}").contains("66, 66"));
}

#[test]
fn config_is_validated() {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let bad = LoginSessionConfig {
        touch_interval_secs: 8 * DAY,
        ..LoginSessionConfig::default()
    };
    assert!(
        LoginSessionManager::new(
            bad,
            MemoryLoginSessionStore::new(1, clock.clone()),
            clock,
            TokenKey::generate().unwrap()
        )
        .is_err()
    );
}

/// Finding 15: `expires` must count the idle window from the stored last-seen time, not from
/// the validation time when no touch was written.
#[tokio::test]
async fn expires_counts_idle_from_the_stored_last_seen() {
    let (m, clock) = setup();
    let (t, s) = m.create(&alice(), false).await.unwrap();
    assert_eq!(s.expires(), UnixTime::from_secs(T0 + 7 * DAY));
    at(&clock, 3600); // below the 24 h touch interval: nothing is written
    let v = m.validate(t.expose()).await.unwrap();
    assert_eq!(v.expires(), UnixTime::from_secs(T0 + 7 * DAY));
    // The session really does end then.
    at(&clock, 7 * DAY);
    assert_eq!(m.validate(t.expose()).await, Err(Error::SessionInvalid));
    // After a touch, the window restarts from the touch.
    let (t2, _) = m.create(&alice(), false).await.unwrap();
    at(&clock, 8 * DAY + 1);
    let v = m.validate(t2.expose()).await.unwrap();
    assert_eq!(v.expires(), UnixTime::from_secs(T0 + 15 * DAY + 1));
}

/// A store that pauses inside `insert` once armed, so a test can run `revoke_all` while a
/// rotation is in flight (the reviewer's reproduction of finding 6).
struct PausingStore {
    inner: MemoryLoginSessionStore<ManualClock>,
    armed: std::sync::atomic::AtomicBool,
    entered: tokio::sync::Notify,
    release: tokio::sync::Notify,
}

impl LoginSessionStore for PausingStore {
    async fn insert(&self, hash: TokenHash, record: LoginSessionRecord) -> Result<(), Error> {
        if self.armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
            self.entered.notify_one();
            self.release.notified().await;
        }
        self.inner.insert(hash, record).await
    }
    async fn get(&self, hash: &TokenHash) -> Result<Option<LoginSessionRecord>, Error> {
        self.inner.get(hash).await
    }
    async fn touch(&self, hash: &TokenHash, now: UnixTime) -> Result<(), Error> {
        self.inner.touch(hash, now).await
    }
    async fn remove(&self, hash: &TokenHash) -> Result<bool, Error> {
        self.inner.remove(hash).await
    }
    async fn remove_user(&self, user: &UserId) -> Result<usize, Error> {
        self.inner.remove_user(user).await
    }
}

/// Finding 6: a "log out everywhere" that lands while a rotation is between its steps must not
/// leave the rotated session alive.
#[tokio::test]
async fn revoke_all_during_a_rotation_leaves_no_live_session() {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let m = std::sync::Arc::new(
        LoginSessionManager::new(
            LoginSessionConfig::default(),
            PausingStore {
                inner: MemoryLoginSessionStore::new(100, clock.clone()),
                armed: std::sync::atomic::AtomicBool::new(false),
                entered: tokio::sync::Notify::new(),
                release: tokio::sync::Notify::new(),
            },
            clock.clone(),
            TokenKey::from_bytes(&KEY).unwrap(),
        )
        .unwrap(),
    );
    let (t, _) = m.create(&alice(), false).await.unwrap();
    m.store()
        .armed
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let m2 = std::sync::Arc::clone(&m);
    let old = t.expose().to_owned();
    let rotation =
        tokio::spawn(async move { m2.rotate(&old, RotationReason::PrivilegeChange).await });
    m.store().entered.notified().await;
    m.revoke_all(&alice()).await.unwrap();
    m.store().release.notify_one();
    if let Ok((new, _)) = rotation.await.unwrap() {
        assert_eq!(
            m.validate(new.expose()).await,
            Err(Error::SessionInvalid),
            "a session rotated across revoke_all survived it"
        );
    }
    assert_eq!(m.validate(t.expose()).await, Err(Error::SessionInvalid));
    assert_eq!(m.store().inner.len().unwrap(), 0);
}
