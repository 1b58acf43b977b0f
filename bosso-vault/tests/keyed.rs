//! A secret stored with its key id in one entry: round trip, refusals, no byte of the entry in
//! an error, `Debug` redacted.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

mod common;

use bosso_vault::{
    Error, MemoryStore, SecretStore, decode_keyed, encode_keyed, get_keyed, put_keyed,
};
use common::{block_on, name};
use secrecy::ExposeSecret;

#[test]
fn a_signing_key_round_trips_with_its_key_id() {
    block_on(async {
        let store = MemoryStore::default();
        let n = name("attach/signing-key");
        assert!(get_keyed(&store, &n).await.unwrap().is_none());
        put_keyed(&store, &n, "web-2026-12", &[7; 32])
            .await
            .unwrap();
        let back = get_keyed(&store, &n).await.unwrap().unwrap();
        assert_eq!(back.key_id, "web-2026-12");
        assert_eq!(back.secret.expose_secret(), &[7; 32]);
        assert!(!format!("{back:?}").contains("7, 7"));
        // The stored layout is the documented one: version, length, kid, secret.
        let raw = store.get(&n).await.unwrap().unwrap();
        let raw = raw.expose_secret();
        assert_eq!((raw[0], raw[1]), (1, 11));
        assert_eq!(&raw[2..13], b"web-2026-12");
        assert_eq!(&raw[13..], &[7; 32]);
    });
}

#[test]
fn bad_key_ids_and_entries_are_refused_without_echo() {
    for kid in ["", "k/1", "k 1", &"k".repeat(65)] {
        assert!(matches!(
            encode_keyed(kid, b"s"),
            Err(Error::InvalidName(_))
        ));
    }
    assert!(encode_keyed("k", b"").is_err());
    for bad in [
        &b""[..],
        b"\x01",
        b"\x01\x05abc",
        b"\x01\x01k",
        b"\x01\x01/zq9x",
        b"\x01\x00zq9x",
    ] {
        let e = decode_keyed(bad).unwrap_err();
        assert!(matches!(e, Error::Malformed { .. }), "{bad:?}: {e:?}");
        assert!(!e.to_string().contains("zq9x"));
    }
    assert!(matches!(
        decode_keyed(b"\x02\x01ks"),
        Err(Error::UnsupportedVersion { .. })
    ));
}
