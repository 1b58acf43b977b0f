//! Code the bouncer cannot read (inline Python, Perl, awk programs that run commands),
//! variables that carry code or disable history, shell builtins, and switching defences off.

use super::Opts;
use crate::eval::{Arg, Content, Evaluator, Io, Scope};
use crate::{BuiltinRule, Span};

/// How an interpreter takes inline code.
pub(crate) struct Interp {
    pub(crate) lang: &'static str,
    /// Short options whose value is inline code.
    code: &'static str,
    /// Long options whose value is inline code.
    code_long: &'static [&'static str],
    /// Short options whose value is the rest of the cluster (`-I/lib`, `-i.bak`).
    attached: &'static str,
    /// Short options whose value is the rest of the cluster or the next argument.
    next: &'static str,
}

const fn interp(
    lang: &'static str,
    code: &'static str,
    code_long: &'static [&'static str],
    attached: &'static str,
    next: &'static str,
) -> Interp {
    Interp {
        lang,
        code,
        code_long,
        attached,
        next,
    }
}

/// The interpreter an executable name runs (`python3.12` is Python).
pub(crate) fn interpreter_lang(name: &str) -> Option<Interp> {
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some(match base {
        "python" | "pypy" => interp("Python", "c", &[], "", "WXQ"),
        "perl" => interp("Perl", "eE", &[], "IMmxdDCi0l", ""),
        "ruby" | "jruby" => interp("Ruby", "e", &[], "iEKTxWd0", "rIC"),
        "node" | "nodejs" => interp("JavaScript", "ep", &["eval", "print"], "", "r"),
        "bun" => interp("JavaScript", "e", &["eval", "print"], "", "r"),
        "php" => interp("PHP", "rBRE", &[], "", "fcdz"),
        "lua" | "luajit" => interp("Lua", "e", &[], "", "l"),
        "rscript" => interp("R", "e", &["expr"], "", ""),
        "osascript" => interp("AppleScript", "e", &[], "", "l"),
        "pwsh" | "powershell" => interp(
            "PowerShell",
            "c",
            &["command", "encodedcommand", "c", "e", "ec", "enc"],
            "",
            "",
        ),
        "expect" => interp("Expect", "c", &[], "", "f"),
        "tclsh" | "wish" => interp("Tcl", "", &[], "", ""),
        "gdb" => interp("gdb", "", &["ex", "eval-command", "iex"], "", "x"),
        "irb" => interp("Ruby", "", &[], "", "r"),
        _ => return None,
    })
}

/// Calls that hand a string to the shell, in the languages above.
const SHELL_CALLS: &[&str] = &[
    "do shell script",
    "system",
    "exec",
    "popen",
    "spawn",
    "execsync",
    "execute",
    "shell_exec",
    "passthru",
    "getoutput",
    "getstatusoutput",
    "check_output",
    "run",
    "call",
    "popen2",
    "popen3",
    "%x",
];

