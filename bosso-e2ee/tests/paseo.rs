//! Paseo mode: the known-answer frame from the vectors file, the NaCl box vectors, leniency and
//! the refusals this implementation adds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bosso_e2ee::paseo::{self, HelloReplayGuard, PaseoChannel, PaseoLimits, Received};
use bosso_e2ee::{DaemonKeyPair, Error, PublicKey};
use common::{FixedRng, shared_vectors, unhex};

fn kat() -> serde_json::Value {
    shared_vectors("paseo/relay_e2ee_v2.json")["known_answer"].clone()
}

fn open_pair() -> (PaseoChannel, PaseoChannel, String) {
    let keys = DaemonKeyPair::generate();
    let hs = paseo::ClientHandshake::start(keys.public()).unwrap();
    let hello = hs.hello().to_owned();
    let (daemon, ready) = paseo::DaemonHandshake::new(&keys, &HelloReplayGuard::default())
        .read_hello(&hello)
        .unwrap();
    let client = hs.read_ready(&ready).unwrap();
    (client, daemon, hello)
}

#[test]
fn known_answer_frame_byte_for_byte() {
    let v = kat();
    let daemon = DaemonKeyPair::from_secret_bytes(
        &unhex(v["daemon_secret_hex"].as_str().unwrap())
            .try_into()
            .unwrap(),
    );
    assert_eq!(
        daemon.public().to_base64(),
        v["daemon_public_b64"].as_str().unwrap()
    );
    assert_eq!(
        unhex(v["client_secret_hex"].as_str().unwrap()),
        vec![2u8; 32]
    );
    let hs = paseo::ClientHandshake::start_with_rng(
        daemon.public(),
        PaseoLimits::default(),
        &mut FixedRng(2),
    )
    .unwrap();
    let expected_hello = format!(
        "{{\"type\":\"e2ee_hello\",\"key\":\"{}\"}}",
        v["client_public_b64"].as_str().unwrap()
    );
    assert_eq!(hs.hello(), expected_hello);
    let (mut d, ready) = paseo::DaemonHandshake::new(&daemon, &HelloReplayGuard::default())
        .read_hello(hs.hello())
        .unwrap();
    assert_eq!(ready, "{\"type\":\"e2ee_ready\"}");
    let mut c = hs.read_ready(&ready).unwrap();
    assert_eq!(unhex(v["nonce_hex"].as_str().unwrap()), vec![3u8; 24]);
    let plaintext = v["plaintext"].as_str().unwrap();
    let frame = c
        .seal_with_rng(plaintext.as_bytes(), &mut FixedRng(3))
        .unwrap();
    assert_eq!(frame, v["frame_text"].as_str().unwrap());
    assert_eq!(
        d.open(&frame).unwrap(),
        Received::Data(plaintext.as_bytes().to_vec())
    );
}

#[test]
fn nacl_box_vectors_open_through_the_daemon() {
    let v = shared_vectors("nacl/nacl_box_vectors.json");
    let keys = &v["keys"];
    // crypto_box_easy(msg, nonce, bob_pk, alice_sk): alice is the client, bob the daemon.
    let bob = DaemonKeyPair::from_secret_bytes(
        &unhex(keys["bob_sk"].as_str().unwrap()).try_into().unwrap(),
    );
    assert_eq!(
        bob.public().as_bytes().to_vec(),
        unhex(keys["bob_pk"].as_str().unwrap())
    );
    let alice_pk = PublicKey::from_slice(&unhex(keys["alice_pk"].as_str().unwrap())).unwrap();
    let hello = format!(
        "{{\"type\":\"e2ee_hello\",\"key\":\"{}\"}}",
        alice_pk.to_base64()
    );
    let (mut d, _) = paseo::DaemonHandshake::new(&bob, &HelloReplayGuard::default())
        .read_hello(&hello)
        .unwrap();
    let nonce = unhex(v["nonce_24"].as_str().unwrap());
    let boxed = unhex(v["crypto_box"]["box_easy_output_147"].as_str().unwrap());
    let mut frame = nonce.clone();
    frame.extend(&boxed);
    let msg = unhex(v["message_131"].as_str().unwrap());
    // The url-safe unpadded form is accepted too (Paseo's receive leniency).
    assert_eq!(
        d.open(&URL_SAFE_NO_PAD.encode(&frame)).unwrap(),
        Received::Data(msg.clone())
    );
    // A second and a third daemon (each with its own hello guard, as the same alice key is
    // reused) open the standard padded form, and a flipped bit fails.
    let (mut d2, _) = paseo::DaemonHandshake::new(&bob, &HelloReplayGuard::default())
        .read_hello(&hello)
        .unwrap();
    assert_eq!(
        d2.open(&STANDARD.encode(&frame)).unwrap(),
        Received::Data(msg)
    );
    let (mut d3, _) = paseo::DaemonHandshake::new(&bob, &HelloReplayGuard::default())
        .read_hello(&hello)
        .unwrap();
    frame[30] ^= 1;
    assert!(matches!(
        d3.open(&STANDARD.encode(&frame)),
        Err(Error::Authentication)
    ));
}

