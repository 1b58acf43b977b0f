#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use std::sync::Arc;

use bosso_accounts::Error;
use bosso_accounts::token::TokenKey;
use bosso_accounts::totp::{
    MemoryTotpStore, Totp, TotpAlgorithm, TotpConfig, TotpManager, TotpSecret,
};
use bosso_token::{ManualClock, UnixTime, UserId};
use common::{hex, vectors};
use secrecy::ExposeSecret;

const T0: u64 = 1_700_000_010; // mid-step: step boundaries at multiples of 30

fn manager(clock: &ManualClock) -> TotpManager<MemoryTotpStore, ManualClock> {
    TotpManager::new(
        TotpConfig::new("Bosso"),
        MemoryTotpStore::new(),
        clock.clone(),
        TokenKey::generate().unwrap(),
    )
    .unwrap()
}

fn code_at(secret: &TotpSecret, secs: u64) -> String {
    Totp::new(secret, TotpAlgorithm::Sha1, 6, 30)
        .unwrap()
        .generate(UnixTime::from_secs(secs))
        .expose_secret()
        .to_owned()
}

#[test]
fn rfc6238_appendix_b_all_18_rows() {
    let v = vectors("rfc6238_totp.json");
    let rows = v["vectors"].as_array().unwrap();
    assert_eq!(rows.len(), 18);
    for row in rows {
        let mode = row["mode"].as_str().unwrap();
        let seed = hex(v["seeds"][mode]["hex"].as_str().unwrap());
        let alg = match mode {
            "SHA1" => TotpAlgorithm::Sha1,
            "SHA256" => TotpAlgorithm::Sha256,
            "SHA512" => TotpAlgorithm::Sha512,
            other => panic!("unknown mode {other}"),
        };
        let totp = Totp::new(&TotpSecret::from_bytes(&seed).unwrap(), alg, 8, 30).unwrap();
        let t = UnixTime::from_secs(row["time"].as_u64().unwrap());
        let want = row["totp"].as_str().unwrap();
        assert_eq!(
            totp.generate(t).expose_secret(),
            want,
            "{mode} at {}",
            t.as_secs()
        );
        assert_eq!(totp.matching_step(want, t, 0), Some(t.as_secs() / 30));
    }
}

