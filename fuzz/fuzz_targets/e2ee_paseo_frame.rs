//! Paseo-mode parsers: hello JSON, ready JSON, base64 frames on an open channel.
#![no_main]

use std::sync::OnceLock;

use bosso_e2ee::DaemonKeyPair;
use bosso_e2ee::paseo;
use libfuzzer_sys::fuzz_target;

fn keys() -> &'static DaemonKeyPair {
    static KEYS: OnceLock<DaemonKeyPair> = OnceLock::new();
    KEYS.get_or_init(|| DaemonKeyPair::from_secret_bytes([7; 32]))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = paseo::DaemonHandshake::new(keys()).read_hello(text);
    if let Ok(hs) = paseo::ClientHandshake::start(keys().public()) {
        let hello = hs.hello().to_owned();
        let _ = paseo::ClientHandshake::start(keys().public()).map(|h| h.read_ready(text));
        if let (Ok(mut client), Ok((mut daemon, _))) = (
            hs.read_ready(paseo::READY_JSON),
            paseo::DaemonHandshake::new(keys()).read_hello(&hello),
        ) {
            let _ = daemon.open(text);
            let _ = client.open(text);
        }
    }
});
