//! bosso-e2ee: seal+open per frame size in both modes, beside the raw primitive (ring's
//! ChaCha20-Poly1305 with a counter nonce: the limit) and the crates a user would otherwise pick
//! (snow's NK transport, crypto_box); handshake beside snow's NK handshake.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use std::hint::black_box;

use bosso_e2ee::paseo::{self, Received};
use bosso_e2ee::{ClientHandshake, DaemonHandshake, DaemonKeyPair};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crypto_box::aead::Aead as _;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};

const SIZES: &[usize] = &[64, 1024, 16 * 1024];
const NK: &str = "Noise_NK_25519_ChaChaPoly_SHA256";

fn secure_pair(keys: &DaemonKeyPair) -> (bosso_e2ee::Channel, bosso_e2ee::Channel) {
    let (hs, hello) = ClientHandshake::start(keys.public()).unwrap();
    let (pending, ready) = DaemonHandshake::new(keys).respond(&hello).unwrap();
    let (client, confirm) = hs.read_ready(&ready).unwrap();
    (client, pending.read_confirm(&confirm).unwrap())
}

fn snow_pair() -> (snow::TransportState, snow::TransportState) {
    let builder = snow::Builder::new(NK.parse().unwrap());
    let kp = builder.generate_keypair().unwrap();
    let mut i = snow::Builder::new(NK.parse().unwrap())
        .remote_public_key(&kp.public)
        .build_initiator()
        .unwrap();
    let mut r = snow::Builder::new(NK.parse().unwrap())
        .local_private_key(&kp.private)
        .build_responder()
        .unwrap();
    let (mut a, mut b) = ([0u8; 128], [0u8; 128]);
    let n = i.write_message(&[], &mut a).unwrap();
    r.read_message(&a[..n], &mut b).unwrap();
    let n = r.write_message(&[], &mut a).unwrap();
    i.read_message(&a[..n], &mut b).unwrap();
    (
        i.into_transport_mode().unwrap(),
        r.into_transport_mode().unwrap(),
    )
}

fn counter_nonce(n: u64) -> Nonce {
    let mut b = [0u8; 12];
    b[4..].copy_from_slice(&n.to_le_bytes());
    Nonce::assume_unique_for_key(b)
}

fn seal_open(c: &mut Criterion) {
    let keys = DaemonKeyPair::generate();
    let mut group = c.benchmark_group("e2ee/seal_open");
    for &size in SIZES {
        let msg = vec![0x5au8; size];
        group.throughput(Throughput::Bytes(size as u64));

        let key = [7u8; 32];
        let sealer = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &key).unwrap());
        let opener = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &key).unwrap());
        let mut n = 0u64;
        group.bench_with_input(
            BenchmarkId::new("ring_chacha20poly1305", size),
            &msg,
            |b, msg| {
                b.iter(|| {
                    let mut buf = msg.clone();
                    sealer
                        .seal_in_place_append_tag(counter_nonce(n), Aad::empty(), &mut buf)
                        .unwrap();
                    let pt = opener
                        .open_in_place(counter_nonce(n), Aad::empty(), &mut buf)
                        .unwrap();
                    n += 1;
                    black_box(pt.len())
                });
            },
        );

        let (mut client, mut daemon) = secure_pair(&keys);
        group.bench_with_input(BenchmarkId::new("bosso_secure", size), &msg, |b, msg| {
            b.iter(|| {
                // A WebSocket daemon owns the received buffer: open it in place.
                let mut frame = client.seal(msg).unwrap();
                black_box(daemon.open_in_place(&mut frame).unwrap().len())
            });
        });

        let (mut i, mut r) = snow_pair();
        let (mut wire, mut out) = (vec![0u8; size + 64], vec![0u8; size + 64]);
        group.bench_with_input(
            BenchmarkId::new("snow_nk_transport", size),
            &msg,
            |b, msg| {
                b.iter(|| {
                    let len = i.write_message(msg, &mut wire).unwrap();
                    black_box(r.read_message(&wire[..len], &mut out).unwrap())
                });
            },
        );

        let hs = paseo::ClientHandshake::start(keys.public()).unwrap();
        let guard = paseo::HelloReplayGuard::default();
        let (mut pd, ready) = paseo::DaemonHandshake::new(&keys, &guard)
            .read_hello(hs.hello())
            .unwrap();
        let mut pc = hs.read_ready(&ready).unwrap();
        group.bench_with_input(BenchmarkId::new("bosso_paseo", size), &msg, |b, msg| {
            b.iter(|| {
                let text = pc.seal(msg).unwrap();
                match pd.open(&text).unwrap() {
                    Received::Data(d) => black_box(d),
                    _ => unreachable!(),
                }
            });
        });

        let alice = crypto_box::SecretKey::from([1u8; 32]);
        let bob = crypto_box::SecretKey::from([2u8; 32]);
        let tx = crypto_box::SalsaBox::new(&bob.public_key(), &alice);
        let rx = crypto_box::SalsaBox::new(&alice.public_key(), &bob);
        let mut nonce = [0u8; 24];
        group.bench_with_input(BenchmarkId::new("crypto_box", size), &msg, |b, msg| {
            b.iter(|| {
                nonce[..8].copy_from_slice(&n.to_le_bytes());
                n += 1;
                let ct = tx.encrypt(&nonce.into(), msg.as_slice()).unwrap();
                black_box(rx.decrypt(&nonce.into(), ct.as_slice()).unwrap())
            });
        });
    }
    group.finish();
}

fn handshake(c: &mut Criterion) {
    let keys = DaemonKeyPair::generate();
    let mut group = c.benchmark_group("e2ee/handshake");
    group.bench_function("bosso_secure_both_sides", |b| {
        b.iter(|| black_box(secure_pair(&keys)));
    });
    group.bench_function("snow_nk_both_sides", |b| {
        let kp = snow::Builder::new(NK.parse().unwrap())
            .generate_keypair()
            .unwrap();
        b.iter(|| {
            let mut i = snow::Builder::new(NK.parse().unwrap())
                .remote_public_key(&kp.public)
                .build_initiator()
                .unwrap();
            let mut r = snow::Builder::new(NK.parse().unwrap())
                .local_private_key(&kp.private)
                .build_responder()
                .unwrap();
            let (mut a, mut bb) = ([0u8; 128], [0u8; 128]);
            let n = i.write_message(&[], &mut a).unwrap();
            r.read_message(&a[..n], &mut bb).unwrap();
            let n = r.write_message(&[], &mut a).unwrap();
            i.read_message(&a[..n], &mut bb).unwrap();
            black_box((
                i.into_transport_mode().unwrap(),
                r.into_transport_mode().unwrap(),
            ))
        });
    });
    group.bench_function("bosso_paseo_both_sides", |b| {
        b.iter(|| {
            let hs = paseo::ClientHandshake::start(keys.public()).unwrap();
            // A fresh guard per handshake: one shared guard fills after its capacity and
            // then refuses, as a daemon's does; the remember-and-check cost stays in.
            let guard = paseo::HelloReplayGuard::default();
            let (d, ready) = paseo::DaemonHandshake::new(&keys, &guard)
                .read_hello(hs.hello())
                .unwrap();
            black_box((hs.read_ready(&ready).unwrap(), d))
        });
    });
    group.finish();
}

criterion_group!(benches, seal_open, handshake);
criterion_main!(benches);
