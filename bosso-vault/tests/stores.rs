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
    Argon2Params, Backend, DefaultOptions, DynSecretStore, EncryptedFileStore, Error,
    InsecureOptIn, KeySource, MemoryStore, PlaintextFileStore, SecretStore, inspect_vault_file,
    open_default,
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

/// A backend chosen at run time, behind `Arc<dyn DynSecretStore>`, behaves as itself.
#[test]
fn a_trait_object_store_behaves_as_its_backend() {
    block_on(async {
        let store: Arc<dyn DynSecretStore> = Arc::new(MemoryStore::default());
        exercise(&store).await.unwrap();
        assert_eq!(store.backend(), Backend::Memory);
        assert!(
            store
                .put_if_absent(&name("n"), &secret(b"1"))
                .await
                .unwrap()
        );
        assert!(
            !store
                .put_if_absent(&name("n"), &secret(b"2"))
                .await
                .unwrap()
        );
        assert_eq!(
            store
                .get(&name("n"))
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            b"1"
        );
    });
}

#[test]
fn file_store_behaves_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        EncryptedFileStore::open_or_create(
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
    let s = EncryptedFileStore::create(&v, KeySource::KeyFile(k.clone())).unwrap();
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
    EncryptedFileStore::create(&v, KeySource::KeyFile(dir.path().join("k1"))).unwrap();
    // Another install's key file.
    EncryptedFileStore::create(
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
    let s = EncryptedFileStore::create(&v, src("correct horse")).unwrap();
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
    let s = EncryptedFileStore::create(&v, KeySource::KeyFile(k.clone())).unwrap();
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
}

/// The plaintext opt-in is a last resort: a usable encrypted store wins, a passphrase plus the
/// opt-in is refused, and plaintext is used only when the encrypted store cannot be created.
#[test]
fn open_default_prefers_encrypted_over_plaintext_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    let opts = |sub: &str| {
        let mut o = DefaultOptions::new("bosso-test");
        o.dir = Some(dir.path().join(sub));
        o.skip_os_store = true;
        o.insecure_plaintext = Some(InsecureOptIn::i_accept_plaintext_secrets());
        o
    };
    let (store, choice) = open_default(opts("a")).unwrap();
    assert_eq!(choice.backend, Backend::EncryptedFile, "{}", choice.reason);
    assert_eq!(store.backend(), Backend::EncryptedFile);
    assert!(!dir.path().join("a/secrets.plain").exists());

    let mut o = opts("b");
    o.passphrase = Some(SecretString::from("pw"));
    assert!(matches!(open_default(o), Err(Error::NoBackend(_))));
    assert!(!dir.path().join("b/secrets.plain").exists());
    assert!(!dir.path().join("b/secrets.vault").exists());

    // The encrypted store cannot be created (a directory sits where its lock file goes, an
    // I/O failure): plaintext, as the last resort.
    std::fs::create_dir_all(dir.path().join("c/secrets.vault.lock")).unwrap();
    let (_, choice) = open_default(opts("c")).unwrap();
    assert_eq!(choice.backend, Backend::InsecurePlaintextFile);
    assert!(choice.reason.contains("INSECURE"), "{}", choice.reason);

    // A symbolic link planted at the key file is a security error, never a reason to fall
    // back to plaintext.
    std::fs::create_dir_all(dir.path().join("d")).unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("d/nowhere/key"),
        dir.path().join("d/secrets.key"),
    )
    .unwrap();
    let r = open_default(opts("d"));
    assert!(matches!(r, Err(Error::UntrustedFile { .. })), "{r:?}");
    assert!(!dir.path().join("d/secrets.plain").exists());
}

