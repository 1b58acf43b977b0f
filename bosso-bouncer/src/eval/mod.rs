//! The pattern layer: parse the line, walk every simple command it would run, apply the rules.

mod command;
mod parse;
mod walk;
mod words;
mod wrappers;

use std::collections::{HashMap, HashSet};

pub(crate) use command::{DOWNLOADERS, Io, join_args};
pub(crate) use parse::parse_only;
pub(crate) use walk::is_network;

use crate::bouncer::CompiledPolicy;
use crate::paths::Environment;
use crate::pattern::Match;
use crate::policy::{DefaultAction, FailureAction};
use crate::{BuiltinRule, Finding, RuleId, Span, Verdict};

/// Lines longer than this are not parsed (review or deny by `on_parse_error`).
pub(crate) const MAX_LINE_BYTES: usize = 256 * 1024;
/// Simple commands examined per line, all nesting included.
const MAX_COMMANDS: usize = 20_000;
/// Bytes handed to the parser per line, all nesting included.
const MAX_PARSED_BYTES: usize = 4 * 1024 * 1024;

/// One argument after quote removal and the expansions that can be done statically.
///
/// `text` holds `\0` where a value is unknown (a variable, command output); `\0` cannot occur
/// in a real argument, so it is unambiguous.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Arg {
    pub(crate) text: String,
    /// Unquoted `*`, `?` or `[` (pathname expansion).
    pub(crate) glob: bool,
    /// Derived from downloaded content (`$(curl …)`, `<(wget …)`).
    pub(crate) download: bool,
    /// A path somewhere under this directory (`find DIR … -exec cmd {}` with a filter).
    pub(crate) scope: Option<String>,
}

impl Arg {
    pub(crate) fn lit(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    pub(crate) fn unknown() -> Self {
        Self::lit("\0")
    }

    /// The value, when it is fully known and not a pattern.
    pub(crate) fn known(&self) -> Option<&str> {
        (!self.text.contains('\0') && !self.glob && self.scope.is_none()).then_some(&self.text)
    }

    pub(crate) fn is_dynamic(&self) -> bool {
        self.text.contains('\0') || self.scope.is_some()
    }
}

/// What flows into a command's standard input or out of its standard output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Content {
    /// Nothing piped (a terminal or empty input).
    Nothing,
    /// Known text (`echo …`, a here-document, a here-string).
    Static(String),
    /// A file (`< path`); `None` when the path is not known.
    File(Option<String>),
    /// Not known; `download` when derived from a network download.
    Unknown { download: bool },
}

impl Content {
    pub(crate) fn download(&self) -> bool {
        matches!(self, Content::Unknown { download: true })
    }
}

/// How a string run as code relates to the current shell.
pub(crate) enum Scope {
    /// `eval`, an alias, a `trap` action: the same shell.
    SameShell,
    /// `$(…)`, a `( … )` list: a copy of the shell.
    Subshell,
    /// `sh -c`: a new shell with these positional parameters (`$0` first).
    NewShell(Vec<Arg>),
}

/// What the walker knows about the shell at a point of the line.
#[derive(Clone, Debug, Default)]
pub(crate) struct ShellState {
    /// `None` once a `cd` went somewhere unknown.
    pub(crate) cwd: Option<String>,
    /// Variables assigned in the line: `None` = assigned, value unknown.
    pub(crate) vars: HashMap<String, Option<Arg>>,
    pub(crate) functions: HashSet<String>,
    /// `None` = unknown positional parameters (the top level).
    pub(crate) positional: Option<Vec<Arg>>,
    /// Files a downloader wrote earlier in the line.
    pub(crate) downloaded: Vec<String>,
    /// `IFS` when the line assigned it: `Some(None)` = to an unknown value.
    pub(crate) ifs: Option<Option<String>>,
    /// File descriptors `exec` opened on `/dev/tcp` or `/dev/udp`.
    pub(crate) net_fds: Vec<i32>,
}

/// The result of [`crate::Bouncer::evaluate`]: the verdict and everything that led to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    /// The first deny, else the first review, else allow.
    pub verdict: Verdict,
    /// Every finding, in the order found.
    pub findings: Vec<Finding>,
}

