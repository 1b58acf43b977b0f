//! The command corpus (`tests/corpus/*.txt`, sources in each file's header): every line gets
//! exactly its expected verdict, no harmful command is ever allowed, and the counts match the
//! README's table.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bosso_bouncer::{Bouncer, Environment, Policy, Verdict};

const FILES: &[(&str, bool)] = &[
    ("benign.txt", true),
    ("dangerous.txt", false),
    ("obfuscated.txt", false),
    ("undecidable.txt", false),
];

/// The README's "Corpus" table: (benign allowed, reviewed, denied), (harmful denied, reviewed,
/// allowed). Changing a verdict means changing the README too.
const BENIGN: (usize, usize, usize) = (253, 9, 3);
const HARMFUL: (usize, usize, usize) = (335, 67, 0);

struct Case {
    file: &'static str,
    line: usize,
    expected: &'static str,
    command: String,
}

fn decode(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('u') => {
                assert_eq!(chars.next(), Some('{'));
                let hex: String = chars.by_ref().take_while(|c| *c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
            }
            other => panic!("bad escape {other:?} in {s}"),
        }
    }
    out
}

fn load(file: &'static str) -> Vec<Case> {
    let path = format!("{}/tests/corpus/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (label, command) = line.split_once(' ').unwrap();
        let (expected, escaped) = match label.strip_suffix('!') {
            Some(l) => (l, true),
            None => (label, false),
        };
        let expected: &'static str = match expected {
            "allow" => "allow",
            "review" => "review",
            "deny" => "deny",
            other => panic!("{file}:{}: unknown label {other}", i + 1),
        };
        let command = if escaped {
            decode(command)
        } else {
            command.to_owned()
        };
        out.push(Case {
            file,
            line: i + 1,
            expected,
            command,
        });
    }
    out
}

fn kind(v: &Verdict) -> &'static str {
    match v {
        Verdict::Allow => "allow",
        Verdict::Review { .. } => "review",
        Verdict::Deny { .. } => "deny",
    }
}

#[test]
fn corpus_verdicts_and_counts() {
    let bouncer = Bouncer::new(
        Environment::new("/home/dev", "/home/dev/project"),
        Policy::default(),
    )
    .unwrap();
    let mut total = 0;
    let (mut b_allow, mut b_review, mut b_deny) = (0, 0, 0);
    let (mut h_deny, mut h_review, mut h_allow) = (0, 0, 0);
    let mut false_allows = Vec::new();
    let mut mismatches = Vec::new();
    for (file, benign) in FILES {
        for case in load(file) {
            total += 1;
            let verdict = bouncer.check(&case.command);
            let got = kind(&verdict);
            match (benign, got) {
                (true, "allow") => b_allow += 1,
                (true, "review") => b_review += 1,
                (true, _) => b_deny += 1,
                (false, "deny") => h_deny += 1,
                (false, "review") => h_review += 1,
                (false, _) => {
                    h_allow += 1;
                    false_allows.push(format!("{}:{} {}", case.file, case.line, case.command));
                }
            }
            if got != case.expected {
                mismatches.push(format!(
                    "{}:{} expected {} got {verdict}: {}",
                    case.file, case.line, case.expected, case.command
                ));
            }
        }
    }
    println!("corpus: {total} commands");
    println!("benign:  {b_allow} allowed, {b_review} reviewed, {b_deny} denied (false denies)");
    println!("harmful: {h_deny} denied, {h_review} reviewed, {h_allow} allowed (false allows)");
    assert!(
        false_allows.is_empty(),
        "harmful commands allowed:\n{}",
        false_allows.join("\n")
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(total >= 400, "the corpus must hold at least 400 commands");
    assert_eq!(
        (b_allow, b_review, b_deny),
        BENIGN,
        "update the README's corpus table"
    );
    assert_eq!(
        (h_deny, h_review, h_allow),
        HARMFUL,
        "update the README's corpus table"
    );
}

/// The README's comparison: the same rules as regexes over the raw string (the bench's naive
/// column) match `NAIVE_BENIGN_MATCHED` benign commands and miss `NAIVE_HARMFUL_MISSED` harmful
/// ones.
const NAIVE_BENIGN_MATCHED: usize = 7;
const NAIVE_HARMFUL_MISSED: usize = 299;

#[test]
fn naive_regexes_miss_most_of_the_corpus() {
    let text = std::fs::read_to_string(format!(
        "{}/tests/corpus/naive_regexes.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let naive: Vec<regex::Regex> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|r| regex::Regex::new(r).unwrap())
        .collect();
    assert_eq!(naive.len(), 22);
    let (mut benign_matched, mut harmful_missed) = (0, 0);
    for (file, benign) in FILES {
        for case in load(file) {
            let matched = naive.iter().any(|r| r.is_match(&case.command));
            match (benign, matched) {
                (true, true) => benign_matched += 1,
                (false, false) => harmful_missed += 1,
                _ => {}
            }
        }
    }
    println!("naive regexes: {benign_matched} benign matched, {harmful_missed} harmful missed");
    assert_eq!(
        (benign_matched, harmful_missed),
        (NAIVE_BENIGN_MATCHED, NAIVE_HARMFUL_MISSED)
    );
}
