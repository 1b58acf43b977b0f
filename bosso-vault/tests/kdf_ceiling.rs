//! Argon2 parameters come from the vault's unauthenticated header: they are held to a ceiling
//! relative to the caller's own parameters before any hashing (issue 16, item 3).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use std::path::Path;

use bosso_vault::{Argon2Params, EncryptedFileStore, Error, KeySource};
use secrecy::SecretString;

fn src(params: Argon2Params) -> KeySource {
    KeySource::Passphrase {
        passphrase: SecretString::from("pw"),
        params,
    }
}

fn weak() -> Argon2Params {
    Argon2Params::new(64, 1, 1).unwrap()
}

/// A weak-parameter vault whose header then claims `(m KiB, t, p)`. The header is not
/// authenticated before the KDF runs, so the key check fails afterwards (`WrongKey`) whenever
/// hashing was allowed.
fn vault_claiming(dir: &Path, m: u32, t: u32, p: u32) -> std::path::PathBuf {
    let v = dir.join(format!("v-{m}-{t}-{p}"));
    EncryptedFileStore::create(&v, src(weak())).unwrap();
    let mut raw = std::fs::read(&v).unwrap();
    raw[10..14].copy_from_slice(&m.to_be_bytes());
    raw[14..18].copy_from_slice(&t.to_be_bytes());
    raw[18..22].copy_from_slice(&p.to_be_bytes());
    std::fs::write(&v, &raw).unwrap();
    v
}

fn refused_by_ceiling<T: std::fmt::Debug>(r: &Result<T, Error>) -> bool {
    matches!(r, Err(Error::Kdf(m)) if m.contains("ceiling"))
}

/// A crafted header asking Argon2 for 4 TiB is refused before any allocation.
#[test]
fn hostile_kdf_parameters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault_claiming(dir.path(), u32::MAX, 1, 1);
    assert!(matches!(
        EncryptedFileStore::open(&v, src(weak())),
        Err(Error::Kdf(_))
    ));
}

/// The header: 256 MiB × 8 passes, 10.7 times the default 64 MiB × 3, refused with
/// the default parameters. (Before the fix each parameter was capped separately and this
/// header was hashed: minutes of Argon2 in a debug build, so the old behaviour is shown by
/// the unit test `file::key::tests::header_ceiling_is_on_work_relative_to_the_caller`.)
#[test]
fn a_256_mib_8_pass_header_is_refused_with_the_default_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault_claiming(dir.path(), 256 * 1024, 8, 1);
    let r = EncryptedFileStore::open(&v, src(Argon2Params::default()));
    assert!(refused_by_ceiling(&r), "{r:?}");
}

/// With the caller's 64 KiB × 1 pass, a header may ask for 4 × 64 KiB-passes, in any split of
/// memory and passes, and not one more; lanes up to 4.
#[test]
fn header_work_is_capped_at_four_times_the_callers() {
    let dir = tempfile::tempdir().unwrap();
    for (m, t, p) in [(64, 4, 1), (256, 1, 1), (128, 2, 1), (64, 1, 4)] {
        let r = EncryptedFileStore::open(vault_claiming(dir.path(), m, t, p), src(weak()));
        // Within the ceiling: hashed, then the (altered) key check fails.
        assert!(matches!(r, Err(Error::WrongKey)), "{m} {t} {p}: {r:?}");
    }
    for (m, t, p) in [(64, 5, 1), (257, 1, 1), (72, 4, 1), (64, 1, 5)] {
        let r = EncryptedFileStore::open(vault_claiming(dir.path(), m, t, p), src(weak()));
        assert!(refused_by_ceiling(&r), "{m} {t} {p}: {r:?}");
    }
    // A caller that created the vault with 9 passes passes them again: the ceiling follows.
    let v = vault_claiming(dir.path(), 64, 9, 1);
    assert!(refused_by_ceiling(&EncryptedFileStore::open(
        &v,
        src(weak())
    )));
    let r = EncryptedFileStore::open(&v, src(Argon2Params::new(64, 9, 1).unwrap()));
    assert!(matches!(r, Err(Error::WrongKey)), "{r:?}");
}
