//! One simple command: its words, assignments and redirections, then what it runs.

use brush_parser::ast::{self, AssignmentName, AssignmentValue, CommandPrefixOrSuffixItem};

use super::parse::is_lookalike;
use super::wrappers::{self, Unwrapped};
use super::{Arg, Content, Evaluator, Scope};
use crate::{BuiltinRule, Span};

/// A simple command's redirections, resolved.
#[derive(Clone, Debug, Default)]
pub(crate) struct Io {
    /// Where stdin comes from, when a redirection sets it.
    pub(crate) stdin: Option<Content>,
    pub(crate) writes: Vec<Arg>,
    pub(crate) reads: Vec<Arg>,
    /// A `/dev/tcp` or `/dev/udp` redirection, or a descriptor opened on one.
    pub(crate) net: bool,
    /// Descriptors this command's redirections open on the network (`exec 5<>/dev/tcp/…`).
    pub(crate) net_fds: Vec<i32>,
}

pub(crate) const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "posh", "rbash", "lksh", "oksh",
    "pdksh", "ksh93", "fish", "csh", "tcsh", "elvish", "nu", "xonsh",
];

/// Commands whose stdout is whatever a network peer sent.
pub(crate) const DOWNLOADERS: &[&str] = &[
    "curl",
    "wget",
    "fetch",
    "http",
    "https",
    "xh",
    "httpie",
    "aria2c",
    "nc",
    "ncat",
    "netcat",
    "socat",
    "telnet",
    "lwp-request",
    "get",
    "lynx",
    "w3m",
    "links",
    "openssl",
    "ftp",
    "tftp",
    "iwr",
    "invoke-webrequest",
];

