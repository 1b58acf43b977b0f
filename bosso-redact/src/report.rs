//! Bug-report helpers: a scrubbed log tail and sanitized errors with a correlation id.

use crate::{Error, Redactor};
use ring::rand::{SecureRandom, SystemRandom};
use std::io::{Read, Seek, SeekFrom};

impl Redactor {
    /// The last `max_bytes` of a log, redacted, for attaching to a bug report. When the tail
    /// starts mid-file its first, partial line is dropped: a cut line can hold the end of a
    /// secret without the prefix that identifies it.
    pub fn log_tail<R: Read + Seek>(&self, mut log: R, max_bytes: u64) -> Result<String, Error> {
        let len = log.seek(SeekFrom::End(0))?;
        let start = len.saturating_sub(max_bytes);
        log.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        log.take(max_bytes).read_to_end(&mut bytes)?;
        let body = if start > 0 {
            memchr::memchr(b'\n', &bytes)
                .map_or(&[][..], |n| bytes.get(n + 1..).unwrap_or_default())
        } else {
            &bytes[..]
        };
        let text = String::from_utf8_lossy(body);
        Ok(self.redact(&text).into_owned())
    }

    /// Turn an internal error into a report: a random correlation id, a redacted detail (the
    /// whole `source()` chain) for your logs, and a public message that reveals nothing.
    pub fn error_report(
        &self,
        err: &(dyn std::error::Error + 'static),
    ) -> Result<ErrorReport, Error> {
        let mut id = [0u8; 8];
        SystemRandom::new()
            .fill(&mut id)
            .map_err(|_| Error::Random)?;
        let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let mut detail = err.to_string();
        let mut source = err.source();
        while let Some(s) = source {
            detail.push_str(": ");
            detail.push_str(&s.to_string());
            source = s.source();
        }
        Ok(ErrorReport {
            id,
            detail: self.redact(&detail).into_owned(),
        })
    }
}

/// A sanitized error: log [`detail`](Self::detail) with the id, show
/// [`public_message`](Self::public_message) to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReport {
    id: String,
    detail: String,
}

impl ErrorReport {
    /// 16 hex digits, random, shared by the log line and the user-facing message.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The redacted error chain.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// A message safe to show anyone: no error text at all, only the reference.
    pub fn public_message(&self) -> String {
        format!("internal error (reference {})", self.id)
    }
}
