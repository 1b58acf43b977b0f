//! Secure mode: handshake typestates, refusal cases and property tests over interleavings,
//! tampering, replay, reorder, drop, truncation and reflection.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use bosso_e2ee::{
    Channel, ClientHandshake, DaemonHandshake, DaemonKeyPair, Error, Limits, MAX_PAYLOAD_LEN,
};
use proptest::prelude::*;

fn pair_with(limits: Limits) -> (Channel, Channel) {
    let keys = DaemonKeyPair::generate();
    let (hs, hello) =
        ClientHandshake::start_with(keys.public(), limits, &mut rand_core::OsRng).unwrap();
    let (pending, ready) = DaemonHandshake::new(&keys)
        .with_limits(limits)
        .respond(&hello)
        .unwrap();
    let (client, confirm) = hs.read_ready(&ready).unwrap();
    let daemon = pending.read_confirm(&confirm).unwrap();
    (client, daemon)
}

fn pair() -> (Channel, Channel) {
    pair_with(Limits::default())
}

#[test]
fn round_trip_both_ways_and_binding_matches() {
    let (mut c, mut d) = pair();
    assert_eq!(c.channel_binding(), d.channel_binding());
    let f = c.seal(b"to daemon").unwrap();
    assert_eq!(d.open(&f).unwrap(), b"to daemon");
    let f = d.seal(b"to client").unwrap();
    assert_eq!(c.open(&f).unwrap(), b"to client");
}

#[test]
fn distinct_sessions_have_distinct_bindings_and_keys() {
    let (mut c1, _d1) = pair();
    let (_c2, mut d2) = pair();
    assert_ne!(c1.channel_binding(), d2.channel_binding());
    let f = c1.seal(b"x").unwrap();
    assert!(matches!(d2.open(&f), Err(Error::Authentication)));
}

#[test]
fn hello_on_open_channel_is_refused_and_closes() {
    let keys = DaemonKeyPair::generate();
    let (hs, hello) = ClientHandshake::start(keys.public()).unwrap();
    let (pending, ready) = DaemonHandshake::new(&keys).respond(&hello).unwrap();
    // A second hello while waiting for confirmation is refused.
    let (_, hello2) = ClientHandshake::start(keys.public()).unwrap();
    let (_, confirm) = hs.read_ready(&ready).unwrap();
    let pending2 = DaemonHandshake::new(&keys).respond(&hello).unwrap().0;
    assert!(matches!(
        pending2.read_confirm(&hello2),
        Err(Error::HelloOnOpenChannel)
    ));
    let mut d = pending.read_confirm(&confirm).unwrap();
    assert!(matches!(d.open(&hello2), Err(Error::HelloOnOpenChannel)));
    assert!(d.is_closed());
    assert!(matches!(d.seal(b"x"), Err(Error::ChannelClosed)));
}

#[test]
fn ready_and_data_are_refused_where_they_do_not_belong() {
    let keys = DaemonKeyPair::generate();
    let (hs, hello) = ClientHandshake::start(keys.public()).unwrap();
    // Hello where ready is expected.
    assert!(matches!(
        hs.read_ready(&hello),
        Err(Error::UnexpectedFrame(_))
    ));
    // Ready where hello is expected.
    let (_, hello) = ClientHandshake::start(keys.public()).unwrap();
    let (_, ready) = DaemonHandshake::new(&keys).respond(&hello).unwrap();
    assert!(matches!(
        DaemonHandshake::new(&keys).respond(&ready),
        Err(Error::UnexpectedFrame(_))
    ));
    // A ready replayed on an open channel.
    let (mut c, _d) = pair();
    assert!(matches!(c.open(&ready), Err(Error::UnexpectedFrame(_))));
}

#[test]
fn daemon_requires_key_confirmation_not_application_data() {
    let keys = DaemonKeyPair::generate();
    let (hs, hello) = ClientHandshake::start(keys.public()).unwrap();
    let (pending, ready) = DaemonHandshake::new(&keys).respond(&hello).unwrap();
    let (mut c, _confirm) = hs.read_ready(&ready).unwrap();
    // Skipping the confirm: the first application record (counter 1) is refused.
    let app = c.seal(b"early").unwrap();
    assert!(pending.read_confirm(&app).is_err());
}

