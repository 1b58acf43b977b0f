//! The Secret Service backend against a real `gnome-keyring-daemon`.
//!
//! The test owns everything it talks to: it re-runs this binary under `dbus-run-session` (a
//! private session bus that dies with it), and that child starts `gnome-keyring-daemon` with
//! only the secrets component, unlocks (creates) a login keyring in a temporary `HOME` with a
//! password fed on stdin, runs the scenario, and stops the daemon. Nothing touches the user's
//! own keyring or bus: the session bus address only exists inside `dbus-run-session`.
//!
//! `harness = false`: the bus address has to be in the environment before the D-Bus client
//! starts, and setting environment variables inside a running test process is `unsafe`, so
//! the scenario runs in a child process that inherits it.
//!
//! Outside CI a missing `dbus-run-session` or `gnome-keyring-daemon` is a printed skip; under
//! `CI=true` it is a failure (`.ci/run` installs both).
#![cfg_attr(
    not(all(feature = "secret-service", target_os = "linux")),
    allow(unused)
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

#[cfg(all(feature = "secret-service", target_os = "linux"))]
mod common;

#[cfg(not(all(feature = "secret-service", target_os = "linux")))]
fn main() {
    println!("secret_service: the secret-service feature is off (or not Linux); nothing to run");
}

#[cfg(all(feature = "secret-service", target_os = "linux"))]
fn main() {
    if std::env::var_os(CHILD_ENV).is_some() {
        child::run();
    } else {
        parent::run();
    }
}

/// Set on the re-run inside the private bus; holds the temporary home directory.
#[cfg(all(feature = "secret-service", target_os = "linux"))]
const CHILD_ENV: &str = "BOSSO_VAULT_SECRET_SERVICE_CHILD";

#[cfg(all(feature = "secret-service", target_os = "linux"))]
mod parent {
    use std::process::Command;

    fn on_path(bin: &str) -> bool {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()))
    }

    pub fn run() {
        let missing: Vec<&str> = ["dbus-run-session", "gnome-keyring-daemon"]
            .into_iter()
            .filter(|b| !on_path(b))
            .collect();
        if !missing.is_empty() {
            let msg = format!(
                "{} not found on PATH: install them (apt-get install -y dbus gnome-keyring) to run the Secret Service test",
                missing.join(" and ")
            );
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                eprintln!("secret_service: FAILED: {msg} (CI=true: this is a failure, not a skip)");
                std::process::exit(1);
            }
            println!("SKIPPED secret_service: {msg}");
            println!("secret_service: 0 passed, 0 failed, 1 skipped");
            return;
        }
        let home = tempfile::tempdir().unwrap();
        let exe = std::env::current_exe().unwrap();
        let status = Command::new("dbus-run-session")
            .arg("--")
            .arg(exe)
            .env(super::CHILD_ENV, home.path())
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_RUNTIME_DIR", home.path())
            .status()
            .unwrap();
        if !status.success() {
            eprintln!("secret_service: the scenario failed under dbus-run-session ({status})");
            std::process::exit(1);
        }
    }
}

#[cfg(all(feature = "secret-service", target_os = "linux"))]
mod child {
    use std::io::Write;
    use std::process::{Child, Command, Stdio};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use bosso_vault::{Backend, KeyringStore, SecretStore};
    use keyring_core::CredentialStore;
    use secrecy::ExposeSecret;

    use super::common::{block_on, exercise, name, secret};

    /// Stops the daemon whatever happens to the scenario.
    struct Daemon(Child);

    impl Drop for Daemon {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn start_daemon() -> Daemon {
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets", "--foreground"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // --unlock reads the login keyring's password from stdin until EOF, and creates the
        // keyring (as the `default` collection) when it does not exist yet.
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"bosso-test-only-password").unwrap();
        drop(stdin);
        Daemon(child)
    }

