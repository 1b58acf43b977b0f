//! The attach story in a real browser: Debian's headless Chromium, driven by puppeteer-core
//! from `clients/js/browser/attach_story.mjs`, loads the demo page over HTTPS from the demo's
//! web service on loopback and runs it with the bundled `@bosso/client`. The certificate is
//! the demo's self-signed one, generated at start; Chromium trusts exactly its key
//! (`--ignore-certificate-errors-spki-list`, with a fresh profile) and resolves only localhost.
//!
//! Needs `chromium` (or `$CHROMIUM`), `node` and `npm ci` in clients/js. Without them the test
//! prints why and passes; under CI=true it fails. The screenshot and the in-browser timings
//! are written to target/browser/.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

// `run_forever` is the example's entry point; this test starts the services itself.
#[allow(dead_code)]
#[path = "../examples/attach_demo/serve.rs"]
mod serve;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bosso::e2ee::PairingOffer;
use serde_json::Value;

fn require_or_skip(what: &str) -> Option<PathBuf> {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what} is required under CI=true"
    );
    eprintln!("skipping the browser test: {what} not available");
    None
}

/// Chromium's path, when it, node and the package's dependencies are all there.
fn tools() -> Option<PathBuf> {
    let chromium = PathBuf::from(std::env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into()));
    if !chromium.is_file() {
        return require_or_skip("chromium (apt-get install chromium)");
    }
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return require_or_skip("node");
    }
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/js");
    if !js.join("node_modules/puppeteer-core").is_dir() {
        return require_or_skip("clients/js/node_modules (run `npm ci` in clients/js)");
    }
    Some(chromium)
}

fn step<'a>(r: &'a Value, name: &str) -> &'a Value {
    let s = &r["steps"][name];
    assert!(!s.is_null(), "step {name} missing: {r:#}");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_browser_runs_the_attach_story() {
    let Some(chromium) = tools() else { return };
    let demo = serve::start().await.unwrap();
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("browser");
    std::fs::create_dir_all(&out_dir).unwrap();
    let cert = out_dir.join("demo-cert.der");
    std::fs::write(&cert, &demo.cert_der).unwrap();
    let offer = |user: &str| demo.offers.iter().find(|o| o.0 == user).unwrap().1.clone();
    let config = serde_json::json!({
        "chromium": chromium,
        "base": demo.base,
        "offers": {"alice": offer("alice"), "bob": offer("bob")},
        "cert": cert,
        "outDir": out_dir,
    });
    let _ = std::fs::remove_file(out_dir.join("attach_story.json"));
    let mut child = std::process::Command::new("node")
        .arg("browser/attach_story.mjs")
        .arg(config.to_string())
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/js"))
        .spawn()
        .unwrap();
    // A bound on the whole browser run (it takes seconds), so a hung browser fails the test
    // instead of holding CI.
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the browser run did not finish in 240 s");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let text = std::fs::read_to_string(out_dir.join("attach_story.json")).unwrap();
    let r: Value = serde_json::from_str(&text).unwrap();
    assert!(r["error"].is_null(), "{}", r["error"]);
    assert_eq!(
        r["pageErrors"],
        serde_json::json!([]),
        "untyped exceptions in the page"
    );

    // The key the browser trusted is the demo's: Chromium's SPKI pin, computed by Node, and
    // the Rust DER walk that `--serve` prints agree.
    assert_eq!(
        r["spki"].as_str(),
        serve::spki_sha256_b64(&demo.cert_der).as_deref()
    );
    // The page showed the fingerprint of the key in alice's offer (the Rust formula).
    let alice_key = PairingOffer::from_url(&offer("alice"))
        .unwrap()
        .daemon_public_key;
    assert_eq!(
        r["fingerprint"].as_str(),
        Some(alice_key.fingerprint().as_str())
    );

    let attached = step(&r, "attach c-1");
    assert_eq!(attached["ok"], true, "{attached}");
    assert_eq!(attached["welcome"], "welcome alice, this is d-alice (c-1)");
    assert_eq!(step(&r, "text"), "daemon got: hello from the browser");
    let binary = step(&r, "binary 1 MiB");
    assert_eq!(binary["same"], true, "{binary}");
    assert_eq!(
        binary["note"],
        "daemon got a binary message of 1048576 bytes"
    );
    assert_eq!(step(&r, "binary 1 byte")["same"], true);
    // The token that opened the first view, presented again: the gate refuses the upgrade.
    let replayed = step(&r, "replayed token");
    assert_eq!(replayed["refused"], true, "{replayed}");
    assert_eq!(replayed["code"], "Transport");
    // A daemon frame replayed by the relay: the browser's channel refuses it and closes.
    assert_eq!(
        step(&r, "relay replays to client")["code"],
        "Authentication"
    );
    assert_eq!(step(&r, "attach c-2")["ok"], true);
    // A browser frame replayed to the daemon: the daemon refuses it and drops the view.
    assert_eq!(step(&r, "relay replays to daemon")["code"], "Transport");
    assert_eq!(step(&r, "attach c-1 again")["ok"], true);
    let offline = step(&r, "daemon offline");
    assert_eq!(offline["cut"], 1, "{offline}");
    assert_eq!(offline["code"], "Transport");
    let bob = step(&r, "bob attaches alice's chat");
    assert_eq!(bob["ok"], false);
    assert_eq!(bob["status"], 403);

    let events = demo.events.all().join("\n");
    for expected in [
        "d-alice: attach verified in the channel for alice (s-alice / c-1)",
        "d-alice: got a binary message of 1048576 bytes",
        "d-alice: frame rejected, channel closed: frame failed authentication",
        "d-alice: offline (1 live view(s) cut)",
    ] {
        assert!(
            events.contains(expected),
            "missing {expected:?} in\n{events}"
        );
    }
    let screenshot = PathBuf::from(r["screenshot"].as_str().unwrap());
    assert!(std::fs::metadata(&screenshot).unwrap().len() > 10_000);
    eprintln!(
        "browser: {}\nscreenshot: {}\nin-browser timings (us): {}",
        r["userAgent"],
        screenshot.display(),
        r["bench"]
    );
}