/// The first run records its backend; a later run uses that backend or fails, never a
/// different store that lacks the secrets.
#[test]
fn open_default_sticks_to_the_recorded_backend() {
    let dir = tempfile::tempdir().unwrap();
    let mk = |skip: bool| {
        let mut o = DefaultOptions::new(format!("bosso-vault-test-{}", std::process::id()));
        o.dir = Some(dir.path().to_owned());
        o.skip_os_store = skip;
        o
    };
    let (_, first) = open_default(mk(true)).unwrap();
    assert_eq!(first.backend, Backend::EncryptedFile);
    let marker = dir.path().join("backend");
    assert_eq!(
        std::fs::metadata(&marker).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Even when an OS store would be usable now, the recorded file store is kept.
    let (_, again) = open_default(mk(false)).unwrap();
    assert_eq!(again.backend, Backend::EncryptedFile, "{}", again.reason);

    // A run recorded the OS store; now it is unavailable (skipped here; locked or absent in
    // real life): an error, not a silent switch to the file store.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(
        other.path().join("backend"),
        b"bosso-vault backend v1\nos-keychain\n",
    )
    .unwrap();
    std::fs::set_permissions(
        other.path().join("backend"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let mut o = DefaultOptions::new("bosso-test");
    o.dir = Some(other.path().to_owned());
    o.skip_os_store = true;
    assert!(matches!(open_default(o), Err(Error::NoBackend(_))));
    assert!(!other.path().join("secrets.vault").exists());
    // Without the keyring feature, the OS store is just as unavailable.
    let mut o = DefaultOptions::new("bosso-vault-test-absent");
    o.dir = Some(other.path().to_owned());
    if let Ok((_, c)) = open_default(o) {
        assert_eq!(c.backend, Backend::OsKeychain, "{}", c.reason);
    }
    assert!(!other.path().join("secrets.vault").exists());
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
    EncryptedFileStore::create(
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

/// Errors produced from secret-bearing inputs, formatted with `Display`, `Debug` and the
/// source chain, never contain the secret.
#[test]
fn errors_never_echo_secrets() {
    const SECRET: &str = "Sup3rSecretValue-0xC0FFEE";
    fn rendered(e: &Error) -> String {
        let mut out = format!("{e} | {e:?}");
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            out.push_str(&format!(" | {s} | {s:?}"));
            src = s.source();
        }
        out
    }
    let check = |e: Error| {
        let text = rendered(&e);
        assert!(!text.contains(SECRET), "secret echoed: {text}");
        assert!(!text.contains("Sup3r"), "secret prefix echoed: {text}");
        text
    };
    let dir = tempfile::tempdir().unwrap();
    let pass = |p: String| KeySource::Passphrase {
        passphrase: SecretString::from(p),
        params: weak(),
    };

    // Wrong passphrase (the wrong one is secret too).
    let v = dir.path().join("pass.vault");
    let s = EncryptedFileStore::create(&v, pass(format!("{SECRET}-right"))).unwrap();
    s.put_blocking(&name("k"), &secret(SECRET.as_bytes()))
        .unwrap();
    check(EncryptedFileStore::open(&v, pass(format!("{SECRET}-wrong"))).unwrap_err());

    // A tampered vault holding the secret: every kind of damage.
    let good = std::fs::read(&v).unwrap();
    for at in [12usize, 40, 60, 90, good.len() - 40, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x55;
        std::fs::write(&v, &bad).unwrap();
        check(EncryptedFileStore::open(&v, pass(format!("{SECRET}-right"))).unwrap_err());
        check(s.get_blocking(&name("k")).unwrap_err());
    }

    // A damaged plaintext store whose bytes are the secret.
    let p = dir.path().join("plain");
    let ps = PlaintextFileStore::allow_insecure(&p, InsecureOptIn::i_accept_plaintext_secrets())
        .unwrap();
    block_on(ps.put(&name("k"), &secret(SECRET.as_bytes()))).unwrap();
    let mut raw = std::fs::read(&p).unwrap();
    raw.truncate(raw.len() - 3);
    std::fs::write(&p, &raw).unwrap();
    check(block_on(ps.get(&name("k"))).unwrap_err());
    std::fs::write(&p, SECRET.as_bytes()).unwrap();
    check(block_on(ps.list()).unwrap_err());

    // A key file and keyset bytes that are secret material but malformed; a KEK of the
    // wrong length.
    let k = dir.path().join("bad.key");
    std::fs::write(&k, format!("BOSSOKEY\x01{SECRET}")).unwrap();
    std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o600)).unwrap();
    check(EncryptedFileStore::create(dir.path().join("kv"), KeySource::KeyFile(k)).unwrap_err());
    check(
        bosso_vault::EnvelopeKeyset::from_bytes(format!("BOSSOKST\x01{SECRET}").as_bytes())
            .unwrap_err(),
    );
    check(bosso_vault::envelope::LocalKek::from_secret(&secret(SECRET.as_bytes())).unwrap_err());

    // A secret-looking value in a name is refused without echoing it.
    check(bosso_vault::EntryName::new(format!("{SECRET} with spaces")).unwrap_err());
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

/// The key file appears complete or not at all (temp file + fsync + hard link): two vaults
/// created at the same moment with one shared key file both open, and never see a partly
/// written key file. (A crash mid-creation leaves at most a stale temp file, never a
/// truncated key file.)
#[test]
fn key_file_is_never_seen_partly_written() {
    for _ in 0..150 {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("shared.key");
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let threads: Vec<_> = ["v1", "v2"]
            .into_iter()
            .map(|v| {
                let (vault, key, barrier) = (dir.path().join(v), key.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    EncryptedFileStore::create(vault, KeySource::KeyFile(key)).map(|_| ())
                })
            })
            .collect();
        for t in threads {
            let r = t.join().unwrap();
            assert!(r.is_ok(), "{r:?}");
        }
        assert_eq!(std::fs::read(&key).unwrap().len(), 41);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