#[test]
fn nacl_small_order_key_refused() {
    let v = shared_vectors("nacl/nacl_box_vectors.json");
    let lo = PublicKey::from_slice(&unhex(
        v["negative"]["small_order_public_key"].as_str().unwrap(),
    ))
    .unwrap();
    let keys = DaemonKeyPair::generate();
    let hello = format!("{{\"type\":\"e2ee_hello\",\"key\":\"{}\"}}", lo.to_base64());
    assert!(matches!(
        paseo::DaemonHandshake::new(&keys, &HelloReplayGuard::default()).read_hello(&hello),
        Err(Error::WeakPublicKey)
    ));
    assert!(matches!(
        paseo::ClientHandshake::start(&lo),
        Err(Error::WeakPublicKey)
    ));
}

#[test]
fn round_trip_both_ways() {
    let (mut c, mut d, _) = open_pair();
    let f = c.seal(b"{\"type\":\"list\"}").unwrap();
    assert_eq!(
        d.open(&f).unwrap(),
        Received::Data(b"{\"type\":\"list\"}".to_vec())
    );
    let f = d.seal(&[0, 1, 2, 255]).unwrap();
    assert_eq!(c.open(&f).unwrap(), Received::Data(vec![0, 1, 2, 255]));
}

#[test]
fn first_message_must_be_a_valid_hello() {
    let keys = DaemonKeyPair::generate();
    for bad in [
        "{\"type\":\"ping\"}",
        "{\"type\":\"e2ee_hello\"}",
        "{\"type\":\"e2ee_hello\",\"key\":\"AAAA\"}",
        "{\"type\":\"e2ee_hello\",\"key\":\"!!notbase64!!\"}",
        "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMD",
        "",
    ] {
        assert!(
            paseo::DaemonHandshake::new(&keys, &HelloReplayGuard::default())
                .read_hello(bad)
                .is_err(),
            "{bad}"
        );
    }
}

#[test]
fn repeated_hello_same_key_gets_ready_different_key_is_refused() {
    let (_, mut d, hello) = open_pair();
    assert_eq!(
        d.open(&hello).unwrap(),
        Received::HelloAgain("{\"type\":\"e2ee_ready\"}".into())
    );
    let other =
        paseo::ClientHandshake::start(&DaemonKeyPair::generate().public().to_owned()).unwrap();
    assert!(matches!(
        d.open(other.hello()),
        Err(Error::HelloOnOpenChannel)
    ));
    assert!(d.is_closed());
}

#[test]
fn plaintext_json_on_open_channel_closes() {
    let (mut c, mut d, _) = open_pair();
    assert!(d.open("{\"type\":\"ping\"}").is_err());
    assert!(d.is_closed());
    assert_eq!(
        c.open("{\"type\":\"e2ee_ready\"}").unwrap(),
        Received::ReadyAgain
    );
    assert!(c.open("{\"type\":\"e2ee_hello\",\"key\":\"x\"}").is_err());
}

#[test]
fn duplicates_and_reflections_are_refused() {
    let (mut c, mut d, _) = open_pair();
    let f = c.seal(b"once").unwrap();
    assert!(matches!(d.open(&f), Ok(Received::Data(_))));
    assert!(!d.is_closed() && !c.is_closed());
    assert!(matches!(d.open(&f), Err(Error::DuplicateFrame)));
    assert!(d.is_closed());
    assert!(matches!(d.seal(b"late"), Err(Error::ChannelClosed)));
    // Reflection: the daemon's own frame sent back to it.
    let (_, mut d, _) = open_pair();
    let own = d.seal(b"mine").unwrap();
    assert!(matches!(d.open(&own), Err(Error::DuplicateFrame)));
}

/// Client and daemon channels whose daemon uses `limits`.
fn open_pair_with(limits: PaseoLimits) -> (PaseoChannel, PaseoChannel) {
    let keys = DaemonKeyPair::generate();
    let hs = paseo::ClientHandshake::start(keys.public()).unwrap();
    let (d, ready) = paseo::DaemonHandshake::new(&keys, &HelloReplayGuard::default())
        .with_limits(limits)
        .read_hello(hs.hello())
        .unwrap();
    (hs.read_ready(&ready).unwrap(), d)
}

