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
use bosso_e2ee::paseo::{self, PaseoChannel, PaseoLimits, Received};
use bosso_e2ee::{DaemonKeyPair, Error, PublicKey};
use common::{FixedRng, shared_vectors, unhex};

fn kat() -> serde_json::Value {
    shared_vectors("paseo/relay_e2ee_v2.json")["known_answer"].clone()
}

fn open_pair() -> (PaseoChannel, PaseoChannel, String) {
    let keys = DaemonKeyPair::generate();
    let hs = paseo::ClientHandshake::start(keys.public()).unwrap();
    let hello = hs.hello().to_owned();
    let (daemon, ready) = paseo::DaemonHandshake::new(&keys)
        .read_hello(&hello)
        .unwrap();
    let client = hs.read_ready(&ready).unwrap();
    (client, daemon, hello)
}

#[test]
fn known_answer_frame_byte_for_byte() {
    let v = kat();
    let daemon = DaemonKeyPair::from_secret_bytes(
        unhex(v["daemon_secret_hex"].as_str().unwrap())
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
    let (mut d, ready) = paseo::DaemonHandshake::new(&daemon)
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
        unhex(keys["bob_sk"].as_str().unwrap()).try_into().unwrap(),
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
    let (mut d, _) = paseo::DaemonHandshake::new(&bob)
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
    // A second daemon channel opens the standard padded form, and a flipped bit fails.
    let (mut d2, _) = paseo::DaemonHandshake::new(&bob)
        .read_hello(&hello)
        .unwrap();
    assert_eq!(
        d2.open(&STANDARD.encode(&frame)).unwrap(),
        Received::Data(msg)
    );
    let (mut d3, _) = paseo::DaemonHandshake::new(&bob)
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
        paseo::DaemonHandshake::new(&keys).read_hello(&hello),
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
            paseo::DaemonHandshake::new(&keys).read_hello(bad).is_err(),
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
    assert!(matches!(d.open(&f), Err(Error::DuplicateFrame)));
    // Reflection: the daemon's own frame sent back to it.
    let (_, mut d, _) = open_pair();
    let own = d.seal(b"mine").unwrap();
    assert!(matches!(d.open(&own), Err(Error::DuplicateFrame)));
}

#[test]
fn duplicate_window_is_bounded() {
    let keys = DaemonKeyPair::generate();
    let limits = PaseoLimits {
        duplicate_window: 2,
        ..PaseoLimits::default()
    };
    let hs = paseo::ClientHandshake::start(keys.public()).unwrap();
    let (mut d, ready) = paseo::DaemonHandshake::new(&keys)
        .with_limits(limits)
        .read_hello(hs.hello())
        .unwrap();
    let mut c = hs.read_ready(&ready).unwrap();
    let first = c.seal(b"1").unwrap();
    d.open(&first).unwrap();
    d.open(&c.seal(b"2").unwrap()).unwrap();
    d.open(&c.seal(b"3").unwrap()).unwrap();
    // Out of the window: this is the documented limit of paseo mode (no counters on the wire).
    assert_eq!(d.open(&first).unwrap(), Received::Data(b"1".to_vec()));
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
    let keys = DaemonKeyPair::generate();
    let limits = PaseoLimits {
        max_payload_len: 10,
        ..PaseoLimits::default()
    };
    let hs = paseo::ClientHandshake::start(keys.public()).unwrap();
    let (mut d, ready) = paseo::DaemonHandshake::new(&keys)
        .with_limits(limits)
        .read_hello(hs.hello())
        .unwrap();
    let mut c = hs.read_ready(&ready).unwrap();
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
        paseo::DaemonHandshake::new(&keys).read_hello(&padded(hs.hello(), max + 1)),
        Err(Error::FrameTooLarge { .. })
    ));
    assert!(matches!(
        paseo::DaemonHandshake::new(&keys).read_hello(&"[".repeat(1 << 20)),
        Err(Error::FrameTooLarge { .. })
    ));
    let (mut d, ready) = paseo::DaemonHandshake::new(&keys)
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
