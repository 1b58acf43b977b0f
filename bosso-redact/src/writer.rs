//! `RedactingWriter`: redaction for streams, cut only where no secret can span the cut.

use crate::Redactor;
use crate::rules::pem;
use std::io::{self, Write};
use std::sync::Arc;

/// Default bound on a line kept back while waiting for its end.
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;

/// A [`Write`] adapter that redacts before bytes reach `W`.
///
/// Every rule matches inside one line (PEM blocks excepted, which are held until complete), so
/// the writer passes on complete lines only and keeps the partial last line. The output is then
/// byte-for-byte what [`Redactor::redact_bytes`] gives for the whole stream, however the input
/// was split into writes, as long as no line is longer than `max_line`. A longer line is cut
/// at its last space (best effort: a secret spanning that cut is missed).
///
/// Call [`finish`](Self::finish) (or drop the writer) to redact and write the last partial line.
pub struct RedactingWriter<W: Write> {
    inner: Option<W>,
    redactor: Arc<Redactor>,
    pending: Vec<u8>,
    out: Vec<u8>,
    max_line: usize,
}

impl<W: Write> core::fmt::Debug for RedactingWriter<W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Pending bytes are unredacted: never print them.
        f.debug_struct("RedactingWriter")
            .field("pending_len", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl<W: Write> RedactingWriter<W> {
    /// Wrap `inner`.
    pub fn new(inner: W, redactor: Arc<Redactor>) -> Self {
        Self::with_max_line(inner, redactor, DEFAULT_MAX_LINE)
    }

    /// Wrap `inner` with a custom bound on a held-back line (at least 1 KiB).
    pub fn with_max_line(inner: W, redactor: Arc<Redactor>, max_line: usize) -> Self {
        RedactingWriter {
            inner: Some(inner),
            redactor,
            pending: Vec::new(),
            out: Vec::new(),
            max_line: max_line.max(1024),
        }
    }

    /// Redact what can be redacted now and pass it on.
    fn drain(&mut self, at_eof: bool) -> io::Result<()> {
        let cut = if at_eof {
            self.pending.len()
        } else {
            self.safe_cut()
        };
        if cut == 0 {
            return Ok(());
        }
        self.out.clear();
        self.redactor
            .redact_into(self.pending.get(..cut).unwrap_or_default(), &mut self.out);
        if let Some(inner) = self.inner.as_mut() {
            inner.write_all(&self.out)?;
        }
        self.pending.drain(..cut);
        Ok(())
    }

    /// The longest prefix of `pending` that no later byte can change the redaction of.
    fn safe_cut(&self) -> usize {
        let p = &self.pending;
        let mut cut = memchr::memrchr(b'\n', p).map_or(0, |n| n + 1);
        if let Some(open) = p.get(..cut).and_then(pem::open_block) {
            cut = open;
            // A PEM block is bounded; past that bound it has been decided anyway.
            if p.len() - open > pem::MAX_PEM + self.max_line {
                cut = memchr::memrchr(b'\n', p).map_or(0, |n| n + 1);
            }
        }
        if cut == 0 && p.len() > self.max_line {
            // One overlong line: cut at its last space, keeping a tail for context.
            let keep = p.len().saturating_sub(1024);
            cut = p
                .get(..keep)
                .and_then(|t| memchr::memrchr(b' ', t))
                .map_or(keep, |n| n + 1);
        }
        cut
    }

    /// Redact and write the partial last line, flush, and return the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.drain(true)?;
        let mut inner = self
            .inner
            .take()
            .ok_or_else(|| io::Error::other("writer already finished"))?;
        inner.flush()?;
        Ok(inner)
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if memchr::memchr(b'\n', buf).is_some() || self.pending.len() > self.max_line {
            self.drain(false)?;
        }
        Ok(buf.len())
    }

    /// Flushes complete lines only: a partial line may still grow into a secret.
    fn flush(&mut self) -> io::Result<()> {
        self.drain(false)?;
        match self.inner.as_mut() {
            Some(inner) => inner.flush(),
            None => Ok(()),
        }
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        if self.inner.is_some() {
            // Errors cannot be reported from drop; `finish` reports them.
            let _ = self.drain(true);
            if let Some(inner) = self.inner.as_mut() {
                let _ = inner.flush();
            }
        }
    }
}