#[test]
fn unknown_version_is_refused() {
    let keys = DaemonKeyPair::generate();
    let (_, mut hello) = ClientHandshake::start(keys.public()).unwrap();
    hello[0] = 2;
    assert!(matches!(
        DaemonHandshake::new(&keys).respond(&hello),
        Err(Error::UnsupportedVersion)
    ));
    let (mut c, mut d) = pair();
    let mut f = c.seal(b"x").unwrap();
    f[0] = 0;
    assert!(matches!(d.open(&f), Err(Error::UnsupportedVersion)));
}

#[test]
fn hello_for_another_daemon_fails_authentication() {
    let a = DaemonKeyPair::generate();
    let b = DaemonKeyPair::generate();
    let (_, hello) = ClientHandshake::start(a.public()).unwrap();
    assert!(matches!(
        DaemonHandshake::new(&b).respond(&hello),
        Err(Error::Authentication)
    ));
}

#[test]
fn impostor_ready_fails_authentication() {
    // A relay answering with its own ephemeral key cannot produce the tag without the static key.
    let real = DaemonKeyPair::generate();
    let impostor = DaemonKeyPair::generate();
    let (hs, hello) = ClientHandshake::start(real.public()).unwrap();
    let (_, hello_for_impostor) = ClientHandshake::start(impostor.public()).unwrap();
    let (_, forged_ready) = DaemonHandshake::new(&impostor)
        .respond(&hello_for_impostor)
        .unwrap();
    let _ = hello;
    assert!(matches!(
        hs.read_ready(&forged_ready),
        Err(Error::Authentication)
    ));
}

