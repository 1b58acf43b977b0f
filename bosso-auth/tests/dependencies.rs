//! The attach side compiles none of the login side's crates: nothing bosso-auth can pull in,
//! under any feature, reaches a password hash, TOTP, QR/PNG encoder or the governor rate
//! limiter. Read from the workspace's Cargo.lock, which lists optional dependencies too, so the
//! check covers every feature combination.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::collections::{BTreeSet, HashMap};

/// Package name -> the names of its dependencies, from the lock file's `[[package]]` tables.
fn lock_graph(lock: &str) -> HashMap<String, Vec<String>> {
    let mut graph = HashMap::new();
    for table in lock.split("[[package]]").skip(1) {
        let name = table
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .and_then(|l| l.strip_suffix('"'))
            .expect("every package has a name")
            .to_owned();
        let deps: Vec<String> = table
            .split_once("dependencies = [")
            .map(|(_, rest)| {
                rest.split(']')
                    .next()
                    .unwrap()
                    .lines()
                    .filter_map(|l| l.trim().strip_prefix('"'))
                    // `"name"` or `"name version"` (when two versions are locked).
                    .map(|l| l.split(['"', ' ']).next().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        graph.entry(name).or_insert_with(Vec::new).extend(deps);
    }
    graph
}

fn reachable(graph: &HashMap<String, Vec<String>>, root: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![root.to_owned()];
    while let Some(p) = todo.pop() {
        if seen.insert(p.clone()) {
            todo.extend(graph.get(&p).into_iter().flatten().cloned());
        }
    }
    seen
}

const LOGIN_SIDE: [&str; 7] = [
    "argon2",
    "bcrypt",
    "totp-rs",
    "qrcode",
    "png",
    "governor",
    "bosso-accounts",
];

#[test]
fn the_attach_side_pulls_in_no_login_side_crate() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock"))
        .expect("the workspace lock file");
    let graph = lock_graph(&lock);
    // The reader works: the login side is in the lock file, reached from bosso-accounts.
    let accounts = reachable(&graph, "bosso-accounts");
    assert!(accounts.contains("argon2") && accounts.contains("totp-rs"));
    assert!(accounts.contains("bosso-auth"), "accounts builds on auth");

    // Normal, optional and dev dependencies of bosso-auth, and everything below them.
    let auth = reachable(&graph, "bosso-auth");
    assert!(auth.contains("ring") && auth.contains("bosso-token"));
    let found: Vec<_> = LOGIN_SIDE.iter().filter(|c| auth.contains(**c)).collect();
    assert!(found.is_empty(), "bosso-auth reaches {found:?}");
}
