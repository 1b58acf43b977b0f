//! The built-in rules, applied to each simple command once its wrappers are removed.

mod code;
mod cred;
mod delete;
mod disk;
mod files;
mod git;

pub(crate) use code::interpreter_lang;

use crate::Span;
use crate::eval::{Arg, Content, Evaluator, Io};
use crate::paths::{self, glob_matches};

/// Command names a rule can deny; an unknown wrapper followed by one of them is probed.
pub(crate) const DANGEROUS_STARTERS: &[&str] = &[
    "rm",
    "dd",
    "mkfs",
    "mkfs.ext4",
    "mkfs.ext3",
    "mkfs.xfs",
    "mkfs.btrfs",
    "mkfs.vfat",
    "mke2fs",
    "wipefs",
    "shred",
    "blkdiscard",
    "chmod",
    "chown",
    "chgrp",
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "find",
    "mv",
    "tee",
    "cp",
    "curl",
    "wget",
    "git",
    "sudo",
    "env",
    "xargs",
    "eval",
];

/// Where a path argument points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A normalized absolute path.
    Path(String),
    /// A pathname pattern: the directory before the first pattern character, the pattern
    /// component, and whether more components follow it.
    Glob {
        dir: String,
        pattern: String,
        deeper: bool,
    },
    /// Some path under this directory.
    Under(String),
    /// Not known.
    Unknown,
}

impl Evaluator<'_> {
    pub(crate) fn target(&self, arg: &Arg) -> Target {
        if let Some(scope) = &arg.scope {
            return Target::Under(scope.clone());
        }
        let cwd = self.sh.cwd.as_deref();
        if arg.text.contains('\0') {
            return Target::Unknown;
        }
        // A `~` left in an argument (after `=`, or quoted) is taken as the home directory: bash
        // expands `x=~/…` in arguments outside POSIX mode, and erring this way only denies more.
        let home_text;
        let text = match arg.text.strip_prefix('~') {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                home_text = format!("{}{rest}", self.env.home);
                home_text.as_str()
            }
            _ => arg.text.as_str(),
        };
        if !arg.glob {
            return paths::resolve(text, cwd).map_or(Target::Unknown, Target::Path);
        }
        let first = text.find(['*', '?', '[']).unwrap_or(0);
        let (dir_part, rest) = match text.get(..first).and_then(|p| p.rfind('/')) {
            Some(slash) => (
                text.get(..=slash).unwrap_or("/"),
                text.get(slash + 1..).unwrap_or(""),
            ),
            None => (".", text),
        };
        let Some(dir) = paths::resolve(dir_part, cwd) else {
            return Target::Unknown;
        };
        let (pattern, deeper) = match rest.split_once('/') {
            Some((p, more)) => (p.to_owned(), !more.is_empty()),
            None => (rest.to_owned(), false),
        };
        Target::Glob {
            dir,
            pattern,
            deeper,
        }
    }

    /// The rules for one command (its name already lower-cased and unwrapped).
    pub(crate) fn command_rules(
        &mut self,
        name: &str,
        args: &[Arg],
        io: &Io,
        stdin: &Content,
        span: Span,
    ) {
        let _ = stdin;
        match name {
            "rm" | "unlink" | "rmdir" | "srm" => self.rm_rule(name, args, span),
            "mv" => self.mv_rule(args, span),
            "rsync" => self.rsync_rule(args, span),
            "chmod" | "chown" | "chgrp" | "chattr" | "setfacl" => {
                self.permissions_rule(name, args, span)
            }
            "dd" => self.dd_rule(args, span),
            "shred" | "truncate" => {
                self.modify_rules(
                    &Opts::parse(args, "nsr", &["size", "reference", "iterations"]).operands,
                    span,
                );
                self.disk_tool_rule(name, args, span);
            }
            "wipefs" | "blkdiscard" | "hdparm" | "nvme" | "fdisk" | "sfdisk" | "sgdisk"
            | "gdisk" | "parted" | "cfdisk" => self.disk_tool_rule(name, args, span),
            n if is_mkfs(n) => self.disk_tool_rule(n, args, span),
            "crontab" => self.crontab_rule(args, span),
            "kill" | "pkill" | "killall" | "skill" | "systemctl" | "service" | "setenforce"
            | "auditctl" | "ufw" | "launchctl" | "csrutil" | "spctl" => {
                self.evasion_rule(name, args, span)
            }
            "nc" | "ncat" | "netcat" | "socat" => self.netcat_rule(name, args, span),
            "awk" | "gawk" | "mawk" | "nawk" | "busybox-awk" => self.awk_rule(args, span),
            "sed" | "gsed" => self.sed_rule(args, span),
            "parallel" => self.review("runs commands built from its arguments", span),
            "tar" | "bsdtar" | "gtar" | "zip" => self.archiver_rule(name, args, span),
            "docker" | "podman" | "nerdctl" => self.container_rule(args, span),
            n if files::is_editor(n) => self.editor_rule(args, span),
            _ => {}
        }
        let written = files::write_targets(name, args);
        self.write_rules(name, &written, span);
        self.read_rules(name, args, io, span);
        if !is_known(name) && !args.is_empty() {
            self.probe_tail(args, span);
        }
    }
}

