#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use bosso_vault::envelope::{
    CIPHERTEXT_OVERHEAD, CiphertextHeader, Context, KeyEncryptionKey, KeyStatus, LocalKek,
    SealedEnvelopeKeyset, StoreKek, TenantId,
};
use bosso_vault::{EnvelopeKeyset, Error, MemoryStore};
use common::{block_on, name};

fn ctx(tenant: &str, row: &str) -> Context {
    Context::new(
        TenantId::new(tenant).unwrap(),
        "integrations",
        "api_key",
        row,
    )
    .unwrap()
}

#[test]
fn round_trip_and_size() {
    let ks = EnvelopeKeyset::generate().unwrap();
    for len in [0usize, 1, 64, 1024] {
        let pt = vec![0xA5u8; len];
        let ct = ks.encrypt(&ctx("acme", "1"), &pt).unwrap();
        assert_eq!(ct.len(), len + CIPHERTEXT_OVERHEAD);
        let (h, _) = CiphertextHeader::parse(&ct).unwrap();
        assert_eq!((h.version, h.key_id), (1, ks.primary()));
        assert_eq!(
            ks.decrypt(&ctx("acme", "1"), &ct).unwrap().as_slice(),
            &pt[..]
        );
    }
}

#[test]
fn context_is_mandatory_and_bound() {
    assert!(Context::new(TenantId::new("t").unwrap(), "", "c", "r").is_err());
    assert!(Context::new(TenantId::new("t").unwrap(), "t", "c", "").is_err());
    assert!(TenantId::new("").is_err());
    let ks = EnvelopeKeyset::generate().unwrap();
    let t = TenantId::new("acme").unwrap();
    let ct = ks.encrypt(&ctx("acme", "42"), b"sk_live").unwrap();
    let others = [
        ctx("acme", "43"),                                                // another row
        ctx("globex", "42"),                                              // another tenant
        Context::new(t.clone(), "other_table", "api_key", "42").unwrap(), // another table
        Context::new(t.clone(), "integrations", "secret", "42").unwrap(), // another column
        // Field boundaries are unambiguous: "ab"+"c" is not "a"+"bc".
        Context::new(t, "integrationsa", "pi_key", "42").unwrap(),
    ];
    for o in &others {
        assert!(
            matches!(ks.decrypt(o, &ct), Err(Error::DecryptFailed)),
            "{o:?}"
        );
    }
}

#[test]
fn every_single_byte_change_of_a_ciphertext_fails() {
    let ks = EnvelopeKeyset::generate().unwrap();
    let c = ctx("acme", "1");
    let ct = ks.encrypt(&c, b"a secret of some length").unwrap();
    for i in 0..ct.len() {
        for flip in [1u8, 0x80] {
            let mut bad = ct.clone();
            bad[i] ^= flip;
            assert!(ks.decrypt(&c, &bad).is_err(), "byte {i}");
        }
    }
    for len in 0..ct.len() {
        assert!(ks.decrypt(&c, &ct[..len]).is_err());
    }
}

