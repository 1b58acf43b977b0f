//! Secure-mode parsers with the properties they promise: hello (daemon), ready (client),
//! confirm and data frames (open channel, both ends).
//!
//! The handshake runs once per process (`OnceLock`); every input works on clones of the
//! prepared states (`Clone` exists only under `cfg(fuzzing)`), so an input costs a few
//! ChaCha20-Poly1305 operations, not a handshake. The keys are fresh in every process: a
//! genuine message the fuzzer learned in an earlier run (through libFuzzer's comparison hooks)
//! is garbage to this one, so "accepted only if byte-identical to this run's genuine message"
//! holds exactly.
#![no_main]

use std::sync::OnceLock;

use bosso_e2ee::{
    AwaitingConfirm, Channel, ClientHandshake, DaemonHandshake, DaemonKeyPair, Error,
    MAX_PAYLOAD_LEN,
};
use libfuzzer_sys::fuzz_target;

struct Prepared {
    keys: DaemonKeyPair,
    /// The client before the ready, and the genuine hello and ready of that handshake.
    client_hs: ClientHandshake,
    hello: Vec<u8>,
    ready: Vec<u8>,
    /// The daemon before the confirm, and the genuine confirm.
    pending: AwaitingConfirm,
    confirm: Vec<u8>,
    /// Both ends of the open channel.
    client: Channel,
    daemon: Channel,
}

fn prepared() -> &'static Prepared {
    static P: OnceLock<Prepared> = OnceLock::new();
    P.get_or_init(|| {
        let keys = DaemonKeyPair::generate();
        let (client_hs, hello) = ClientHandshake::start(keys.public()).expect("start");
        let (pending, ready) = DaemonHandshake::new(&keys)
            .respond(&hello)
            .expect("respond");
        let (client, confirm) = client_hs.clone().read_ready(&ready).expect("ready");
        let daemon = pending.clone().read_confirm(&confirm).expect("confirm");
        Prepared {
            keys,
            client_hs,
            hello,
            ready,
            pending,
            confirm,
            client,
            daemon,
        }
    })
}

/// `frame` opened by `receiver`: what it yields must be what `sender` (a clone, at the same
/// position) seals for that plaintext, byte for byte; anything refused closes the receiver.
fn opens_only_genuine(receiver: &Channel, sender: &Channel, frame: &[u8]) {
    let mut rx = receiver.clone();
    match rx.open(frame) {
        Ok(plaintext) => {
            let genuine = sender.clone().seal(&plaintext).expect("seal");
            assert_eq!(
                genuine, frame,
                "a frame opened that its sender never sealed"
            );
            assert!(!rx.is_closed());
        }
        Err(Error::ClosedByPeer) => {
            let genuine = sender.clone().seal_close().expect("close");
            assert_eq!(
                genuine, frame,
                "a close opened that its sender never sealed"
            );
            assert!(rx.is_closed());
        }
        Err(_) => assert!(rx.is_closed(), "a refused frame left the channel open"),
    }
}

fuzz_target!(|data: &[u8]| {
    let p = prepared();

    // Handshake messages: only the genuine bytes are accepted.
    let hello_ok = DaemonHandshake::new(&p.keys).respond(data).is_ok();
    assert_eq!(hello_ok, data == p.hello.as_slice(), "hello");
    let ready_ok = p.client_hs.clone().read_ready(data).is_ok();
    assert_eq!(ready_ok, data == p.ready.as_slice(), "ready");
    let confirm_ok = p.pending.clone().read_confirm(data).is_ok();
    assert_eq!(confirm_ok, data == p.confirm.as_slice(), "confirm");

    // Fuzzed bytes on the open channel, in both directions.
    opens_only_genuine(&p.daemon, &p.client, data);
    opens_only_genuine(&p.client, &p.daemon, data);

    // A genuine frame carrying the input: it opens to the input, once, on the peer only, and
    // any change to it is refused.
    let payload = data.get(..MAX_PAYLOAD_LEN).unwrap_or(data);
    let mut client = p.client.clone();
    let frame = client.seal(payload).expect("seal");
    let mut daemon = p.daemon.clone();
    assert_eq!(daemon.open(&frame).expect("genuine frame"), payload);
    assert!(daemon.open(&frame).is_err(), "replay accepted");
    assert!(
        p.client.clone().open(&frame).is_err(),
        "reflection accepted"
    );
    let mut in_place = frame.clone();
    assert_eq!(
        p.daemon
            .clone()
            .open_in_place(&mut in_place)
            .expect("in place"),
        payload
    );

    let choice = data
        .iter()
        .take(4)
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    let mut flipped = frame.clone();
    let bit = choice % (flipped.len() * 8);
    if let Some(b) = flipped.get_mut(bit / 8) {
        *b ^= 1 << (bit % 8);
    }
    assert!(
        p.daemon.clone().open(&flipped).is_err(),
        "bit {bit} flipped, accepted"
    );
    let cut = choice % frame.len();
    assert!(
        p.daemon
            .clone()
            .open(frame.get(..cut).unwrap_or_default())
            .is_err(),
        "truncated to {cut}, accepted"
    );
    let mut longer = frame;
    longer.push(data.first().copied().unwrap_or(0));
    assert!(
        p.daemon.clone().open(&longer).is_err(),
        "extended, accepted"
    );
});
