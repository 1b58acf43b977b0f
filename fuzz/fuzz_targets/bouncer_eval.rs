//! The bouncer's parser and evaluator on arbitrary text: no panic, spans inside the line, and
//! wrapping never makes a verdict more permissive. Run with `-timeout=5` for the time bound.
//!
//! Properties (when the input is not an unparsable line, which is its own verdict):
//! - a line `X` that is not allowed stays not allowed as `sudo X`, `env X`, `nice X`,
//!   `timeout 9 X`, `nohup X`, `command X`, and inside `sh -c '<X>' "$0" "$@"`, when `X` is one
//!   simple command starting with a plain word (a leading `-` or a keyword changes what the
//!   wrapper does, and `;`/`|`/newlines would put later commands outside the wrapper);
//! - an argument vector (the input split on newlines) that is not allowed stays not allowed
//!   behind the same wrappers.
#![no_main]

use std::sync::OnceLock;

use bosso_bouncer::{Bouncer, Environment, FailureAction, Policy, RuleId, Verdict};
use libfuzzer_sys::fuzz_target;

fn bouncer() -> &'static Bouncer {
    static B: OnceLock<Bouncer> = OnceLock::new();
    B.get_or_init(|| {
        let policy = Policy {
            on_parse_error: FailureAction::Deny,
            ..Policy::default()
        };
        Bouncer::new(Environment::new("/home/dev", "/home/dev/project"), policy)
            .expect("default policy is valid")
    })
}

const WRAPPERS: &[&str] = &["sudo", "env", "nice", "timeout 9", "nohup", "command"];
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "case", "esac", "for", "while", "until", "do", "done",
    "select", "function", "time", "coproc", "in",
];

fn unparsable(v: &Verdict) -> bool {
    matches!(
        v,
        Verdict::Deny {
            rule: RuleId::Unanalysable,
            ..
        }
    )
}

fn plain_simple_command(x: &str) -> bool {
    let first = x.split_whitespace().next().unwrap_or("");
    first
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '/' || c == '_')
        && !KEYWORDS.contains(&first)
        && !first.contains('=')
        && !x.contains([
            '\n', ';', '&', '|', '(', ')', '{', '}', '`', '#', '<', '>', '\r',
        ])
        && !x.contains("$(")
}

fuzz_target!(|data: &[u8]| {
    let Ok(x) = std::str::from_utf8(data) else {
        return;
    };
    let b = bouncer();
    let e = b.evaluate(x);
    for f in &e.findings {
        assert!(f.span.start <= f.span.end && f.span.end <= x.len());
        assert!(x.is_char_boundary(f.span.start) && x.is_char_boundary(f.span.end));
    }
    let base = e.verdict;

    if !base.is_allow() && !unparsable(&base) && plain_simple_command(x) {
        for w in WRAPPERS {
            let wrapped = format!("{w} {x}");
            let v = b.check(&wrapped);
            assert!(!v.is_allow(), "{x:?} is {base} but {wrapped:?} is allowed");
        }
        let quoted = format!("sh -c '{}' \"$0\" \"$@\"", x.replace('\'', r"'\''"));
        let v = b.check(&quoted);
        assert!(!v.is_allow(), "{x:?} is {base} but {quoted:?} is allowed");
    }

    let argv: Vec<&str> = x.split('\n').collect();
    if argv.len() <= 32
        && argv.first().is_some_and(|a| {
            a.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '/')
                && !a.contains('=')
        })
        && !b.evaluate_argv(&argv).verdict.is_allow()
    {
        for w in WRAPPERS {
            let mut wrapped: Vec<&str> = w.split(' ').collect();
            wrapped.extend(argv.iter().copied());
            assert!(
                !b.evaluate_argv(&wrapped).verdict.is_allow(),
                "{argv:?} is not allowed but {wrapped:?} is"
            );
        }
    }
});