    /// The raw D-Bus credential store, beside our wrapper, to look under it.
    fn raw_store() -> Arc<CredentialStore> {
        dbus_secret_service_keyring_store::Store::new().unwrap()
    }

    fn wait_until_usable(service: &str) -> KeyringStore {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let attempt = KeyringStore::secret_service(service).and_then(|s| s.probe().map(|()| s));
            match attempt {
                Ok(s) => return s,
                Err(e) if Instant::now() > deadline => {
                    panic!("gnome-keyring-daemon never became usable: {e}")
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    fn check(name: &str, f: impl FnOnce()) -> bool {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_ok();
        println!("test {name} ... {}", if ok { "ok" } else { "FAILED" });
        ok
    }

    pub fn run() {
        let daemon = start_daemon();
        let a = wait_until_usable("bosso-test-a");
        let results = [
            check("put_get_list_delete", || {
                assert_eq!(a.backend(), Backend::OsKeychain);
                assert_eq!(a.label(), "linux secret service");
                block_on(exercise(&a)).unwrap();
            }),
            check("the_value_lives_in_the_daemon", || {
                block_on(a.put(&name("held"), &secret(b"in-the-keyring"))).unwrap();
                // A fresh handle (a new D-Bus connection) reads it back from the daemon, and
                // the raw credential holds our one-byte prefix before the value.
                let again = KeyringStore::secret_service("bosso-test-a").unwrap();
                let got = block_on(again.get(&name("held"))).unwrap().unwrap();
                assert_eq!(got.expose_secret(), b"in-the-keyring");
                let raw = raw_store()
                    .build("bosso-test-a", "held", None)
                    .unwrap()
                    .get_secret()
                    .unwrap();
                assert_eq!(raw, b"\x01in-the-keyring");
                assert!(block_on(again.delete(&name("held"))).unwrap());
                assert!(block_on(a.get(&name("held"))).unwrap().is_none());
            }),
            check("two_services_are_isolated", || {
                let b = KeyringStore::secret_service("bosso-test-b").unwrap();
                block_on(a.put(&name("k"), &secret(b"from a"))).unwrap();
                block_on(b.put(&name("k"), &secret(b"from b"))).unwrap();
                let from_a = block_on(a.get(&name("k"))).unwrap().unwrap();
                let from_b = block_on(b.get(&name("k"))).unwrap().unwrap();
                assert_eq!(from_a.expose_secret(), b"from a");
                assert_eq!(from_b.expose_secret(), b"from b");
                assert!(block_on(b.delete(&name("k"))).unwrap());
                assert!(block_on(b.get(&name("k"))).unwrap().is_none());
                assert_eq!(
                    block_on(a.get(&name("k")))
                        .unwrap()
                        .unwrap()
                        .expose_secret(),
                    b"from a"
                );
                assert!(block_on(a.delete(&name("k"))).unwrap());
            }),
            check("a_value_that_is_not_ours_is_refused", || {
                raw_store()
                    .build("bosso-test-a", "foreign", None)
                    .unwrap()
                    .set_secret(b"Sup3rForeignValue")
                    .unwrap();
                let e = block_on(a.get(&name("foreign"))).unwrap_err();
                let text = format!("{e} {e:?}");
                assert!(!text.contains("Sup3r"), "{text}");
                assert!(text.contains("not written by bosso-vault"), "{text}");
            }),
            check("debug_shows_no_secret", || {
                block_on(a.put(&name("dbg"), &secret(b"VisibleNever"))).unwrap();
                let v = block_on(a.get(&name("dbg"))).unwrap().unwrap();
                assert!(!format!("{a:?} {v:?}").contains("VisibleNever"));
                assert!(block_on(a.delete(&name("dbg"))).unwrap());
            }),
        ];
        drop(daemon);
        let passed = results.iter().filter(|ok| **ok).count();
        let failed = results.len() - passed;
        println!("secret_service: {passed} passed, {failed} failed");
        if failed > 0 {
            std::process::exit(1);
        }
    }
}