impl Evaluator<'_> {
    /// Handle an interpreter; `false` if `name` is not one.
    pub(crate) fn interpreter(
        &mut self,
        name: &str,
        args: &[Arg],
        stdin: &Content,
        io: &Io,
        span: Span,
    ) -> bool {
        let Some(spec) = interpreter_lang(name) else {
            return false;
        };
        let lang = spec.lang;
        let mut code: Option<Arg> = None;
        let mut script: Option<Arg> = None;
        let mut module = false;
        let mut i = 0;
        'args: while let Some(a) = args.get(i) {
            i += 1;
            let t = a.text.as_str();
            if t == "-" || t == "--" {
                break;
            }
            let long = t.strip_prefix("--").or_else(|| {
                t.strip_prefix('-')
                    .filter(|l| l.len() > 1 && matches!(lang, "PowerShell" | "gdb"))
            });
            if let Some(long) = long {
                let (n, v) = long
                    .split_once('=')
                    .map_or((long, None), |(n, v)| (n, Some(v)));
                if spec.code_long.iter().any(|c| c.eq_ignore_ascii_case(n)) {
                    code = v.map(Arg::lit).or_else(|| args.get(i).cloned());
                    break;
                }
                continue;
            }
            if t.len() > 1 && t.starts_with('-') {
                let body = t.get(1..).unwrap_or("");
                for (k, c) in body.char_indices() {
                    let rest = body.get(k + c.len_utf8()..).unwrap_or("");
                    if spec.code.contains(c) {
                        code = if rest.is_empty() {
                            args.get(i).cloned()
                        } else {
                            Some(Arg::lit(rest))
                        };
                        break 'args;
                    }
                    if c == 'm' && lang == "Python" {
                        module = true;
                        break 'args;
                    }
                    if spec.attached.contains(c) {
                        break;
                    }
                    if spec.next.contains(c) {
                        if rest.is_empty() {
                            i += 1;
                        }
                        break;
                    }
                }
                continue;
            }
            if lang == "PowerShell" {
                // Without -File, PowerShell runs its arguments as a command.
                code = Some(crate::eval::join_args(args.get(i - 1..).unwrap_or(&[])));
                break;
            }
            script = Some(a.clone());
            break;
        }
        if lang == "gdb" && code.is_none() {
            return true;
        }
        if let Some(code) = code {
            self.inline_code(lang, &code, span);
            return true;
        }
        if module {
            return true;
        }
        match script {
            Some(s) => {
                if s.text.starts_with("http://") || s.text.starts_with("https://") {
                    self.deny(
                        BuiltinRule::DownloadExec,
                        "runs a script straight from the network",
                        span,
                    );
                }
                self.script_file(&s, span);
            }
            None => {
                if io.net {
                    self.deny(
                        BuiltinRule::ReverseShell,
                        "an interpreter wired to a network socket",
                        span,
                    );
                }
                self.stage_reads_code = true;
                match stdin {
                    Content::Nothing => {}
                    Content::File(_) => {}
                    Content::Unknown { download: true } => self.deny(
                        BuiltinRule::DownloadExec,
                        "pipes downloaded content into an interpreter",
                        span,
                    ),
                    Content::Static(_) | Content::Unknown { download: false } => self.review(
                        format!("feeds {lang} code to an interpreter on stdin"),
                        span,
                    ),
                }
            }
        }
        true
    }

    /// Inline code in another language: denied when it visibly forks in a loop, wires a
    /// socket to a shell, or runs downloaded code; the shell commands in its string literals
    /// (`os.system("…")`, `` `…` ``) are judged too; otherwise it goes to review.
    pub(crate) fn inline_code(&mut self, lang: &str, code: &Arg, span: Span) {
        if code.download {
            self.deny(
                BuiltinRule::DownloadExec,
                "runs downloaded content as code",
                span,
            );
            return;
        }
        let text = code.text.replace('\0', "");
        let lower = text.to_ascii_lowercase();
        if forks_in_a_loop(&lower) {
            self.deny(
                BuiltinRule::ForkBomb,
                format!("inline {lang} code that forks in a loop (fork bomb)"),
                span,
            );
        }
        if reverse_shell_code(&lower) {
            self.deny(
                BuiltinRule::ReverseShell,
                format!("inline {lang} code that connects a socket to a shell"),
                span,
            );
        }
        if downloads_and_runs(&lower) {
            self.deny(
                BuiltinRule::DownloadExec,
                format!("inline {lang} code that downloads code and runs it"),
                span,
            );
        }
        for cmd in shell_strings(&text) {
            self.eval_code(&cmd, span, Scope::Subshell);
        }
        if lang == "gdb"
            && let Some(cmd) = text
                .strip_prefix('!')
                .or_else(|| text.strip_prefix("shell "))
        {
            self.eval_code(cmd, span, Scope::NewShell(vec![Arg::lit("sh")]));
        }
        self.review(
            format!("runs inline {lang} code, which the bouncer cannot analyse"),
            span,
        );
    }

    /// `tar --checkpoint-action=exec=…`, `--to-command`, `-I`/`--use-compress-program`,
    /// `zip -TT`/`--unzip-command`: options whose value is run as a command.
    pub(crate) fn archiver_rule(&mut self, name: &str, args: &[Arg], span: Span) {
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let t = a.text.as_str();
            let code = if let Some(v) = t.strip_prefix("--checkpoint-action=exec=") {
                Some(Arg {
                    text: v.to_owned(),
                    ..a.clone()
                })
            } else if let Some((opt, v)) = t.split_once('=')
                && matches!(
                    opt,
                    "--to-command"
                        | "--use-compress-program"
                        | "--rsh-command"
                        | "--info-script"
                        | "--new-volume-script"
                        | "--unzip-command"
                )
            {
                Some(Arg {
                    text: v.to_owned(),
                    ..a.clone()
                })
            } else if (name != "zip"
                && matches!(
                    t,
                    "-I" | "-F"
                        | "--to-command"
                        | "--use-compress-program"
                        | "--rsh-command"
                        | "--info-script"
                        | "--new-volume-script"
                ))
                || (name == "zip" && matches!(t, "-TT" | "--unzip-command"))
            {
                it.next().cloned()
            } else {
                None
            };
            if let Some(code) = code {
                self.run_code_arg(&code, span, Scope::NewShell(vec![Arg::lit("sh")]));
            }
        }
    }

    /// Containers given the host's root or home, or its privileges, can do anything the host
    /// can; what runs inside is not judged as host commands.
    pub(crate) fn container_rule(&mut self, args: &[Arg], span: Span) {
        if !args
            .iter()
            .any(|a| matches!(a.text.as_str(), "run" | "create" | "exec"))
        {
            return;
        }
        let mut hit = false;
        let mut it = args.iter().peekable();
        while let Some(a) = it.next() {
            let t = a.text.as_str();
            if matches!(
                t,
                "--privileged" | "--pid=host" | "--net=host" | "--network=host" | "--userns=host"
            ) || t.starts_with("--cap-add")
            {
                hit = true;
            }
            let mount = match t {
                "-v" | "--volume" | "--mount" => it.peek().map(|v| v.text.clone()),
                _ => t
                    .strip_prefix("--volume=")
                    .or_else(|| t.strip_prefix("--mount="))
                    .or_else(|| t.strip_prefix("-v"))
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned),
            };
            if let Some(m) = mount {
                let src = m
                    .split(',')
                    .find_map(|kv| {
                        kv.strip_prefix("source=")
                            .or_else(|| kv.strip_prefix("src="))
                    })
                    .unwrap_or_else(|| m.split(':').next().unwrap_or(""));
                let src = Arg::lit(src);
                if let super::Target::Path(p) = self.target(&src)
                    && matches!(
                        self.env.place(&p),
                        crate::paths::Place::Root
                            | crate::paths::Place::Home
                            | crate::paths::Place::HomeAncestor
                            | crate::paths::Place::SystemDir
                            | crate::paths::Place::HomeCritical
                    )
                {
                    hit = true;
                }
            }
        }
        if hit {
            self.review("a container with the host's root, home or privileges", span);
        }
    }

    /// `vim -c ':!cmd'`, `+':!cmd'`, `--cmd '!cmd'`: editor commands that start a shell.
    pub(crate) fn editor_rule(&mut self, args: &[Arg], span: Span) {
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let cmd = match a.text.as_str() {
                "-c" | "--cmd" => it.next().map(|v| v.text.clone()),
                t => t.strip_prefix('+').map(str::to_owned),
            };
            let Some(cmd) = cmd else { continue };
            let cmd = cmd.trim_start_matches([':', ' ']);
            if let Some(shell) = cmd.strip_prefix('!').or_else(|| cmd.strip_prefix("sh ")) {
                self.eval_code(shell, span, Scope::NewShell(vec![Arg::lit("sh")]));
            } else if cmd.starts_with("sh") || cmd.starts_with("term") {
                self.review("an editor command that opens a shell", span);
            }
        }
    }

    pub(crate) fn awk_rule(&mut self, args: &[Arg], span: Span) {
        let o = Opts::parse(
            args,
            "Ffv",
            &[
                "file",
                "field-separator",
                "assign",
                "source",
                "include",
                "load",
            ],
        );
        if o.value("f").or(o.value("file")).is_some() {
            return;
        }
        let program = o.value("source").or(o.operands.first()).cloned();
        if let Some(p) = program {
            if p.text.contains("/inet/") {
                self.deny(
                    BuiltinRule::ReverseShell,
                    "an awk program that opens a network socket",
                    span,
                );
            }
            if p.text.contains("system") || p.text.contains('|') || p.text.contains('\0') {
                for cmd in shell_strings(&p.text) {
                    self.eval_code(&cmd, span, Scope::Subshell);
                }
                self.review("an awk program that runs commands or pipes", span);
            }
        }
    }

    pub(crate) fn sed_rule(&mut self, args: &[Arg], span: Span) {
        let o = Opts::parse(args, "efl", &["expression", "file", "line-length"]);
        let scripts: Vec<&Arg> = o
            .values
            .iter()
            .filter(|(k, _)| k == "e" || k == "expression")
            .map(|(_, v)| v)
            .chain(
                if o.value("e")
                    .or(o.value("expression"))
                    .or(o.value("f"))
                    .is_none()
                {
                    o.operands.first()
                } else {
                    None
                },
            )
            .collect();
        let scripts: Vec<String> = scripts.iter().map(|s| s.text.clone()).collect();
        for s in scripts {
            if sed_executes(&s) {
                for cmd in sed_commands(&s) {
                    self.eval_code(&cmd, span, Scope::NewShell(vec![Arg::lit("sh")]));
                }
                self.review("a sed script that runs commands or writes files", span);
            }
        }
    }

    /// A variable assignment (standalone, exported, or for one command).
    pub(crate) fn assign(&mut self, name: &str, value: Arg, span: Span, standalone: bool) {
        let v = value.known().unwrap_or("");
        match name {
            "HISTFILE" => self.deny(
                BuiltinRule::DefenseEvasion,
                "redirects or disables shell history",
                span,
            ),
            "HISTSIZE" | "HISTFILESIZE" | "SAVEHIST"
                if v.trim().is_empty() || v.trim() == "0" || v.starts_with('-') =>
            {
                self.deny(BuiltinRule::DefenseEvasion, "disables shell history", span)
            }
            "HISTIGNORE" if v.contains('*') => self.deny(
                BuiltinRule::DefenseEvasion,
                "hides commands from shell history",
                span,
            ),
            "PROMPT_COMMAND"
            | "GIT_SSH_COMMAND"
            | "GIT_PAGER"
            | "GIT_EDITOR"
            | "GIT_SEQUENCE_EDITOR"
            | "GIT_EXTERNAL_DIFF"
            | "PAGER"
            | "EDITOR"
            | "VISUAL"
            | "MANPAGER"
            | "LESSOPEN"
            | "LESSCLOSE"
            | "GIT_ASKPASS"
            | "SSH_ASKPASS"
            | "SUDO_ASKPASS"
            | "BROWSER" => {
                let code = Arg {
                    text: value.text.trim_start_matches(['|', '!']).to_owned(),
                    ..value.clone()
                };
                if !code.text.is_empty() {
                    self.run_code_arg(&code, span, Scope::NewShell(vec![Arg::lit("sh")]));
                }
            }
            "LD_PRELOAD" | "LD_AUDIT" | "DYLD_INSERT_LIBRARIES" | "BASH_ENV" | "ENV" => self
                .review(
                    "loads code into every program it starts (preload or shell start-up file)",
                    span,
                ),
            _ => {}
        }
        if standalone {
            if name == "IFS" {
                self.sh.ifs = Some(value.known().map(str::to_owned));
            }
            let stored = if value.is_dynamic() || value.glob {
                None
            } else {
                Some(value)
            };
            self.sh.vars.insert(name.to_owned(), stored);
        }
    }

    pub(crate) fn shell_builtin_rules(&mut self, name: &str, args: &[Arg], span: Span) {
        let texts: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
        let history_opt = texts.contains(&"history");
        let evasion = match name {
            "set" => {
                if let Some(k) = texts.iter().position(|t| *t == "--") {
                    let mut positional = vec![
                        self.sh
                            .positional
                            .as_ref()
                            .and_then(|p| p.first().cloned())
                            .unwrap_or_else(Arg::unknown),
                    ];
                    positional.extend(args.iter().skip(k + 1).cloned());
                    self.sh.positional = Some(positional);
                }
                history_opt && texts.contains(&"+o")
            }
            "shopt" => history_opt && texts.iter().any(|t| t.starts_with('-') && t.contains('u')),
            "unset" => texts
                .iter()
                .any(|t| matches!(*t, "HISTFILE" | "HISTSIZE" | "HISTFILESIZE" | "SAVEHIST")),
            "history" => texts.iter().any(|t| {
                t.starts_with('-') && (t.contains('c') || t.contains('d') || t.contains('w'))
            }),
            "unsetopt" => texts
                .iter()
                .any(|t| t.to_ascii_lowercase().replace('_', "").contains("hist")),
            "setopt" => texts.iter().any(|t| {
                let t = t.to_ascii_lowercase().replace('_', "");
                t.contains("histignorespace") || t == "nohist" || t.contains("nohistsave")
            }),
            _ => false,
        };
        if evasion {
            self.deny(
                BuiltinRule::DefenseEvasion,
                "disables or clears shell history",
                span,
            );
        }
        if name == "unset" {
            for t in texts.iter().filter(|t| !t.starts_with('-')) {
                self.sh.vars.insert((*t).to_owned(), Some(Arg::lit("")));
            }
        }
    }

    pub(crate) fn evasion_rule(&mut self, name: &str, args: &[Arg], span: Span) {
        const SECURITY_SERVICES: &[&str] = &[
            "auditd",
            "apparmor",
            "firewalld",
            "ufw",
            "selinux",
            "falcon-sensor",
            "osqueryd",
            "wazuh-agent",
            "sysmon",
            "clamav-daemon",
            "fail2ban",
            "rsyslog",
            "syslog",
            "systemd-journald",
        ];
        let texts: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
        let service_hit = texts
            .iter()
            .any(|t| SECURITY_SERVICES.contains(&t.trim_end_matches(".service")));
        let stops = texts
            .iter()
            .any(|t| matches!(*t, "stop" | "disable" | "mask" | "kill"));
        let hit = match name {
            "systemctl" | "service" => service_hit && stops,
            "setenforce" => texts
                .iter()
                .any(|t| *t == "0" || t.eq_ignore_ascii_case("permissive")),
            "auditctl" => texts.contains(&"-D") || texts.windows(2).any(|w| w == ["-e", "0"]),
            "ufw" => texts.contains(&"disable"),
            "csrutil" | "spctl" => texts.iter().any(|t| t.contains("disable")),
            "launchctl" => {
                texts.iter().any(|t| *t == "unload" || *t == "bootout")
                    && texts.iter().any(|t| t.contains("com.apple."))
            }
            _ => {
                let guard = &self.policy.protected_processes;
                texts
                    .iter()
                    .any(|t| guard.iter().any(|g| t.contains(g.as_str())))
            }
        };
        if hit {
            self.deny(
                BuiltinRule::DefenseEvasion,
                "switches off the guard, auditing or a security service",
                span,
            );
        }
    }

    pub(crate) fn netcat_rule(&mut self, name: &str, args: &[Arg], span: Span) {
        let exec = if name == "socat" {
            args.iter().any(|a| {
                let t = a.text.to_ascii_lowercase();
                t.contains("exec:") || t.contains("system:")
            })
        } else {
            args.iter().any(|a| {
                let t = a.text.as_str();
                matches!(t, "--exec" | "--sh-exec" | "--lua-exec")
                    || t.starts_with("--exec=")
                    || t.starts_with("--sh-exec=")
                    || (t.starts_with('-')
                        && !t.starts_with("--")
                        && (t.contains('e') || t.contains('c')))
            })
        };
        if exec {
            self.deny(
                BuiltinRule::ReverseShell,
                "connects a program to a network socket (remote shell)",
                span,
            );
        }
    }
}

