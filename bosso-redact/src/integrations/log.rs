//! `log` integration: a logger that redacts each record's message before the inner logger.

use crate::Redactor;
use std::sync::Arc;

/// Wraps any `log::Log`; install it with `log::set_boxed_logger`.
#[derive(Debug)]
pub struct RedactingLogger<L> {
    inner: L,
    redactor: Arc<Redactor>,
}

impl<L: log::Log> RedactingLogger<L> {
    /// Wrap `inner`.
    pub fn new(inner: L, redactor: Arc<Redactor>) -> Self {
        RedactingLogger { inner, redactor }
    }
}

impl<L: log::Log> log::Log for RedactingLogger<L> {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        self.inner.enabled(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        let message = record.args().to_string();
        let redacted = self.redactor.redact(&message);
        self.inner.log(
            &log::Record::builder()
                .args(format_args!("{redacted}"))
                .metadata(record.metadata().clone())
                .module_path(record.module_path())
                .file(record.file())
                .line(record.line())
                .build(),
        );
    }

    fn flush(&self) {
        self.inner.flush();
    }
}
