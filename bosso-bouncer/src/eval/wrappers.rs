//! Commands that run another command: `sudo`, `env`, `timeout`, `nice`, `nohup`, … Each is
//! described by its options so the wrapped command is found exactly; an option the table does
//! not know sends the line to review instead of guessing where the command starts.

use super::Arg;

/// How a wrapper's arguments are laid out.
pub(crate) struct Spec {
    /// Short options that take a value (attached or as the next argument).
    short_val: &'static str,
    /// Short options without a value.
    short_flag: &'static str,
    /// Short options after which nothing is run (`sudo -l`, `command -v`).
    short_stop: &'static str,
    /// Long options that take a value (`--opt=v` or `--opt v`).
    long_val: &'static [&'static str],
    /// Long options without a value (`--opt=v` is accepted too).
    long_flag: &'static [&'static str],
    /// Options whose value is shell code (`su -c`, `flock -c`).
    code: &'static [&'static str],
    /// Options that change directory for the command (`env -C`, `sudo -D`).
    chdir: &'static [&'static str],
    /// Positional arguments before the command (`timeout`'s duration, `chroot`'s root).
    positional: usize,
    /// `NAME=value` arguments may precede the command.
    assignments: bool,
    /// `-10` style numeric options (`nice`).
    numeric: bool,
    /// No command means an interactive shell or nothing at all (not an error).
    command_optional: bool,
}

const fn spec() -> Spec {
    Spec {
        short_val: "",
        short_flag: "",
        short_stop: "",
        long_val: &[],
        long_flag: &["help", "version"],
        code: &[],
        chdir: &[],
        positional: 0,
        assignments: false,
        numeric: false,
        command_optional: true,
    }
}