impl Evaluator<'_> {
    pub(crate) fn simple_command(&mut self, cmd: &ast::SimpleCommand, stdin: &Content) -> Content {
        let span = self.span_of(ast::SourceLocation::location(cmd).as_ref());
        let mut parts = Parts::default();
        for item in cmd.prefix.iter().flat_map(|p| p.0.iter()) {
            self.item(item, true, &mut parts, span);
        }
        if let Some(w) = &cmd.word_or_name {
            parts.argv.extend(self.words(w));
        }
        for item in cmd.suffix.iter().flat_map(|s| s.0.iter()) {
            self.item(item, false, &mut parts, span);
        }
        let Parts {
            redirects,
            assignments,
            argv,
        } = parts;
        let mut io = self.redirects(&redirects, span);
        let shell_like = argv
            .first()
            .and_then(|a| a.known())
            .is_some_and(|n| runs_code_from_stdin(&command_basename(n)));
        self.redirect_rules(&io, span, shell_like);
        if argv.is_empty() {
            for (name, value) in assignments {
                self.assign(&name, value, span, true);
            }
            return Content::Nothing;
        }
        for (name, value) in &assignments {
            self.assign(name, value.clone(), span, false);
        }
        if io.stdin.is_none() {
            io.stdin = Some(stdin.clone());
        }
        self.run_argv(argv, &io, span)
    }

    fn item<'c>(
        &mut self,
        item: &'c CommandPrefixOrSuffixItem,
        in_prefix: bool,
        parts: &mut Parts<'c>,
        span: Span,
    ) {
        match item {
            CommandPrefixOrSuffixItem::IoRedirect(r) => parts.redirects.push(r),
            CommandPrefixOrSuffixItem::Word(w) => {
                let words = self.words(w);
                parts.argv.extend(words);
            }
            CommandPrefixOrSuffixItem::AssignmentWord(a, w) => {
                if in_prefix {
                    let value = self.assignment_value(a);
                    let name = assignment_name(self, a, span);
                    parts.assignments.push((name, value));
                } else {
                    let words = self.words(w);
                    parts.argv.extend(words);
                }
            }
            CommandPrefixOrSuffixItem::ProcessSubstitution(_, sub) => {
                let out = self.list_in_subshell(&sub.list);
                parts.argv.push(procsub_arg(out));
            }
        }
    }

    fn assignment_value(&mut self, a: &ast::Assignment) -> Arg {
        match &a.value {
            AssignmentValue::Scalar(w) => self.word_joined(w),
            AssignmentValue::Array(items) => {
                for (k, v) in items {
                    if let Some(k) = k {
                        self.words(k);
                    }
                    self.words(v);
                }
                Arg::unknown()
            }
        }
    }

    /// Judge one argument vector (after expansion): host patterns, wrappers, the command's own
    /// handling, the rules. Returns what it writes to stdout.
    pub(crate) fn run_argv(&mut self, argv: Vec<Arg>, io: &Io, span: Span) -> Content {
        let saved_lift = self.lift;
        let out = if self.host_patterns(&argv, span) {
            self.dispatch(argv, io, span)
        } else {
            Content::Unknown { download: false }
        };
        self.lift = saved_lift;
        out
    }

    fn dispatch(&mut self, argv: Vec<Arg>, io: &Io, span: Span) -> Content {
        let stdin = io.stdin.clone().unwrap_or(Content::Nothing);
        let passthrough = Content::Unknown {
            download: stdin.download(),
        };
        let Some((first, args)) = argv.split_first() else {
            return Content::Nothing;
        };
        let name = match command_name(first) {
            Ok(n) => n,
            Err(reason) => {
                self.review(reason, span);
                return passthrough;
            }
        };
        if args.iter().any(|a| {
            a.text.chars().next().is_some_and(is_lookalike)
                || a.text.contains(['\u{2215}', '\u{2044}', '\u{FF0F}'])
        }) {
            self.review(
                "an argument uses characters that look like a dash, slash or tilde",
                span,
            );
        }
        if self.sh.functions.contains(&first.text) {
            return passthrough;
        }
        if first.text.contains('/') {
            // `./install.sh` after `curl -O …/install.sh`.
            self.script_file(first, span);
        }
        if let Some(spec) = wrappers::spec_for(&name) {
            if (name == "sudo" || name == "run0") && sudo_edits(args) {
                self.write_rules(&name, &operands(args), span);
                return Content::Nothing;
            }
            return self.wrapper(&name, spec, args, io, span);
        }
        match name.as_str() {
            n if SHELLS.contains(&n) => return self.shell(args, io, &stdin, span),
            "eval" => {
                let code = join_args(args);
                self.run_code_arg(&code, span, Scope::SameShell);
                return passthrough;
            }
            "source" | "." => {
                self.source(args, &stdin, span);
                return passthrough;
            }
            "alias" => {
                for a in args {
                    if let Some((_, body)) = a.text.split_once('=') {
                        let body = Arg {
                            text: body.to_owned(),
                            ..a.clone()
                        };
                        self.run_code_arg(&body, span, Scope::SameShell);
                    }
                }
                return Content::Nothing;
            }
            "trap" => {
                if let Some(code) = args.iter().find(|a| !a.text.starts_with('-')) {
                    self.run_code_arg(code, span, Scope::SameShell);
                }
                return Content::Nothing;
            }
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                for a in args.iter().filter(|a| !a.text.starts_with('-')) {
                    match a.text.split_once('=') {
                        Some((n, v)) if wrappers::is_assignment(&a.text) => {
                            self.assign(
                                n,
                                Arg {
                                    text: v.to_owned(),
                                    ..a.clone()
                                },
                                span,
                                true,
                            );
                        }
                        _ => {}
                    }
                }
                return Content::Nothing;
            }
            "cd" | "pushd" | "popd" | "chdir" => {
                self.change_dir(&name, args);
                return Content::Nothing;
            }
            "set" | "shopt" | "unset" | "history" | "setopt" | "unsetopt" => {
                self.shell_builtin_rules(&name, args, span);
                return Content::Nothing;
            }
            "xargs" => return self.xargs(args, &stdin, span),
            "find" => return self.find(args, span),
            "git" => return self.git(args, span),
            "ssh" => return self.ssh(args, span),
            "at" | "batch" => {
                self.stdin_code(&stdin, span, vec![Arg::lit("sh")]);
                return Content::Nothing;
            }
            "watch" => return self.watch(args, span),
            "tmux" => return self.tmux(args, span),
            _ => {}
        }
        if self.interpreter(&name, args, &stdin, io, span) {
            return passthrough;
        }
        self.command_rules(&name, args, io, &stdin, span);
        if is_downloader(&name, args) {
            return Content::Unknown { download: true };
        }
        match name.as_str() {
            "pwd" => self
                .sh
                .cwd
                .clone()
                .map_or(passthrough, |c| Content::Static(format!("{c}\n"))),
            "mktemp" => Content::Static(format!("{}\n", mktemp_path(args, self.sh.cwd.as_deref()))),
            _ => output_of(&name, args, &stdin),
        }
    }

    fn wrapper(
        &mut self,
        name: &str,
        spec: &wrappers::Spec,
        args: &[Arg],
        io: &Io,
        span: Span,
    ) -> Content {
        match wrappers::unwrap(spec, args) {
            Unwrapped::Run {
                mut argv,
                assignments,
                chdir,
                split,
            } => {
                for (n, v) in assignments {
                    self.assign(&n, v, span, false);
                }
                if let Some(s) = split {
                    let mut words = split_words(&s);
                    words.append(&mut argv);
                    argv = words;
                }
                let saved_cwd = self.sh.cwd.clone();
                if let Some(dir) = chdir {
                    self.sh.cwd = dir
                        .known()
                        .and_then(|d| crate::paths::resolve(d, saved_cwd.as_deref()));
                }
                let out = self.run_argv(argv, io, span);
                self.sh.cwd = saved_cwd;
                out
            }
            Unwrapped::Code(code) => {
                let positional = vec![Arg::lit("sh")];
                self.run_code_arg(&code, span, Scope::NewShell(positional));
                Content::Unknown { download: false }
            }
            Unwrapped::Nothing => {
                if name == "exec" {
                    self.sh.net_fds.extend(io.net_fds.iter().copied());
                }
                if name == "env" {
                    // `env` alone prints the environment, tokens included.
                    self.note_cred_read(span, false);
                }
                if io.net && matches!(name, "su" | "sudo" | "doas" | "runuser" | "script") {
                    self.deny(
                        BuiltinRule::ReverseShell,
                        "an interactive shell wired to a network socket",
                        span,
                    );
                }
                Content::Unknown { download: false }
            }
            Unwrapped::Unknown(reason) => {
                self.review(reason, span);
                self.probe_tail(args, span);
                Content::Unknown { download: false }
            }
        }
    }

    /// A shell: `-c` code, a script from stdin, or a script file.
    fn shell(&mut self, args: &[Arg], io: &Io, stdin: &Content, span: Span) -> Content {
        let mut i = 0;
        let mut command_mode = false;
        let mut stdin_mode = false;
        while let Some(a) = args.get(i) {
            let t = a.text.as_str();
            if a.text.starts_with('\0') {
                if command_mode {
                    break;
                }
                self.review("shell options depend on a variable", span);
                return Content::Unknown { download: false };
            }
            if t == "--" || t == "-" {
                i += 1;
                break;
            }
            if let Some(long) = t.strip_prefix("--") {
                if matches!(long, "rcfile" | "init-file") {
                    i += 1;
                }
                i += 1;
                continue;
            }
            if t.len() > 1 && (t.starts_with('-') || t.starts_with('+')) {
                for c in t.chars().skip(1) {
                    match c {
                        'c' => command_mode = true,
                        's' => stdin_mode = true,
                        'o' | 'O' => i += 1,
                        _ => {}
                    }
                }
                i += 1;
                continue;
            }
            break;
        }
        let rest = args.get(i..).unwrap_or(&[]);
        if command_mode {
            match rest.split_first() {
                Some((code, positional)) => {
                    let positional = if positional.is_empty() {
                        vec![Arg::lit("sh")]
                    } else {
                        positional.to_vec()
                    };
                    self.run_code_arg(code, span, Scope::NewShell(positional));
                }
                None => self.review("a shell started with -c but no command", span),
            }
            return Content::Unknown { download: false };
        }
        if io.net {
            self.deny(
                BuiltinRule::ReverseShell,
                "an interactive shell wired to a network socket",
                span,
            );
        }
        if stdin_mode || rest.is_empty() {
            let mut positional = vec![Arg::lit("sh")];
            positional.extend(rest.iter().cloned());
            self.stdin_code(stdin, span, positional);
        } else if let Some(script) = rest.first() {
            self.script_file(script, span);
        }
        Content::Unknown { download: false }
    }

    /// Run a script file argument: a downloaded file or `<(curl …)` is denied; `<(echo …)` text
    /// is analysed; an ordinary file runs unexamined.
    pub(crate) fn script_file(&mut self, script: &Arg, span: Span) {
        if script.download {
            self.deny(
                BuiltinRule::DownloadExec,
                "runs downloaded content as a script",
                span,
            );
            return;
        }
        if let Some(path) = script.known()
            && let Some(p) = crate::paths::resolve(path, self.sh.cwd.as_deref())
            && self.sh.downloaded.contains(&p)
        {
            self.deny(
                BuiltinRule::DownloadExec,
                "runs a file downloaded earlier in the line",
                span,
            );
        }
    }

    /// Shell code given as an argument (`sh -c`, `eval`, an alias, `su -c`).
    pub(crate) fn run_code_arg(&mut self, code: &Arg, span: Span, scope: Scope) {
        if code.download {
            self.deny(
                BuiltinRule::DownloadExec,
                "runs downloaded content as shell code",
                span,
            );
        } else if let Some(text) = code.known() {
            self.eval_code(text, span, scope);
        } else if code.glob && !code.text.contains('\0') {
            // Globs are not expanded in this position by `sh -c`; the text is the code.
            self.eval_code(&code.text.clone(), span, scope);
        } else {
            self.review(
                "runs shell code that depends on a variable or command output",
                span,
            );
        }
    }

    /// A shell reading its commands from stdin.
    pub(crate) fn stdin_code(&mut self, stdin: &Content, span: Span, positional: Vec<Arg>) {
        self.stage_reads_code = true;
        match stdin {
            Content::Nothing => {}
            Content::Static(text) => {
                self.eval_code(text, span, Scope::NewShell(positional));
            }
            Content::File(Some(p)) => {
                if self.sh.downloaded.contains(p) {
                    self.deny(BuiltinRule::DownloadExec, "runs a file downloaded earlier in the line", span);
                }
            }
            Content::File(None) => {
                self.review("a shell reads commands from a file whose name is not known", span)
            }
            Content::Unknown { download: true } => {
                self.deny(BuiltinRule::DownloadExec, "pipes downloaded content into a shell", span)
            }
            Content::Unknown { download: false } => self.review(
                "a shell reads commands from a pipe whose content cannot be known (decoded or generated)",
                span,
            ),
        }
    }

    fn source(&mut self, args: &[Arg], stdin: &Content, span: Span) {
        let Some(file) = args.iter().find(|a| !a.text.starts_with('-')) else {
            return;
        };
        match file.known() {
            Some("/dev/stdin" | "/proc/self/fd/0" | "-") => {
                self.stdin_code(stdin, span, vec![Arg::lit("sh")])
            }
            _ => self.script_file(file, span),
        }
    }

    fn change_dir(&mut self, name: &str, args: &[Arg]) {
        if name == "popd" {
            self.sh.cwd = None;
            return;
        }
        let target = args
            .iter()
            .find(|a| !(a.text.starts_with('-') && a.text.len() > 1));
        self.sh.cwd = match target {
            None => Some(self.env.home.clone()),
            Some(a) => match a.known() {
                Some("-") | None => None,
                Some(dir) => crate::paths::resolve(dir, self.sh.cwd.as_deref()),
            },
        };
    }

    fn xargs(&mut self, args: &[Arg], stdin: &Content, span: Span) -> Content {
        const VAL: &str = "adEILnPs";
        let mut i = 0;
        let mut replace: Option<String> = None;
        while let Some(a) = args.get(i) {
            let t = a.text.as_str();
            if t == "--" {
                i += 1;
                break;
            }
            if let Some(long) = t.strip_prefix("--") {
                let (n, v) = long
                    .split_once('=')
                    .map_or((long, None), |(n, v)| (n, Some(v)));
                if n == "replace" {
                    replace = Some(v.unwrap_or("{}").to_owned());
                }
                i += 1;
                continue;
            }
            if t.len() > 1 && t.starts_with('-') {
                let body = t.get(1..).unwrap_or("");
                for (k, c) in body.char_indices() {
                    let rest = body.get(k + 1..).unwrap_or("");
                    if VAL.contains(c) {
                        let v = if rest.is_empty() {
                            i += 1;
                            args.get(i).map(|a| a.text.clone()).unwrap_or_default()
                        } else {
                            rest.to_owned()
                        };
                        if c == 'I' {
                            replace = Some(v);
                        }
                        break;
                    }
                    if matches!(c, 'i' | 'e' | 'l') {
                        if c == 'i' {
                            replace = Some(if rest.is_empty() {
                                "{}".into()
                            } else {
                                rest.to_owned()
                            });
                        }
                        break;
                    }
                }
                i += 1;
                continue;
            }
            break;
        }
        let item = Arg {
            text: "\0".into(),
            download: stdin.download(),
            ..Arg::default()
        };
        let mut argv: Vec<Arg> = args.get(i..).unwrap_or(&[]).to_vec();
        if argv.is_empty() {
            argv.push(Arg::lit("echo"));
        }
        // Known input (`echo / | xargs rm -rf`): the items are its words.
        let items: Vec<Arg> = match stdin {
            Content::Static(text) => text.split_whitespace().map(Arg::lit).take(64).collect(),
            _ => vec![item],
        };
        match replace.filter(|r| !r.is_empty()) {
            Some(r) => {
                for it in &items {
                    let run: Vec<Arg> = argv
                        .iter()
                        .map(|a| {
                            if a.text.contains(&r) {
                                Arg {
                                    text: a.text.replace(&r, &it.text),
                                    download: a.download || it.download,
                                    ..a.clone()
                                }
                            } else {
                                a.clone()
                            }
                        })
                        .collect();
                    self.run_argv(run, &Io::default(), span);
                }
                Content::Unknown { download: false }
            }
            None => {
                argv.extend(items);
                self.run_argv(argv, &Io::default(), span)
            }
        }
    }

    fn ssh(&mut self, args: &[Arg], span: Span) -> Content {
        const VAL: &str = "bcDEeFIiJLlmOopQRSWwB";
        self.note_egress(span);
        let mut i = 0;
        while let Some(a) = args.get(i) {
            let t = a.text.as_str();
            if t == "--" {
                i += 1;
                break;
            }
            if t.len() > 1 && t.starts_with('-') {
                let body = t.get(1..).unwrap_or("");
                if let Some(k) = body.find(|c| VAL.contains(c)) {
                    let rest = body.get(k + 1..).unwrap_or("");
                    let opt = body.get(k..=k).unwrap_or("");
                    let value = if rest.is_empty() {
                        i += 1;
                        args.get(i).cloned()
                    } else {
                        Some(Arg::lit(rest))
                    };
                    if opt == "o"
                        && let Some(v) = value
                    {
                        self.ssh_option(&v, span);
                    }
                }
                i += 1;
                continue;
            }
            break;
        }
        let remote = args.get(i + 1..).unwrap_or(&[]);
        if !remote.is_empty() {
            let code = join_args(remote);
            let saved = self.sh.cwd.take();
            self.run_code_arg(&code, span, Scope::NewShell(vec![Arg::lit("sh")]));
            self.sh.cwd = saved;
        }
        Content::Unknown { download: false }
    }

    /// `-o ProxyCommand=…` and `-o LocalCommand=…` run shell code locally.
    pub(crate) fn ssh_option(&mut self, opt: &Arg, span: Span) {
        let (key, value) = match opt.text.split_once(['=', ' ']) {
            Some((k, v)) => (k.to_ascii_lowercase(), v.trim_start_matches(['=', ' '])),
            None => return,
        };
        if matches!(
            key.as_str(),
            "proxycommand" | "localcommand" | "knownhostscommand" | "remotecommand"
        ) {
            let code = Arg {
                text: value.to_owned(),
                ..opt.clone()
            };
            self.run_code_arg(&code, span, Scope::NewShell(vec![Arg::lit("sh")]));
        }
    }

    fn watch(&mut self, args: &[Arg], span: Span) -> Content {
        let mut i = 0;
        let mut exec = false;
        while let Some(a) = args.get(i) {
            let t = a.text.as_str();
            if t == "--" {
                i += 1;
                break;
            }
            if t == "-n" || t == "--interval" || t == "-q" || t == "--equexit" {
                i += 2;
                continue;
            }
            if t == "-x" || t == "--exec" {
                exec = true;
            }
            if !t.starts_with('-') {
                break;
            }
            i += 1;
        }
        let rest = args.get(i..).unwrap_or(&[]).to_vec();
        if exec {
            return self.run_argv(rest, &Io::default(), span);
        }
        if !rest.is_empty() {
            self.run_code_arg(
                &join_args(&rest),
                span,
                Scope::NewShell(vec![Arg::lit("sh")]),
            );
        }
        Content::Unknown { download: false }
    }

    fn tmux(&mut self, args: &[Arg], span: Span) -> Content {
        const RUNS: &[&str] = &[
            "new",
            "new-session",
            "new-window",
            "neww",
            "split-window",
            "splitw",
            "respawn-pane",
            "respawnp",
            "respawn-window",
            "respawnw",
            "run-shell",
            "run",
            "if-shell",
            "if",
            "send-keys",
            "send",
            "display-popup",
            "popup",
        ];
        if let Some(k) = args.iter().position(|a| RUNS.contains(&a.text.as_str())) {
            let mut rest = args.get(k + 1..).unwrap_or(&[]).iter();
            while let Some(a) = rest.next() {
                if a.text.starts_with('-') {
                    // Options of these subcommands that take a value.
                    if matches!(
                        a.text.as_str(),
                        "-t" | "-s" | "-n" | "-c" | "-e" | "-F" | "-x" | "-y" | "-l" | "-w" | "-h"
                    ) {
                        rest.next();
                    }
                    continue;
                }
                self.run_code_arg(a, span, Scope::NewShell(vec![Arg::lit("sh")]));
            }
        }
        Content::Unknown { download: false }
    }

    /// An argument vector built inside this command from parts of it (`find -exec`, `git bisect
    /// run`); judged like any other command.
    pub(crate) fn run_inner(&mut self, argv: Vec<Arg>, span: Span) {
        self.run_argv(argv, &Io::default(), span);
    }

    /// For a command the bouncer does not know: if its arguments look like a command a rule
    /// denies (`unknown-wrapper rm -rf /`), it may run them, so it goes to review.
    pub(crate) fn probe_tail(&mut self, args: &[Arg], span: Span) {
        for (k, a) in args.iter().enumerate() {
            let Some(name) = a.known().map(command_basename) else {
                continue;
            };
            if !crate::rules::DANGEROUS_STARTERS.contains(&name.as_str()) {
                continue;
            }
            let saved_findings = self.findings.len();
            let saved = (self.sh.clone(), self.cred_read, self.egress, self.lift);
            self.lift = false;
            self.run_argv(args.get(k..).unwrap_or(&[]).to_vec(), &Io::default(), span);
            let denied = self
                .findings
                .get(saved_findings..)
                .is_some_and(|f| f.iter().any(|f| f.rule.is_some()));
            self.findings.truncate(saved_findings);
            (self.sh, self.cred_read, self.egress, self.lift) = saved;
            if denied {
                self.review(
                    "may run its arguments, which form a command a rule denies",
                    span,
                );
                return;
            }
        }
    }
}