pub(crate) fn is_mkfs(name: &str) -> bool {
    name.starts_with("mkfs")
        || name.starts_with("newfs")
        || matches!(
            name,
            "mke2fs" | "mkswap" | "mkdosfs" | "mkntfs" | "mkexfatfs" | "mkudffs"
        )
}

/// GNU-style options of a command: short letters, long names, and the operands.
pub(crate) struct Opts {
    pub(crate) shorts: String,
    pub(crate) longs: Vec<String>,
    pub(crate) values: Vec<(String, Arg)>,
    pub(crate) operands: Vec<Arg>,
    /// An argument that could be an option once expanded (`rm $FLAGS /`).
    pub(crate) unknown_opts: bool,
}

impl Opts {
    /// Short options in `short_val` and long options in `long_val` take a value.
    pub(crate) fn parse(args: &[Arg], short_val: &str, long_val: &[&str]) -> Self {
        let mut o = Opts {
            shorts: String::new(),
            longs: Vec::new(),
            values: Vec::new(),
            operands: Vec::new(),
            unknown_opts: false,
        };
        let mut i = 0;
        let mut done = false;
        while let Some(a) = args.get(i) {
            i += 1;
            let t = a.text.as_str();
            if done {
                o.operands.push(a.clone());
                continue;
            }
            if t == "--" {
                done = true;
                continue;
            }
            if a.text.starts_with('\0') {
                o.unknown_opts = true;
                o.operands.push(a.clone());
                continue;
            }
            if let Some(long) = t.strip_prefix("--") {
                let (name, inline) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (long, None),
                };
                if long_val
                    .iter()
                    .any(|l| l.starts_with(name) && !name.is_empty())
                {
                    let v = match inline {
                        Some(v) => Some(Arg::lit(v)),
                        None => {
                            i += 1;
                            args.get(i - 1).cloned()
                        }
                    };
                    if let Some(v) = v {
                        o.values.push((name.to_owned(), v));
                    }
                } else if let Some(v) = inline {
                    o.values.push((name.to_owned(), Arg::lit(v)));
                }
                o.longs.push(name.to_owned());
                continue;
            }
            if t.len() > 1 && t.starts_with('-') {
                let body = t.get(1..).unwrap_or("");
                for (k, c) in body.char_indices() {
                    o.shorts.push(c);
                    if short_val.contains(c) {
                        let rest = body.get(k + c.len_utf8()..).unwrap_or("");
                        let v = if rest.is_empty() {
                            i += 1;
                            args.get(i - 1).cloned()
                        } else {
                            Some(Arg::lit(rest))
                        };
                        if let Some(v) = v {
                            o.values.push((c.to_string(), v));
                        }
                        break;
                    }
                }
                continue;
            }
            o.operands.push(a.clone());
        }
        o
    }

    pub(crate) fn short(&self, c: char) -> bool {
        self.shorts.contains(c)
    }

    /// A long option given in full or as an abbreviation getopt accepts (`--recur`).
    pub(crate) fn long(&self, name: &str) -> bool {
        self.longs
            .iter()
            .any(|l| !l.is_empty() && name.starts_with(l.as_str()))
    }

    pub(crate) fn value(&self, name: &str) -> Option<&Arg> {
        self.values
            .iter()
            .find(|(n, _)| n == name || (n.len() > 1 && name.starts_with(n.as_str())))
            .map(|(_, v)| v)
    }
}

