//! Audit events: one per decision a [`Guard`](crate::Guard) makes, with the command text
//! redacted by bosso-redact before it reaches the sink.

use std::collections::VecDeque;
use std::future::Future;
use std::io::Write;
use std::sync::Mutex;

use crate::{Error, Verdict};

/// Which layer decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layer {
    /// The built-in rules and host patterns.
    Pattern,
    /// The analyzer answered in time.
    Analyzer,
    /// The analyzer did not answer before the deadline.
    AnalyzerTimeout,
    /// The analyzer returned an error.
    AnalyzerError,
}

impl Layer {
    /// The name written in log lines.
    pub const fn name(self) -> &'static str {
        match self {
            Layer::Pattern => "pattern",
            Layer::Analyzer => "analyzer",
            Layer::AnalyzerTimeout => "analyzer-timeout",
            Layer::AnalyzerError => "analyzer-error",
        }
    }
}

/// One decision, safe to store: the command and reasons went through bosso-redact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// Seconds since the Unix epoch.
    pub unix_time: u64,
    /// The command line, redacted.
    pub command: String,
    /// The final verdict (its reason redacted).
    pub verdict: Verdict,
    /// Who decided.
    pub layer: Layer,
    /// How many findings the pattern layer had.
    pub findings: usize,
}

/// Where audit events go. An error makes the [`Guard`](crate::Guard) withhold an `Allow`
/// (the decision becomes a `Review`): an unaudited command does not run silently.
pub trait AuditSink: Send + Sync {
    /// Store one event.
    fn record(&self, event: &AuditEvent) -> impl Future<Output = Result<(), Error>> + Send;
}

/// Keeps the most recent events in memory (bounded), for tests and status pages.
#[derive(Debug)]
pub struct MemorySink {
    events: Mutex<VecDeque<AuditEvent>>,
    capacity: usize,
}

impl MemorySink {
    /// Keep at most `capacity` events (the oldest are dropped).
    pub fn new(capacity: usize) -> Self {
        Self {
            events: Mutex::new(VecDeque::new()),
            capacity: capacity.max(1),
        }
    }

    /// A copy of the stored events, oldest first.
    pub fn events(&self) -> Vec<AuditEvent> {
        self.events
            .lock()
            .map(|e| e.iter().cloned().collect())
            .unwrap_or_default()
    }
}

impl AuditSink for MemorySink {
    async fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        let mut events = self
            .events
            .lock()
            .map_err(|_| Error::Io(std::io::Error::other("audit memory sink poisoned")))?;
        if events.len() >= self.capacity {
            events.pop_front();
        }
        events.push_back(event.clone());
        Ok(())
    }
}

/// Writes one line per event to any `Write` (a log file, stderr), e.g.
/// `time=1767225600 layer=pattern verdict=deny rule=recursive-delete span=0..9 reason="…" command="…"`.
/// Quotes, backslashes and control characters in values are escaped, so one event is one line.
#[derive(Debug)]
pub struct WriterSink<W> {
    out: Mutex<W>,
}

impl<W: Write + Send> WriterSink<W> {
    /// Log to `out`.
    pub fn new(out: W) -> Self {
        Self {
            out: Mutex::new(out),
        }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        match self.out.into_inner() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl<W: Write + Send> AuditSink for WriterSink<W> {
    async fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        let line = format_line(event);
        let mut out = self
            .out
            .lock()
            .map_err(|_| Error::Io(std::io::Error::other("audit writer poisoned")))?;
        out.write_all(line.as_bytes())?;
        out.flush()?;
        Ok(())
    }
}

/// The log line for an event (with its trailing newline).
pub fn format_line(event: &AuditEvent) -> String {
    let (verdict, rule) = match &event.verdict {
        Verdict::Allow => ("allow", String::new()),
        Verdict::Deny { rule, .. } => ("deny", format!(" rule={rule}")),
        Verdict::Review { .. } => ("review", String::new()),
    };
    let span = event
        .verdict
        .span()
        .map(|s| format!(" span={}..{}", s.start, s.end))
        .unwrap_or_default();
    let reason = event
        .verdict
        .reason()
        .map(|r| format!(" reason=\"{}\"", escape(r)))
        .unwrap_or_default();
    format!(
        "time={} layer={} verdict={verdict}{rule}{span}{reason} findings={} command=\"{}\"\n",
        event.unix_time,
        event.layer.name(),
        event.findings,
        escape(&event.command)
    )
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2066..=0x2069 | 0xFEFF) =>
            {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}