/// `fork while fork`, `while True: os.fork()`, `loop { fork }` (lower-case input).
fn forks_in_a_loop(c: &str) -> bool {
    c.contains("fork")
        && ["while", "for ", "for(", "loop", "until"]
            .iter()
            .any(|k| c.contains(k))
}

/// A socket and a shell (or descriptor duplication onto it) in the same snippet: the shape of
/// every reverse shell in the usual cheat sheets (lower-case input).
fn reverse_shell_code(c: &str) -> bool {
    let socket = [
        "socket",
        "fsockopen",
        "/inet/tcp",
        "net.connect",
        "tcpclient",
    ]
    .iter()
    .any(|k| c.contains(k));
    let shell = [
        "/bin/sh",
        "/bin/bash",
        "sh -i",
        "bash -i",
        "cmd.exe",
        "pty.spawn",
        "dup2",
        "child_process",
        "iex",
        "invoke-expression",
        "popen",
    ]
    .iter()
    .any(|k| c.contains(k));
    socket && shell
}

/// Fetching code and evaluating it (lower-case input).
fn downloads_and_runs(c: &str) -> bool {
    let fetch = [
        "downloadstring",
        "downloadfile",
        "invoke-webrequest",
        "iwr ",
        "urlopen",
        "urllib.request",
        "requests.get",
        "http.get",
        "open-uri",
        "lwp::simple",
        "net::http",
    ]
    .iter()
    .any(|k| c.contains(k));
    let run = [
        "iex",
        "invoke-expression",
        "exec(",
        "eval(",
        "eval ",
        "system(",
        "| sh",
        "|sh",
        "| bash",
        "|bash",
    ]
    .iter()
    .any(|k| c.contains(k));
    fetch && run
}