static SUDO: Spec = Spec {
    short_val: "ugpCDhrtTUR",
    short_flag: "AbEeHiKknPSsBN",
    short_stop: "lvkKV",
    long_val: &[
        "user",
        "group",
        "prompt",
        "close-from",
        "chdir",
        "host",
        "role",
        "type",
        "command-timeout",
        "other-user",
        "chroot",
    ],
    long_flag: &[
        "askpass",
        "background",
        "preserve-env",
        "edit",
        "set-home",
        "login",
        "remove-timestamp",
        "reset-timestamp",
        "list",
        "non-interactive",
        "preserve-groups",
        "stdin",
        "shell",
        "version",
        "validate",
        "bell",
        "help",
    ],
    chdir: &["D", "chdir"],
    assignments: true,
    ..spec()
};
static DOAS: Spec = Spec {
    short_val: "uC",
    short_flag: "nsL",
    ..spec()
};
static ENV: Spec = Spec {
    short_val: "uCSP",
    short_flag: "i0v",
    long_val: &["unset", "chdir", "split-string"],
    long_flag: &[
        "ignore-environment",
        "null",
        "debug",
        "block-signal",
        "default-signal",
        "ignore-signal",
        "list-signal-handling",
        "help",
        "version",
    ],
    chdir: &["C", "chdir"],
    assignments: true,
    ..spec()
};
static NICE: Spec = Spec {
    short_val: "n",
    long_val: &["adjustment"],
    numeric: true,
    ..spec()
};
static IONICE: Spec = Spec {
    short_val: "cn",
    short_flag: "t",
    short_stop: "pPu",
    long_val: &["class", "classdata"],
    long_flag: &["ignore", "help", "version"],
    ..spec()
};
static TIMEOUT: Spec = Spec {
    short_val: "sk",
    short_flag: "v",
    long_val: &["signal", "kill-after"],
    long_flag: &[
        "preserve-status",
        "foreground",
        "verbose",
        "help",
        "version",
    ],
    positional: 1,
    ..spec()
};
static STDBUF: Spec = Spec {
    short_val: "ioe",
    long_val: &["input", "output", "error"],
    ..spec()
};
static SETSID: Spec = Spec {
    short_flag: "cfw",
    long_flag: &["ctty", "fork", "wait", "help", "version"],
    ..spec()
};
static TASKSET: Spec = Spec {
    short_flag: "ac",
    short_stop: "p",
    long_flag: &["all-tasks", "cpu-list", "help", "version"],
    positional: 1,
    ..spec()
};
static CHRT: Spec = Spec {
    short_val: "T",
    short_flag: "bdefiorRav",
    short_stop: "pm",
    long_flag: &[
        "batch",
        "deadline",
        "fifo",
        "idle",
        "other",
        "rr",
        "reset-on-fork",
        "all-tasks",
        "verbose",
        "help",
        "version",
    ],
    positional: 1,
    ..spec()
};
static TIME: Spec = Spec {
    short_val: "fo",
    short_flag: "apqv",
    long_val: &["format", "output"],
    long_flag: &[
        "append",
        "portability",
        "verbose",
        "quiet",
        "help",
        "version",
    ],
    ..spec()
};
static COMMAND: Spec = Spec {
    short_flag: "p",
    short_stop: "vV",
    ..spec()
};
static EXEC: Spec = Spec {
    short_val: "a",
    short_flag: "cl",
    ..spec()
};
static PLAIN: Spec = spec();
static CHROOT: Spec = Spec {
    long_val: &["userspec", "groups"],
    long_flag: &["skip-chdir", "help", "version"],
    positional: 1,
    ..spec()
};
static FLOCK: Spec = Spec {
    short_val: "wEc",
    short_flag: "sxunoFe",
    long_val: &["timeout", "wait", "conflict-exit-code", "command"],
    long_flag: &[
        "shared",
        "exclusive",
        "unlock",
        "nonblock",
        "nb",
        "close",
        "no-fork",
        "verbose",
        "help",
        "version",
    ],
    code: &["c", "command"],
    positional: 1,
    ..spec()
};
static SU: Spec = Spec {
    short_val: "cgGsw",
    short_flag: "lmpPf",
    long_val: &[
        "command",
        "group",
        "supp-group",
        "shell",
        "whitelist-environment",
        "session-command",
    ],
    long_flag: &[
        "login",
        "preserve-environment",
        "pty",
        "fast",
        "help",
        "version",
    ],
    code: &["c", "command", "session-command"],
    positional: 1,
    ..spec()
};
static RUNUSER: Spec = Spec {
    short_val: "cgGsuw",
    short_flag: "lmpPf",
    long_val: &[
        "command",
        "group",
        "supp-group",
        "shell",
        "user",
        "whitelist-environment",
        "session-command",
    ],
    long_flag: &[
        "login",
        "preserve-environment",
        "pty",
        "fast",
        "help",
        "version",
    ],
    code: &["c", "command", "session-command"],
    ..spec()
};
static PKEXEC: Spec = Spec {
    long_val: &["user"],
    long_flag: &["disable-internal-agent", "keep-cwd", "help", "version"],
    ..spec()
};
static SYSTEMD_RUN: Spec = Spec {
    short_val: "pEuM",
    short_flag: "GtqPSr",
    long_val: &[
        "unit",
        "property",
        "description",
        "slice",
        "uid",
        "gid",
        "nice",
        "working-directory",
        "setenv",
        "service-type",
        "machine",
        "host",
        "timer-property",
        "path-property",
        "socket-property",
    ],
    long_flag: &[
        "user",
        "system",
        "scope",
        "remain-after-exit",
        "wait",
        "pipe",
        "quiet",
        "collect",
        "pty",
        "shell",
        "no-block",
        "same-dir",
        "no-ask-password",
        "send-sighup",
        "help",
        "version",
    ],
    chdir: &["working-directory"],
    ..spec()
};
static STRACE: Spec = Spec {
    short_val: "oesPuESIbXaU",
    short_flag: "fFcCwdqrtTvVkyzZxhn",
    short_stop: "p",
    long_val: &["output", "trace", "signal", "status", "decode-fds", "user"],
    long_flag: &[
        "follow-forks",
        "summary-only",
        "no-abbrev",
        "help",
        "version",
    ],
    ..spec()
};
static TORSOCKS: Spec = Spec {
    short_val: "uPa",
    short_flag: "qdi6",
    long_val: &["user", "pass", "address", "port"],
    long_flag: &["isolate", "quiet", "debug", "help", "version"],
    ..spec()
};
static PROXYCHAINS: Spec = Spec {
    short_val: "f",
    short_flag: "q",
    ..spec()
};
static UNBUFFER: Spec = Spec {
    short_flag: "p",
    ..spec()
};
static CAFFEINATE: Spec = Spec {
    short_val: "tw",
    short_flag: "dimsu",
    ..spec()
};
static NSENTER: Spec = Spec {
    short_val: "tSG",
    short_flag: "amuinpUCTFZ",
    long_val: &["target", "setuid", "setgid"],
    long_flag: &[
        "all",
        "mount",
        "uts",
        "ipc",
        "net",
        "pid",
        "user",
        "cgroup",
        "time",
        "no-fork",
        "preserve-credentials",
        "help",
        "version",
    ],
    ..spec()
};
static UNSHARE: Spec = Spec {
    short_flag: "muinpUCTrfcR",
    long_val: &[
        "propagation",
        "setgroups",
        "map-user",
        "map-group",
        "map-users",
        "map-groups",
        "wd",
        "root",
        "setuid",
        "setgid",
    ],
    long_flag: &[
        "mount",
        "uts",
        "ipc",
        "net",
        "pid",
        "user",
        "cgroup",
        "time",
        "fork",
        "map-root-user",
        "map-current-user",
        "mount-proc",
        "kill-child",
        "keep-caps",
        "help",
        "version",
    ],
    ..spec()
};
static SCRIPT: Spec = Spec {
    short_val: "cEIOBTmo",
    short_flag: "aefqt",
    long_val: &[
        "command",
        "echo",
        "log-in",
        "log-out",
        "log-io",
        "log-timing",
        "logging-format",
        "output-limit",
    ],
    long_flag: &[
        "append", "return", "flush", "force", "quiet", "help", "version",
    ],
    code: &["c", "command"],
    ..spec()
};
static SCREEN: Spec = Spec {
    short_val: "SXpcehLlT",
    short_flag: "dmDRrUaAiOqxw",
    ..spec()
};

