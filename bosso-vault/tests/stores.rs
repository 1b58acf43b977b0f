#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bosso_vault::{
    Argon2Params, Backend, DefaultOptions, EncryptedFileStore, Error, InsecureOptIn, KeySource,
    MemoryStore, PlaintextFileStore, SecretStore, inspect_vault_file, open_default,
};
use common::{block_on, exercise, name, secret};
use secrecy::{ExposeSecret, SecretString};

fn weak() -> Argon2Params {
    Argon2Params::new(64, 1, 1).unwrap()
}

#[test]
fn memory_store_behaves_and_is_bounded() {
    block_on(async {
        exercise(&MemoryStore::default()).await.unwrap();
        let m = MemoryStore::new(1);
        m.put(&name("a"), &secret(b"1")).await.unwrap();
        assert!(matches!(
            m.put(&name("b"), &secret(b"2")).await,
            Err(Error::StoreFull)
        ));
        m.put(&name("a"), &secret(b"3")).await.unwrap();
        assert!(!format!("{m:?}").contains('3'));
    });
}

#[test]
fn file_store_behaves_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        EncryptedFileStore::open(
            dir.path().join("v"),
            KeySource::KeyFile(dir.path().join("k")),
        )
        .unwrap()
    };
    let s = open();
    assert_eq!(s.backend(), Backend::EncryptedFile);
    block_on(exercise(&s)).unwrap();
    s.put_blocking(&name("keep"), &secret(b"persisted value"))
        .unwrap();
    drop(s);
    let s = open();
    assert_eq!(
        s.get_blocking(&name("keep"))
            .unwrap()
            .unwrap()
            .expose_secret(),
        b"persisted value"
    );
    // The value is not in the file in the clear; the name is (documented).
    let raw = std::fs::read(dir.path().join("v")).unwrap();
    assert!(!raw.windows(15).any(|w| w == b"persisted value"));
    let info = inspect_vault_file(&raw).unwrap();
    assert_eq!(info.names, vec![name("keep")]);
    assert!(matches!(
        s.put_blocking(
            &name("big"),
            &secret(&vec![0u8; bosso_vault::MAX_VALUE_LEN + 1])
        ),
        Err(Error::TooLarge)
    ));
}

#[test]
fn files_are_created_0600_and_refused_when_shared() {
    let dir = tempfile::tempdir().unwrap();
    let (v, k) = (dir.path().join("v"), dir.path().join("k"));
    let s = EncryptedFileStore::open(&v, KeySource::KeyFile(k.clone())).unwrap();
    s.put_blocking(&name("a"), &secret(b"x")).unwrap();
    for p in [&v, &k, &dir.path().join("v.lock")] {
        assert_eq!(
            std::fs::metadata(p).unwrap().permissions().mode() & 0o777,
            0o600,
            "{p:?}"
        );
    }
    std::fs::set_permissions(&v, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(matches!(
        s.get_blocking(&name("a")),
        Err(Error::InsecurePermissions { .. })
    ));
    assert!(matches!(
        EncryptedFileStore::open(&v, KeySource::KeyFile(k.clone())),
        Err(Error::InsecurePermissions { .. })
    ));
    std::fs::set_permissions(&v, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(matches!(
        EncryptedFileStore::open(&v, KeySource::KeyFile(k)),
        Err(Error::InsecurePermissions { .. })
    ));
}

#[test]
fn wrong_key_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v");
    EncryptedFileStore::open(&v, KeySource::KeyFile(dir.path().join("k1"))).unwrap();
    // Another install's key file.
    EncryptedFileStore::open(
        dir.path().join("other"),
        KeySource::KeyFile(dir.path().join("k2")),
    )
    .unwrap();
    assert!(matches!(
        EncryptedFileStore::open(&v, KeySource::KeyFile(dir.path().join("k2"))),
        Err(Error::WrongKey)
    ));
    // A missing key file for an existing vault is an error, not a new key.
    assert!(matches!(
        EncryptedFileStore::open(&v, KeySource::KeyFile(dir.path().join("k3"))),
        Err(Error::Io { .. })
    ));
    assert!(!dir.path().join("k3").exists());
    // A key-file vault opened with a passphrase.
    let pass = KeySource::Passphrase {
        passphrase: SecretString::from("pw"),
        params: weak(),
    };
    assert!(matches!(
        EncryptedFileStore::open(&v, pass),
        Err(Error::WrongKey)
    ));
}

#[test]
fn passphrase_vault_round_trip_and_wrong_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v");
    let src = |p: &str| KeySource::Passphrase {
        passphrase: SecretString::from(p.to_owned()),
        params: weak(),
    };
    let s = EncryptedFileStore::open(&v, src("correct horse")).unwrap();
    s.put_blocking(&name("a"), &secret(b"value")).unwrap();
    let raw = std::fs::read(&v).unwrap();
    assert_eq!(
        inspect_vault_file(&raw).unwrap().kdf,
        bosso_vault::KdfParams::Argon2id {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1
        }
    );
    assert!(matches!(
        EncryptedFileStore::open(&v, src("wrong horse")),
        Err(Error::WrongKey)
    ));
    let s = EncryptedFileStore::open(&v, src("correct horse")).unwrap();
    assert_eq!(
        s.get_blocking(&name("a")).unwrap().unwrap().expose_secret(),
        b"value"
    );
    let dbg = format!("{s:?} {:?}", src("correct horse"));
    assert!(
        !dbg.contains("correct horse") && !dbg.contains("value"),
        "{dbg}"
    );
}

