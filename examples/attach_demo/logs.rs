//! Every log line goes through bosso-redact, to stderr and to a buffer the demo checks.

use std::io::Write;
use std::sync::{Arc, Mutex};

use bosso::redact::Redactor;
use bosso::redact::integrations::tracing::RedactingMakeWriter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

pub struct CapturedWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = CapturedWriter;
    fn make_writer(&'a self) -> CapturedWriter {
        CapturedWriter(self.0.clone())
    }
}

impl Captured {
    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default()
    }
}

/// Installs the redacting subscriber (once per process) and returns the capture buffer.
pub fn install(echo_to_stderr: bool) -> Captured {
    let captured = Captured::default();
    let redactor = Arc::new(Redactor::default());
    let filter = tracing_subscriber::filter::LevelFilter::INFO;
    let result = if echo_to_stderr {
        let make = RedactingMakeWriter::new(std::io::stderr.and(captured.clone()), redactor);
        tracing::subscriber::set_global_default(
            tracing_subscriber::fmt()
                .with_max_level(filter)
                .with_ansi(false)
                .with_writer(make)
                .finish(),
        )
    } else {
        let make = RedactingMakeWriter::new(captured.clone(), redactor);
        tracing::subscriber::set_global_default(
            tracing_subscriber::fmt()
                .with_max_level(filter)
                .with_ansi(false)
                .with_writer(make)
                .finish(),
        )
    };
    if result.is_err() {
        eprintln!(
            "note: a tracing subscriber was already installed; log capture may be incomplete"
        );
    }
    captured
}