#[test]
fn duplicate_window_is_bounded() {
    let window = paseo::MIN_DUPLICATE_WINDOW;
    let limits = PaseoLimits::new(1 << 10, window).unwrap();
    let (mut c, mut d) = open_pair_with(limits);
    let first = c.seal(b"first").unwrap();
    d.open(&first).unwrap();
    for i in 0..window - 1 {
        d.open(&c.seal(&i.to_le_bytes()).unwrap()).unwrap();
    }
    // `window` nonces seen, the first among them: still refused.
    let (mut c2, mut d2) = open_pair_with(limits);
    let first2 = c2.seal(b"first").unwrap();
    d2.open(&first2).unwrap();
    for i in 0..window - 1 {
        d2.open(&c2.seal(&i.to_le_bytes()).unwrap()).unwrap();
    }
    assert!(matches!(d2.open(&first2), Err(Error::DuplicateFrame)));
    // One more frame pushes the first out of the window: this is the documented limit of
    // paseo mode (no counters on the wire).
    d.open(&c.seal(b"last").unwrap()).unwrap();
    assert_eq!(d.open(&first).unwrap(), Received::Data(b"first".to_vec()));
}

#[test]
fn a_window_below_the_floor_cannot_be_built() {
    // Before PaseoLimits had a checked constructor, `duplicate_window: 0` switched the replay
    // and reflection refusal off: a replayed frame was delivered.
    for window in [
        0,
        1,
        paseo::MIN_DUPLICATE_WINDOW - 1,
        paseo::MAX_DUPLICATE_WINDOW + 1,
    ] {
        assert!(
            matches!(
                PaseoLimits::new(1 << 10, window),
                Err(Error::InvalidLimits(_))
            ),
            "{window}"
        );
    }
    let max = PaseoLimits::new(7, paseo::MAX_DUPLICATE_WINDOW).unwrap();
    assert_eq!((max.max_payload_len(), max.duplicate_window()), (7, 65_536));
    assert_eq!(PaseoLimits::default().duplicate_window(), 4096);
    // The smallest window that can be built still refuses a replay and a reflection.
    let (mut c, mut d) =
        open_pair_with(PaseoLimits::new(1 << 10, paseo::MIN_DUPLICATE_WINDOW).unwrap());
    let f = c.seal(b"once").unwrap();
    d.open(&f).unwrap();
    assert!(matches!(d.open(&f), Err(Error::DuplicateFrame)));
    let (mut c, _) =
        open_pair_with(PaseoLimits::new(1 << 10, paseo::MIN_DUPLICATE_WINDOW).unwrap());
    let own = c.seal(b"mine").unwrap();
    assert!(matches!(c.open(&own), Err(Error::DuplicateFrame)));
}

#[test]
fn invalid_base64_and_short_frames_are_refused() {
    for bad in [
        "AwMD AwMD",
        "AwMD\nAwMD",
        "AwMD*",
        "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMD=",
        "AAAA",
    ] {
        let (_, mut d, _) = open_pair();
        assert!(d.open(bad).is_err(), "{bad}");
    }
}

#[test]
fn size_limit_enforced_before_decoding() {
    let (mut c, mut d) = open_pair_with(PaseoLimits::new(10, 4096).unwrap());
    let f = c.seal(&[0; 100]).unwrap();
    assert!(matches!(d.open(&f), Err(Error::FrameTooLarge { .. })));
}

#[test]
fn debug_hides_keys() {
    let (c, d, _) = open_pair();
    for s in [format!("{c:?}"), format!("{d:?}")] {
        assert!(s.contains("redacted"), "{s}");
    }
}

/// A control message padded with JSON whitespace before its closing brace to `len` bytes: still
/// valid JSON with the same meaning, so only a size limit can refuse it.
fn padded(control: &str, len: usize) -> String {
    let body = control.strip_suffix('}').unwrap();
    format!("{body}{}}}", " ".repeat(len - control.len()))
}

