//! JSON scrubbing, keyed tags, the tracing and log adapters, the panic hook, log tails and
//! error reports.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use bosso_redact::{Redactor, TagKey};
use std::io::Cursor;
#[cfg(feature = "tracing")]
use std::io::Write;
use std::sync::{Arc, Mutex};

#[cfg(feature = "json")]
#[test]
fn json_scrubs_by_key_and_by_value() {
    let r = Redactor::builder().home_dir("/home/alice").build();
    use serde_json::json;
    let mut v = json!({
        "user": {"email": "alice@example.com", "password": "hunter2", "password_hint": null},
        "headers": {"Authorization": "Bearer abc", "accept": "*/*", "apiKey": {"nested": 1}},
        "frames": ["/home/alice/src/main.rs:10", "plain"],
        "card": 4111111111111111u64,
        "count": 42,
        "bob@example.com": true,
        "refresh_token": null
    });
    r.scrub_json(&mut v);
    assert_eq!(
        v,
        json!({
            "user": {"email": "[REDACTED:email]", "password": "[REDACTED:password]", "password_hint": null},
            "headers": {"Authorization": "[REDACTED:authorization]", "accept": "*/*", "apiKey": "[REDACTED:api_key]"},
            "frames": ["~/src/main.rs:10", "plain"],
            "card": "[REDACTED:card]",
            "count": 42,
            "[REDACTED:email]": true,
            "refresh_token": null
        })
    );
}

#[test]
fn keyed_tags_correlate_without_revealing() {
    let key = TagKey::from_bytes(&[7u8; 32]).unwrap();
    let r = Redactor::builder().keyed_tags(key).build();
    let a = r.redact("password=hunter2").into_owned();
    let b = r.redact("later: password=hunter2").into_owned();
    let c = r.redact("password=hunter3").into_owned();
    let tag = a
        .strip_prefix("password=[REDACTED:password:")
        .unwrap()
        .strip_suffix(']')
        .unwrap();
    assert_eq!(tag.len(), 6);
    assert!(tag.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(b.ends_with(&format!("[REDACTED:password:{tag}]")));
    assert!(
        !c.contains(tag),
        "different secrets must get different tags"
    );
    assert_eq!(r.redact(&a), a, "tags are idempotent");
    // Another install key gives another tag.
    let other = Redactor::builder()
        .keyed_tags(TagKey::from_bytes(&[8u8; 32]).unwrap())
        .build();
    assert_ne!(other.redact("password=hunter2"), a);
    assert!(TagKey::from_bytes(&[1u8; 16]).is_err());
}

#[test]
fn tag_is_truncated_hmac_sha256_per_wycheproof() {
    // Check the tag against Wycheproof HMAC-SHA256 vectors: tag = first 3 bytes of the MAC.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/wycheproof/hmac_sha256_test.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let hex = |s: &str| {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect::<Vec<u8>>()
    };
    let mut checked = 0;
    for group in v["testGroups"].as_array().unwrap() {
        if group["tagSize"].as_u64() != Some(256) {
            continue;
        }
        for t in group["tests"].as_array().unwrap() {
            let key = hex(t["key"].as_str().unwrap());
            if t["result"] != "valid" || key.len() < 32 {
                continue;
            }
            let tag = TagKey::from_bytes(&key)
                .unwrap()
                .tag(&hex(t["msg"].as_str().unwrap()));
            assert_eq!(tag, t["tag"].as_str().unwrap()[..6], "tcId {}", t["tcId"]);
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} vectors checked");
}

#[test]
fn tag_key_debug_hides_the_key() {
    let bytes = TagKey::generate_bytes().unwrap();
    let key = TagKey::from_bytes(&bytes).unwrap();
    let shown = format!("{key:?}");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!shown.contains(&hex[..8]));
    assert_eq!(shown, "TagKey([hidden])");
}

#[cfg(feature = "tracing")]
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);
#[cfg(feature = "tracing")]
impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(feature = "tracing")]
#[test]
fn tracing_make_writer_redacts_events() {
    use bosso_redact::integrations::tracing::RedactingMakeWriter;
    let sink = Sink::default();
    let s2 = sink.clone();
    let make = RedactingMakeWriter::new(move || s2.clone(), Arc::new(Redactor::builder().build()));
    let subscriber = tracing_subscriber::fmt()
        .with_writer(make)
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(password = "hunter2", "login for {}", "alice@example.com");
    });
    let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(out.contains("login for [REDACTED:email]"), "{out}");
    assert!(!out.contains("hunter2") && !out.contains("alice@"), "{out}");
    assert!(out.ends_with('\n'));
}

