//! bosso-vault: envelope encryption beside the raw AEAD (the limit) and the crate a user would
//! otherwise pick (RustCrypto `aes-gcm` with a random nonce); the encrypted file store's get
//! and durable put (fsync + rename + directory fsync).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use std::hint::black_box;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use bosso::vault::envelope::{Context, TenantId};
use bosso::vault::{EncryptedFileStore, EntryName, EnvelopeKeyset, KeySource};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use secrecy::SecretSlice;

fn envelope(c: &mut Criterion) {
    let ks = EnvelopeKeyset::generate().unwrap();
    let ctx = Context::new(
        TenantId::new("acme").unwrap(),
        "integrations",
        "api_key",
        "42",
    )
    .unwrap();
    let ring_key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[7u8; 32]).unwrap());
    let rc = aes_gcm::Aes256Gcm::new_from_slice(&[7u8; 32]).unwrap();
    for size in [64usize, 1024] {
        let pt = vec![0x5Au8; size];
        let mut g = c.benchmark_group(format!("vault/encrypt/{size}B"));
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_function(BenchmarkId::new("bosso envelope", size), |b| {
            b.iter(|| ks.encrypt(black_box(&ctx), black_box(&pt)).unwrap())
        });
        g.bench_function(BenchmarkId::new("ring aes-256-gcm (raw)", size), |b| {
            let mut n = 0u64;
            b.iter(|| {
                n += 1;
                let mut nonce = [0u8; 12];
                nonce[4..].copy_from_slice(&n.to_be_bytes());
                let mut buf = black_box(&pt).clone();
                ring_key
                    .seal_in_place_append_tag(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(b"ad"),
                        &mut buf,
                    )
                    .unwrap();
                buf
            })
        });
        g.bench_function(BenchmarkId::new("aes-gcm crate, random nonce", size), |b| {
            b.iter(|| {
                let nonce = aes_gcm::Aes256Gcm::generate_nonce(&mut OsRng);
                rc.encrypt(&nonce, black_box(pt.as_slice())).unwrap()
            })
        });
        g.finish();

        let ct = ks.encrypt(&ctx, &pt).unwrap();
        let mut ring_ct = pt.clone();
        ring_key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key([1; 12]),
                Aad::from(b"ad"),
                &mut ring_ct,
            )
            .unwrap();
        let rc_nonce = aes_gcm::Aes256Gcm::generate_nonce(&mut OsRng);
        let rc_ct = rc.encrypt(&rc_nonce, pt.as_slice()).unwrap();
        let mut g = c.benchmark_group(format!("vault/decrypt/{size}B"));
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_function(BenchmarkId::new("bosso envelope", size), |b| {
            b.iter(|| ks.decrypt(black_box(&ctx), black_box(&ct)).unwrap())
        });
        g.bench_function(BenchmarkId::new("ring aes-256-gcm (raw)", size), |b| {
            b.iter(|| {
                let mut buf = black_box(&ring_ct).clone();
                let n = ring_key
                    .open_in_place(
                        Nonce::assume_unique_for_key([1; 12]),
                        Aad::from(b"ad"),
                        &mut buf,
                    )
                    .unwrap()
                    .len();
                buf.truncate(n);
                buf
            })
        });
        g.bench_function(BenchmarkId::new("aes-gcm crate", size), |b| {
            b.iter(|| rc.decrypt(&rc_nonce, black_box(rc_ct.as_slice())).unwrap())
        });
        g.finish();
    }
}

fn file_store(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = EncryptedFileStore::open_or_create(
        dir.path().join("v"),
        KeySource::KeyFile(dir.path().join("k")),
    )
    .unwrap();
    for i in 0..10 {
        let n = EntryName::new(format!("service/{i}")).unwrap();
        store
            .put_blocking(&n, &SecretSlice::from(vec![i as u8; 64]))
            .unwrap();
    }
    let name = EntryName::new("service/3").unwrap();
    let mut g = c.benchmark_group("vault/file-store (10 entries of 64 B)");
    g.bench_function("get", |b| {
        b.iter(|| store.get_blocking(black_box(&name)).unwrap())
    });
    g.bench_function("durable put (fsync, rename, dir fsync)", |b| {
        let v = SecretSlice::from(vec![9u8; 64]);
        b.iter(|| store.put_blocking(black_box(&name), &v).unwrap())
    });
    g.bench_function("std::fs::read of the same file (the I/O floor)", |b| {
        b.iter(|| std::fs::read(black_box(store.path())).unwrap())
    });
    g.finish();
}

criterion_group!(benches, envelope, file_store);
criterion_main!(benches);
