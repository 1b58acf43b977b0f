//! Permission patterns in the style of coding agents' rules: `Bash`, `Bash(npm test)`,
//! `Bash(git push:*)`, `Bash(git * main)`.

/// A compiled pattern: alternatives of `*`-globs over the normalized command text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern {
    alternatives: Vec<String>,
}

/// How a pattern relates to a command whose text may contain unknown parts (`\0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Match {
    No,
    /// Only if the unknown parts take particular values.
    Maybe,
    Yes,
}

/// Check a rule's syntax and return its parts: `None` for bare `Bash`, else the inner text and
/// whether it is a `:*` prefix rule.
pub(crate) fn parse_rule(rule: &str) -> Result<Option<(&str, bool)>, &'static str> {
    let rule = rule.trim();
    if rule == "Bash" {
        return Ok(None);
    }
    let inner = rule
        .strip_prefix("Bash(")
        .and_then(|r| r.strip_suffix(')'))
        .ok_or("a pattern is `Bash` or `Bash(<command>)`")?;
    if inner.contains(['\0', '\n', '\r']) {
        return Err("a pattern must be one line");
    }
    let (text, prefix) = match inner.strip_suffix(":*") {
        Some(t) => (t.trim(), true),
        None => (inner.trim(), false),
    };
    if text.is_empty() {
        return Err("the command inside `Bash(...)` is empty");
    }
    if text.contains(":*") {
        return Err("`:*` may only end the pattern");
    }
    if prefix && text.contains('*') {
        return Err("use either a `:*` suffix or `*` wildcards, not both");
    }
    if text == "*" {
        return Ok(None);
    }
    Ok(Some((text, prefix)))
}

impl Pattern {
    /// Compile a rule already accepted by [`parse_rule`]. `home` replaces a leading `~` in each
    /// word, as the shell would for the command.
    pub(crate) fn compile(rule: &str, home: &str) -> Result<Self, &'static str> {
        let Some((text, prefix)) = parse_rule(rule)? else {
            return Ok(Self {
                alternatives: vec!["*".into()],
            });
        };
        let words: Vec<String> = text
            .split_whitespace()
            .map(|w| expand_tilde(w, home))
            .collect();
        let norm = words.join(" ");
        let mut alternatives = vec![norm.clone()];
        if prefix {
            alternatives.push(format!("{norm} *"));
        } else if let Some(stem) = norm.strip_suffix(" *")
            && norm.matches('*').count() == 1
        {
            alternatives.push(stem.to_owned());
        }
        Ok(Self { alternatives })
    }

    /// Match the normalized command text (argv joined by single spaces; `\0` = unknown).
    pub(crate) fn matches(&self, command: &str) -> Match {
        if self.alternatives.iter().any(|a| star_match(a, command)) {
            return Match::Yes;
        }
        if let Some(known) = command.split('\0').next()
            && command.contains('\0')
            && self.alternatives.iter().any(|a| {
                let literal = a.split('*').next().unwrap_or("");
                literal.starts_with(known) || known.starts_with(literal)
            })
        {
            return Match::Maybe;
        }
        Match::No
    }
}

fn expand_tilde(word: &str, home: &str) -> String {
    if word == "~" {
        home.to_owned()
    } else if let Some(rest) = word.strip_prefix("~/") {
        crate::paths::join(home, rest)
    } else {
        word.to_owned()
    }
}

/// `*` matches any run of characters (spaces included); everything else is literal. Linear
/// time: the classic single-backtrack-point algorithm.
fn star_match(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if Some(c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).unwrap_or(&[]).iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rule: &str, cmd: &str) -> Match {
        Pattern::compile(rule, "/home/u").unwrap().matches(cmd)
    }

    #[test]
    fn forms() {
        assert_eq!(m("Bash", "anything at all"), Match::Yes);
        assert_eq!(m("Bash(npm test)", "npm test"), Match::Yes);
        assert_eq!(m("Bash(npm test)", "npm test --watch"), Match::No);
        assert_eq!(m("Bash(git push:*)", "git push"), Match::Yes);
        assert_eq!(m("Bash(git push:*)", "git push origin main"), Match::Yes);
        assert_eq!(m("Bash(git push:*)", "git pushx"), Match::No);
        assert_eq!(m("Bash(git * main)", "git push origin main"), Match::Yes);
        assert_eq!(m("Bash(npm *)", "npm"), Match::Yes);
        assert_eq!(
            m("Bash(rm -rf ~/.cache:*)", "rm -rf /home/u/.cache x"),
            Match::Yes
        );
        assert_eq!(m("Bash(curl:*)", "cu\0"), Match::Maybe);
        assert_eq!(m("Bash(curl:*)", "\0 x"), Match::Maybe);
        assert_eq!(m("Bash(curl:*)", "wget \0"), Match::No);
    }

    #[test]
    fn syntax_errors() {
        assert!(parse_rule("bash(ls)").is_err());
        assert!(parse_rule("Bash()").is_err());
        assert!(parse_rule("Bash(ls:*:*)").is_err());
        assert!(parse_rule("Bash(ls :* x)").is_err());
        assert!(parse_rule("Bash(ls *:*)").is_err());
        assert!(parse_rule("Bash(ls\nrm)").is_err());
        assert!(parse_rule("Bash(ls").is_err());
    }
}