/// A simple command's items, sorted.
#[derive(Default)]
struct Parts<'c> {
    redirects: Vec<&'c ast::IoRedirect>,
    assignments: Vec<(String, Arg)>,
    argv: Vec<Arg>,
}

fn assignment_name(ev: &mut Evaluator<'_>, a: &ast::Assignment, span: Span) -> String {
    match &a.name {
        AssignmentName::VariableName(n) => n.clone(),
        AssignmentName::ArrayElementName(n, index) => {
            ev.scan_raw(index, span);
            n.clone()
        }
    }
}

fn procsub_arg(out: Content) -> Arg {
    Arg {
        text: "/dev/fd/63".into(),
        download: out.download(),
        ..Arg::default()
    }
}

/// Does this command print what a network peer sent? (`openssl` only as `s_client`.)
pub(crate) fn is_downloader(name: &str, args: &[Arg]) -> bool {
    DOWNLOADERS.contains(&name) && (name != "openssl" || args.iter().any(|a| a.text == "s_client"))
}

/// The lower-case basename of a command word, or why it cannot be judged.
pub(crate) fn command_name(a: &Arg) -> Result<String, &'static str> {
    if a.is_dynamic() {
        return Err("the command name comes from a variable or command output");
    }
    if a.glob {
        return Err("the command name is a file name pattern");
    }
    if !a.text.is_ascii() {
        return Err("the command name contains non-ASCII (look-alike) characters");
    }
    Ok(command_basename(&a.text))
}

