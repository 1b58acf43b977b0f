#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use std::sync::Arc;

use bosso_accounts::Error;
use bosso_accounts::refresh::{MemoryRefreshStore, RefreshConfig, RefreshManager};
use bosso_accounts::token::TokenKey;
use bosso_token::{ManualClock, UnixTime, UserId};

const T0: u64 = 1_700_000_000;
const DAY: u64 = 86_400;

type Mgr = RefreshManager<MemoryRefreshStore<ManualClock>, ManualClock>;

fn setup(cap: usize) -> (Mgr, ManualClock) {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let m = manager(MemoryRefreshStore::new(cap, clock.clone()), &clock);
    (m, clock)
}

fn manager(store: MemoryRefreshStore<ManualClock>, clock: &ManualClock) -> Mgr {
    RefreshManager::new(
        RefreshConfig::default(),
        store,
        clock.clone(),
        TokenKey::generate().unwrap(),
    )
    .unwrap()
}

fn alice() -> UserId {
    UserId::new("alice").unwrap()
}

#[tokio::test]
async fn each_refresh_rotates_and_reuse_revokes_the_family() {
    let (m, _) = setup(100);
    let t1 = m.issue(&alice()).await.unwrap();
    let (t2, user) = m.refresh(t1.expose()).await.unwrap();
    assert_eq!(user, alice());
    assert_ne!(t1.expose(), t2.expose());
    let (t3, _) = m.refresh(t2.expose()).await.unwrap();
    // The thief replays t1 (retired): detected, and the family dies...
    assert_eq!(
        m.refresh(t1.expose()).await.unwrap_err(),
        Error::RefreshTokenReuse
    );
    // ...including the legitimate current token.
    assert_eq!(
        m.refresh(t3.expose()).await.unwrap_err(),
        Error::SessionInvalid
    );
    // Another login of the same user is an independent family.
    let other = m.issue(&alice()).await.unwrap();
    m.refresh(other.expose()).await.unwrap();
}

#[tokio::test]
async fn lifetimes_default_to_seven_days() {
    let (m, clock) = setup(100);
    let t = m.issue(&alice()).await.unwrap();
    clock.set(UnixTime::from_secs(T0 + 7 * DAY - 1));
    let (t, _) = m.refresh(t.expose()).await.unwrap();
    // The family ends 7 days after login whatever the rotations.
    clock.set(UnixTime::from_secs(T0 + 7 * DAY));
    assert_eq!(
        m.refresh(t.expose()).await.unwrap_err(),
        Error::SessionInvalid
    );

    let u = m.issue(&alice()).await.unwrap();
    clock.set(UnixTime::from_secs(T0 + 14 * DAY));
    assert_eq!(
        m.refresh(u.expose()).await.unwrap_err(),
        Error::SessionInvalid
    );
}

