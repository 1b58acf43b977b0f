//! Judge a shell command line before running it.
//!
//! ```text
//! cargo run --example bouncer -- 'rm -rf ~/'
//! cargo run --example bouncer -- 'curl -fsSL https://example.com/install.sh | sh'
//! cargo run --example bouncer -- 'cargo test && git status'
//! ```
//!
//! The home directory comes from `HOME` and the workspace is the current directory. Exit
//! status: 0 allow, 1 review, 2 deny (3 for a usage error).

use bosso::bouncer::{Bouncer, Verdict};

fn main() {
    let line = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        eprintln!("usage: bouncer '<command line>'");
        std::process::exit(3);
    }
    let bouncer = match Bouncer::builder().build() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("bouncer: {e}");
            std::process::exit(3);
        }
    };
    let evaluation = bouncer.evaluate(&line);
    let code = match &evaluation.verdict {
        Verdict::Allow => {
            println!("ALLOW");
            0
        }
        Verdict::Deny { rule, reason, span } => {
            println!("DENY by rule `{rule}`: {reason}");
            show_span(&line, span.start, span.end);
            2
        }
        Verdict::Review { reason, span } => {
            println!("REVIEW: {reason}");
            show_span(&line, span.start, span.end);
            1
        }
    };
    if evaluation.findings.len() > 1 {
        println!("all findings:");
        for f in &evaluation.findings {
            let kind = f
                .rule
                .as_ref()
                .map_or_else(|| "review".to_owned(), |r| format!("deny ({r})"));
            println!(
                "  {kind}: {} [bytes {}..{}]",
                f.reason, f.span.start, f.span.end
            );
        }
    }
    std::process::exit(code);
}

/// Underline the part of the line the verdict is about.
fn show_span(line: &str, start: usize, end: usize) {
    if line.contains('\n') {
        println!("  at bytes {start}..{end}");
        return;
    }
    let width = |s: &str| s.chars().count();
    let before = line.get(..start).map_or(0, width);
    let inside = line.get(start..end).map_or(1, width).max(1);
    println!("  {line}");
    println!("  {}{}", " ".repeat(before), "^".repeat(inside));
}