/// String literals handed to a shell-running call (`system("…")`, `exec '…'`) and backquoted
/// commands, in the text of inline code.
fn shell_strings(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = code.to_ascii_lowercase();
    for call in SHELL_CALLS {
        let mut from = 0;
        while let Some(pos) = lower.get(from..).and_then(|r| r.find(call)) {
            let after = from + pos + call.len();
            from = after;
            let rest = code
                .get(after..)
                .unwrap_or("")
                .trim_start_matches([' ', '(']);
            if let Some(lit) = string_literal(rest) {
                out.push(lit);
            }
            if out.len() >= 16 {
                return out;
            }
        }
    }
    let mut parts = code.split('`');
    parts.next();
    while let (Some(inner), Some(_)) = (parts.next(), parts.next().or(Some(""))) {
        if !inner.is_empty() && out.len() < 16 {
            out.push(inner.to_owned());
        }
    }
    out
}

/// The quoted literal at the start of `s` (`"…"` or `'…'`), with `\"` and `\\` unescaped.
fn string_literal(s: &str) -> Option<String> {
    let mut chars = s.chars();
    let quote = chars.next().filter(|q| *q == '"' || *q == '\'')?;
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            c if c == quote => return Some(out),
            c => out.push(c),
        }
    }
    None
}

/// Does a sed script run commands (`e`, `s///e`) or write files (`w`, `s///w`)?
fn sed_executes(script: &str) -> bool {
    for cmd in script.split([';', '\n']) {
        let cmd = cmd.trim_start_matches(|c: char| c.is_ascii_digit() || " \t,$!".contains(c));
        let cmd = if let Some(rest) = cmd.strip_prefix('/') {
            rest.split_once('/')
                .map_or("", |(_, r)| r)
                .trim_start_matches([' ', '!'])
        } else {
            cmd
        };
        if cmd.starts_with('e') || cmd.starts_with('w') || cmd.starts_with('W') {
            return true;
        }
        if let Some(rest) = cmd.strip_prefix('s')
            && let Some(delim) = rest.chars().next()
        {
            let parts: Vec<&str> = rest.split(delim).collect();
            if let Some(flags) = parts.get(3)
                && flags
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .any(|c| matches!(c, 'e' | 'w' | 'W'))
            {
                return true;
            }
        }
    }
    false
}

