//! PASS/FAIL lines, in colour when stdout is a terminal.

use std::io::IsTerminal;

pub struct Report {
    color: bool,
    pub passed: usize,
    pub failed: usize,
}

impl Report {
    pub fn new() -> Self {
        Self {
            color: std::io::stdout().is_terminal(),
            passed: 0,
            failed: 0,
        }
    }

    pub fn step(&mut self, n: u32, what: &str, ok: bool, detail: &str) {
        let (tag, c) = if ok {
            ("PASS", "\x1b[32m")
        } else {
            ("FAIL", "\x1b[31m")
        };
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
        if self.color {
            println!("{c}{tag}\x1b[0m  step {n}: {what}\x1b[2m  ({detail})\x1b[0m");
        } else {
            println!("{tag}  step {n}: {what}  ({detail})");
        }
    }

    pub fn heading(&self, text: &str) {
        if self.color {
            println!("\x1b[1m{text}\x1b[0m");
        } else {
            println!("{text}");
        }
    }
}