#[test]
fn rotation_keeps_old_data_readable_and_reencrypt_moves_it() {
    let mut ks = EnvelopeKeyset::generate().unwrap();
    let old = ks.primary();
    let rows: Vec<Context> = (0..10).map(|i| ctx("acme", &i.to_string())).collect();
    let mut cts: Vec<Vec<u8>> = rows
        .iter()
        .map(|c| ks.encrypt(c, c.tenant().as_str().as_bytes()).unwrap())
        .collect();
    let new = ks.rotate().unwrap();
    assert_ne!(old, new);
    assert_eq!(ks.primary(), new);
    for (c, ct) in rows.iter().zip(&cts) {
        assert_eq!(ks.decrypt(c, ct).unwrap().as_slice(), b"acme");
    }
    // One row is already under the new key.
    cts[3] = ks.encrypt(&rows[3], b"acme").unwrap();
    let kept = cts[9].clone();
    let mut seen = Vec::new();
    let p = ks
        .reencrypt_all(rows.iter().zip(cts.iter_mut()), |p| seen.push(*p))
        .unwrap();
    assert_eq!(
        (p.total, p.done, p.reencrypted, p.unchanged),
        (10, 10, 9, 1)
    );
    assert_eq!(seen.len(), 10);
    assert_eq!(
        seen.iter().map(|p| p.done).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    for (c, ct) in rows.iter().zip(&cts) {
        assert_eq!(CiphertextHeader::parse(ct).unwrap().0.key_id, new);
        assert_eq!(ks.decrypt(c, ct).unwrap().as_slice(), b"acme");
    }
    // Retire the old key: disable (reversible), then destroy.
    ks.disable(old).unwrap();
    assert!(matches!(
        ks.decrypt(&rows[9], &kept),
        Err(Error::KeyDisabled(_))
    ));
    ks.enable(old).unwrap();
    assert!(ks.decrypt(&rows[9], &kept).is_ok());
    assert!(matches!(ks.destroy(old), Err(Error::NotDisabled(_))));
    ks.disable(old).unwrap();
    ks.destroy(old).unwrap();
    assert!(matches!(
        ks.decrypt(&rows[9], &kept),
        Err(Error::KeyDestroyed(_))
    ));
    assert!(matches!(ks.enable(old), Err(Error::KeyDestroyed(_))));
    assert!(matches!(ks.set_primary(old), Err(Error::KeyDestroyed(_))));
    for (c, ct) in rows.iter().zip(&cts) {
        assert!(ks.decrypt(c, ct).is_ok());
    }
    let info = ks.keys();
    assert_eq!(info.iter().filter(|k| k.primary).count(), 1);
    assert!(
        info.iter()
            .any(|k| k.id == old && k.status == KeyStatus::Destroyed)
    );
}

#[test]
fn primary_is_protected_and_unknown_keys_are_reported() {
    let mut ks = EnvelopeKeyset::generate().unwrap();
    let p = ks.primary();
    assert!(matches!(ks.disable(p), Err(Error::PrimaryKey(_))));
    assert!(matches!(ks.destroy(p), Err(Error::PrimaryKey(_))));
    let other = EnvelopeKeyset::generate().unwrap();
    let ct = other.encrypt(&ctx("acme", "1"), b"x").unwrap();
    assert!(matches!(
        ks.decrypt(&ctx("acme", "1"), &ct),
        Err(Error::UnknownKey(_))
    ));
    let mut bad = ct.clone();
    bad[0] = 2;
    assert!(matches!(
        ks.decrypt(&ctx("acme", "1"), &bad),
        Err(Error::UnsupportedVersion { .. })
    ));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The ciphertext format recomputed from SPEC.md with independent code (RustCrypto `hkdf`,
/// `aes-gcm`): this pins the per-tenant key derivation and the bound associated data.
#[test]
fn ciphertext_matches_the_spec_with_independent_code() {
    let kek = LocalKek::generate().unwrap();
    let ks = EnvelopeKeyset::generate().unwrap();
    let sealed = block_on(ks.seal(&kek, "test")).unwrap();
    let plain = block_on(kek.unwrap(sealed.as_bytes(), b"bosso-vault/keyset/v1/test")).unwrap();
    // Serialized keyset: magic(8) version(1) primary(4) count(2) then id(4) status(1) key(32).
    assert_eq!(&plain[..8], b"BOSSOKST");
    let material = &plain[8 + 1 + 4 + 2 + 4 + 1..][..32];

    let c = ctx("acme", "42");
    let ct = ks.encrypt(&c, b"hello").unwrap();
    let (header, rest) = ct.split_at(5);
    let (seed, body) = rest.split_at(24);

    let prk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"bosso-vault/envelope/v1/key"), material);
    let mut tenant_key = [0u8; 32];
    prk.expand_multi_info(&[b"tenant", &4u16.to_be_bytes(), b"acme"], &mut tenant_key)
        .unwrap();
    let mut msg_key = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(seed), &tenant_key)
        .expand(b"bosso-vault/envelope/v1/message", &mut msg_key)
        .unwrap();
    let mut ad = header.to_vec();
    ad.extend_from_slice(b"bosso-vault/envelope/v1/context");
    for f in ["acme", "integrations", "api_key", "42"] {
        ad.extend_from_slice(&(f.len() as u16).to_be_bytes());
        ad.extend_from_slice(f.as_bytes());
    }
    let out = aes_gcm::Aes256Gcm::new_from_slice(&msg_key)
        .unwrap()
        .decrypt(
            &[0u8; 12].into(),
            Payload {
                msg: body,
                aad: &ad,
            },
        )
        .unwrap();
    assert_eq!(out, b"hello");

    // Debug of every type holding key material shows none of it.
    let dbg = format!("{ks:?} {kek:?} {sealed:?}");
    assert!(
        !dbg.contains(&hex(material)) && !dbg.contains(&format!("{:?}", material)),
        "{dbg}"
    );
    let kek_dbg = format!("{:?}", kek.to_secret());
    assert!(kek_dbg.contains("REDACTED"), "{kek_dbg}");
}

