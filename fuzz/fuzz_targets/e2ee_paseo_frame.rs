//! Paseo-mode parsers with the properties they promise: hello JSON (daemon), ready JSON
//! (client), base64 frames and control messages on an open channel (both ends).
//!
//! The handshake runs once per process (`OnceLock`) with fresh keys; every input works on
//! clones of the prepared channels (`Clone` exists only under `cfg(fuzzing)`; the box key is
//! shared, so a clone costs no X25519).
#![no_main]

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use bosso_e2ee::paseo::{self, HelloReplayGuard, PaseoChannel, Received};
use bosso_e2ee::{DaemonKeyPair, Error};
use libfuzzer_sys::fuzz_target;

struct Prepared {
    keys: DaemonKeyPair,
    client_hs: paseo::ClientHandshake,
    client: PaseoChannel,
    daemon: PaseoChannel,
    /// One genuine frame the client sent and the daemon has not seen yet.
    genuine: String,
}

const GENUINE_PLAINTEXT: &[u8] = b"{\"type\":\"ping\"}";

fn prepared() -> &'static Prepared {
    static P: OnceLock<Prepared> = OnceLock::new();
    P.get_or_init(|| {
        let keys = DaemonKeyPair::generate();
        let client_hs = paseo::ClientHandshake::start(keys.public()).expect("start");
        let (daemon, ready) = paseo::DaemonHandshake::new(&keys, &HelloReplayGuard::default())
            .read_hello(client_hs.hello())
            .expect("hello");
        let mut client = client_hs.clone().read_ready(&ready).expect("ready");
        let genuine = client.seal(GENUINE_PLAINTEXT).expect("seal");
        Prepared {
            keys,
            client_hs,
            client,
            daemon,
            genuine,
        }
    })
}

/// The bytes of a base64 text, either alphabet (even mixed), any padding: at least as lenient
/// as the receiver, so a frame it opens always decodes here.
fn decode_lenient(text: &str) -> Option<Vec<u8>> {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    STANDARD_NO_PAD.decode(mapped.trim_end_matches('=')).ok()
}

fn open_fuzzed(p: &Prepared, text: &str) {
    // Daemon end.
    let mut daemon = p.daemon.clone();
    match daemon.open(text) {
        Ok(Received::Data(plaintext)) => {
            // Only the genuine frame, in any base64 form the receiver accepts.
            assert_eq!(decode_lenient(text), decode_lenient(&p.genuine));
            assert_eq!(plaintext, GENUINE_PLAINTEXT);
        }
        Ok(Received::HelloAgain(ready)) => {
            // Only a hello with the client's own key: a daemon that reads it as a first hello
            // derives the same box key, so the client's genuine frame opens there.
            assert_eq!(ready, paseo::READY_JSON);
            let (mut again, _) = paseo::DaemonHandshake::new(&p.keys, &HelloReplayGuard::default())
                .read_hello(text)
                .expect("a hello that the open channel accepted");
            assert!(matches!(again.open(&p.genuine), Ok(Received::Data(_))));
        }
        Ok(other) => panic!("daemon got {other:?}"),
        Err(_) => assert!(daemon.is_closed(), "a refused frame left the channel open"),
    }
    // Client end: nothing but the daemon's ready again (the genuine frame is the client's own:
    // reflected, it is a duplicate, and the daemon has sealed nothing).
    let mut client = p.client.clone();
    match client.open(text) {
        Ok(Received::ReadyAgain) => assert!(text.len() <= paseo::MAX_CONTROL_LEN),
        Ok(other) => panic!("client got {other:?}"),
        Err(_) => assert!(client.is_closed(), "a refused frame left the channel open"),
    }
}

/// A hello opens a channel on a daemon once; the same hello again is a replay.
fn hello_once(p: &Prepared, text: &str) {
    let guard = HelloReplayGuard::default();
    if let Ok((_, ready)) = paseo::DaemonHandshake::new(&p.keys, &guard).read_hello(text) {
        assert_eq!(ready, paseo::READY_JSON);
        assert!(text.len() <= paseo::MAX_CONTROL_LEN);
        assert!(matches!(
            paseo::DaemonHandshake::new(&p.keys, &guard).read_hello(text),
            Err(Error::HelloReplayed)
        ));
    }
}

fuzz_target!(|data: &[u8]| {
    let p = prepared();
    // Inputs led by 0 or 1 (costing an X25519 or two, so kept to these) make well-formed hellos
    // the fuzzer would rarely write itself: a hello for a fuzz-chosen key, or the client's own
    // hello with fuzz-chosen bytes before its closing brace, on the open channel.
    match data.split_first() {
        Some((0, rest)) => {
            let key = rest.get(..32).unwrap_or(rest);
            hello_once(
                p,
                &format!(
                    r#"{{"type":"e2ee_hello","key":"{}"}}"#,
                    STANDARD.encode(key)
                ),
            );
        }
        Some((1, rest)) => {
            let hello = p.client_hs.hello();
            let open = hello.strip_suffix('}').unwrap_or(hello);
            open_fuzzed(p, &format!("{open}{}}}", String::from_utf8_lossy(rest)));
        }
        _ => {}
    }
    if let Ok(text) = std::str::from_utf8(data) {
        hello_once(p, text);
        if p.client_hs.clone().read_ready(text).is_ok() {
            assert!(text.len() <= paseo::MAX_CONTROL_LEN);
        }
        open_fuzzed(p, text);
    }

    // A genuine frame carrying the input: it opens to the input, in either base64 form, once,
    // on the peer only, and any flipped bit is refused.
    let mut client = p.client.clone();
    let frame = client.seal(data).expect("seal");
    let mut daemon = p.daemon.clone();
    assert_eq!(
        daemon.open(&frame).expect("genuine"),
        Received::Data(data.to_vec())
    );
    assert!(matches!(daemon.open(&frame), Err(Error::DuplicateFrame)));
    assert!(matches!(client.open(&frame), Err(Error::DuplicateFrame)));
    let bytes = STANDARD.decode(&frame).expect("base64");
    assert_eq!(
        p.daemon
            .clone()
            .open(&URL_SAFE_NO_PAD.encode(&bytes))
            .expect("url-safe"),
        Received::Data(data.to_vec())
    );
    let choice = data
        .iter()
        .take(4)
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    let mut flipped = bytes;
    let bit = choice % (flipped.len() * 8);
    if let Some(b) = flipped.get_mut(bit / 8) {
        *b ^= 1 << (bit % 8);
    }
    assert!(
        p.daemon.clone().open(&STANDARD.encode(&flipped)).is_err(),
        "bit {bit} flipped, accepted"
    );
});