pub(crate) fn command_basename(text: &str) -> String {
    crate::paths::basename(text).to_ascii_lowercase()
}

fn runs_code_from_stdin(name: &str) -> bool {
    SHELLS.contains(&name)
        || crate::rules::interpreter_lang(name).is_some()
        || matches!(name, "sudo" | "su" | "doas" | "runuser" | "script")
}

fn sudo_edits(args: &[Arg]) -> bool {
    for a in args {
        let t = a.text.as_str();
        if t == "--edit" {
            return true;
        }
        if t == "--" || !t.starts_with('-') {
            return false;
        }
        if !t.starts_with("--")
            && t.contains('e')
            && !t.contains(['u', 'g', 'p', 'C', 'D', 'h', 'r', 't', 'T', 'U', 'R'])
        {
            return true;
        }
    }
    false
}

/// Arguments that are not options (everything after `--` counts).
pub(crate) fn operands(args: &[Arg]) -> Vec<Arg> {
    let mut out = Vec::new();
    let mut opts_done = false;
    for a in args {
        if !opts_done && a.text == "--" {
            opts_done = true;
            continue;
        }
        if opts_done || !(a.text.starts_with('-') && a.text.len() > 1) {
            out.push(a.clone());
        }
    }
    out
}

/// The arguments joined by spaces, as `eval` and `ssh` do.
pub(crate) fn join_args(args: &[Arg]) -> Arg {
    let mut out = Arg::default();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.text.push(' ');
        }
        out.text.push_str(&a.text);
        out.download |= a.download;
    }
    out
}

