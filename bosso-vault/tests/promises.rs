//! README promises no other test file shows: the default passphrase cost and the file
//! store's size bounds (a value of at most 64 KiB, at most 4096 entries).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use bosso_vault::{
    Argon2Params, EncryptedFileStore, EntryName, Error, KeySource, MAX_ENTRIES, MAX_VALUE_LEN,
};
use common::{name, secret};
use secrecy::SecretString;

/// The threat model's "64 MiB, 3 passes by default" is what a passphrase vault gets.
#[test]
fn the_default_passphrase_cost_is_64_mib_and_3_passes() {
    let documented = Argon2Params::new(64 * 1024, 3, 1).unwrap();
    assert_eq!(Argon2Params::default(), documented);
    match KeySource::passphrase(SecretString::from("p".to_owned())) {
        KeySource::Passphrase { params, .. } => assert_eq!(params, documented),
        other => panic!("{other:?}"),
    }
}

fn key_file_vault(dir: &tempfile::TempDir) -> EncryptedFileStore {
    let key = KeySource::KeyFile(dir.path().join("key"));
    EncryptedFileStore::create(dir.path().join("v"), key).unwrap()
}

#[test]
fn a_value_over_64_kib_is_refused_and_the_vault_unchanged() {
    assert_eq!(MAX_VALUE_LEN, 64 * 1024);
    let dir = tempfile::tempdir().unwrap();
    let s = key_file_vault(&dir);
    s.put_blocking(&name("max"), &secret(&vec![7; MAX_VALUE_LEN]))
        .unwrap();
    let before = std::fs::read(dir.path().join("v")).unwrap();
    let r = s.put_blocking(&name("over"), &secret(&vec![7; MAX_VALUE_LEN + 1]));
    assert!(matches!(r, Err(Error::TooLarge)), "{r:?}");
    assert_eq!(std::fs::read(dir.path().join("v")).unwrap(), before);
}

#[test]
fn the_4097th_entry_is_refused() {
    assert_eq!(MAX_ENTRIES, 4096);
    let dir = tempfile::tempdir().unwrap();
    let s = key_file_vault(&dir);
    let entry = |i: usize| EntryName::new(format!("e{i}")).unwrap();
    for i in 0..MAX_ENTRIES {
        s.put_blocking(&entry(i), &secret(b"v")).unwrap();
    }
    let r = s.put_blocking(&entry(MAX_ENTRIES), &secret(b"v"));
    assert!(matches!(r, Err(Error::StoreFull)), "{r:?}");
    // Replacing an existing entry of a full vault still works.
    s.put_blocking(&entry(0), &secret(b"w")).unwrap();
}