/// Low-order points (RFC 7748 / libsodium blocklist) and zero are refused as peer keys.
const LOW_ORDER: &[&str] = &[
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

#[test]
fn low_order_keys_are_refused() {
    let keys = DaemonKeyPair::generate();
    for lo in LOW_ORDER {
        let lo = common::unhex(lo);
        let pk = bosso_e2ee::PublicKey::from_slice(&lo).unwrap();
        assert!(matches!(
            ClientHandshake::start(&pk),
            Err(Error::WeakPublicKey)
        ));
        let mut hello = vec![1, 1];
        hello.extend_from_slice(&lo);
        hello.extend_from_slice(&[0; 16]);
        assert!(matches!(
            DaemonHandshake::new(&keys).respond(&hello),
            Err(Error::WeakPublicKey)
        ));
    }
}

#[test]
fn forward_secrecy_static_key_alone_cannot_open_recorded_session() {
    // The attacker records a session and later steals the daemon's static key. Replaying the
    // recorded hello to a daemon built from the stolen key yields a fresh ephemeral, so the
    // recorded confirmation and frames do not open.
    let keys = DaemonKeyPair::generate();
    let (hs, hello) = ClientHandshake::start(keys.public()).unwrap();
    let (pending, ready) = DaemonHandshake::new(&keys).respond(&hello).unwrap();
    let (mut c, confirm) = hs.read_ready(&ready).unwrap();
    let _d = pending.read_confirm(&confirm).unwrap();
    let recorded = c.seal(b"secret work").unwrap();
    let stolen = keys.clone();
    let (replayed, _) = DaemonHandshake::new(&stolen).respond(&hello).unwrap();
    assert!(replayed.read_confirm(&confirm).is_err());
    let (replayed, _) = DaemonHandshake::new(&stolen).respond(&hello).unwrap();
    assert!(replayed.read_confirm(&recorded).is_err());
}

#[test]
fn frame_size_limits() {
    let (mut c, mut d) = pair();
    assert!(matches!(
        c.seal(&vec![0; MAX_PAYLOAD_LEN + 1]),
        Err(Error::FrameTooLarge { .. })
    ));
    let f = c.seal(&vec![7; MAX_PAYLOAD_LEN]).unwrap();
    assert_eq!(f.len(), 65535 + 2);
    assert_eq!(d.open(&f).unwrap().len(), MAX_PAYLOAD_LEN);
    // A receiver with a smaller policy refuses a larger frame before decrypting it.
    let small = Limits::new(100, 1 << 16, 1 << 30).unwrap();
    let (mut c, _) = pair();
    let (_, mut d) = pair_with(small);
    let f = c.seal(&[0; 101]).unwrap();
    assert!(matches!(d.open(&f), Err(Error::FrameTooLarge { .. })));
}

#[test]
fn authenticated_close_ends_stream() {
    let (mut c, mut d) = pair();
    assert!(!d.is_closed() && !c.is_closed());
    let f = d.seal_close().unwrap();
    assert!(d.is_closed());
    assert!(!c.is_closed());
    assert!(matches!(c.open(&f), Err(Error::ClosedByPeer)));
    assert!(c.is_closed());
    assert!(matches!(c.open(&f), Err(Error::ChannelClosed)));
}

#[test]
fn is_closed_is_false_while_frames_flow_and_true_after_a_failure() {
    let (mut c, mut d) = pair();
    assert!(!c.is_closed() && !d.is_closed());
    for _ in 0..3 {
        let f = c.seal(b"x").unwrap();
        d.open(&f).unwrap();
        let f = d.seal(b"y").unwrap();
        c.open(&f).unwrap();
    }
    assert!(!c.is_closed() && !d.is_closed());
    // A refused frame closes the receiving end only.
    let mut f = c.seal(b"z").unwrap();
    f[5] ^= 1;
    assert!(d.open(&f).is_err());
    assert!(d.is_closed());
    assert!(!c.is_closed());
    assert!(matches!(d.seal(b"late"), Err(Error::ChannelClosed)));
}

#[test]
fn rekey_keeps_both_ends_in_step() {
    let limits = Limits::new(MAX_PAYLOAD_LEN, 2, 300).unwrap();
    let (mut c, mut d) = pair_with(limits);
    for i in 0..50usize {
        let msg = vec![u8::try_from(i).unwrap(); i * 7];
        let f = c.seal(&msg).unwrap();
        assert_eq!(d.open(&f).unwrap(), msg);
        let f = d.seal(&msg).unwrap();
        assert_eq!(c.open(&f).unwrap(), msg);
    }
    // Ends with different rekey bounds diverge: the bound is part of the protocol, and the
    // first record after the client's (unmatched) rekey fails.
    let keys = DaemonKeyPair::generate();
    let (hs, hello) =
        ClientHandshake::start_with(keys.public(), limits, &mut rand_core::OsRng).unwrap();
    let (pending, ready) = DaemonHandshake::new(&keys).respond(&hello).unwrap();
    let (mut c, confirm) = hs.read_ready(&ready).unwrap();
    let mut d = pending.read_confirm(&confirm).unwrap();
    // Confirm was record 1; record 2 triggers the client's rekey; record 3 uses the new key.
    d.open(&c.seal(b"a").unwrap()).unwrap();
    assert!(matches!(
        d.open(&c.seal(b"b").unwrap()),
        Err(Error::Authentication)
    ));
}

#[test]
fn debug_never_shows_keys() {
    let keys = DaemonKeyPair::from_secret_bytes(&[0x42; 32]);
    let (hs, hello) = ClientHandshake::start(keys.public()).unwrap();
    assert!(format!("{hs:?}").contains("redacted"));
    let (pending, ready) = DaemonHandshake::new(&keys).respond(&hello).unwrap();
    let (c, confirm) = hs.read_ready(&ready).unwrap();
    let d = pending.read_confirm(&confirm).unwrap();
    for s in [format!("{keys:?}"), format!("{c:?}"), format!("{d:?}")] {
        assert!(s.contains("redacted"), "{s}");
        assert!(!s.contains("42, 42"), "{s}");
        assert!(!s.contains(&common::hex(&[0x42; 32])), "{s}");
    }
}

/// One step of a scenario: who sends, and the payload length.
#[derive(Debug, Clone)]
struct Step {
    from_client: bool,
    len: usize,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (any::<bool>(), 0usize..300).prop_map(|(from_client, len)| Step { from_client, len }),
        1..40,
    )
}