/// The spec for a wrapper command, by lower-case basename.
pub(crate) fn spec_for(name: &str) -> Option<&'static Spec> {
    Some(match name {
        "sudo" | "run0" => &SUDO,
        "doas" => &DOAS,
        "env" => &ENV,
        "nice" => &NICE,
        "ionice" => &IONICE,
        "timeout" | "gtimeout" => &TIMEOUT,
        "stdbuf" => &STDBUF,
        "setsid" => &SETSID,
        "taskset" => &TASKSET,
        "chrt" => &CHRT,
        "time" => &TIME,
        "command" => &COMMAND,
        "exec" => &EXEC,
        "nohup" | "builtin" | "busybox" | "fakeroot" | "eatmydata" | "catchsegv" | "xvfb-run" => {
            &PLAIN
        }
        "chroot" => &CHROOT,
        "flock" => &FLOCK,
        "su" => &SU,
        "runuser" => &RUNUSER,
        "pkexec" => &PKEXEC,
        "systemd-run" => &SYSTEMD_RUN,
        "strace" | "ltrace" => &STRACE,
        "torsocks" => &TORSOCKS,
        "proxychains" | "proxychains4" => &PROXYCHAINS,
        "unbuffer" => &UNBUFFER,
        "caffeinate" => &CAFFEINATE,
        "nsenter" => &NSENTER,
        "unshare" => &UNSHARE,
        "screen" => &SCREEN,
        "script" => &SCRIPT,
        _ => return None,
    })
}