#[test]
fn sealed_keyset_round_trip_and_tamper() {
    block_on(async {
        let mut ks = EnvelopeKeyset::generate().unwrap();
        let old = ks.primary();
        ks.rotate().unwrap();
        ks.disable(old).unwrap();
        let kek = LocalKek::generate().unwrap();
        let sealed = ks.seal(&kek, "tenant-db").await.unwrap();
        let back = SealedEnvelopeKeyset::from_bytes(sealed.as_bytes().to_vec())
            .open(&kek, "tenant-db")
            .await
            .unwrap();
        assert_eq!(back.keys(), ks.keys());
        let c = ctx("acme", "1");
        let ct = ks.encrypt(&c, b"v").unwrap();
        assert_eq!(back.decrypt(&c, &ct).unwrap().as_slice(), b"v");
        // Wrong KEK, wrong name, any flipped byte: refused.
        assert!(
            sealed
                .open(&LocalKek::generate().unwrap(), "tenant-db")
                .await
                .is_err()
        );
        assert!(sealed.open(&kek, "other-db").await.is_err());
        for i in 0..sealed.as_bytes().len() {
            let mut b = sealed.as_bytes().to_vec();
            b[i] ^= 1;
            assert!(
                SealedEnvelopeKeyset::from_bytes(b)
                    .open(&kek, "tenant-db")
                    .await
                    .is_err(),
                "byte {i}"
            );
        }
    });
}

#[test]
fn kek_from_a_secret_store() {
    block_on(async {
        let store = MemoryStore::default();
        let kek = StoreKek::new(store, name("keyset-kek"));
        let ks = EnvelopeKeyset::generate().unwrap();
        // wrap never invents a key either: the KEK is created by an explicit init.
        assert!(matches!(
            ks.seal(&kek, "main").await,
            Err(Error::KekUnavailable(_))
        ));
        assert!(kek.init().await.unwrap());
        assert!(!kek.init().await.unwrap());
        let sealed = ks.seal(&kek, "main").await.unwrap();
        assert_eq!(
            sealed.open(&kek, "main").await.unwrap().primary(),
            ks.primary()
        );
        // unwrap never invents a key.
        let empty = StoreKek::new(MemoryStore::default(), name("keyset-kek"));
        assert!(matches!(
            sealed.open(&empty, "main").await,
            Err(Error::KekUnavailable(_))
        ));
    });
}

#[test]
fn keyset_parser_rejects_bad_input() {
    assert!(EnvelopeKeyset::from_bytes(b"").is_err());
    assert!(EnvelopeKeyset::from_bytes(b"BOSSOKST\x01\x00\x00\x00\x01\x00\x00").is_err());
    assert!(CiphertextHeader::parse(&[1, 0, 0, 0, 0]).is_err());
    assert!(CiphertextHeader::parse(&[1, 0, 0, 0, 1]).is_err());
}

