//! Calling the parser safely: bounded input, bounded nesting, and no panic escapes.

use std::panic::{AssertUnwindSafe, catch_unwind};

use brush_parser::ast::Program;
use brush_parser::{Parser, ParserOptions};

use super::{Evaluator, MAX_LINE_BYTES};
use crate::Span;

/// Deeper nesting of groups, substitutions or compound commands is not handed to the parser:
/// its recursive descent would exhaust a 2 MiB thread stack (which aborts the process) at a
/// few hundred levels in debug builds. No real one-liner nests 32 deep.
const MAX_NESTING: usize = 32;

/// The parser's options. Tilde expansion is done by the bouncer (`word.rs`), which also keeps a
/// digit overflow in `~+N` away from the parser.
pub(crate) fn options() -> ParserOptions {
    ParserOptions {
        tilde_expansion_at_word_start: false,
        tilde_expansion_after_colon: false,
        ..ParserOptions::default()
    }
}

/// Run a parser function; a panic inside the third-party parser becomes `None`.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

/// The parser alone, as the bouncer calls it (for the bench's "limit" column).
pub(crate) fn parse_only(text: &str) -> bool {
    if oversized_fd(text) || nesting_depth(text) > MAX_NESTING {
        return false;
    }
    guarded(|| {
        Parser::new(std::io::BufReader::new(text.as_bytes()), &options())
            .parse_program()
            .is_ok()
    })
    .unwrap_or(false)
}

impl Evaluator<'_> {
    /// Parse `text` (the line, or a string run as code) or record why it cannot be analysed.
    pub(crate) fn parse_checked(&mut self, text: &str, span: Span) -> Option<Program> {
        if text.len() > MAX_LINE_BYTES || text.len() > self.parse_bytes_left {
            self.unanalysable("too long to analyse", span);
            return None;
        }
        self.parse_bytes_left -= text.len();
        if let Some(reason) = suspicious_chars(text) {
            self.review_unliftable(reason, span);
        }
        if nesting_depth(text) > MAX_NESTING {
            self.unanalysable("nested too deeply to analyse", span);
            return None;
        }
        if oversized_fd(text) {
            // brush-parser 0.4.0 unwraps the i32 parse of `NNN>`; no real descriptor is that big.
            self.unanalysable("a redirection's descriptor number is too large", span);
            return None;
        }
        let parsed = guarded(|| {
            Parser::new(std::io::BufReader::new(text.as_bytes()), &options()).parse_program()
        });
        match parsed {
            Some(Ok(program)) => Some(program),
            Some(Err(_)) => {
                self.unanalysable("cannot be parsed as a shell command", span);
                None
            }
            None => {
                self.unanalysable("the shell parser failed on this command", span);
                None
            }
        }
    }
}

/// An over-estimate of the nesting the parser will recurse through: brackets, `$(`, and
/// compound-command keywords, ignoring quotes (a quoted bracket only makes the estimate larger).
pub(crate) fn nesting_depth(text: &str) -> usize {
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut backticks = 0usize;
    let mut word = String::new();
    let on_word_end = |word: &mut String, depth: &mut usize| {
        match word.as_str() {
            "if" | "while" | "until" | "for" | "case" | "select" => *depth += 1,
            "fi" | "done" | "esac" => *depth = depth.saturating_sub(1),
            _ => {}
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            if word.len() < 8 {
                word.push(c);
            }
            continue;
        }
        on_word_end(&mut word, &mut depth);
        match c {
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth = depth.saturating_sub(1),
            '`' => backticks += 1,
            _ => {}
        }
        max = max.max(depth + backticks / 2);
    }
    on_word_end(&mut word, &mut depth);
    max.max(depth + backticks / 2)
}

/// A run of 10 or more digits right before `<` or `>` (an I/O number that may overflow `i32`).
fn oversized_fd(text: &str) -> bool {
    let mut run = 0usize;
    for b in text.bytes() {
        if b.is_ascii_digit() {
            run += 1;
        } else {
            if run >= 10 && (b == b'<' || b == b'>') {
                return true;
            }
            run = 0;
        }
    }
    false
}

/// Characters that hide or disguise part of a command from the person reading it: bidi
/// controls (Trojan Source), zero-width and other invisible characters, and terminal control
/// characters.
pub(crate) fn suspicious_chars(text: &str) -> Option<&'static str> {
    for c in text.chars() {
        let u = c as u32;
        if matches!(u, 0x202A..=0x202E | 0x2066..=0x2069 | 0x200E | 0x200F | 0x061C) {
            return Some("contains bidirectional control characters that reorder what is shown");
        }
        if matches!(u, 0x200B..=0x200D | 0x2060..=0x2064 | 0xFEFF | 0x00AD | 0x180E | 0x034F) {
            return Some("contains invisible characters");
        }
        if (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(u, 0x80..=0x9F) {
            return Some("contains control characters that can hide part of the command");
        }
    }
    None
}

/// A character that looks like an ASCII dash, slash or tilde (or is a fullwidth ASCII form).
pub(crate) fn is_lookalike(c: char) -> bool {
    matches!(c as u32,
        0x2010..=0x2015 | 0x2212 | 0xFE58 | 0xFE63 // dashes and minus signs
        | 0x2044 | 0x2215 | 0x29F8                  // slashes
        | 0x02DC | 0x223C | 0x2053                  // tildes
        | 0xFF01..=0xFF5E                           // fullwidth ASCII
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_brackets_and_keywords() {
        assert_eq!(nesting_depth("ls -la"), 0);
        assert_eq!(nesting_depth("echo $(a $(b))"), 2);
        assert_eq!(nesting_depth("if true; then if x; then y; fi; fi"), 2);
        assert!(nesting_depth(&"{ ".repeat(40)) > MAX_NESTING);
    }

    #[test]
    fn parser_panics_are_contained() {
        // brush-parser 0.4.0 unwraps an overflowing integer in a brace sequence.
        let r = guarded(|| {
            brush_parser::word::parse_brace_expansions("{1..99999999999999999999}", &options())
        });
        assert!(r.is_none() || r.is_some_and(|x| x.is_err()));
    }

    #[test]
    fn oversized_descriptors_never_reach_the_parser() {
        assert!(oversized_fd("t<f 44444444444444444<x"));
        assert!(oversized_fd("echo 99999999999>f"));
        assert!(!oversized_fd("echo 2>&1 1234567890 >f"));
        assert!(parse_only("echo 2>/dev/null"));
        assert!(!parse_only("echo 99999999999>f"));
    }

    #[test]
    fn suspicious() {
        assert!(suspicious_chars("ls\u{202E}x").is_some());
        assert!(suspicious_chars("r\u{200B}m").is_some());
        assert!(suspicious_chars("echo \u{1b}[2K").is_some());
        assert!(suspicious_chars("echo café 日本").is_none());
    }
}
