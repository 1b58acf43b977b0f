//! The OS-store backend through keyring-core: the mock store everywhere, keyutils where the
//! kernel allows it.
#![cfg(feature = "keyring")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use bosso_vault::envelope::{EnvelopeKeyset, StoreKek};
use bosso_vault::{Backend, KeyringStore, SecretStore};
use common::{block_on, exercise, name, secret};
use secrecy::ExposeSecret;

#[test]
fn mock_store_behaves_like_every_backend() {
    let s = KeyringStore::mock("bosso-test").unwrap();
    assert_eq!(s.backend(), Backend::OsKeychain);
    s.probe().unwrap();
    block_on(exercise(&s)).unwrap();
    // The probe and index credentials never show up as entries.
    block_on(s.put(&name("x"), &secret(b"topsecret"))).unwrap();
    assert_eq!(block_on(s.list()).unwrap(), vec![name("x")]);
    assert!(!format!("{s:?}").contains("topsecret"));
}

#[test]
fn services_are_isolated() {
    let store: std::sync::Arc<keyring_core::CredentialStore> =
        keyring_core::mock::Store::new().unwrap();
    let a = KeyringStore::new(store.clone(), "app-a", "mock");
    let b = KeyringStore::new(store, "app-b", "mock");
    block_on(a.put(&name("k"), &secret(b"from a"))).unwrap();
    assert!(block_on(b.get(&name("k"))).unwrap().is_none());
    assert_eq!(
        block_on(a.get(&name("k")))
            .unwrap()
            .unwrap()
            .expose_secret(),
        b"from a"
    );
}

#[test]
fn keyset_kek_in_the_os_store() {
    let kek = StoreKek::new(KeyringStore::mock("bosso-test").unwrap(), name("kek"));
    block_on(kek.init()).unwrap();
    let ks = EnvelopeKeyset::generate().unwrap();
    let sealed = block_on(ks.seal(&kek, "main")).unwrap();
    assert_eq!(
        block_on(sealed.open(&kek, "main")).unwrap().primary(),
        ks.primary()
    );
}

#[cfg(all(feature = "keyutils", target_os = "linux"))]
#[test]
fn keyutils_where_the_kernel_allows_it() {
    let service = format!("bosso-vault-test-{}", std::process::id());
    let s = match KeyringStore::keyutils(service.clone()).and_then(|s| s.probe().map(|()| s)) {
        Ok(s) => s,
        Err(e) => {
            // Containers often forbid the keyctl syscalls (seccomp) or have no session keyring.
            println!("SKIPPED keyutils test: kernel keyring not usable here: {e}");
            return;
        }
    };
    block_on(exercise(&s)).unwrap();
    // A second handle (same kernel keyring) sees the same entries.
    block_on(s.put(&name("shared"), &secret(b"v1"))).unwrap();
    let s2 = KeyringStore::keyutils(service).unwrap();
    assert_eq!(
        block_on(s2.get(&name("shared")))
            .unwrap()
            .unwrap()
            .expose_secret(),
        b"v1"
    );
    assert!(block_on(s2.delete(&name("shared"))).unwrap());
}

#[test]
fn values_carry_a_prefix_and_foreign_entries_are_refused() {
    let store: std::sync::Arc<keyring_core::CredentialStore> =
        keyring_core::mock::Store::new().unwrap();
    let s = KeyringStore::new(store.clone(), "svc", "mock");
    block_on(s.put(&name("a"), &secret(b""))).unwrap();
    let raw = store.build("svc", "a", None).unwrap().get_secret().unwrap();
    assert_eq!(raw, vec![1u8]);
    // An entry some other program wrote under our service is not silently returned.
    store
        .build("svc", "b", None)
        .unwrap()
        .set_secret(b"Sup3rSecretForeign")
        .unwrap();
    let e = block_on(s.get(&name("b"))).unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains("Sup3r"), "{text}");
}

/// Two threads putting 300 names each through one credential store: the name index keeps all
/// 600 (its read-modify-write is serialised), and a repair rebuilds it from the entries.
#[test]
fn concurrent_puts_keep_every_name_in_the_index() {
    let store: std::sync::Arc<keyring_core::CredentialStore> =
        keyring_core::mock::Store::new().unwrap();
    let threads: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|t| {
            let s = KeyringStore::new(store.clone(), "svc", "mock");
            std::thread::spawn(move || {
                for i in 0..300 {
                    s.put_blocking(&name(&format!("{t}/{i}")), &secret(b"v"))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let s = KeyringStore::new(store.clone(), "svc", "mock");
    assert_eq!(s.list_blocking().unwrap().len(), 600);
    // Concurrent deletes lose nothing either.
    let threads: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|t| {
            let s = KeyringStore::new(store.clone(), "svc", "mock");
            std::thread::spawn(move || {
                for i in 0..150 {
                    assert!(s.delete_blocking(&name(&format!("{t}/{i}"))).unwrap());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(s.list_blocking().unwrap().len(), 300);
    // A lost index (e.g. another process overwrote it) is rebuilt from the given names;
    // names whose entry is gone are dropped.
    store
        .build("svc", ".bosso-vault-index", None)
        .unwrap()
        .delete_credential()
        .unwrap();
    assert!(s.list_blocking().unwrap().is_empty());
    let candidates = vec![name("a/150"), name("b/299"), name("a/0")];
    assert_eq!(
        s.repair_index(&candidates).unwrap(),
        vec![name("a/150"), name("b/299")]
    );
    assert_eq!(
        s.list_blocking().unwrap(),
        vec![name("a/150"), name("b/299")]
    );
}