/// Any single-byte change (and any truncation) of the vault file is detected at open, the
/// error is clear, and the damaged file is left exactly as it was (never reset).
#[test]
fn every_single_byte_change_is_detected_and_never_reset() {
    let dir = tempfile::tempdir().unwrap();
    let (v, k) = (dir.path().join("v"), dir.path().join("k"));
    let s = EncryptedFileStore::open(&v, KeySource::KeyFile(k.clone())).unwrap();
    s.put_blocking(&name("a"), &secret(b"alpha")).unwrap();
    s.put_blocking(&name("b"), &secret(b"beta")).unwrap();
    let good = std::fs::read(&v).unwrap();
    for i in 0..good.len() {
        for flip in [0x01u8, 0x80] {
            let mut bad = good.clone();
            bad[i] ^= flip;
            std::fs::write(&v, &bad).unwrap();
            let r = EncryptedFileStore::open(&v, KeySource::KeyFile(k.clone()));
            assert!(r.is_err(), "byte {i} flip {flip:#x} undetected");
            // The already-open store refuses too, for reads and writes, and does not rewrite.
            assert!(s.get_blocking(&name("a")).is_err());
            assert!(s.put_blocking(&name("c"), &secret(b"x")).is_err());
            assert_eq!(std::fs::read(&v).unwrap(), bad, "damaged file was modified");
        }
    }
    for len in [0, 10, good.len() - 33, good.len() - 1] {
        std::fs::write(&v, &good[..len]).unwrap();
        assert!(EncryptedFileStore::open(&v, KeySource::KeyFile(k.clone())).is_err());
    }
    let mut longer = good.clone();
    longer.push(0);
    std::fs::write(&v, &longer).unwrap();
    assert!(EncryptedFileStore::open(&v, KeySource::KeyFile(k.clone())).is_err());
    // Tampering with entries specifically reports Tampered (the key check still passes).
    let mut bad = good.clone();
    let last = bad.len() - 40;
    bad[last] ^= 1;
    std::fs::write(&v, &bad).unwrap();
    assert!(matches!(
        EncryptedFileStore::open(&v, KeySource::KeyFile(k.clone())),
        Err(Error::Tampered)
    ));
    std::fs::write(&v, &good).unwrap();
    assert!(EncryptedFileStore::open(&v, KeySource::KeyFile(k)).is_ok());
}

