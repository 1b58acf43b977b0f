//! Secure-mode test vectors (`vectors/secure_v1.json`): our implementation must produce them,
//! and `snow` (an independent Noise implementation) must produce the same bytes. The JS reference
//! client checks the same file (see `tests/node_interop.rs`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use bosso_e2ee::{ClientHandshake, DaemonHandshake, DaemonKeyPair, Limits};
use common::{FixedRng, hex, own_vectors, unhex};
use serde_json::json;

const DAEMON_STATIC: u8 = 0x01;
const CLIENT_EPHEMERAL: u8 = 0x02;
const DAEMON_EPHEMERAL: u8 = 0x03;
const REKEY_EVERY: u64 = 3;

/// Messages after the confirm: (direction, plaintext).
const MESSAGES: &[(&str, &str)] = &[
    ("c2d", "hello daemon"),
    ("d2c", "hello client"),
    ("c2d", ""),
    ("c2d", "{\"type\":\"run\",\"cmd\":\"cargo test\"}"),
    ("d2c", "ok"),
];

/// Runs our implementation with the fixed keys and returns the vector document.
fn compute(limits: Limits) -> serde_json::Value {
    let daemon = DaemonKeyPair::from_secret_bytes(&[DAEMON_STATIC; 32]);
    let (hs, hello) =
        ClientHandshake::start_with(daemon.public(), limits, &mut FixedRng(CLIENT_EPHEMERAL))
            .unwrap();
    let (pending, ready) = DaemonHandshake::new(&daemon)
        .with_limits(limits)
        .respond_with_rng(&hello, &mut FixedRng(DAEMON_EPHEMERAL))
        .unwrap();
    let (mut client, confirm) = hs.read_ready(&ready).unwrap();
    let mut d = pending.read_confirm(&confirm).unwrap();
    assert_eq!(client.channel_binding(), d.channel_binding());
    let mut frames = Vec::new();
    // Enough messages to cross several rekeys when REKEY_EVERY is in force.
    for round in 0..3 {
        for (dir, text) in MESSAGES {
            let text = format!(
                "{text}{}",
                if round > 0 {
                    round.to_string()
                } else {
                    String::new()
                }
            );
            let frame = if *dir == "c2d" {
                let f = client.seal(text.as_bytes()).unwrap();
                assert_eq!(d.open(&f).unwrap(), text.as_bytes());
                f
            } else {
                let f = d.seal(text.as_bytes()).unwrap();
                assert_eq!(client.open(&f).unwrap(), text.as_bytes());
                f
            };
            frames.push(json!({"dir": dir, "plaintext_hex": hex(text.as_bytes()), "frame_hex": hex(&frame)}));
        }
    }
    let close = client.seal_close().unwrap();
    assert!(matches!(
        d.open(&close),
        Err(bosso_e2ee::Error::ClosedByPeer)
    ));
    json!({
        "rekey_after_messages": limits.rekey_after_messages(),
        "hello_hex": hex(&hello),
        "ready_hex": hex(&ready),
        "handshake_hash_hex": hex(client.channel_binding().as_bytes()),
        "confirm_hex": hex(&confirm),
        "messages": frames,
        "close_c2d_hex": hex(&close),
    })
}

fn document() -> serde_json::Value {
    let daemon = DaemonKeyPair::from_secret_bytes(&[DAEMON_STATIC; 32]);
    let rekey = Limits::new(bosso_e2ee::MAX_PAYLOAD_LEN, REKEY_EVERY, 1 << 30).unwrap();
    json!({
        "what": "bosso-e2ee secure mode v1 test vectors (SPEC.md). Checked by snow (tests/secure_vectors.rs) and by the JS reference client (js/check_vectors.mjs), which also recomputes the daemon key fingerprint.",
        "protocol_name": String::from_utf8(bosso_e2ee::PROTOCOL_NAME.to_vec()).unwrap(),
        "prologue": String::from_utf8(bosso_e2ee::PROLOGUE.to_vec()).unwrap(),
        "daemon_static_secret_hex": hex(&[DAEMON_STATIC; 32]),
        "daemon_static_public_hex": hex(daemon.public().as_bytes()),
        "daemon_static_fingerprint": daemon.public().fingerprint(),
        "client_ephemeral_secret_hex": hex(&[CLIENT_EPHEMERAL; 32]),
        "daemon_ephemeral_secret_hex": hex(&[DAEMON_EPHEMERAL; 32]),
        "default_limits": compute(Limits::default()),
        "small_rekey_interval": compute(rekey),
    })
}