/// What a wrapper runs.
pub(crate) enum Unwrapped {
    /// This argument vector, with these `NAME=value` settings and possibly another directory.
    Run {
        argv: Vec<Arg>,
        assignments: Vec<(String, Arg)>,
        chdir: Option<Arg>,
        /// `env -S`: a string split into arguments.
        split: Option<Arg>,
    },
    /// Shell code (`su -c '…'`).
    Code(Arg),
    /// Nothing (`sudo -l`, `command -v x`, `su` alone: an interactive shell).
    Nothing,
    /// The layout could not be followed.
    Unknown(&'static str),
}

pub(crate) fn unwrap(spec: &Spec, args: &[Arg]) -> Unwrapped {
    let mut i = 0;
    let mut positional_left = spec.positional;
    let mut assignments = Vec::new();
    let mut chdir = None;
    let mut split = None;
    let mut code = None;
    let value_at = |i: usize| args.get(i).cloned();
    while let Some(a) = args.get(i) {
        let t = a.text.as_str();
        if a.text.starts_with('\0') {
            return Unwrapped::Unknown("a wrapper's arguments depend on a variable");
        }
        if t == "--" {
            i += 1;
            break;
        }
        if let Some(long) = t.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(Arg::lit(v))),
                None => (long, None),
            };
            let takes = spec.long_val.contains(&name);
            if !takes && !spec.long_flag.contains(&name) {
                return Unwrapped::Unknown("a wrapper option the bouncer does not know");
            }
            let value = if takes && inline.is_none() {
                i += 1;
                value_at(i)
            } else {
                inline
            };
            if spec.code.contains(&name) {
                code = value.clone();
            }
            if spec.chdir.contains(&name) {
                chdir = value.clone();
            }
            if name == "split-string" {
                split = value;
            }
            i += 1;
            continue;
        }
        if t.len() > 1 && t.starts_with('-') {
            let body = t.get(1..).unwrap_or("");
            if spec.numeric && body.chars().all(|c| c.is_ascii_digit()) {
                i += 1;
                continue;
            }
            for (k, c) in body.char_indices() {
                if spec.short_stop.contains(c) {
                    return Unwrapped::Nothing;
                }
                if spec.short_val.contains(c) {
                    let rest = body.get(k + c.len_utf8()..).unwrap_or("");
                    let value = if rest.is_empty() {
                        i += 1;
                        value_at(i)
                    } else {
                        Some(Arg::lit(rest))
                    };
                    let key = c.to_string();
                    if spec.code.contains(&key.as_str()) {
                        code = value.clone();
                    }
                    if spec.chdir.contains(&key.as_str()) {
                        chdir = value.clone();
                    }
                    if c == 'S' && spec.long_val.contains(&"split-string") {
                        split = value;
                    }
                    break;
                }
                if !spec.short_flag.contains(c) {
                    return Unwrapped::Unknown("a wrapper option the bouncer does not know");
                }
            }
            i += 1;
            continue;
        }
        if spec.assignments && is_assignment(t) {
            if let Some((n, v)) = t.split_once('=') {
                assignments.push((
                    n.to_owned(),
                    Arg {
                        text: v.to_owned(),
                        ..a.clone()
                    },
                ));
            }
            i += 1;
            continue;
        }
        if positional_left > 0 {
            positional_left -= 1;
            i += 1;
            continue;
        }
        break;
    }
    if let Some(c) = code {
        return Unwrapped::Code(c);
    }
    let argv: Vec<Arg> = args.get(i..).unwrap_or(&[]).to_vec();
    if argv.is_empty() && split.is_none() {
        return if spec.command_optional {
            Unwrapped::Nothing
        } else {
            Unwrapped::Unknown("a wrapper without a command")
        };
    }
    Unwrapped::Run {
        argv,
        assignments,
        chdir,
        split,
    }
}

pub(crate) fn is_assignment(t: &str) -> bool {
    match t.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<Arg> {
        s.split(' ').map(Arg::lit).collect()
    }

    fn inner(spec: &Spec, s: &str) -> Option<Vec<String>> {
        match unwrap(spec, &args(s)) {
            Unwrapped::Run { argv, .. } => Some(argv.into_iter().map(|a| a.text).collect()),
            _ => None,
        }
    }

    #[test]
    fn finds_the_wrapped_command() {
        assert_eq!(inner(&SUDO, "-u root -- rm -rf /").unwrap()[0], "rm");
        assert_eq!(inner(&SUDO, "-E -n rm x").unwrap()[0], "rm");
        assert_eq!(inner(&TIMEOUT, "-s KILL 10 rm -rf /").unwrap()[0], "rm");
        assert_eq!(inner(&TIMEOUT, "--signal=KILL 10s rm").unwrap()[0], "rm");
        assert_eq!(inner(&NICE, "-n 5 rm").unwrap()[0], "rm");
        assert_eq!(inner(&NICE, "-10 rm").unwrap()[0], "rm");
        assert_eq!(inner(&ENV, "-i A=1 B=2 rm").unwrap()[0], "rm");
        assert_eq!(inner(&CHROOT, "/mnt rm").unwrap()[0], "rm");
    }

    #[test]
    fn unknown_options_are_not_guessed() {
        assert!(matches!(
            unwrap(&TIMEOUT, &args("--frobnicate 10 rm")),
            Unwrapped::Unknown(_)
        ));
        assert!(matches!(
            unwrap(&SUDO, &args("-Z rm")),
            Unwrapped::Unknown(_)
        ));
    }

    #[test]
    fn stops_and_code() {
        assert!(matches!(unwrap(&SUDO, &args("-l")), Unwrapped::Nothing));
        assert!(matches!(
            unwrap(&COMMAND, &args("-v rm")),
            Unwrapped::Nothing
        ));
        assert!(matches!(
            unwrap(&SU, &args("-c id root")),
            Unwrapped::Code(_)
        ));
    }
}