/// A minimal tracing subscriber counting WARN events (the opt-in must be visible in logs).
struct WarnCounter(Arc<AtomicUsize>);
impl tracing::Subscriber for WarnCounter {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, e: &tracing::Event<'_>) {
        if *e.metadata().level() == tracing::Level::WARN {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn plaintext_store_needs_opt_in_and_logs_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let warns = Arc::new(AtomicUsize::new(0));
    let s = tracing::subscriber::with_default(WarnCounter(warns.clone()), || {
        PlaintextFileStore::allow_insecure(
            dir.path().join("p"),
            InsecureOptIn::i_accept_plaintext_secrets(),
        )
        .unwrap()
    });
    assert_eq!(warns.load(Ordering::SeqCst), 1);
    assert_eq!(s.backend(), Backend::InsecurePlaintextFile);
    block_on(exercise(&s)).unwrap();
    assert_eq!(
        std::fs::metadata(s.path()).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Garbage is an error, not a reset.
    std::fs::write(s.path(), b"garbage").unwrap();
    assert!(block_on(s.list()).is_err());
    assert_eq!(std::fs::read(s.path()).unwrap(), b"garbage");
}

#[test]
fn open_default_without_os_store_picks_the_encrypted_file_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = DefaultOptions::new("bosso-test");
    o.dir = Some(dir.path().join("vault"));
    o.skip_os_store = true;
    let (store, choice) = open_default(o).unwrap();
    assert_eq!(choice.backend, Backend::EncryptedFile);
    assert_eq!(store.backend(), Backend::EncryptedFile);
    assert!(
        choice.reason.contains("skipped") && choice.reason.contains("key file"),
        "{}",
        choice.reason
    );
    block_on(exercise(&store)).unwrap();
    assert_eq!(
        std::fs::metadata(dir.path().join("vault"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    assert!(dir.path().join("vault/secrets.vault").exists());
    assert!(!dir.path().join("vault/secrets.plain").exists());

    // Plaintext only with the opt-in.
    let mut o = DefaultOptions::new("bosso-test");
    o.dir = Some(dir.path().join("plain"));
    o.skip_os_store = true;
    o.insecure_plaintext = Some(InsecureOptIn::i_accept_plaintext_secrets());
    let (_, choice) = open_default(o).unwrap();
    assert_eq!(choice.backend, Backend::InsecurePlaintextFile);
    assert!(choice.reason.contains("INSECURE"));
}

#[test]
fn open_default_never_downgrades_on_a_security_error() {
    let dir = tempfile::tempdir().unwrap();
    let mk = |p: &str| {
        let mut o = DefaultOptions::new("bosso-test");
        o.dir = Some(dir.path().to_owned());
        o.skip_os_store = true;
        o.passphrase = Some(SecretString::from(p.to_owned()));
        o
    };
    // Default Argon2 params are costly; create the vault with weak ones first.
    EncryptedFileStore::open(
        dir.path().join("secrets.vault"),
        KeySource::Passphrase {
            passphrase: SecretString::from("right"),
            params: weak(),
        },
    )
    .unwrap();
    assert!(matches!(open_default(mk("wrong")), Err(Error::WrongKey)));
    assert!(open_default(mk("right")).is_ok());
}

#[test]
fn errors_never_echo_secrets() {
    let e = Error::InvalidName("empty");
    assert!(!format!("{e} {e:?}").is_empty());
    let s = secret(b"very-secret-bytes");
    assert!(!format!("{s:?}").contains("very-secret"));
}

/// Without `skip_os_store`, the OS store is tried first; whichever backend is chosen, the
/// reason says why (on a machine without a usable OS store it names that failure).
#[test]
fn open_default_reports_the_os_store_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = DefaultOptions::new(format!("bosso-vault-test-{}", std::process::id()));
    o.dir = Some(dir.path().to_owned());
    let (store, choice) = open_default(o).unwrap();
    assert_eq!(store.backend(), choice.backend);
    match choice.backend {
        Backend::OsKeychain => assert!(choice.reason.contains("usable"), "{}", choice.reason),
        Backend::EncryptedFile => assert!(
            choice.reason.contains("OS store not usable")
                || choice.reason.contains("without an OS store"),
            "{}",
            choice.reason
        ),
        other => panic!("unexpected backend {other:?}"),
    }
    println!("open_default chose {:?}: {}", choice.backend, choice.reason);
}

/// A crafted header asking Argon2 for 4 TiB is refused before any allocation.
#[test]
fn hostile_kdf_parameters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v");
    let src = || KeySource::Passphrase {
        passphrase: SecretString::from("pw"),
        params: weak(),
    };
    EncryptedFileStore::open(&v, src()).unwrap();
    let mut raw = std::fs::read(&v).unwrap();
    raw[10..14].copy_from_slice(&u32::MAX.to_be_bytes());
    std::fs::write(&v, &raw).unwrap();
    assert!(matches!(
        EncryptedFileStore::open(&v, src()),
        Err(Error::Kdf(_))
    ));
}
