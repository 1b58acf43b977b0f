//! PEM private key blocks, the one rule that spans lines.

use super::line_end;
use memchr::memmem;

/// A block is never longer than this; an 8192-bit RSA key in PEM is about 6.5 KiB.
pub(crate) const MAX_PEM: usize = 64 * 1024;

fn is_b64_line(line: &[u8]) -> bool {
    line.iter()
        .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// RFC 1421 headers of encrypted legacy keys (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`).
fn is_header_line(line: &[u8]) -> bool {
    line.starts_with(b"Proc-Type:") || line.starts_with(b"DEK-Info:")
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Longest per-line prefix (log prefix, indentation) a block's lines may repeat.
const MAX_PREFIX: usize = 128;

/// `line` without the prefix the BEGIN line had (a log prefix such as `app_1  | `), then
/// without leading whitespace (YAML `|` blocks, indented config).
fn body<'a>(line: &'a [u8], prefix: &[u8]) -> &'a [u8] {
    let line = match line.strip_prefix(prefix) {
        Some(rest) if !prefix.is_empty() => rest,
        _ => line,
    };
    let ws = line
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    line.get(ws..).unwrap_or_default()
}

/// `-----BEGIN <label>-----` at `s` (anchor ends at `e`): the end of the block and whether the
/// block is known to be complete. An incomplete block (input ended inside its body) ends at
/// the last body line seen; a streaming caller waits for more input instead. Body and footer
/// lines may be indented or repeat the BEGIN line's prefix; without a footer the block ends
/// at the last base64-looking line.
pub(crate) fn block(h: &[u8], s: usize, e: usize) -> Option<(usize, bool)> {
    let first_end = line_end(h, e);
    let first = h.get(e..first_end)?;
    let close = memmem::find(first, b"-----")?;
    let label = first.get(..close)?;
    if label.len() > 48 || memmem::find(label, b"PRIVATE KEY").is_none() {
        return None;
    }
    let after = e + close + 5;
    // The whole block on one line (escaped `\n` in JSON, or spaces): up to the footer, else
    // to the closing quote or the end of the line.
    let rest = h.get(after..first_end)?;
    if !trim_cr(rest).is_empty() {
        if let Some(k) = memmem::find(rest, b"-----END ") {
            let tail = rest.get(k + 9..)?;
            let close = memmem::find(tail, b"-----").map_or(trim_cr(rest).len(), |c| k + 9 + c + 5);
            return Some((after + close, true));
        }
        let stop = rest
            .iter()
            .position(|&b| b == b'"')
            .unwrap_or(trim_cr(rest).len());
        return Some((after + stop, true));
    }
    let line_start = h
        .get(..s)
        .and_then(|t| memchr::memrchr(b'\n', t))
        .map_or(0, |n| n + 1);
    let prefix = h
        .get(line_start..s)
        .filter(|p| p.len() <= MAX_PREFIX)
        .unwrap_or_default();
    let mut end = after;
    let mut pos = first_end + 1;
    loop {
        if pos > h.len() {
            return Some((end, false));
        }
        if pos - s > MAX_PEM {
            return Some((end, true));
        }
        let le = line_end(h, pos);
        let raw = trim_cr(h.get(pos..le)?);
        let line = body(raw, prefix);
        let terminated = le < h.len();
        if line.starts_with(b"-----END ") {
            if memmem::find(line.get(9..)?, b"-----").is_some() {
                return Some((pos + raw.len(), true));
            }
            return Some((pos + raw.len(), terminated));
        }
        if is_b64_line(line) || is_header_line(line) {
            if !line.is_empty() {
                end = pos + raw.len();
            }
            if !terminated {
                return Some((end, false));
            }
            pos = le + 1;
            continue;
        }
        // A partial last line that could still become a body line or the footer keeps the
        // block open.
        if !terminated && (b"-----END ".starts_with(line) || prefix.starts_with(raw)) {
            return Some((end, false));
        }
        return Some((end, true));
    }
}

/// Start of the line holding the earliest block in `h` that is still open at its end.
pub(crate) fn open_block(h: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = h.get(from..).and_then(|t| memmem::find(t, b"-----BEGIN ")) {
        let s = from + k;
        match block(h, s, s + 11) {
            Some((_, false)) => {
                let line_start = h
                    .get(..s)
                    .and_then(|t| memchr::memrchr(b'\n', t))
                    .map_or(0, |n| n + 1);
                return Some(line_start);
            }
            // Not `from = end`: a BEGIN inside a complete block can open a block of its own,
            // and the whole-buffer engine (which tries every anchor and merges overlapping
            // hits) sees it; skipping it let the writer release a line too early.
            Some((_, true)) => from = s + 11,
            None => {
                // A BEGIN line still being written (no newline yet) might become a block.
                if line_end(h, s) == h.len() {
                    let line_start = h
                        .get(..s)
                        .and_then(|t| memchr::memrchr(b'\n', t))
                        .map_or(0, |n| n + 1);
                    return Some(line_start);
                }
                from = s + 11;
            }
        }
    }
    None
}
