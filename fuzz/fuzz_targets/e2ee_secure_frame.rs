//! Secure-mode parsers: hello (daemon), ready (client), confirm and data frames (open channel).
#![no_main]

use std::sync::OnceLock;

use bosso_e2ee::{Channel, ClientHandshake, DaemonHandshake, DaemonKeyPair};
use libfuzzer_sys::fuzz_target;

fn keys() -> &'static DaemonKeyPair {
    static KEYS: OnceLock<DaemonKeyPair> = OnceLock::new();
    KEYS.get_or_init(|| DaemonKeyPair::from_secret_bytes([7; 32]))
}

fn open_pair() -> Option<(Channel, Channel)> {
    let (hs, hello) = ClientHandshake::start(keys().public()).ok()?;
    let (pending, ready) = DaemonHandshake::new(keys()).respond(&hello).ok()?;
    let (client, confirm) = hs.read_ready(&ready).ok()?;
    Some((client, pending.read_confirm(&confirm).ok()?))
}

fuzz_target!(|data: &[u8]| {
    let _ = DaemonHandshake::new(keys()).respond(data);
    if let Ok((hs, hello)) = ClientHandshake::start(keys().public()) {
        let _ = hs.read_ready(data);
        if let Ok((pending, _)) = DaemonHandshake::new(keys()).respond(&hello) {
            let _ = pending.read_confirm(data);
        }
    }
    if let Some((mut client, mut daemon)) = open_pair() {
        let _ = daemon.open(data);
        let _ = client.open(data);
    }
    // A valid frame with a fuzz-chosen bit flipped, on a fresh channel: always refused.
    if let Some((mut client, mut daemon)) = open_pair() {
        if let Ok(mut frame) = client.seal(data) {
            if let Some((first, _)) = data.split_first() {
                let i = usize::from(*first) % frame.len().max(1);
                if let Some(b) = frame.get_mut(i) {
                    *b ^= 0x01;
                }
                // Any flipped bit must be refused.
                assert!(daemon.open(&frame).is_err());
            }
        }
    }
});