/// `env -S 'a b c'`: whitespace splitting (quotes inside are rare; they only make the
/// arguments less exact, never hide the command name).
fn split_words(s: &Arg) -> Vec<Arg> {
    s.text
        .split_whitespace()
        .map(|w| Arg {
            text: w.trim_matches(['\'', '"']).to_owned(),
            ..s.clone()
        })
        .collect()
}

/// The kind of path `mktemp` prints: under `/tmp` unless a template or directory says
/// otherwise (its random part is irrelevant to the rules).
fn mktemp_path(args: &[Arg], cwd: Option<&str>) -> String {
    let mut dir: Option<String> = None;
    let mut template: Option<&str> = None;
    let mut tmpdir = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let t = a.text.as_str();
        if t == "-p" {
            dir = it.next().map(|d| d.text.clone());
        } else if let Some(d) = t.strip_prefix("--tmpdir=").or_else(|| t.strip_prefix("-p")) {
            dir = Some(d.to_owned());
        } else if t == "-t" || t == "--tmpdir" {
            tmpdir = true;
        } else if !t.starts_with('-') {
            template = Some(t);
        }
    }
    let template = template.unwrap_or("tmp.XXXXXXXXXX");
    if template.starts_with('/') {
        return crate::paths::normalize_abs(template);
    }
    let base = match dir {
        Some(d) => d,
        None if tmpdir || !args.iter().any(|a| !a.text.starts_with('-')) => "/tmp".into(),
        None => cwd.unwrap_or("/tmp").to_owned(),
    };
    crate::paths::join(&base, template)
}