/// A store whose `get` reads, then waits until the other task has read too (while `racing`),
/// so two callers both see the same state before either writes: the worst interleaving.
struct RacyStore {
    inner: MemoryStore,
    barrier: tokio::sync::Barrier,
    racing: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl bosso_vault::SecretStore for RacyStore {
    fn backend(&self) -> bosso_vault::Backend {
        self.inner.backend()
    }
    async fn get(
        &self,
        n: &bosso_vault::EntryName,
    ) -> Result<Option<bosso_vault::SecretBytes>, Error> {
        let r = self.inner.get(n).await;
        if self.racing.load(std::sync::atomic::Ordering::SeqCst) {
            self.barrier.wait().await;
        }
        r
    }
    async fn put(
        &self,
        n: &bosso_vault::EntryName,
        v: &bosso_vault::SecretBytes,
    ) -> Result<(), Error> {
        self.inner.put(n, v).await
    }
    async fn put_if_absent(
        &self,
        n: &bosso_vault::EntryName,
        v: &bosso_vault::SecretBytes,
    ) -> Result<bool, Error> {
        self.inner.put_if_absent(n, v).await
    }
    async fn delete(&self, n: &bosso_vault::EntryName) -> Result<bool, Error> {
        self.inner.delete(n).await
    }
    async fn list(&self) -> Result<Vec<bosso_vault::EntryName>, Error> {
        self.inner.list().await
    }
}

/// Two sealers racing on a fresh store must end up under one KEK: both keysets open.
#[test]
fn concurrent_seals_on_a_fresh_store_kek_both_open() {
    block_on(async {
        let racing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let kek = StoreKek::new(
            RacyStore {
                inner: MemoryStore::default(),
                barrier: tokio::sync::Barrier::new(2),
                racing: racing.clone(),
            },
            name("keyset-kek"),
        );
        let (k1, k2) = (
            EnvelopeKeyset::generate().unwrap(),
            EnvelopeKeyset::generate().unwrap(),
        );
        let (s1, s2) = tokio::join!(
            async {
                kek.init().await?;
                k1.seal(&kek, "one").await
            },
            async {
                kek.init().await?;
                k2.seal(&kek, "two").await
            }
        );
        racing.store(false, std::sync::atomic::Ordering::SeqCst);
        let (s1, s2) = (s1.unwrap(), s2.unwrap());
        assert_eq!(s1.open(&kek, "one").await.unwrap().primary(), k1.primary());
        assert_eq!(s2.open(&kek, "two").await.unwrap().primary(), k2.primary());
    });
}

/// What the docs now say about `destroy`: it holds for this keyset and later seals, but an
/// older sealed copy still holds the key (so every such copy must be deleted).
#[test]
fn destroy_does_not_reach_older_sealed_copies() {
    block_on(async {
        let kek = LocalKek::generate().unwrap();
        let mut ks = EnvelopeKeyset::generate().unwrap();
        let old = ks.primary();
        let c = ctx("acme", "1");
        let ct = ks.encrypt(&c, b"payload").unwrap();
        let before = ks.seal(&kek, "main").await.unwrap();
        ks.rotate().unwrap();
        ks.disable(old).unwrap();
        ks.destroy(old).unwrap();
        assert!(matches!(ks.decrypt(&c, &ct), Err(Error::KeyDestroyed(_))));
        let after = ks.seal(&kek, "main").await.unwrap();
        let reopened = after.open(&kek, "main").await.unwrap();
        assert!(matches!(
            reopened.decrypt(&c, &ct),
            Err(Error::KeyDestroyed(_))
        ));
        let older = before.open(&kek, "main").await.unwrap();
        assert_eq!(older.decrypt(&c, &ct).unwrap().as_slice(), b"payload");
    });
}