#[test]
fn our_implementation_reproduces_the_committed_vectors() {
    let doc = document();
    if std::env::var("BOSSO_E2EE_WRITE_VECTORS").is_ok() {
        let path = format!("{}/vectors/secure_v1.json", env!("CARGO_MANIFEST_DIR"));
        std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    }
    assert_eq!(doc, own_vectors());
}

/// snow, configured with the same fixed keys, must produce every byte of the vectors.
fn check_with_snow(section: &serde_json::Value, v: &serde_json::Value) {
    let params: snow::params::NoiseParams = v["protocol_name"].as_str().unwrap().parse().unwrap();
    let prologue = v["prologue"].as_str().unwrap().as_bytes().to_vec();
    let daemon_secret = unhex(v["daemon_static_secret_hex"].as_str().unwrap());
    let daemon_public = unhex(v["daemon_static_public_hex"].as_str().unwrap());
    let ce = unhex(v["client_ephemeral_secret_hex"].as_str().unwrap());
    let de = unhex(v["daemon_ephemeral_secret_hex"].as_str().unwrap());
    let mut init = snow::Builder::new(params.clone())
        .prologue(&prologue)
        .remote_public_key(&daemon_public)
        .fixed_ephemeral_key_for_testing_only(&ce)
        .build_initiator()
        .unwrap();
    let mut resp = snow::Builder::new(params)
        .prologue(&prologue)
        .local_private_key(&daemon_secret)
        .fixed_ephemeral_key_for_testing_only(&de)
        .build_responder()
        .unwrap();
    let mut buf = vec![0u8; 70000];
    let mut out = vec![0u8; 70000];
    let n = init.write_message(&[], &mut buf).unwrap();
    let hello = unhex(section["hello_hex"].as_str().unwrap());
    assert_eq!(&hello[..2], &[1, 1]);
    assert_eq!(hex(&buf[..n]), hex(&hello[2..]), "hello");
    resp.read_message(&buf[..n], &mut out).unwrap();
    let n = resp.write_message(&[], &mut buf).unwrap();
    let ready = unhex(section["ready_hex"].as_str().unwrap());
    assert_eq!(&ready[..2], &[1, 2]);
    assert_eq!(hex(&buf[..n]), hex(&ready[2..]), "ready");
    init.read_message(&buf[..n], &mut out).unwrap();
    assert_eq!(
        hex(init.get_handshake_hash()),
        section["handshake_hash_hex"].as_str().unwrap()
    );
    let mut init = init.into_transport_mode().unwrap();
    let mut resp = resp.into_transport_mode().unwrap();
    let every = section["rekey_after_messages"].as_u64().unwrap();
    let (mut sent_c2d, mut sent_d2c) = (0u64, 0u64);

    // Record = plaintext || record type; frame = [1, 3] || snow transport message.
    let mut check = |init: &mut snow::TransportState,
                     resp: &mut snow::TransportState,
                     dir: &str,
                     record: Vec<u8>,
                     frame_hex: &str| {
        let frame = unhex(frame_hex);
        assert_eq!(&frame[..2], &[1, 3]);
        let (sender, receiver, counter) = if dir == "c2d" {
            (init, resp, &mut sent_c2d)
        } else {
            (resp, init, &mut sent_d2c)
        };
        let n = sender.write_message(&record, &mut buf).unwrap();
        assert_eq!(hex(&buf[..n]), hex(&frame[2..]), "{dir} frame");
        let m = receiver.read_message(&frame[2..], &mut out).unwrap();
        assert_eq!(&out[..m], &record[..]);
        *counter += 1;
        if (*counter).is_multiple_of(every) {
            sender.rekey_outgoing();
            receiver.rekey_incoming();
        }
    };
    check(
        &mut init,
        &mut resp,
        "c2d",
        vec![2],
        section["confirm_hex"].as_str().unwrap(),
    );
    for m in section["messages"].as_array().unwrap() {
        let mut record = unhex(m["plaintext_hex"].as_str().unwrap());
        record.push(1);
        check(
            &mut init,
            &mut resp,
            m["dir"].as_str().unwrap(),
            record,
            m["frame_hex"].as_str().unwrap(),
        );
    }
    check(
        &mut init,
        &mut resp,
        "c2d",
        vec![3],
        section["close_c2d_hex"].as_str().unwrap(),
    );
}

#[test]
fn snow_reproduces_the_default_vectors() {
    let v = own_vectors();
    check_with_snow(&v["default_limits"], &v);
}

#[test]
fn snow_reproduces_the_rekey_vectors() {
    let v = own_vectors();
    assert_eq!(
        v["small_rekey_interval"]["rekey_after_messages"],
        REKEY_EVERY
    );
    check_with_snow(&v["small_rekey_interval"], &v);
}
