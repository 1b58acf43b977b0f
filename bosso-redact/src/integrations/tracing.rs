//! `tracing-subscriber` integration: a `MakeWriter` whose writers redact.

use crate::{RedactingWriter, Redactor};
use std::io::Write;
use std::sync::Arc;
use tracing_subscriber::fmt::MakeWriter;

/// Wraps any `MakeWriter` (stdout, a file appender, ...): every formatted event passes through
/// a [`RedactingWriter`] before reaching the inner writer.
///
/// ```
/// use bosso_redact::{Redactor, integrations::tracing::RedactingMakeWriter};
/// use std::sync::Arc;
/// let make = RedactingMakeWriter::new(std::io::stderr, Arc::new(Redactor::default()));
/// let subscriber = tracing_subscriber::fmt().with_writer(make).finish();
/// # drop(subscriber);
/// ```
#[derive(Debug, Clone)]
pub struct RedactingMakeWriter<M> {
    inner: M,
    redactor: Arc<Redactor>,
}

impl<M> RedactingMakeWriter<M> {
    /// Wrap `inner`.
    pub fn new(inner: M, redactor: Arc<Redactor>) -> Self {
        RedactingMakeWriter { inner, redactor }
    }
}

impl<'a, M> MakeWriter<'a> for RedactingMakeWriter<M>
where
    M: MakeWriter<'a>,
    M::Writer: Write,
{
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter::new(self.inner.make_writer(), Arc::clone(&self.redactor))
    }
}