/// Does a glob component in `dir` reach one of the critical paths inside it?
pub(crate) fn glob_reaches_critical(
    ev: &Evaluator<'_>,
    dir: &str,
    pattern: &str,
) -> Option<String> {
    ev.env
        .critical_children(dir)
        .into_iter()
        .find(|c| glob_matches(pattern, paths::basename(c)))
}

/// Commands the bouncer knows not to run their arguments as a command; the rest are probed.
fn is_known(name: &str) -> bool {
    const KNOWN: &[&str] = &[
        "echo",
        "printf",
        "grep",
        "egrep",
        "fgrep",
        "rg",
        "ag",
        "ack",
        "ls",
        "cat",
        "man",
        "which",
        "whereis",
        "type",
        "help",
        "info",
        "apropos",
        "whatis",
        "wc",
        "sort",
        "uniq",
        "cut",
        "tr",
        "head",
        "tail",
        "less",
        "more",
        "file",
        "stat",
        "touch",
        "mkdir",
        "cp",
        "ln",
        "diff",
        "cmp",
        "test",
        "[",
        "tldr",
        "apt",
        "apt-get",
        "apt-cache",
        "brew",
        "dnf",
        "yum",
        "pacman",
        "snap",
        "pip",
        "pip3",
        "npm",
        "yarn",
        "pnpm",
        "cargo",
        "rustc",
        "rustup",
        "gem",
        "go",
        "rmdir",
        "basename",
        "dirname",
        "realpath",
        "readlink",
        "true",
        "false",
        ":",
        "sleep",
        "date",
        "whoami",
        "id",
        "uname",
        "hostname",
        "printenv",
        "pwd",
        "tar",
        "zip",
        "unzip",
        "gzip",
        "gunzip",
        "zcat",
        "xz",
        "bzip2",
        "rm",
        "mv",
        "chmod",
        "chown",
        "chgrp",
        "dd",
        "tee",
        "curl",
        "wget",
        "sed",
        "awk",
        "jq",
        "yq",
        "make",
        "cmake",
        "gcc",
        "clang",
        "cc",
        "ld",
        "node",
        "python",
        "python3",
        "docker",
        "kubectl",
        "kill",
        "pkill",
        "killall",
        "ps",
        "top",
        "df",
        "du",
        "free",
        "mount",
        "umount",
        "export",
        "read",
        "wait",
        "jobs",
        "fg",
        "bg",
        "shift",
        "exit",
        "return",
        "break",
        "continue",
        "let",
        "getopts",
        "ulimit",
        "umask",
        "systemctl",
        "journalctl",
        "open",
        "xdg-open",
        "code",
        "vim",
        "vi",
        "nano",
        "emacs",
        "patch",
        "git",
        "scp",
        "rsync",
        "sftp",
        "base64",
        "xxd",
        "od",
        "hexdump",
        "strings",
        "md5sum",
        "sha256sum",
        "shasum",
        "openssl",
        "gpg",
        "ssh-keygen",
        "ssh-add",
        "seq",
        "yes",
        "nl",
        "fold",
        "fmt",
        "column",
        "paste",
        "join",
        "comm",
        "split",
        "csplit",
        "expand",
        "unexpand",
        "rev",
        "tac",
        "shuf",
        "factor",
        "expr",
        "bc",
        "dc",
        "cal",
        "env",
        "locale",
        "tput",
        "clear",
        "reset",
        "stty",
        "tty",
        "mktemp",
        "install",
        "truncate",
        "sync",
        "lsof",
        "netstat",
        "ss",
        "ip",
        "ifconfig",
        "ping",
        "dig",
        "nslookup",
        "host",
        "traceroute",
        "whois",
        "uptime",
        "w",
        "who",
        "last",
        "groups",
        "users",
        "nproc",
        "lscpu",
        "lsblk",
        "blkid",
        "fdisk",
        "history",
        "fc",
        "hash",
        "complete",
        "compgen",
        "bind",
        "enable",
        "caller",
        "dirs",
        "disown",
        "suspend",
        "times",
        "mapfile",
        "readarray",
        "pytest",
        "tsc",
        "eslint",
        "prettier",
        "black",
        "ruff",
        "mypy",
        "gh",
        "hub",
        "deno",
        "bun",
        "zig",
        "javac",
        "java",
        "mvn",
        "gradle",
        "dotnet",
    ];
    KNOWN.contains(&name)
}
