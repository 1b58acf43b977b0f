//! What the bouncer decides, and why.

use std::fmt;

/// A byte range of the command line a verdict concerns.
///
/// For a command nested inside a string (`sh -c '…'`, `eval`, `$(…)` text, an alias body),
/// the span is that of the outermost command in the line, because that is what the host can
/// show the user and what actually runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte (inclusive).
    pub start: usize,
    /// Last byte (exclusive).
    pub end: usize,
}

impl Span {
    /// A span of `start..end` bytes.
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The text of `line` this span covers, or `None` if the span does not fit `line`.
    pub fn slice<'a>(&self, line: &'a str) -> Option<&'a str> {
        line.get(self.start..self.end)
    }

    pub(crate) fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// The built-in rules. Each one is a `Deny` when it matches; see the README's rule table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BuiltinRule {
    /// A function that calls itself in a pipeline, in the background or twice, or inline
    /// interpreter code that forks in a loop.
    ForkBomb,
    /// Recursive deletion (or moving away) of `/`, the home directory, a system directory, the
    /// workspace or an ancestor of them.
    RecursiveDelete,
    /// `dd`, `mkfs`, `wipefs`, `shred`, `blkdiscard` (and writes or redirections) on a block
    /// device.
    DiskOverwrite,
    /// Recursive `chmod`/`chown`/`chgrp`/`chattr`/`setfacl` on `/`, the home directory or a
    /// system directory.
    RecursivePermissions,
    /// Downloaded content run as code: `curl … | sh`, `sh -c "$(curl …)"`, `bash <(wget …)`,
    /// or a file downloaded earlier in the same line then executed.
    DownloadExec,
    /// A write to a shell startup file, `~/.ssh/authorized_keys`, a git hook, `core.hooksPath`,
    /// cron, systemd/launchd units, sudoers or `ld.so.preload`.
    PersistenceWrite,
    /// A read of a credential file or keychain in the same line as network egress.
    CredentialExfiltration,
    /// Disabling shell history, clearing or truncating it, or tampering with the guard's own
    /// files, processes or audit logging.
    DefenseEvasion,
    /// A force push (or deletion) of a protected branch. Host-configurable: the branch list
    /// comes from the policy (`protected_branches`, default `main` and `master`).
    ForcePushProtected,
    /// An interactive shell wired to a network socket (`bash -i >& /dev/tcp/…`, `nc -e sh`).
    ReverseShell,
}

impl BuiltinRule {
    /// Every built-in rule.
    pub const ALL: [BuiltinRule; 10] = [
        BuiltinRule::ForkBomb,
        BuiltinRule::RecursiveDelete,
        BuiltinRule::DiskOverwrite,
        BuiltinRule::RecursivePermissions,
        BuiltinRule::DownloadExec,
        BuiltinRule::PersistenceWrite,
        BuiltinRule::CredentialExfiltration,
        BuiltinRule::DefenseEvasion,
        BuiltinRule::ForcePushProtected,
        BuiltinRule::ReverseShell,
    ];

    /// The rule's stable name, as written in audit events.
    pub const fn name(self) -> &'static str {
        match self {
            BuiltinRule::ForkBomb => "fork-bomb",
            BuiltinRule::RecursiveDelete => "recursive-delete",
            BuiltinRule::DiskOverwrite => "disk-overwrite",
            BuiltinRule::RecursivePermissions => "recursive-permissions",
            BuiltinRule::DownloadExec => "download-exec",
            BuiltinRule::PersistenceWrite => "persistence-write",
            BuiltinRule::CredentialExfiltration => "credential-exfiltration",
            BuiltinRule::DefenseEvasion => "defense-evasion",
            BuiltinRule::ForcePushProtected => "force-push-protected",
            BuiltinRule::ReverseShell => "reverse-shell",
        }
    }
}

/// Which rule denied a command.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuleId {
    /// A built-in rule.
    Builtin(BuiltinRule),
    /// A host policy `deny` pattern, by its index in the policy's `deny` list.
    HostDeny(usize),
    /// The analyzer answered `Deny`.
    Analyzer,
    /// The analyzer timed out or failed and the policy says a failure denies.
    AnalyzerFailure,
    /// The line could not be analysed (unparsable, too long, too deeply nested) and the
    /// policy's `on_parse_error` is `deny`.
    Unanalysable,
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleId::Builtin(rule) => f.write_str(rule.name()),
            RuleId::HostDeny(index) => write!(f, "policy-deny[{index}]"),
            RuleId::Analyzer => f.write_str("analyzer"),
            RuleId::AnalyzerFailure => f.write_str("analyzer-failure"),
            RuleId::Unanalysable => f.write_str("unanalysable"),
        }
    }
}

/// The decision for one command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing dangerous was found and nothing was left undecided.
    Allow,
    /// A rule matched: do not run the command.
    Deny {
        /// The rule that matched.
        rule: RuleId,
        /// Why, in words a user can read.
        reason: String,
        /// The command it concerns.
        span: Span,
    },
    /// The command cannot be decided statically (or a host rule asks for review): a human or an
    /// [`Analyzer`](crate::Analyzer) must decide. Never treat this as an allow.
    Review {
        /// Why it needs review.
        reason: String,
        /// The command it concerns.
        span: Span,
    },
}

impl Verdict {
    /// `true` only for [`Verdict::Allow`].
    pub const fn is_allow(&self) -> bool {
        matches!(self, Verdict::Allow)
    }

    /// `true` for [`Verdict::Deny`].
    pub const fn is_deny(&self) -> bool {
        matches!(self, Verdict::Deny { .. })
    }

    /// `true` for [`Verdict::Review`].
    pub const fn is_review(&self) -> bool {
        matches!(self, Verdict::Review { .. })
    }

    /// The reason, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Allow => None,
            Verdict::Deny { reason, .. } | Verdict::Review { reason, .. } => Some(reason),
        }
    }

    /// The span, if any.
    pub fn span(&self) -> Option<Span> {
        match self {
            Verdict::Allow => None,
            Verdict::Deny { span, .. } | Verdict::Review { span, .. } => Some(*span),
        }
    }

    /// Orders verdicts by permissiveness: `Deny` (0) < `Review` (1) < `Allow` (2).
    pub const fn permissiveness(&self) -> u8 {
        match self {
            Verdict::Deny { .. } => 0,
            Verdict::Review { .. } => 1,
            Verdict::Allow => 2,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Allow => f.write_str("allow"),
            Verdict::Deny { rule, reason, .. } => write!(f, "deny ({rule}): {reason}"),
            Verdict::Review { reason, .. } => write!(f, "review: {reason}"),
        }
    }
}

/// One thing the pattern layer found. A line can have several; the verdict is the first
/// `Deny`, else the first `Review`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// `Some` for a deny, `None` for a review.
    pub rule: Option<RuleId>,
    /// Why.
    pub reason: String,
    /// Where.
    pub span: Span,
}

impl Finding {
    /// The verdict this finding alone would give.
    pub fn verdict(&self) -> Verdict {
        match &self.rule {
            Some(rule) => Verdict::Deny {
                rule: rule.clone(),
                reason: self.reason.clone(),
                span: self.span,
            },
            None => Verdict::Review {
                reason: self.reason.clone(),
                span: self.span,
            },
        }
    }
}