/// The shell commands of a sed script's `e command` lines.
fn sed_commands(script: &str) -> Vec<String> {
    script
        .split('\n')
        .filter_map(|line| {
            let cmd = line.trim_start_matches(|c: char| c.is_ascii_digit() || " \t,$!".contains(c));
            cmd.strip_prefix("e ").map(|c| c.trim().to_owned())
        })
        .filter(|c| !c.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sed_scripts() {
        assert!(sed_executes("1e id"));
        assert!(sed_executes("s/x/id/e"));
        assert!(sed_executes("w /tmp/out"));
        assert!(sed_executes("/foo/e rm -rf /"));
        assert!(!sed_executes("s/foo/bar/g"));
        assert!(!sed_executes("s/e/w/g"));
        assert!(!sed_executes("1d;$d"));
    }

    #[test]
    fn embedded_shell_commands() {
        assert_eq!(
            shell_strings(r#"import os; os.system("rm -rf /")"#),
            vec!["rm -rf /"]
        );
        assert_eq!(shell_strings("exec '/bin/sh -i'"), vec!["/bin/sh -i"]);
        assert_eq!(shell_strings("print `id`"), vec!["id"]);
        assert!(shell_strings("print(1)").is_empty());
    }

    #[test]
    fn fork_loops() {
        assert!(forks_in_a_loop("fork while fork"));
        assert!(forks_in_a_loop("import os\nwhile True: os.fork()"));
        assert!(!forks_in_a_loop("print(1)"));
    }
}
