//! Single use: exactly one of many racing consumers wins; the store is bounded and forgets
//! only what can no longer verify.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::sync::{Arc, Barrier};

use bosso_token::*;
use common::*;

fn token(f: &Fixture) -> AttachToken {
    f.minter
        .mint(&scope("alice", "s1", "c1", Permission::Viewer))
        .unwrap()
}

#[test]
fn sixty_four_racing_os_threads_one_winner() {
    for f in [ed25519(), hmac()] {
        let t = token(&f);
        let f = Arc::new(f);
        let store = Arc::new(MemoryReplayStore::new());
        let n = 64;
        let barrier = Arc::new(Barrier::new(n));
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let (f, store, barrier) = (f.clone(), store.clone(), barrier.clone());
                let s = t.expose_secret().to_string();
                std::thread::spawn(move || {
                    barrier.wait();
                    block_on(
                        f.verifier
                            .verify_and_consume(&s, &Expected::any_scope(), &*store),
                    )
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        assert!(
            results
                .iter()
                .filter(|r| r.is_err())
                .all(|r| r.as_ref().unwrap_err() == &Error::Replayed)
        );
    }
}

#[test]
fn racing_tasks_on_a_multi_thread_runtime_one_winner() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let f = Arc::new(ed25519());
    let store = Arc::new(MemoryReplayStore::new());
    for _round in 0..8 {
        let t = token(&f);
        let wins = rt.block_on(async {
            let barrier = Arc::new(tokio::sync::Barrier::new(128));
            let tasks: Vec<_> = (0..128)
                .map(|_| {
                    let (f, store, barrier) = (f.clone(), store.clone(), barrier.clone());
                    let s = t.expose_secret().to_string();
                    tokio::spawn(async move {
                        barrier.wait().await;
                        f.verifier
                            .verify_and_consume(&s, &Expected::any_scope(), &store)
                            .await
                            .is_ok()
                    })
                })
                .collect();
            let mut wins = 0;
            for t in tasks {
                wins += usize::from(t.await.unwrap());
            }
            wins
        });
        assert_eq!(wins, 1);
    }
}

#[test]
fn distinct_tokens_all_succeed_once() {
    let f = hmac();
    let store = MemoryReplayStore::new();
    let tokens: Vec<_> = (0..500).map(|_| token(&f)).collect();
    for t in &tokens {
        block_on(
            f.verifier
                .verify_and_consume(t.expose_secret(), &Expected::any_scope(), &store),
        )
        .unwrap();
    }
    for t in &tokens {
        let again = block_on(f.verifier.verify_and_consume(
            t.expose_secret(),
            &Expected::any_scope(),
            &store,
        ));
        assert_eq!(again.unwrap_err(), Error::Replayed);
    }
    assert_eq!(store.len(), 500);
}

#[test]
fn replay_is_remembered_through_the_leeway_window() {
    // A token consumed at exp must still be refused at exp + leeway, the last second it could
    // verify; the store must not forget it at exp.
    let f = ed25519();
    let store = MemoryReplayStore::with_capacity(16).with_clock(Arc::new(f.clock.clone()));
    let t = token(&f);
    let exp = t.expires_at().as_secs();
    f.clock.set(UnixTime::from_secs(exp));
    block_on(
        f.verifier
            .verify_and_consume(t.expose_secret(), &Expected::any_scope(), &store),
    )
    .unwrap();
    // Churn the store at exp + leeway (shards sweep or refuse as they fill); the token's id
    // must survive it. The exact `until` boundary of a sweep: `a_sweep_keeps_an_id_...`.
    f.clock.set(UnixTime::from_secs(exp + DEFAULT_LEEWAY_SECS));
    for _ in 0..64 {
        let _ = block_on(store.consume(
            TokenId::from_bytes(rand16()),
            UnixTime::from_secs(exp + 1000),
        ));
    }
    let again = block_on(f.verifier.verify_and_consume(
        t.expose_secret(),
        &Expected::any_scope(),
        &store,
    ));
    assert_eq!(again.unwrap_err(), Error::Replayed);
}

fn rand16() -> [u8; 16] {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    ring::rand::SystemRandom::new().fill(&mut b).unwrap();
    b
}

#[test]
fn memory_is_bounded_and_full_store_fails_closed() {
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let store = MemoryReplayStore::with_capacity(160).with_clock(Arc::new(clock.clone()));
    let until = UnixTime::from_secs(T0 + 300);
    let mut full = 0;
    for _ in 0..10_000 {
        match block_on(store.consume(TokenId::from_bytes(rand16()), until)) {
            Ok(Consumption::Fresh) => {}
            Err(Error::ReplayStoreFull) => full += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(store.len() <= 160, "len {}", store.len());
    assert!(full >= 10_000 - 160);
    // Once the entries expire, their space is reclaimed and new tokens are accepted again.
    clock.set(UnixTime::from_secs(T0 + 301));
    // 160 ids spread evenly over the store's shards (the shard is picked by the first byte).
    for i in 0..160u8 {
        let mut id = rand16();
        id[0] = i;
        let r = block_on(store.consume(TokenId::from_bytes(id), UnixTime::from_secs(T0 + 900)));
        assert_eq!(r.unwrap(), Consumption::Fresh);
    }
    assert!(store.len() <= 160);
}

#[test]
fn memory_follows_the_live_set_and_sweeps_keep_live_ids() {
    // 100 seconds of 1,000 consumes each, every id living 10 s: about 11,000 ids are live at
    // the end. Expired ids must be swept as the store grows (not only when it is full), and
    // no sweep may drop an id that is still live.
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let store = MemoryReplayStore::new().with_clock(Arc::new(clock.clone()));
    let mut last_second = Vec::new();
    for sec in 0..100 {
        clock.set(UnixTime::from_secs(T0 + sec));
        for _ in 0..1000 {
            let id = TokenId::from_bytes(rand16());
            let r = block_on(store.consume(id, UnixTime::from_secs(T0 + sec + 10)));
            assert_eq!(r.unwrap(), Consumption::Fresh);
            if sec == 99 {
                last_second.push(id);
            }
        }
    }
    assert!(store.len() < 20_000, "len {} for 11,000 live", store.len());
    for id in last_second {
        let r = block_on(store.consume(id, UnixTime::from_secs(T0 + 200)));
        assert_eq!(r.unwrap(), Consumption::Replayed);
    }
}

#[test]
fn a_sweep_keeps_an_id_through_its_last_second() {
    // The contract is "remembered at least until `until`", inclusive. Two ids per shard: a
    // full shard with one expired id must sweep, and that sweep, running at exactly `until`
    // of the other id, must keep it.
    let clock = ManualClock::new(UnixTime::from_secs(T0));
    let store = MemoryReplayStore::with_capacity(32).with_clock(Arc::new(clock.clone()));
    let in_shard_0 = |tag: u8| {
        let mut id = rand16();
        id[0] = 0;
        id[1] = tag;
        TokenId::from_bytes(id)
    };
    let (a, short, b) = (in_shard_0(1), in_shard_0(2), in_shard_0(3));
    let consume = |id, until| block_on(store.consume(id, UnixTime::from_secs(until)));
    assert_eq!(consume(a, T0 + 10), Ok(Consumption::Fresh));
    assert_eq!(consume(short, T0 + 5), Ok(Consumption::Fresh));
    clock.set(UnixTime::from_secs(T0 + 10));
    assert_eq!(consume(b, T0 + 20), Ok(Consumption::Fresh));
    assert_eq!(consume(a, T0 + 20), Ok(Consumption::Replayed));
    // The shard now holds two live ids: a third is refused, not let in by evicting one.
    assert_eq!(consume(short, T0 + 20), Err(Error::ReplayStoreFull));
}

#[test]
fn verified_token_exposes_no_claims_before_consume() {
    // Compile-level property documented here: VerifiedToken only offers token_id,
    // replay_until and consume. The replay window covers the largest leeway any verifier
    // may use plus the inter-node clock margin, not just this verifier's leeway.
    let f = ed25519();
    let t = token(&f);
    let v = f
        .verifier
        .verify_str(t.expose_secret(), &Expected::any_scope())
        .unwrap();
    assert_eq!(v.token_id(), t.token_id());
    assert_eq!(
        v.replay_until().as_secs(),
        t.expires_at().as_secs() + MAX_LEEWAY_SECS + REPLAY_MARGIN_SECS
    );
}

#[test]
fn a_strict_verifier_does_not_shorten_the_window_of_a_lenient_one() {
    // Verifiers A (leeway 0) and B (leeway 60) share one store. A consumes at exp;
    // B sees the same token 59 s later, when B would still accept it: it must be a replay.
    // With a window of `exp + A's leeway` the store had already forgotten the id.
    let f = ed25519();
    let store = MemoryReplayStore::with_capacity(64).with_clock(Arc::new(f.clock.clone()));
    let aud = Audience::new("bosso").unwrap();
    let strict = AttachVerifier::new(f.ring.verification_keys(), aud.clone())
        .with_leeway(0)
        .unwrap()
        .with_clock(Arc::new(f.clock.clone()));
    let lenient = AttachVerifier::new(f.ring.verification_keys(), aud)
        .with_leeway(MAX_LEEWAY_SECS)
        .unwrap()
        .with_clock(Arc::new(f.clock.clone()));
    let t = token(&f);
    let exp = t.expires_at().as_secs();
    f.clock.set(UnixTime::from_secs(exp));
    block_on(strict.verify_and_consume(t.expose_secret(), &Expected::any_scope(), &store)).unwrap();
    f.clock.set(UnixTime::from_secs(exp + MAX_LEEWAY_SECS - 1));
    // Another consume makes the store purge whatever it considers expired.
    let _ = block_on(store.consume(
        TokenId::from_bytes(rand16()),
        UnixTime::from_secs(exp + 1000),
    ));
    let again =
        block_on(lenient.verify_and_consume(t.expose_secret(), &Expected::any_scope(), &store));
    assert_eq!(again.unwrap_err(), Error::Replayed);
}