#[tokio::test]
async fn enrollment_activates_only_after_a_proven_code() {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let m = manager(&clock);
    let alice = UserId::new("alice").unwrap();
    let pending = m.begin_enrollment(&alice, "alice@example.com").unwrap();
    assert_eq!(pending.secret().expose().len(), 20, "160-bit secret");
    let uri = pending.otpauth_uri();
    let uri = uri.expose_secret();
    assert!(
        uri.starts_with("otpauth://totp/Bosso:alice%40example.com?secret="),
        "{uri}"
    );
    assert!(uri.contains("issuer=Bosso"));
    assert!(uri.contains(pending.secret_base32().expose_secret()));
    #[cfg(feature = "qr")]
    {
        let png = pending.qr_png().unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
    // Not active before confirmation.
    assert_eq!(
        m.verify(&alice, "000000").await,
        Err(Error::TotpNotEnrolled)
    );
    let secret = pending.secret().clone();
    let window: Vec<String> = [T0 - 30, T0, T0 + 30]
        .iter()
        .map(|t| code_at(&secret, *t))
        .collect();
    let wrong = ["123456", "654321", "111111", "222222"]
        .into_iter()
        .find(|c| !window.iter().any(|w| w == c))
        .unwrap();
    let pending2 = pending;
    assert_eq!(
        m.confirm_enrollment(pending2, wrong).await.unwrap_err(),
        Error::InvalidCredentials
    );
    assert_eq!(
        m.verify(&alice, "000000").await,
        Err(Error::TotpNotEnrolled)
    );

    // A fresh enrollment, confirmed with the right code.
    let pending = m.begin_enrollment(&alice, "alice@example.com").unwrap();
    let secret = pending.secret().clone();
    let codes = m
        .confirm_enrollment(pending, &code_at(&secret, T0))
        .await
        .unwrap();
    assert_eq!(codes.codes().len(), 10);
    // The enrollment code cannot be replayed as a login code.
    assert_eq!(
        m.verify(&alice, &code_at(&secret, T0)).await,
        Err(Error::CodeReused)
    );
    clock.advance(30);
    m.verify(&alice, &code_at(&secret, T0 + 30)).await.unwrap();
}

async fn enrolled(
    clock: &ManualClock,
) -> (
    TotpManager<MemoryTotpStore, ManualClock>,
    UserId,
    TotpSecret,
    Vec<String>,
) {
    let m = manager(clock);
    let u = UserId::new("bob").unwrap();
    let p = m.begin_enrollment(&u, "bob").unwrap();
    let s = p.secret().clone();
    let now = clock.now_secs();
    let codes = m.confirm_enrollment(p, &code_at(&s, now)).await.unwrap();
    let codes = codes
        .codes()
        .iter()
        .map(|c| c.expose_secret().to_owned())
        .collect();
    (m, u, s, codes)
}

trait NowSecs {
    fn now_secs(&self) -> u64;
}
impl NowSecs for ManualClock {
    fn now_secs(&self) -> u64 {
        use bosso_token::Clock;
        self.now().as_secs()
    }
}

#[tokio::test]
async fn skew_is_at_most_one_step_and_steps_are_single_use() {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let (m, u, s, _) = enrolled(&clock).await;
    let now = T0 + 300;
    clock.set(UnixTime::from_secs(now));
    // Two steps away either side: refused.
    assert_eq!(
        m.verify(&u, &code_at(&s, now - 60)).await,
        Err(Error::InvalidCredentials)
    );
    assert_eq!(
        m.verify(&u, &code_at(&s, now + 60)).await,
        Err(Error::InvalidCredentials)
    );
    // One step back, current, one step ahead: accepted in increasing order.
    m.verify(&u, &code_at(&s, now - 30)).await.unwrap();
    m.verify(&u, &code_at(&s, now)).await.unwrap();
    // Replays of an accepted step, or of an earlier one, are refused (RFC 6238 5.2).
    assert_eq!(
        m.verify(&u, &code_at(&s, now)).await,
        Err(Error::CodeReused)
    );
    assert_eq!(
        m.verify(&u, &code_at(&s, now - 30)).await,
        Err(Error::CodeReused)
    );
    m.verify(&u, &code_at(&s, now + 30)).await.unwrap();
    assert_eq!(
        m.verify(&u, &code_at(&s, now + 30)).await,
        Err(Error::CodeReused)
    );
    // Garbage never matches.
    for bad in ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦"] {
        assert_eq!(
            m.verify(&u, bad).await,
            Err(Error::InvalidCredentials),
            "{bad}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_use_of_one_code_admits_exactly_one() {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let (m, u, s, _) = enrolled(&clock).await;
    clock.advance(30);
    let m = Arc::new(m);
    let code = code_at(&s, T0 + 30);
    let mut handles = Vec::new();
    for _ in 0..8 {
        let (m, u, code) = (Arc::clone(&m), u.clone(), code.clone());
        handles.push(tokio::spawn(async move { m.verify(&u, &code).await }));
    }
    let mut ok = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(()) => ok += 1,
            Err(e) => assert_eq!(e, Error::CodeReused),
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn recovery_codes_are_single_use() {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let (m, u, _, codes) = enrolled(&clock).await;
    assert_eq!(codes.len(), 10);
    for c in &codes {
        assert_eq!(c.len(), 11);
        assert_eq!(c.as_bytes()[5], b'-');
    }
    m.verify_recovery_code(&u, &codes[0]).await.unwrap();
    assert_eq!(
        m.verify_recovery_code(&u, &codes[0]).await,
        Err(Error::InvalidCredentials)
    );
    // Case, dashes and spaces do not matter.
    let typed = codes[1].to_uppercase().replace('-', " ");
    m.verify_recovery_code(&u, &typed).await.unwrap();
    assert_eq!(
        m.verify_recovery_code(&u, "00000-00000").await,
        Err(Error::InvalidCredentials)
    );
    let other = UserId::new("carol").unwrap();
    assert_eq!(
        m.verify_recovery_code(&other, &codes[2]).await,
        Err(Error::InvalidCredentials)
    );
}

/// Found by the fuzzer: in the last step before u64::MAX seconds, the "next" step's start time
/// saturated to u64::MAX, whose code is the *current* step's, so the current code was reported
/// as matching the next step (a step that has no start time). Only existing steps match now.
#[test]
fn no_step_past_the_end_of_time_matches() {
    let secret = TotpSecret::from_bytes(b"12345678901234567890").unwrap();
    let totp = Totp::new(&secret, TotpAlgorithm::Sha1, 6, 30).unwrap();
    let at = UnixTime::from_secs(u64::MAX - 5);
    let last = u64::MAX / 30;
    assert_eq!(totp.step_of(at), last);
    let code = totp.generate(at);
    assert_eq!(totp.matching_step(code.expose_secret(), at, 1), Some(last));
}

#[tokio::test]
async fn debug_output_is_redacted() {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let m = manager(&clock);
    let u = UserId::new("dave").unwrap();
    let p = m.begin_enrollment(&u, "dave").unwrap();
    let b32 = p.secret_base32().expose_secret().to_owned();
    let raw = format!("{:?}", p.secret().expose());
    let totp = Totp::new(p.secret(), TotpAlgorithm::Sha1, 6, 30).unwrap();
    for dbg in [
        format!("{p:?}"),
        format!("{:?}", p.secret()),
        format!("{totp:?}"),
        format!("{:?}", p.otpauth_uri()),
    ] {
        assert!(!dbg.contains(&b32) && !dbg.contains(&raw), "{dbg}");
    }
    let s = p.secret().clone();
    let codes = m.confirm_enrollment(p, &code_at(&s, T0)).await.unwrap();
    let dbg = format!("{codes:?}");
    for c in codes.codes() {
        assert!(!dbg.contains(c.expose_secret()));
    }
}

#[test]
fn config_bounds() {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let mut c = TotpConfig::new("Bosso");
    c.skew_steps = 2;
    assert!(
        TotpManager::new(
            c,
            MemoryTotpStore::new(),
            clock.clone(),
            TokenKey::generate().unwrap()
        )
        .is_err()
    );
    assert!(
        TotpManager::new(
            TotpConfig::new("a:b"),
            MemoryTotpStore::new(),
            clock,
            TokenKey::generate().unwrap()
        )
        .is_err()
    );
    assert!(TotpSecret::from_bytes(&[0u8; 15]).is_err());
    let s = TotpSecret::from_bytes(&[0u8; 20]).unwrap();
    assert!(Totp::new(&s, TotpAlgorithm::Sha1, 5, 30).is_err());
    assert!(Totp::new(&s, TotpAlgorithm::Sha1, 9, 30).is_err());
    assert!(Totp::new(&s, TotpAlgorithm::Sha1, 6, 0).is_err());
}