#[cfg(feature = "log")]
#[test]
fn log_adapter_redacts_messages() {
    use bosso_redact::integrations::log::RedactingLogger;
    struct Capture(Arc<Mutex<Vec<String>>>);
    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, r: &log::Record<'_>) {
            self.0
                .lock()
                .unwrap()
                .push(format!("{} {} {}", r.level(), r.target(), r.args()));
        }
        fn flush(&self) {}
    }
    let msgs = Arc::new(Mutex::new(Vec::new()));
    let logger = RedactingLogger::new(
        Capture(Arc::clone(&msgs)),
        Arc::new(Redactor::builder().build()),
    );
    log::Log::log(
        &logger,
        &log::Record::builder()
            .args(format_args!("token={} for {}", "abc123", "bob@example.com"))
            .level(log::Level::Warn)
            .target("app::auth")
            .build(),
    );
    assert_eq!(
        *msgs.lock().unwrap(),
        vec!["WARN app::auth token=[REDACTED:token] for [REDACTED:email]".to_owned()]
    );
}

#[test]
fn panic_hook_redacts_payload_and_location() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let s2 = Arc::clone(&seen);
    bosso_redact::install_panic_hook_with(Arc::new(Redactor::builder().build()), move |m| {
        s2.lock().unwrap().push(m.to_owned())
    });
    let result = std::panic::catch_unwind(|| {
        let secret = "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5";
        panic!("request failed: Authorization: Bearer {secret}");
    });
    let _ = std::panic::take_hook();
    assert!(result.is_err());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].contains("panicked at"), "{}", seen[0]);
    assert!(
        seen[0].contains("request failed: Authorization: [REDACTED:authorization]"),
        "{}",
        seen[0]
    );
    assert!(!seen[0].contains("ghp_"));
}

#[test]
fn log_tail_drops_the_cut_line_and_redacts() {
    let r = Redactor::builder().build();
    let log = format!(
        "first line password=hunter2\n{}\nlast alice@example.com\n",
        "x".repeat(50)
    );
    // Cut inside the first line: its visible tail `ord=hunter2` must not survive.
    let tail = r
        .log_tail(Cursor::new(log.as_bytes()), (log.len() - 10) as u64)
        .unwrap();
    assert_eq!(tail, format!("{}\nlast [REDACTED:email]\n", "x".repeat(50)));
    let all = r.log_tail(Cursor::new(log.as_bytes()), 10_000).unwrap();
    assert!(all.starts_with("first line password=[REDACTED:password]"));
}

#[test]
fn error_report_sanitizes_and_correlates() {
    #[derive(Debug)]
    struct Inner;
    impl std::fmt::Display for Inner {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("connect postgres://app:pa55@db:5432 refused")
        }
    }
    impl std::error::Error for Inner {}
    #[derive(Debug)]
    struct Outer(Inner);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("loading account bob@example.com")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    let r = Redactor::builder().build();
    let a = r.error_report(&Outer(Inner)).unwrap();
    let b = r.error_report(&Outer(Inner)).unwrap();
    assert_eq!(
        a.detail(),
        "loading account [REDACTED:email]: connect postgres://[REDACTED:url_credentials]@db:5432 refused"
    );
    assert_eq!(a.id().len(), 16);
    assert_ne!(a.id(), b.id());
    assert_eq!(
        a.public_message(),
        format!("internal error (reference {})", a.id())
    );
    assert!(!a.public_message().contains("account"));
}

#[test]
fn redactor_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Redactor>();
    let r = Arc::new(Redactor::builder().build());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let r = Arc::clone(&r);
            std::thread::spawn(move || r.redact(&format!("user{i}@example.com")).into_owned())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), "[REDACTED:email]");
    }
}

#[test]
fn debug_output_names_no_home_dir_and_no_key() {
    let key = TagKey::from_bytes(&[9u8; 32]).unwrap();
    let b = Redactor::builder()
        .home_dir("/home/zelda-secret-user")
        .keyed_tags(key);
    assert!(!format!("{b:?}").contains("zelda"));
    let r = b.build();
    let shown = format!("{r:?}");
    assert!(
        !shown.contains("zelda") && !shown.contains("0909"),
        "{shown}"
    );
    assert!(shown.contains("keyed_tags: true"));
}
