//! The host policy: permission patterns and settings layered over the built-in rules, loaded
//! from TOML.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::Error;

/// What an unlisted command gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DefaultAction {
    /// Commands no rule or pattern objects to are allowed (the built-in rules still apply).
    #[default]
    Allow,
    /// Allowlist mode: every simple command must match an `allow` pattern, otherwise `Review`.
    Review,
}

/// What a failure (analyzer timeout or error, unparsable line) turns into. Never `Allow`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureAction {
    /// Hand the command to a human.
    #[default]
    Review,
    /// Refuse it.
    Deny,
}

/// The host policy. Build it in code or load it from TOML with [`Policy::from_toml`]:
///
/// ```toml
/// default = "allow"                 # or "review": allowlist mode
/// allow = ["Bash(git push:*)", "Bash(npm test)"]
/// ask = ["Bash(docker *)"]
/// deny = ["Bash(curl:*)"]
/// protected_branches = ["main", "master", "release/*"]
/// protected_paths = ["~/.config/agent/bouncer.toml"]
/// protected_processes = ["agent-guard"]
/// on_analyzer_failure = "review"    # or "deny"
/// on_parse_error = "review"         # or "deny"
/// analyzer_timeout_ms = 5000
/// max_depth = 6
/// ```
///
/// Patterns follow coding agents' permission rules: `Bash` (every command), `Bash(npm test)`
/// (exactly that command), `Bash(git push:*)` (that command and anything after a word
/// boundary), `Bash(git * main)` (`*` matches any text; a single trailing ` *` is optional).
/// They are matched against each simple command separately (after quotes are removed and `~`
/// is expanded), so `Bash(git push:*)` never covers `git push; rm -rf ~`. Order: built-in
/// denies, then `deny`, then `ask`, then `allow`; a deny always wins.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// What an unlisted command gets.
    pub default: DefaultAction,
    /// Patterns that lift a `Review` (never a `Deny`) for the commands they match.
    pub allow: Vec<String>,
    /// Patterns whose commands always go to review.
    pub ask: Vec<String>,
    /// Patterns whose commands are denied.
    pub deny: Vec<String>,
    /// Branches a force push or deletion may not target (`*` and `?` globs). Empty disables
    /// the force-push rule.
    pub protected_branches: Vec<String>,
    /// Files the guard depends on (its configuration, its audit log): writing, moving or
    /// deleting them is denied. `~/` is the home directory; relative paths are in the
    /// workspace.
    pub protected_paths: Vec<String>,
    /// Process names of the guard: `kill`/`pkill`/`killall` naming them is denied.
    pub protected_processes: Vec<String>,
    /// What an analyzer timeout or error gives.
    pub on_analyzer_failure: FailureAction,
    /// What a line that cannot be parsed (or is too long or too deeply nested) gives.
    pub on_parse_error: FailureAction,
    /// The analyzer's deadline in milliseconds (1 to 600 000).
    pub analyzer_timeout_ms: u64,
    /// How deep strings run as code (`sh -c`, `eval`, `$(…)`, aliases) are followed (1 to 16).
    /// Deeper nesting goes to review.
    pub max_depth: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            default: DefaultAction::Allow,
            allow: Vec::new(),
            ask: Vec::new(),
            deny: Vec::new(),
            protected_branches: vec!["main".into(), "master".into()],
            protected_paths: DEFAULT_PROTECTED_PATHS
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
            protected_processes: Vec::new(),
            on_analyzer_failure: FailureAction::Review,
            on_parse_error: FailureAction::Review,
            analyzer_timeout_ms: 5_000,
            max_depth: 6,
        }
    }
}

/// The parser's message with a line and column, without the excerpt of the file that the
/// `toml` error's `Display` adds (the policy text is not echoed).
fn syntax_error(text: &str, e: &toml::de::Error) -> Error {
    let message = e.message().trim_end();
    match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or("");
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Error::PolicySyntax(format!("line {line}, column {column}: {message}"))
        }
        None => Error::PolicySyntax(message.to_owned()),
    }
}

/// The coding agent's own settings and the bouncer's log: an agent that edits them can switch
/// the guard off.
const DEFAULT_PROTECTED_PATHS: &[&str] = &[
    "~/.claude/settings.json",
    "~/.claude/settings.local.json",
    "~/.claude/logs/bouncer.log",
    ".claude/settings.json",
    ".claude/settings.local.json",
];

impl Policy {
    /// Parse and validate a policy. Unknown keys are errors (a misspelt `alow` would otherwise
    /// silently allow nothing).
    pub fn from_toml(text: &str) -> Result<Self, Error> {
        let policy: Policy = toml::from_str(text).map_err(|e| syntax_error(text, &e))?;
        policy.validate()?;
        Ok(policy)
    }

    /// Read, parse and validate a policy file. The file itself becomes a protected path.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path.as_ref())?;
        let mut policy = Self::from_toml(&text)?;
        if let Some(p) = path.as_ref().to_str() {
            policy.protected_paths.push(p.to_owned());
        }
        Ok(policy)
    }

    /// Check every pattern and setting.
    pub fn validate(&self) -> Result<(), Error> {
        for (list, patterns) in [
            ("allow", &self.allow),
            ("ask", &self.ask),
            ("deny", &self.deny),
        ] {
            for (index, p) in patterns.iter().enumerate() {
                crate::pattern::parse_rule(p).map_err(|problem| Error::InvalidPattern {
                    list,
                    index,
                    problem,
                })?;
            }
        }
        if !(1..=600_000).contains(&self.analyzer_timeout_ms) {
            return Err(Error::InvalidSetting {
                key: "analyzer_timeout_ms",
                problem: "must be between 1 and 600000",
            });
        }
        if !(1..=16).contains(&self.max_depth) {
            return Err(Error::InvalidSetting {
                key: "max_depth",
                problem: "must be between 1 and 16",
            });
        }
        for b in &self.protected_branches {
            if b.is_empty() || b.contains(char::is_whitespace) {
                return Err(Error::InvalidSetting {
                    key: "protected_branches",
                    problem: "a branch must be non-empty and contain no whitespace",
                });
            }
        }
        for p in &self.protected_paths {
            if p.is_empty() || p.contains('\0') {
                return Err(Error::InvalidSetting {
                    key: "protected_paths",
                    problem: "a path must be non-empty and contain no NUL",
                });
            }
        }
        if self.protected_processes.iter().any(|p| p.is_empty()) {
            return Err(Error::InvalidSetting {
                key: "protected_processes",
                problem: "a process name must be non-empty",
            });
        }
        Ok(())
    }

    /// The analyzer deadline.
    pub fn analyzer_timeout(&self) -> Duration {
        Duration::from_millis(self.analyzer_timeout_ms)
    }
}
