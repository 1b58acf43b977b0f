//! The streaming writer's output equals the whole-buffer output for fuzzer-chosen write splits.
#![no_main]

use bosso_redact::{RedactingWriter, Redactor};
use libfuzzer_sys::fuzz_target;
use std::io::Write;
use std::sync::{Arc, OnceLock};

fn redactor() -> Arc<Redactor> {
    static R: OnceLock<Arc<Redactor>> = OnceLock::new();
    Arc::clone(R.get_or_init(|| Arc::new(Redactor::builder().home_dir("/home/alice").build())))
}

fuzz_target!(|data: &[u8]| {
    // First byte seeds the chunk sizes; the rest is the stream.
    let Some((&seed, text)) = data.split_first() else {
        return;
    };
    let r = redactor();
    let whole = r.redact_bytes(text).into_owned();
    let mut w = RedactingWriter::new(Vec::new(), Arc::clone(&r));
    let mut rest = text;
    let mut step = usize::from(seed % 17) + 1;
    while !rest.is_empty() {
        let (a, b) = rest.split_at(step.min(rest.len()));
        w.write_all(a).unwrap();
        if step % 5 == 0 {
            w.flush().unwrap();
        }
        rest = b;
        step = step * 7 % 23 + 1;
    }
    let streamed = w.finish().unwrap();
    assert_eq!(
        streamed, whole,
        "streaming differs from whole-buffer redaction"
    );
});