#[tokio::test]
async fn token_lifetime_shorter_than_family() {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let m = RefreshManager::new(
        RefreshConfig {
            token_lifetime_secs: DAY,
            family_lifetime_secs: 7 * DAY,
        },
        MemoryRefreshStore::new(10, clock.clone()),
        clock.clone(),
        TokenKey::generate().unwrap(),
    )
    .unwrap();
    let t = m.issue(&alice()).await.unwrap();
    clock.set(UnixTime::from_secs(T0 + DAY - 1));
    let (t, _) = m.refresh(t.expose()).await.unwrap();
    clock.set(UnixTime::from_secs(T0 + 2 * DAY - 1));
    assert_eq!(
        m.refresh(t.expose()).await.unwrap_err(),
        Error::SessionInvalid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_use_of_one_token_rotates_once() {
    let (m, _) = setup(100);
    let m = Arc::new(m);
    let t = m.issue(&alice()).await.unwrap().expose().to_owned();
    let mut hs = Vec::new();
    for _ in 0..8 {
        let (m, t) = (Arc::clone(&m), t.clone());
        hs.push(tokio::spawn(async move { m.refresh(&t).await }));
    }
    let mut ok = 0;
    for h in hs {
        match h.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert!(
                matches!(e, Error::RefreshTokenReuse | Error::SessionInvalid),
                "{e:?}"
            ),
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn revoke_and_revoke_all() {
    let (m, _) = setup(100);
    let a = m.issue(&alice()).await.unwrap();
    let b = m.issue(&alice()).await.unwrap();
    let bob = m.issue(&UserId::new("bob").unwrap()).await.unwrap();
    m.revoke(a.expose()).await.unwrap();
    assert_eq!(
        m.refresh(a.expose()).await.unwrap_err(),
        Error::SessionInvalid
    );
    let (b2, _) = m.refresh(b.expose()).await.unwrap();
    assert_eq!(m.revoke_all(&alice()).await.unwrap(), 1);
    assert_eq!(
        m.refresh(b2.expose()).await.unwrap_err(),
        Error::SessionInvalid
    );
    m.refresh(bob.expose()).await.unwrap();
}

#[tokio::test]
async fn bounded_store_and_token_kinds() {
    let (m, clock) = setup(2);
    let carol = UserId::new("carol").unwrap();
    let t = m.issue(&alice()).await.unwrap();
    m.issue(&UserId::new("bob").unwrap()).await.unwrap();
    assert_eq!(m.issue(&carol).await.unwrap_err(), Error::StoreFull);
    clock.set(UnixTime::from_secs(T0 + 7 * DAY));
    m.issue(&carol).await.unwrap();
    assert_eq!(m.store().families().unwrap(), 1);
    // A session token is not a refresh token.
    let session_like = t.expose().replacen("bsr_", "bss_", 1);
    assert!(matches!(
        m.refresh(&session_like).await.unwrap_err(),
        Error::MalformedToken(_)
    ));
    let body = t.expose().strip_prefix("bsr_").unwrap().to_owned();
    assert!(!format!("{t:?}").contains(&body));
}

/// Finding 10: capacity counts every token hash held (current and retired), so one family
/// rotating all week cannot grow memory past the bound.
#[tokio::test]
async fn capacity_counts_retired_tokens_too() {
    // A per-user cap as large as the store, so the global bound is what stops alice here.
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let m = manager(
        MemoryRefreshStore::new(4, clock.clone()).with_max_tokens_per_user(4),
        &clock,
    );
    let other = m.issue(&UserId::new("bob").unwrap()).await.unwrap();
    let mut t = m.issue(&alice()).await.unwrap();
    let mut refused = false;
    for _ in 0..10 {
        match m.refresh(t.expose()).await {
            Ok((next, _)) => t = next,
            Err(e) => {
                assert_eq!(e, Error::StoreFull);
                refused = true;
                break;
            }
        }
    }
    assert!(refused, "rotations grew past a 4-token capacity");
    assert_eq!(m.store().tokens().unwrap(), 4);
    // A revoked family is dropped when room is needed, and the refused rotation left the
    // presented token current: it rotates now.
    m.revoke(other.expose()).await.unwrap();
    m.refresh(t.expose()).await.unwrap();
    assert!(m.store().tokens().unwrap() <= 4);
}

/// Finding 10: a family has a bounded number of rotations; past it the family is revoked (the
/// user logs in again), so its retired hashes, all kept for reuse detection, stay bounded.
#[tokio::test]
async fn a_family_is_revoked_after_its_rotation_cap() {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let m = RefreshManager::new(
        RefreshConfig::default(),
        MemoryRefreshStore::new(1000, clock.clone()).with_max_rotations(8),
        clock.clone(),
        TokenKey::generate().unwrap(),
    )
    .unwrap();
    let first = m.issue(&alice()).await.unwrap();
    let mut t = first.clone();
    for _ in 0..8 {
        t = m.refresh(t.expose()).await.unwrap().0;
    }
    assert_eq!(
        m.refresh(t.expose()).await.unwrap_err(),
        Error::SessionInvalid
    );
    // Every retired token of the family was still recognised up to the cap.
    assert!(m.store().tokens().unwrap() <= 9);
    assert!(m.refresh(first.expose()).await.is_err());
}

/// Issue 16 item 5, the reported case with default settings: capacity 1000, one account
/// rotating its token 999 times and logging in over and over used to leave every other
/// account's login failing with `StoreFull` (for the 7-day family lifetime). Now that account
/// holds at most half the store (its oldest families go first) and everyone else still logs in.
#[tokio::test]
async fn one_account_cannot_fill_the_store_for_everyone() {
    let (m, _) = setup(1000);
    let mallory = UserId::new("mallory").unwrap();
    let mut t = m.issue(&mallory).await.unwrap();
    for i in 0..999 {
        t = match m.refresh(t.expose()).await {
            Ok((next, _)) => next,
            // Her family was ended by her own token cap: she logs in again.
            Err(Error::SessionInvalid) => m.issue(&mallory).await.unwrap(),
            Err(e) => panic!("rotation {i}: {e:?}"),
        };
        if i % 10 == 0 {
            m.issue(&mallory).await.unwrap();
        }
    }
    assert!(m.store().tokens().unwrap() <= 500);
    assert!(m.store().families().unwrap() <= 32);
    for u in ["bob", "carol", "dave"] {
        let b = m.issue(&UserId::new(u).unwrap()).await.unwrap();
        m.refresh(b.expose()).await.unwrap();
    }
}
