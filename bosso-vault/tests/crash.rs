//! Crash safety and multi-process writers: child processes are this test binary re-executed
//! with `BOSSO_VAULT_CHILD` set, running the `child_main` test as a writer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bosso_vault::{EncryptedFileStore, KeySource};
use common::{name, secret};
use secrecy::ExposeSecret;

const ROLE: &str = "BOSSO_VAULT_CHILD";
const DIR: &str = "BOSSO_VAULT_CHILD_DIR";
const PREFIX: &str = "BOSSO_VAULT_CHILD_PREFIX";
const COUNT: &str = "BOSSO_VAULT_CHILD_COUNT";

fn open(dir: &Path) -> EncryptedFileStore {
    EncryptedFileStore::open_or_create(dir.join("v"), KeySource::KeyFile(dir.join("k"))).unwrap()
}

/// A value that proves its own integrity: `name|counter|padding|checksum`; padding varies so
/// the file size changes from write to write.
fn value(entry: &str, counter: u64) -> Vec<u8> {
    let pad = "x".repeat((counter % 97) as usize);
    let body = format!("{entry}|{counter}|{pad}");
    let sum: u32 = body.bytes().map(u32::from).sum();
    format!("{body}|{sum}").into_bytes()
}

fn check_value(entry: &str, v: &[u8]) -> u64 {
    let s = std::str::from_utf8(v).expect("value is UTF-8");
    let (body, sum) = s.rsplit_once('|').expect("value has a checksum");
    let expect: u32 = body.bytes().map(u32::from).sum();
    assert_eq!(
        sum.parse::<u32>().unwrap(),
        expect,
        "garbage value for {entry}"
    );
    let mut parts = body.splitn(3, '|');
    assert_eq!(parts.next(), Some(entry), "value belongs to another entry");
    parts.next().unwrap().parse().unwrap()
}

/// The child side. A no-op in a normal test run.
#[test]
fn child_main() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let dir = PathBuf::from(std::env::var(DIR).unwrap());
    let store = open(&dir);
    match role.as_str() {
        // Writes forever (until SIGKILL), cycling over three entries with growing counters.
        "loop" => {
            let start: u64 = std::env::var(COUNT).unwrap().parse().unwrap();
            for c in start.. {
                let entry = format!("e{}", c % 3);
                store
                    .put_blocking(&name(&entry), &secret(&value(&entry, c)))
                    .unwrap();
            }
        }
        // Writes `COUNT` distinct entries once each, then exits.
        "distinct" => {
            let prefix = std::env::var(PREFIX).unwrap();
            let n: u64 = std::env::var(COUNT).unwrap().parse().unwrap();
            for i in 0..n {
                let entry = format!("{prefix}{i}");
                store
                    .put_blocking(&name(&entry), &secret(&value(&entry, i)))
                    .unwrap();
            }
        }
        other => panic!("unknown role {other}"),
    }
}

fn spawn(dir: &Path, role: &str, vars: &[(&str, String)]) -> Child {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", "child_main", "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env(DIR, dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in vars {
        c.env(k, v);
    }
    c.spawn().unwrap()
}

fn random_ms(lo: u64, hi: u64) -> u64 {
    let mut b = [0u8; 8];
    getrandom_bytes(&mut b);
    lo + u64::from_le_bytes(b) % (hi - lo)
}

fn getrandom_bytes(b: &mut [u8]) {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the OS per instance: enough for picking kill times.
    for chunk in b.chunks_mut(8) {
        let v = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
            .to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}

/// SIGKILL a writer at random moments, many times: after each kill the vault opens, every
/// entry holds a well-formed value for its own name, and no entry goes back in time (a write
/// that was observed is never lost).
#[test]
fn sigkill_during_writes_never_leaves_garbage() {
    let dir = tempfile::tempdir().unwrap();
    open(dir.path());
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut next = 0u64;
    let rounds = 40;
    for round in 0..rounds {
        let mut child = spawn(dir.path(), "loop", &[(COUNT, next.to_string())]);
        std::thread::sleep(Duration::from_millis(random_ms(5, 120)));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let store = open(dir.path());
        for n in store.list_blocking().unwrap() {
            let v = store.get_blocking(&n).unwrap().unwrap();
            let c = check_value(n.as_str(), v.expose_secret());
            let prev = seen.insert(n.as_str().to_owned(), c);
            assert!(
                prev.is_none_or(|p| p <= c),
                "round {round}: {n} went back from {prev:?} to {c}"
            );
            next = next.max(c + 1);
        }
        // Leftover temp files are cleaned up by the next writer, never read as the vault.
    }
    assert!(
        next > 0,
        "the writer never completed a write in {rounds} rounds"
    );
    eprintln!("crash test: {rounds} kills, {next} writes observed");
}

/// Two processes writing different entries at the same time lose no update.
#[test]
fn two_processes_writing_concurrently_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    open(dir.path());
    let n = 30u64;
    let a = spawn(
        dir.path(),
        "distinct",
        &[(PREFIX, "a".into()), (COUNT, n.to_string())],
    );
    let b = spawn(
        dir.path(),
        "distinct",
        &[(PREFIX, "b".into()), (COUNT, n.to_string())],
    );
    for mut c in [a, b] {
        assert!(c.wait().unwrap().success());
    }
    let store = open(dir.path());
    let names = store.list_blocking().unwrap();
    assert_eq!(
        names.len() as u64,
        2 * n,
        "lost updates: {} of {}",
        names.len(),
        2 * n
    );
    for p in ["a", "b"] {
        for i in 0..n {
            let e = format!("{p}{i}");
            let v = store.get_blocking(&name(&e)).unwrap().unwrap();
            assert_eq!(check_value(&e, v.expose_secret()), i);
        }
    }
}
