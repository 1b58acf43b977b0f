//! A panic hook that redacts the panic message and location before anything is printed.

use crate::Redactor;
use std::panic::PanicHookInfo;
use std::sync::Arc;

/// The redacted report for a panic: thread, location and payload, in the standard layout.
pub fn panic_report(redactor: &Redactor, info: &PanicHookInfo<'_>) -> String {
    let any = info.payload();
    let payload = any
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| any.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>");
    let location = info
        .location()
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
        .unwrap_or_default();
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("<unnamed>");
    redactor
        .redact(&format!(
            "thread '{name}' panicked at {location}:\n{payload}"
        ))
        .into_owned()
}

/// Replace the panic hook: panics print a redacted report to stderr. The previous hook is not
/// called, since it would print the unredacted message.
pub fn install_panic_hook(redactor: Arc<Redactor>) {
    install_panic_hook_with(redactor, |report| eprintln!("{report}"));
}

/// Replace the panic hook: panics hand a redacted report to `sink` (a crash reporter, a log).
pub fn install_panic_hook_with(
    redactor: Arc<Redactor>,
    sink: impl Fn(&str) + Send + Sync + 'static,
) {
    std::panic::set_hook(Box::new(move |info| sink(&panic_report(&redactor, info))));
}