#[test]
fn oversized_control_messages_are_refused_before_parsing() {
    let max = paseo::MAX_CONTROL_LEN;
    assert_eq!(max, 256);
    let keys = DaemonKeyPair::generate();
    let hs = paseo::ClientHandshake::start(keys.public()).unwrap();
    // First hello: one byte over the limit is refused, at the limit it is accepted.
    assert!(matches!(
        paseo::DaemonHandshake::new(&keys, &HelloReplayGuard::default())
            .read_hello(&padded(hs.hello(), max + 1)),
        Err(Error::FrameTooLarge { .. })
    ));
    assert!(matches!(
        paseo::DaemonHandshake::new(&keys, &HelloReplayGuard::default())
            .read_hello(&"[".repeat(1 << 20)),
        Err(Error::FrameTooLarge { .. })
    ));
    let (mut d, ready) = paseo::DaemonHandshake::new(&keys, &HelloReplayGuard::default())
        .read_hello(&padded(hs.hello(), max))
        .unwrap();
    // Ready on the client: same rule.
    let other = paseo::ClientHandshake::start(keys.public()).unwrap();
    assert!(matches!(
        other.read_ready(&padded(&ready, max + 1)),
        Err(Error::FrameTooLarge { .. })
    ));
    let mut c = hs.read_ready(&padded(&ready, max)).unwrap();
    // Data frames keep their own payload-based limit, far above the control limit.
    let f = c.seal(&[7; 1000]).unwrap();
    assert!(f.len() > max);
    assert_eq!(d.open(&f).unwrap(), Received::Data(vec![7; 1000]));
    // Repeated hello and ready on the open channels.
    assert!(matches!(
        c.open(&padded(paseo::READY_JSON, max)),
        Ok(Received::ReadyAgain)
    ));
    assert!(matches!(
        c.open(&padded(paseo::READY_JSON, max + 1)),
        Err(Error::FrameTooLarge { .. })
    ));
    assert!(c.is_closed());
    let (_, mut d2, hello) = open_pair();
    assert!(matches!(
        d2.open(&padded(&hello, max)),
        Ok(Received::HelloAgain(_))
    ));
    assert!(matches!(
        d2.open(&padded(&hello, max + 1)),
        Err(Error::FrameTooLarge { .. })
    ));
    assert!(d2.is_closed());
}

#[test]
fn recorded_session_replayed_on_a_fresh_connection_is_refused() {
    // One daemon: one key pair and one hello guard shared by all its connections.
    let keys = DaemonKeyPair::generate();
    let guard = HelloReplayGuard::default();
    let hs = paseo::ClientHandshake::start(keys.public()).unwrap();
    let hello = hs.hello().to_owned();
    let (mut d, ready) = paseo::DaemonHandshake::new(&keys, &guard)
        .read_hello(&hello)
        .unwrap();
    let mut c = hs.read_ready(&ready).unwrap();
    // The relay records the hello and the client's frames.
    let recorded: Vec<String> = ["{\"cmd\":\"delete\"}", "{\"cmd\":\"push\"}"]
        .iter()
        .map(|m| c.seal(m.as_bytes()).unwrap())
        .collect();
    for f in &recorded {
        assert!(matches!(d.open(f), Ok(Received::Data(_))));
    }
    // Replayed on a fresh connection to the same daemon: the hello is refused, so no channel
    // exists to open the recorded frames on.
    assert!(matches!(
        paseo::DaemonHandshake::new(&keys, &guard).read_hello(&hello),
        Err(Error::HelloReplayed)
    ));
    // Also when the relay re-encodes the key (url-safe, unpadded): the guard keys on the bytes.
    let key_b64 = hello.split('"').nth(7).unwrap();
    let reencoded = hello.replace(
        key_b64,
        &URL_SAFE_NO_PAD.encode(STANDARD.decode(key_b64).unwrap()),
    );
    assert_ne!(reencoded, hello);
    assert!(matches!(
        paseo::DaemonHandshake::new(&keys, &guard).read_hello(&reencoded),
        Err(Error::HelloReplayed)
    ));
    // What the guard prevents: a daemon that forgot the key (a restart, or no shared guard)
    // opens the whole recorded session again. This is the documented remaining bound.
    let (mut forgetful, _) = paseo::DaemonHandshake::new(&keys, &HelloReplayGuard::default())
        .read_hello(&hello)
        .unwrap();
    for f in &recorded {
        assert!(matches!(forgetful.open(f), Ok(Received::Data(_))));
    }
    // A new client (Paseo draws a fresh key per connection) still connects.
    let next = paseo::ClientHandshake::start(keys.public()).unwrap();
    paseo::DaemonHandshake::new(&keys, &guard)
        .read_hello(next.hello())
        .unwrap();
    // Refused hellos are never remembered: garbage and low-order keys do not fill the guard.
    assert_eq!(guard.len(), 2);
    let _ = paseo::DaemonHandshake::new(&keys, &guard).read_hello("{\"type\":\"ping\"}");
    assert_eq!(guard.len(), 2);
}

#[test]
fn one_hello_raced_on_concurrent_connections_opens_once() {
    let keys = std::sync::Arc::new(DaemonKeyPair::generate());
    let guard = std::sync::Arc::new(HelloReplayGuard::default());
    let hello = paseo::ClientHandshake::start(keys.public())
        .unwrap()
        .hello()
        .to_owned();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (keys, guard, hello) = (keys.clone(), guard.clone(), hello.clone());
            std::thread::spawn(move || {
                paseo::DaemonHandshake::new(&keys, &guard)
                    .read_hello(&hello)
                    .is_ok()
            })
        })
        .collect();
    let opened = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(opened, 1);
}
