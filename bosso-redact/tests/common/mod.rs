//! The harness shared by the rule tests: every input goes through `redact`, `find`, the
//! streaming writer (several chunk sizes) and the JSON scrubber, and must be a fixed point.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub use bosso_redact::{Kind, RedactingWriter, Redactor, Rule};
pub use std::borrow::Cow;
pub use std::io::Write;
pub use std::sync::Arc;

pub fn redactor() -> Arc<Redactor> {
    Arc::new(Redactor::builder().home_dir("/home/alice").build())
}

pub fn stream(r: &Arc<Redactor>, input: &str, chunk: usize) -> String {
    let mut w = RedactingWriter::new(Vec::new(), Arc::clone(r));
    for c in input.as_bytes().chunks(chunk) {
        w.write_all(c).unwrap();
    }
    String::from_utf8(w.finish().unwrap()).unwrap()
}

/// `input` must redact to `expected` through every path, and `expected` must be a fixed point.
pub fn check(input: &str, expected: &str) {
    let r = redactor();
    assert_eq!(r.redact(input), expected, "redact({input:?})");
    assert_eq!(
        r.redact(expected),
        expected,
        "not idempotent on {expected:?}"
    );
    // find: replacing the reported spans with their markers gives the same output.
    let mut rebuilt = String::new();
    let mut pos = 0;
    for f in r.find(input) {
        rebuilt.push_str(&input[pos..f.range.start]);
        if f.kind == Kind::Builtin(Rule::HomeDir) {
            rebuilt.push('~');
        } else {
            rebuilt.push_str(&format!("[REDACTED:{}]", r.label(f.kind)));
        }
        pos = f.range.end;
    }
    rebuilt.push_str(&input[pos..]);
    assert_eq!(rebuilt, expected, "find({input:?})");
    for chunk in [1, 3, 7, 4096] {
        assert_eq!(
            stream(&r, input, chunk),
            expected,
            "writer chunk {chunk} on {input:?}"
        );
    }
    #[cfg(feature = "json")]
    {
        let mut json = serde_json::json!({ "msg": input, "list": [input] });
        r.scrub_json(&mut json);
        assert_eq!(json["msg"], expected, "scrub_json on {input:?}");
        assert_eq!(json["list"][0], expected);
    }
}

/// `input` has nothing to redact: borrowed back, no findings.
pub fn keep(input: &str) {
    let r = redactor();
    assert!(
        matches!(r.redact(input), Cow::Borrowed(_)),
        "over-redacted {input:?}: {}",
        r.redact(input)
    );
    assert!(r.find(input).is_empty());
}
