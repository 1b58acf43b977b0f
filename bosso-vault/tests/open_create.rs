//! Opening never creates (issue 16, item 1): a vault that should exist and does not is an
//! error, never a new empty vault, and a damaged vault is never reset.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use bosso_vault::{
    Argon2Params, Backend, DefaultOptions, EncryptedFileStore, Error, InsecureOptIn, KeySource,
    SecretStore, open_default,
};
use common::{block_on, name, secret};
use secrecy::{ExposeSecret, SecretString};

fn pass(p: &str) -> KeySource {
    KeySource::Passphrase {
        passphrase: SecretString::from(p.to_owned()),
        params: Argon2Params::new(64, 1, 1).unwrap(),
    }
}

fn opts(dir: &Path, passphrase: Option<&str>) -> DefaultOptions {
    let mut o = DefaultOptions::new("bosso-test");
    o.dir = Some(dir.to_owned());
    o.skip_os_store = true;
    o.passphrase = passphrase.map(|p| SecretString::from(p.to_owned()));
    o
}

/// What an earlier run of `open_default` leaves: the marker naming the backend.
fn write_marker(dir: &Path, tag: &str) {
    let m = dir.join("backend");
    std::fs::write(&m, format!("bosso-vault backend v1\n{tag}\n")).unwrap();
    std::fs::set_permissions(&m, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn open_never_creates_and_create_never_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let (v, k) = (dir.path().join("v"), dir.path().join("k"));
    let r = EncryptedFileStore::open(&v, KeySource::KeyFile(k.clone()));
    assert!(
        matches!(&r, Err(Error::VaultMissing { path }) if *path == v),
        "{r:?}"
    );
    assert!(
        names(dir.path()).is_empty(),
        "open created {:?}",
        names(dir.path())
    );

    let s = EncryptedFileStore::create(&v, KeySource::KeyFile(k.clone())).unwrap();
    s.put_blocking(&name("a"), &secret(b"alpha")).unwrap();
    let before = std::fs::read(&v).unwrap();
    let r = EncryptedFileStore::create(&v, KeySource::KeyFile(k.clone()));
    assert!(matches!(r, Err(Error::VaultExists { .. })), "{r:?}");
    assert_eq!(
        std::fs::read(&v).unwrap(),
        before,
        "create replaced a vault"
    );
    // open_or_create on an existing vault opens it.
    let again = EncryptedFileStore::open_or_create(&v, KeySource::KeyFile(k)).unwrap();
    let got = again.get_blocking(&name("a")).unwrap().unwrap();
    assert_eq!(got.expose_secret(), b"alpha");
}

#[test]
fn open_default_fails_when_the_recorded_vault_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, first) = open_default(opts(dir.path(), None)).unwrap();
    assert_eq!(first.backend, Backend::EncryptedFile);
    let vault = dir.path().join("secrets.vault");
    std::fs::remove_file(&vault).unwrap();

    let r = open_default(opts(dir.path(), None));
    assert!(
        matches!(r, Err(Error::VaultMissing { .. })),
        "{:?}",
        r.map(|x| x.1)
    );
    assert!(!vault.exists(), "a new empty vault replaced the lost one");
    // The store opened before the loss does not recreate it either.
    let r = block_on(store.put(&name("a"), &secret(b"x")));
    assert!(matches!(r, Err(Error::VaultMissing { .. })), "{r:?}");
    assert!(!vault.exists());
}

#[test]
fn a_wrong_passphrase_never_becomes_a_new_vaults_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("secrets.vault");
    let s = EncryptedFileStore::create(&vault, pass("right")).unwrap();
    s.put_blocking(&name("a"), &secret(b"alpha")).unwrap();
    write_marker(dir.path(), "encrypted-file");
    let backup = std::fs::read(&vault).unwrap();
    std::fs::remove_file(&vault).unwrap();

    // Lost vault, mistyped passphrase: an error, and nothing is created with it.
    let r = open_default(opts(dir.path(), Some("wrong")));
    assert!(
        matches!(r, Err(Error::VaultMissing { .. })),
        "{:?}",
        r.map(|x| x.1)
    );
    assert!(!vault.exists());

    // Restored from the backup, the wrong passphrase is still wrong and the right one works.
    std::fs::write(&vault, &backup).unwrap();
    std::fs::set_permissions(&vault, std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = open_default(opts(dir.path(), Some("wrong")));
    assert!(matches!(r, Err(Error::WrongKey)), "{:?}", r.map(|x| x.1));
    let (store, _) = open_default(opts(dir.path(), Some("right"))).unwrap();
    let got = block_on(store.get(&name("a"))).unwrap();
    assert_eq!(got.unwrap().expose_secret(), b"alpha");
}

#[test]
fn a_damaged_vault_is_never_reset() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("secrets.vault");
    open_default(opts(dir.path(), None)).unwrap();
    let good = std::fs::read(&vault).unwrap();
    for damaged in [
        Vec::new(),
        good[..10].to_vec(),
        b"not a vault at all".to_vec(),
    ] {
        std::fs::write(&vault, &damaged).unwrap();
        assert!(open_default(opts(dir.path(), None)).is_err());
        let key = KeySource::KeyFile(dir.path().join("secrets.key"));
        assert!(EncryptedFileStore::open_or_create(&vault, key).is_err());
        assert_eq!(
            std::fs::read(&vault).unwrap(),
            damaged,
            "damaged vault was rewritten"
        );
    }
}

#[test]
fn a_recorded_plaintext_store_that_is_missing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_marker(dir.path(), "insecure-plaintext-file");
    let mut o = opts(dir.path(), None);
    o.insecure_plaintext = Some(InsecureOptIn::i_accept_plaintext_secrets());
    let r = open_default(o);
    assert!(
        matches!(r, Err(Error::VaultMissing { .. })),
        "{:?}",
        r.map(|x| x.1)
    );
    assert!(!dir.path().join("secrets.plain").exists());
}
