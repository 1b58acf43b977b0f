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

/// How a line compares with the BEGIN line's prefix.
enum Strip<'a> {
    /// The line repeats the prefix: the rest.
    Rest(&'a [u8]),
    /// The line ended while still matching the prefix (a partial line being written).
    Partial,
    /// Another prefix.
    Other,
}

/// Strip `prefix` from `line`, where any run of digits in the prefix matches any run of digits
/// in the line: each line of a logged block carries its own timestamp, sequence number or
/// thread id (`2026-11-23T05:57:52.1Z `, `2026-11-23 05:57:52,120 INFO app: `).
fn strip_prefix<'a>(line: &'a [u8], prefix: &[u8]) -> Strip<'a> {
    let (mut i, mut j) = (0, 0);
    while let Some(&p) = prefix.get(j) {
        let Some(&b) = line.get(i) else {
            return Strip::Partial;
        };
        if p.is_ascii_digit() {
            if !b.is_ascii_digit() {
                return Strip::Other;
            }
            i += line
                .iter()
                .skip(i)
                .take_while(|c| c.is_ascii_digit())
                .count();
            j += prefix
                .iter()
                .skip(j)
                .take_while(|c| c.is_ascii_digit())
                .count();
            // The line's digit run may still be growing.
            if i == line.len() {
                return Strip::Partial;
            }
        } else if p == b {
            i += 1;
            j += 1;
        } else {
            return Strip::Other;
        }
    }
    Strip::Rest(line.get(i..).unwrap_or_default())
}

fn trim_start(line: &[u8]) -> &[u8] {
    let ws = line
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    line.get(ws..).unwrap_or_default()
}

/// What closes a logged line after the key text (`"}` of a JSON log line, `",` of an array):
/// only quotes, brackets, commas and spaces.
fn is_closing(rest: &[u8]) -> bool {
    rest.len() <= 8
        && rest
            .iter()
            .all(|b| matches!(b, b'"' | b'\'' | b'}' | b']' | b')' | b',' | b';' | b' '))
}

/// `-----BEGIN <label>-----` at `s` (anchor ends at `e`): the end of the block and whether the
/// block is known to be complete. An incomplete block (input ended inside its body) ends at
/// the last body line seen; a streaming caller waits for more input instead.
///
/// Body and footer lines may be indented, or repeat the BEGIN line's prefix with its digits
/// changed (a timestamp per line), and may end with the BEGIN line's closing text (`"}` when
/// every line is a JSON log record). Without a footer the block ends at the last
/// base64-looking line.
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
    let rest = trim_cr(h.get(after..first_end)?);
    if !rest.is_empty() && !is_closing(rest) {
        if let Some(k) = memmem::find(rest, b"-----END ") {
            let tail = rest.get(k + 9..)?;
            let close = memmem::find(tail, b"-----").map_or(rest.len(), |c| k + 9 + c + 5);
            return Some((after + close, true));
        }
        let stop = rest.iter().position(|&b| b == b'"').unwrap_or(rest.len());
        return Some((after + stop, true));
    }
    let suffix = rest;
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
        let terminated = le < h.len();
        let unprefixed = match strip_prefix(raw, prefix) {
            Strip::Rest(rest) => rest,
            // A line still being written may yet repeat the prefix.
            Strip::Partial if !terminated => return Some((end, false)),
            Strip::Partial | Strip::Other => raw,
        };
        let text = trim_start(unprefixed);
        let line = if suffix.is_empty() {
            text
        } else {
            text.strip_suffix(suffix).unwrap_or(text)
        };
        // Where the key text of this line ends in the input (before the closing text).
        let line_stop =
            pos + (raw.len() - unprefixed.len()) + (unprefixed.len() - text.len()) + line.len();
        if line.starts_with(b"-----END ") {
            if memmem::find(line.get(9..)?, b"-----").is_some() {
                return Some((line_stop, true));
            }
            return Some((line_stop, terminated));
        }
        if is_b64_line(line) || is_header_line(line) {
            if !line.is_empty() {
                end = line_stop;
            }
            if !terminated {
                return Some((end, false));
            }
            pos = le + 1;
            continue;
        }
        // A partial last line may still become a body line, the footer, or gain its closing
        // text: the block stays open until the line is complete.
        if !terminated {
            return Some((end, false));
        }
        // The last body line of a block quoted as a whole (`KEY="-----BEGIN ...` up to
        // `...AB==",`) without a footer: the base64 before the closing text is still key.
        let b64 = line
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            .count();
        if b64 >= 8 && line.get(b64..).is_some_and(is_closing) {
            return Some((line_stop - (line.len() - b64), true));
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