pub(crate) struct Evaluator<'a> {
    pub(crate) env: &'a Environment,
    pub(crate) policy: &'a CompiledPolicy,
    /// Byte offset of each character of the top-level line (brush counts characters).
    byte_of_char: Option<Vec<usize>>,
    line_len: usize,
    findings: Vec<Finding>,
    depth: usize,
    /// Inside a string run as code, every finding points at the outer command.
    outer_span: Option<Span>,
    commands_left: usize,
    parse_bytes_left: usize,
    /// The command being examined matched a host `allow` pattern.
    lift: bool,
    pub(crate) sh: ShellState,
    /// A credential read: where, and whether it is a strong one (a key file, a keychain).
    pub(crate) cred_read: Option<(Span, bool)>,
    /// Network egress somewhere in the line.
    pub(crate) egress: Option<Span>,
    /// The current pipeline stage reads shell code from stdin / sends data over the network
    /// (together, in one pipeline: a reverse shell).
    pub(crate) stage_reads_code: bool,
    pub(crate) stage_egress: bool,
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(env: &'a Environment, policy: &'a CompiledPolicy) -> Self {
        Self {
            env,
            policy,
            byte_of_char: None,
            line_len: 0,
            findings: Vec::new(),
            depth: 0,
            outer_span: None,
            commands_left: MAX_COMMANDS,
            parse_bytes_left: MAX_PARSED_BYTES,
            lift: false,
            sh: ShellState {
                cwd: Some(env.cwd.clone()),
                ..ShellState::default()
            },
            cred_read: None,
            egress: None,
            stage_reads_code: false,
            stage_egress: false,
        }
    }

    /// Judge a whole command line.
    pub(crate) fn evaluate_line(mut self, line: &str) -> Evaluation {
        self.line_len = line.len();
        if !line.is_ascii() {
            self.byte_of_char = Some(line.char_indices().map(|(i, _)| i).collect());
        }
        let whole = Span::new(0, line.len());
        if let Some(program) = self.parse_checked(line, whole) {
            self.program(&program);
        }
        self.finish()
    }

    /// Judge an argument vector that will be spawned without a shell.
    pub(crate) fn evaluate_argv(mut self, argv: &[String]) -> Evaluation {
        let len = argv
            .iter()
            .map(|a| a.len() + 1)
            .sum::<usize>()
            .saturating_sub(1);
        let span = Span::new(0, len);
        self.line_len = len;
        self.outer_span = Some(span);
        for a in argv {
            if let Some(reason) = parse::suspicious_chars(a) {
                self.review_unliftable(reason, span);
            }
        }
        let args: Vec<Arg> = argv.iter().map(Arg::lit).collect();
        self.run_argv(args, &command::Io::default(), span);
        self.finish()
    }

    fn finish(mut self) -> Evaluation {
        match (self.cred_read, self.egress) {
            (Some((read, _)), Some(out)) => self.deny(
                BuiltinRule::CredentialExfiltration,
                "reads a credential file or keychain in a line that sends data over the network",
                read.cover(out),
            ),
            (Some((read, true)), None) => {
                self.review_unliftable("reads a credential file or keychain", read)
            }
            _ => {}
        }
        let verdict = self
            .findings
            .iter()
            .find(|f| f.rule.is_some())
            .or_else(|| self.findings.first())
            .map_or(Verdict::Allow, Finding::verdict);
        Evaluation {
            verdict,
            findings: self.findings,
        }
    }

    /// The line span of a parser location.
    pub(crate) fn span_of(&self, loc: Option<&brush_parser::SourceSpan>) -> Span {
        if let Some(outer) = self.outer_span {
            return outer;
        }
        let Some(loc) = loc else {
            return Span::new(0, self.line_len);
        };
        let byte = |c: usize| match &self.byte_of_char {
            None => c.min(self.line_len),
            Some(map) => map.get(c).copied().unwrap_or(self.line_len),
        };
        Span::new(byte(loc.start.index), byte(loc.end.index))
    }

    pub(crate) fn deny(&mut self, rule: BuiltinRule, reason: impl Into<String>, span: Span) {
        self.push(Some(RuleId::Builtin(rule)), reason.into(), span);
    }

    /// A review for the command being examined; a matching host `allow` pattern lifts it.
    pub(crate) fn review(&mut self, reason: impl Into<String>, span: Span) {
        if !self.lift {
            self.push(None, reason.into(), span);
        }
    }

    /// A review no host pattern can lift (the line as a whole is in doubt).
    pub(crate) fn review_unliftable(&mut self, reason: impl Into<String>, span: Span) {
        self.push(None, reason.into(), span);
    }

    /// The line (or part of it) cannot be analysed: review or deny by policy, never allow.
    pub(crate) fn unanalysable(&mut self, reason: &'static str, span: Span) {
        match self.policy.on_parse_error {
            FailureAction::Review => self.review_unliftable(reason, span),
            FailureAction::Deny => self.push(Some(RuleId::Unanalysable), reason.into(), span),
        }
    }

    fn push(&mut self, rule: Option<RuleId>, reason: String, span: Span) {
        // One finding per (rule, span, reason) is enough; loops and wrappers repeat them.
        if self.findings.len() >= 256
            || self
                .findings
                .iter()
                .any(|f| f.rule == rule && f.span == span && f.reason == reason)
        {
            return;
        }
        self.findings.push(Finding { rule, reason, span });
    }

    /// Apply the host patterns to one simple command; returns `false` to stop examining it.
    fn host_patterns(&mut self, argv: &[Arg], span: Span) -> bool {
        if self.commands_left == 0 {
            self.unanalysable("the line runs too many commands to analyse", span);
            return false;
        }
        self.commands_left -= 1;
        let policy = self.policy;
        if policy.deny.is_empty()
            && policy.ask.is_empty()
            && policy.allow.is_empty()
            && policy.default == DefaultAction::Allow
        {
            return true;
        }
        let text = argv
            .iter()
            .map(|a| a.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        for (index, p) in self.policy.deny.iter().enumerate() {
            match p.matches(&text) {
                Match::Yes => {
                    self.push(
                        Some(RuleId::HostDeny(index)),
                        "matches a host deny pattern".into(),
                        span,
                    );
                    return false;
                }
                Match::Maybe => self.review_unliftable(
                    "may match a host deny pattern once variables are expanded",
                    span,
                ),
                Match::No => {}
            }
        }
        if self
            .policy
            .ask
            .iter()
            .any(|p| p.matches(&text) != Match::No)
        {
            self.review_unliftable("the host policy asks for review of this command", span);
        }
        self.lift = self
            .policy
            .allow
            .iter()
            .any(|p| p.matches(&text) == Match::Yes);
        if !self.lift && self.policy.default == DefaultAction::Review {
            self.review_unliftable("not in the host policy's allow list", span);
        }
        true
    }

    /// Run `code` as shell code found inside the line (`sh -c`, `eval`, `$(…)`, an alias).
    pub(crate) fn eval_code(&mut self, code: &str, span: Span, scope: Scope) -> Content {
        if self.depth >= self.policy.max_depth {
            self.unanalysable("commands nested in strings too deeply to analyse", span);
            return Content::Unknown { download: false };
        }
        let saved_outer = self.outer_span;
        let saved_lift = self.lift;
        self.outer_span = Some(saved_outer.unwrap_or(span));
        self.lift = false;
        self.depth += 1;
        let saved_state = match &scope {
            Scope::SameShell => None,
            Scope::Subshell => Some(self.sh.clone()),
            Scope::NewShell(positional) => {
                let fresh = ShellState {
                    cwd: self.sh.cwd.clone(),
                    positional: Some(positional.clone()),
                    downloaded: self.sh.downloaded.clone(),
                    ..ShellState::default()
                };
                Some(std::mem::replace(&mut self.sh, fresh))
            }
        };
        let out = match self.parse_checked(code, span) {
            Some(program) => self.program(&program),
            None => Content::Unknown { download: false },
        };
        if let Some(state) = saved_state {
            let downloaded = std::mem::take(&mut self.sh.downloaded);
            self.sh = state;
            self.sh.downloaded = downloaded;
        }
        self.depth -= 1;
        self.outer_span = saved_outer;
        self.lift = saved_lift;
        out
    }

    pub(crate) fn note_egress(&mut self, span: Span) {
        self.egress.get_or_insert(span);
        self.stage_egress = true;
    }

    pub(crate) fn note_cred_read(&mut self, span: Span, strong: bool) {
        match &mut self.cred_read {
            Some((_, s)) => *s |= strong,
            None => self.cred_read = Some((span, strong)),
        }
    }
}
