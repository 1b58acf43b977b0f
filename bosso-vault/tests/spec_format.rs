//! SPEC.md's vault-file rules no other test shows: one file has one meaning (entries strictly
//! sorted, no trailing bytes, at most 4096 of them), and a file over the largest possible vault
//! is refused before it is read; the serialized keyset's rules. Layouts and sizes are computed from SPEC.md's table.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use bosso_vault::{EncryptedFileStore, EnvelopeKeyset, Error, KeySource, inspect_vault_file};
use common::{name, secret};

const HEADER_LEN: usize = 90; // magic .. entry count
const MAC_LEN: usize = 32;
/// `u16str(name)` of a one-byte name, `u32 len`, a sealed one-byte value (24 + 1 + 16).
const ENTRY_LEN: usize = 2 + 1 + 4 + 24 + 1 + 16;

/// A genuine key-file vault holding entries `a` and `b`, and its bytes.
fn vault_with_a_and_b() -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let key = KeySource::KeyFile(dir.path().join("key"));
    let s = EncryptedFileStore::create(dir.path().join("v"), key).unwrap();
    s.put_blocking(&name("a"), &secret(b"1")).unwrap();
    s.put_blocking(&name("b"), &secret(b"2")).unwrap();
    let raw = std::fs::read(dir.path().join("v")).unwrap();
    assert_eq!(raw.len(), HEADER_LEN + 2 * ENTRY_LEN + MAC_LEN);
    (dir, raw)
}

#[test]
fn a_vault_file_has_one_meaning() {
    let (_dir, raw) = vault_with_a_and_b();
    let names: Vec<_> = inspect_vault_file(&raw).unwrap().names;
    assert_eq!(names, vec![name("a"), name("b")]);

    // The same entries in the other order.
    let (a, b) = (HEADER_LEN, HEADER_LEN + ENTRY_LEN);
    let mut swapped = raw[..a].to_vec();
    swapped.extend_from_slice(&raw[b..b + ENTRY_LEN]);
    swapped.extend_from_slice(&raw[a..b]);
    swapped.extend_from_slice(&raw[b + ENTRY_LEN..]);
    assert_eq!(swapped.len(), raw.len());
    assert!(inspect_vault_file(&swapped).is_err());

    // The same entry twice.
    let mut repeated = raw[..b].to_vec();
    repeated.extend_from_slice(&raw[a..b]);
    repeated.extend_from_slice(&raw[b + ENTRY_LEN..]);
    assert!(inspect_vault_file(&repeated).is_err());

    // A byte between the last entry and the MAC.
    let mac_at = raw.len() - MAC_LEN;
    let mut trailing = raw[..mac_at].to_vec();
    trailing.push(0);
    trailing.extend_from_slice(&raw[mac_at..]);
    assert!(inspect_vault_file(&trailing).is_err());

    // An entry count over 4096.
    let mut too_many = raw.clone();
    too_many[86..90].copy_from_slice(&4097u32.to_be_bytes());
    assert!(inspect_vault_file(&too_many).is_err());
}

#[test]
fn a_file_over_the_largest_vault_is_refused_before_it_is_read() {
    // 4096 entries of a 128-byte name and a 64 KiB value sealed (+ 24 seed + 16 tag).
    let largest = HEADER_LEN + MAC_LEN + 4096 * (2 + 128 + 4 + 24 + 65_536 + 16);
    let dir = tempfile::tempdir().unwrap();
    let key = KeySource::KeyFile(dir.path().join("key"));
    drop(EncryptedFileStore::create(dir.path().join("v"), key).unwrap());
    // Sparse: reading it would take seconds and 256 MiB, refusing it takes an fstat.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.path().join("v"))
        .unwrap();
    f.set_len(u64::try_from(largest).unwrap() + 1).unwrap();
    drop(f);
    let key = KeySource::KeyFile(dir.path().join("key"));
    let r = EncryptedFileStore::open(dir.path().join("v"), key);
    assert!(matches!(r, Err(Error::TooLarge)), "{:?}", r.map(|_| ()));
}

/// `BOSSOKST || 0x01 || primary || u16 n || n × (id, status, 32 bytes)`, from SPEC.md.
fn keyset(primary: u32, keys: &[(u32, u8)]) -> Vec<u8> {
    let mut out = b"BOSSOKST\x01".to_vec();
    out.extend_from_slice(&primary.to_be_bytes());
    out.extend_from_slice(&u16::try_from(keys.len()).unwrap().to_be_bytes());
    for &(id, status) in keys {
        out.extend_from_slice(&id.to_be_bytes());
        out.push(status);
        out.extend_from_slice(&[7; 32]);
    }
    out
}

#[test]
fn the_serialized_keyset_rules_are_enforced() {
    assert!(EnvelopeKeyset::from_bytes(&keyset(1, &[(1, 1)])).is_ok());
    assert!(EnvelopeKeyset::from_bytes(&keyset(2, &[(1, 3), (2, 1)])).is_ok());
    let all: Vec<_> = (1..=256).map(|id| (id, 1)).collect();
    assert!(EnvelopeKeyset::from_bytes(&keyset(1, &all)).is_ok());

    let over: Vec<_> = (1..=257).map(|id| (id, 1)).collect();
    let mut trailing = keyset(1, &[(1, 1)]);
    trailing.push(0);
    let refused = [
        ("no keys", keyset(1, &[])),
        ("257 keys", keyset(1, &over)),
        ("primary missing", keyset(2, &[(1, 1)])),
        ("primary disabled", keyset(1, &[(1, 2)])),
        ("primary destroyed", keyset(1, &[(1, 3)])),
        ("repeated id", keyset(1, &[(1, 1), (1, 2)])),
        ("id zero", keyset(1, &[(1, 1), (0, 2)])),
        ("primary zero", keyset(0, &[(1, 1)])),
        ("unknown status", keyset(1, &[(1, 1), (2, 4)])),
        ("trailing byte", trailing),
    ];
    for (why, bytes) in refused {
        assert!(EnvelopeKeyset::from_bytes(&bytes).is_err(), "{why}");
    }
}