/// What a command writes to stdout, as far as it is known.
fn output_of(name: &str, args: &[Arg], stdin: &Content) -> Content {
    let unknown = Content::Unknown {
        download: stdin.download(),
    };
    match name {
        "echo" => {
            let mut newline = true;
            let mut escapes = false;
            let mut words = args;
            while let Some((first, rest)) = words.split_first() {
                match first.text.as_str() {
                    "-n" => newline = false,
                    "-e" => escapes = true,
                    "-E" => escapes = false,
                    "-ne" | "-en" => {
                        newline = false;
                        escapes = true;
                    }
                    _ => break,
                }
                words = rest;
            }
            let joined = join_args(words);
            let Some(text) = joined.known() else {
                return Content::Unknown {
                    download: joined.download,
                };
            };
            let (mut text, more) = if escapes {
                crate::escapes::decode_echo(text)
            } else {
                (text.to_owned(), true)
            };
            if newline && more {
                text.push('\n');
            }
            Content::Static(text)
        }
        "printf" => {
            let Some((format, rest)) = args.split_first() else {
                return Content::Nothing;
            };
            let Some(format) = format.known() else {
                return unknown;
            };
            if format
                .replace("%%", "")
                .replace("%s", "")
                .replace("%b", "")
                .contains('%')
            {
                return unknown;
            }
            let mut values = rest.iter();
            let mut out = String::new();
            let mut pieces = format.split('%').peekable();
            if let Some(first) = pieces.next() {
                out.push_str(first);
            }
            while let Some(p) = pieces.next() {
                if p.is_empty() {
                    out.push('%');
                    if let Some(n) = pieces.next() {
                        out.push_str(n);
                    }
                    continue;
                }
                let spec = p.get(..1).unwrap_or("");
                match values.next().map(|v| v.known()) {
                    Some(Some(v)) if spec == "s" => out.push_str(v),
                    Some(Some(v)) => out.push_str(&crate::escapes::decode_echo(v).0),
                    Some(None) => return unknown,
                    None => {}
                }
                out.push_str(p.get(1..).unwrap_or(""));
            }
            Content::Static(crate::escapes::decode_echo(&out).0)
        }
        "cat" | "tee" if operands(args).iter().all(|a| a.text == "-") || name == "tee" => {
            stdin.clone()
        }
        _ => unknown,
    }
}