/// (frame, plaintext) pairs in sealing order.
type Sent = Vec<(Vec<u8>, Vec<u8>)>;

/// Seals all steps, returning (client->daemon frames, daemon->client frames, plaintexts).
fn run(c: &mut Channel, d: &mut Channel, steps: &[Step]) -> (Sent, Sent) {
    let (mut c2d, mut d2c) = (Vec::new(), Vec::new());
    for (i, s) in steps.iter().enumerate() {
        let msg: Vec<u8> = (0..s.len)
            .map(|j| u8::try_from((i * 31 + j) % 251).unwrap())
            .collect();
        if s.from_client {
            c2d.push((c.seal(&msg).unwrap(), msg));
        } else {
            d2c.push((d.seal(&msg).unwrap(), msg));
        }
    }
    (c2d, d2c)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any interleaving of sends in both directions, delivered in order, arrives intact (with a
    /// small rekey interval so rekeys happen mid-scenario).
    #[test]
    fn interleavings_deliver_in_order(steps in steps(), every in 1u64..6) {
        let limits = Limits::new(MAX_PAYLOAD_LEN, every, 1 << 30).unwrap();
        let (mut c, mut d) = pair_with(limits);
        // Deliver each frame right after it is sealed, alternating directions as scheduled.
        for (i, s) in steps.iter().enumerate() {
            let msg = vec![u8::try_from(i % 256).unwrap(); s.len];
            if s.from_client {
                let f = c.seal(&msg).unwrap();
                prop_assert_eq!(d.open(&f).unwrap(), msg);
            } else {
                let f = d.seal(&msg).unwrap();
                prop_assert_eq!(c.open(&f).unwrap(), msg);
            }
        }
        // And batched: all sealed first, then each side drains its queue.
        let (c2d, d2c) = run(&mut c, &mut d, &steps);
        for (f, m) in c2d { prop_assert_eq!(d.open(&f).unwrap(), m); }
        for (f, m) in d2c { prop_assert_eq!(c.open(&f).unwrap(), m); }
    }

    /// Flipping any bit of any frame, in either direction, is detected and closes the channel.
    #[test]
    fn tampering_is_rejected(
        steps in steps(),
        pick in any::<prop::sample::Index>(),
        bit in 0usize..8,
        pos in any::<prop::sample::Index>(),
        to_daemon in any::<bool>(),
    ) {
        let (mut c, mut d) = pair();
        let (c2d, d2c) = run(&mut c, &mut d, &steps);
        let (frames, receiver) = if to_daemon { (c2d, &mut d) } else { (d2c, &mut c) };
        prop_assume!(!frames.is_empty());
        let k = pick.index(frames.len());
        for (f, m) in &frames[..k] {
            prop_assert_eq!(&receiver.open(f).unwrap(), m);
        }
        let mut bad = frames[k].0.clone();
        let p = pos.index(bad.len());
        bad[p] ^= 1 << bit;
        prop_assert!(receiver.open(&bad).is_err());
        prop_assert!(receiver.is_closed());
        prop_assert!(matches!(receiver.open(&frames[k].0), Err(Error::ChannelClosed)));
    }

    /// Truncating a frame (any length short of the whole) is rejected.
    #[test]
    fn truncation_is_rejected(len in 0usize..200, cut in any::<prop::sample::Index>()) {
        let (mut c, mut d) = pair();
        let f = c.seal(&vec![1; len]).unwrap();
        let cut = cut.index(f.len());
        prop_assert!(d.open(&f[..cut]).is_err());
    }

    /// Replay of any earlier frame, reordering of two frames, or dropping one frame and
    /// resuming are all rejected.
    #[test]
    fn replay_reorder_and_drop_are_rejected(n in 2usize..12, a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>(), mode in 0u8..3) {
        let (mut c, mut d) = pair();
        let frames: Vec<_> = (0..n).map(|i| c.seal(&[u8::try_from(i).unwrap(); 5]).unwrap()).collect();
        let i = a.index(n - 1);
        for f in &frames[..=i] { d.open(f).unwrap(); }
        let bad = match mode {
            0 => frames[b.index(i + 1)].clone(),            // replay of a delivered frame
            1 => frames[(i + 2).min(n - 1)].clone(),        // skip ahead: drop or reorder
            _ => frames[n - 1].clone(),                     // the last one, out of turn
        };
        if mode != 0 && (i + 1 == n - 1) && bad == frames[i + 1] {
            // Nothing was skipped in this draw: it is the legitimate next frame.
            prop_assert!(d.open(&bad).is_ok());
        } else {
            prop_assert!(d.open(&bad).is_err());
            prop_assert!(d.is_closed());
        }
    }

    /// A frame sent back to its sender (reflection) never opens: keys are per direction.
    #[test]
    fn reflection_is_rejected(len in 0usize..100, from_client in any::<bool>()) {
        let (mut c, mut d) = pair();
        let (s, r) = if from_client { (&mut c, &mut d) } else { (&mut d, &mut c) };
        let f = s.seal(&vec![9; len]).unwrap();
        prop_assert!(matches!(s.open(&f), Err(Error::Authentication)));
        // The intended receiver still accepts it.
        prop_assert_eq!(r.open(&f).unwrap(), vec![9; len]);
    }
}

#[test]
fn open_in_place_matches_open_and_refuses_the_same_frames() {
    let (mut c, mut d) = pair();
    let mut f = c.seal(b"in place").unwrap();
    let replay = f.clone();
    assert_eq!(d.open_in_place(&mut f).unwrap(), b"in place");
    let mut r = replay.clone();
    assert!(matches!(
        d.open_in_place(&mut r),
        Err(Error::Authentication)
    ));
    assert!(d.is_closed());
    let (mut c, mut d) = pair();
    let mut f = c.seal_close().unwrap();
    assert!(matches!(d.open_in_place(&mut f), Err(Error::ClosedByPeer)));
}

#[test]
fn limits_above_noise_maximum_are_refused() {
    // A payload limit above Noise's maximum would produce frames Noise forbids.
    let err = Limits::new(MAX_PAYLOAD_LEN + 1, 1 << 16, 1 << 30).unwrap_err();
    assert!(matches!(err, Error::InvalidLimits(_)), "{err}");
    // usize::MAX made `max_payload_len + 1 + TAG_LEN` overflow (a panic in `open`).
    let err = Limits::new(usize::MAX, 1 << 16, 1 << 30).unwrap_err();
    assert!(matches!(err, Error::InvalidLimits(_)), "{err}");
    // The largest valid limit still refuses more than Noise allows, on both sides.
    let max = Limits::new(MAX_PAYLOAD_LEN, 1 << 16, 1 << 30).unwrap();
    assert_eq!(max, Limits::default());
    let (mut c, mut d) = pair_with(max);
    assert!(matches!(
        c.seal(&vec![0; MAX_PAYLOAD_LEN + 1]),
        Err(Error::FrameTooLarge { .. })
    ));
    let mut f = c.seal(&vec![0; MAX_PAYLOAD_LEN]).unwrap();
    f.push(0);
    assert!(matches!(d.open(&f), Err(Error::FrameTooLarge { .. })));
}

#[test]
fn zero_rekey_bounds_are_refused() {
    for (messages, bytes) in [(0, 1 << 30), (1 << 16, 0), (0, 0)] {
        let err = Limits::new(MAX_PAYLOAD_LEN, messages, bytes).unwrap_err();
        assert!(
            matches!(err, Error::InvalidLimits(_)),
            "{messages} {bytes}: {err}"
        );
    }
    let one = Limits::new(0, 1, 1).unwrap();
    assert_eq!(
        (
            one.max_payload_len(),
            one.rekey_after_messages(),
            one.rekey_after_bytes()
        ),
        (0, 1, 1)
    );
    // The smallest valid bounds work (rekey after every record) and an empty payload is allowed.
    let (mut c, mut d) = pair_with(one);
    for _ in 0..3 {
        let f = c.seal(&[]).unwrap();
        assert_eq!(d.open(&f).unwrap(), b"");
    }
    assert!(matches!(c.seal(b"x"), Err(Error::FrameTooLarge { .. })));
}
