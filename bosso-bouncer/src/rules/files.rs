//! What commands write, and the rules on written files: block devices, startup files and other
//! persistence, git hooks, shell history, the guard's own files, system files.

use super::delete::is_system_file;
use super::{Opts, Target};
use crate::eval::{Arg, Evaluator, Io};
use crate::paths::{self, is_device, strip_dir};
use crate::{BuiltinRule, Span};

/// Files under a home directory that a shell, SSH or the desktop runs or trusts at login.
const HOME_PERSISTENCE: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".bash_logout",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".zlogout",
    ".kshrc",
    ".mkshrc",
    ".cshrc",
    ".tcshrc",
    ".login",
    ".xprofile",
    ".xsessionrc",
    ".xinitrc",
    ".pam_environment",
    ".config/fish/config.fish",
    ".ssh/authorized_keys",
    ".ssh/authorized_keys2",
    ".ssh/rc",
    ".ssh/environment",
    ".gitconfig",
    ".config/git/config",
];
const HOME_PERSISTENCE_DIRS: &[&str] = &[
    ".config/fish/conf.d",
    ".config/autostart",
    ".config/systemd/user",
    "Library/LaunchAgents",
    ".config/environment.d",
];
const SYSTEM_PERSISTENCE: &[&str] = &[
    "/etc/profile",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/etc/zshrc",
    "/etc/zsh/zshrc",
    "/etc/zsh/zprofile",
    "/etc/zsh/zshenv",
    "/etc/zsh/zlogin",
    "/etc/environment",
    "/etc/crontab",
    "/etc/sudoers",
    "/etc/ld.so.preload",
    "/etc/rc.local",
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/ssh/sshd_config",
];
const SYSTEM_PERSISTENCE_DIRS: &[&str] = &[
    "/etc/profile.d",
    "/etc/cron.d",
    "/etc/cron.hourly",
    "/etc/cron.daily",
    "/etc/cron.weekly",
    "/etc/cron.monthly",
    "/var/spool/cron",
    "/etc/sudoers.d",
    "/etc/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/etc/init.d",
    "/etc/update-motd.d",
    "/Library/LaunchAgents",
    "/Library/LaunchDaemons",
    "/etc/ld.so.conf.d",
];
const HISTORY_FILES: &[&str] = &[
    ".bash_history",
    ".zsh_history",
    ".zhistory",
    ".history",
    ".sh_history",
    ".ksh_history",
    ".local/share/fish/fish_history",
];
/// Fragments that make an only partly known file name suspicious.
const SUSPICIOUS_FRAGMENTS: &[&str] = &[
    "/.git/hooks",
    "authorized_keys",
    ".bashrc",
    ".zshrc",
    ".profile",
    "/etc/cron",
    "_history",
    "/etc/sudoers",
    "/etc/profile",
];

/// Files (or `dir/\0` for unknown names in a directory) a command writes content to.
pub(crate) fn write_targets(name: &str, args: &[Arg]) -> Vec<Arg> {
    match name {
        "tee" => Opts::parse(args, "", &[]).operands,
        "cp" | "mv" | "install" | "ln" | "link" | "scp" | "rsync" => {
            let o = Opts::parse(
                args,
                "tSmogeTf",
                &[
                    "target-directory",
                    "suffix",
                    "mode",
                    "owner",
                    "group",
                    "rsh",
                ],
            );
            let (dest, sources) = match o.value("t").or(o.value("target-directory")) {
                Some(d) => (d.clone(), o.operands.clone()),
                None => match o.operands.split_last() {
                    Some((d, s)) if !s.is_empty() || name == "ln" => (d.clone(), s.to_vec()),
                    _ => return Vec::new(),
                },
            };
            if super::delete::is_remote(&dest.text) {
                return Vec::new();
            }
            let mut out = vec![dest.clone()];
            for s in sources {
                let base = paths::basename(&s.text);
                if !base.is_empty() {
                    out.push(Arg {
                        text: paths::join(&dest.text, base),
                        ..dest.clone()
                    });
                }
            }
            out
        }
        "dd" => args
            .iter()
            .filter_map(|a| {
                a.text.strip_prefix("of=").map(|v| Arg {
                    text: v.to_owned(),
                    ..a.clone()
                })
            })
            .collect(),
        "sed" | "gsed" => {
            let o = Opts::parse(args, "eflI", &["expression", "file", "line-length"]);
            let in_place = o.short('i') || o.long("in-place") || o.value("i").is_some();
            if !in_place {
                return Vec::new();
            }
            let has_script = o
                .value("e")
                .or(o.value("expression"))
                .or(o.value("f"))
                .is_some();
            o.operands
                .into_iter()
                .skip(usize::from(!has_script))
                .collect()
        }
        "perl" | "ruby" => {
            let in_place = args.iter().any(|a| {
                a.text.starts_with('-') && !a.text.starts_with("--") && a.text.contains('i')
            });
            if !in_place {
                return Vec::new();
            }
            let mut out = Vec::new();
            let mut skip = false;
            for a in args {
                if skip {
                    skip = false;
                } else if a.text.starts_with('-') {
                    skip = a.text.ends_with(['e', 'E']);
                } else {
                    out.push(a.clone());
                }
            }
            out
        }
        "truncate" => Opts::parse(args, "sr", &["size", "reference"]).operands,
        "curl" => {
            let o = Opts::parse(
                args,
                "oDcKTdFHuXAeEwxbr",
                &[
                    "output",
                    "dump-header",
                    "cookie-jar",
                    "output-dir",
                    "config",
                ],
            );
            let mut out: Vec<Arg> = ["o", "output", "D", "dump-header", "c", "cookie-jar"]
                .iter()
                .filter_map(|k| o.value(k).cloned())
                .filter(|a| a.text != "-")
                .collect();
            // -O / --remote-name: the file is named after the URL.
            if o.short('O') || o.long("remote-name") || o.long("remote-name-all") {
                for url in o.operands.iter().filter(|u| u.text.contains("://")) {
                    let name = url
                        .text
                        .split(['?', '#'])
                        .next()
                        .map(paths::basename)
                        .unwrap_or("");
                    if !name.is_empty() {
                        out.push(Arg {
                            text: name.to_owned(),
                            ..url.clone()
                        });
                    }
                }
            }
            out
        }
        "wget" => {
            let o = Opts::parse(
                args,
                "OPaoiUe",
                &[
                    "output-document",
                    "directory-prefix",
                    "append-output",
                    "output-file",
                ],
            );
            let mut out: Vec<Arg> = ["O", "output-document", "a", "o"]
                .iter()
                .filter_map(|k| o.value(k).cloned())
                .filter(|a| a.text != "-")
                .collect();
            if let Some(dir) = o.value("P").or(o.value("directory-prefix")) {
                out.push(Arg {
                    text: paths::join(&dir.text, "\0"),
                    ..dir.clone()
                });
            }
            out
        }
        "sort" => Opts::parse(args, "otkST", &["output"])
            .value("o")
            .cloned()
            .into_iter()
            .collect(),
        "tar" | "unzip" | "bsdtar" => {
            let o = Opts::parse(args, "Cdf", &["directory"]);
            let extracting =
                name == "unzip" || o.short('x') || o.longs.iter().any(|l| l == "extract");
            let dir = o
                .value("C")
                .or(o.value("directory"))
                .or(if name == "unzip" { o.value("d") } else { None });
            match (extracting, dir) {
                (true, Some(d)) => vec![Arg {
                    text: paths::join(&d.text, "\0"),
                    ..d.clone()
                }],
                _ => Vec::new(),
            }
        }
        n if is_editor(n) => args
            .iter()
            .filter(|a| !a.text.starts_with(['-', '+']))
            .cloned()
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn is_editor(name: &str) -> bool {
    matches!(
        name,
        "vi" | "vim"
            | "nvim"
            | "ex"
            | "nano"
            | "pico"
            | "emacs"
            | "emacsclient"
            | "micro"
            | "joe"
            | "jed"
            | "kak"
            | "hx"
            | "helix"
            | "ed"
            | "code"
            | "subl"
            | "gedit"
            | "kate"
            | "mate"
            | "sudoedit"
    )
}

impl Evaluator<'_> {
    /// Rules on files a command writes content to.
    pub(crate) fn write_rules(&mut self, name: &str, targets: &[Arg], span: Span) {
        let downloader = crate::eval::DOWNLOADERS.contains(&name);
        for arg in targets {
            match self.target(arg) {
                Target::Path(p) => {
                    if downloader {
                        self.sh.downloaded.push(p.clone());
                    }
                    self.written_path(&p, span);
                }
                Target::Glob { dir, pattern, .. } => {
                    self.written_path(&paths::join(&dir, &pattern), span)
                }
                Target::Under(_) => {}
                Target::Unknown => {
                    let known_dir = arg
                        .text
                        .strip_suffix("/\0")
                        .and_then(|d| paths::resolve(d, self.sh.cwd.as_deref()));
                    if let Some(dir) = known_dir {
                        self.written_path(&paths::join(&dir, "x"), span);
                    } else if SUSPICIOUS_FRAGMENTS.iter().any(|f| arg.text.contains(f)) {
                        self.review("writes a file whose name is only partly known and looks like a startup file, hook or history", span);
                    }
                }
            }
        }
    }

    fn written_path(&mut self, p: &str, span: Span) {
        if is_device(p) {
            self.deny(
                BuiltinRule::DiskOverwrite,
                "writes directly to a block or memory device",
                span,
            );
        } else if let Some(what) = self.persistence_kind(p) {
            self.deny(
                BuiltinRule::PersistenceWrite,
                format!("writes {what}"),
                span,
            );
        } else if self.is_history(p) {
            self.deny(
                BuiltinRule::DefenseEvasion,
                "overwrites shell history",
                span,
            );
        } else if self.is_guard_path(p) {
            self.deny(
                BuiltinRule::DefenseEvasion,
                "modifies the guard's own configuration or log",
                span,
            );
        } else if is_system_file(p) {
            self.review("writes a system file", span);
        }
    }

    /// Rules on files a command deletes, moves away or re-permissions.
    pub(crate) fn modify_rules(&mut self, targets: &[Arg], span: Span) {
        for arg in targets {
            if let Target::Path(p) = self.target(arg) {
                if self.is_history(&p) {
                    self.deny(
                        BuiltinRule::DefenseEvasion,
                        "deletes or replaces shell history",
                        span,
                    );
                } else if self.is_guard_path(&p) {
                    self.deny(
                        BuiltinRule::DefenseEvasion,
                        "modifies the guard's own configuration or log",
                        span,
                    );
                } else if is_git_hook(&p) {
                    self.deny(BuiltinRule::PersistenceWrite, "changes a git hook", span);
                }
            }
        }
    }

    pub(crate) fn redirect_rules(&mut self, io: &Io, span: Span, _shell_like: bool) {
        if io.net {
            self.note_egress(span);
        }
        let writes: Vec<Arg> = io
            .writes
            .iter()
            .filter(|a| !crate::eval::is_network(a))
            .cloned()
            .collect();
        self.write_rules("", &writes, span);
        for r in io.reads.clone() {
            self.credential_arg(&r, span);
        }
    }

    pub(crate) fn crontab_rule(&mut self, args: &[Arg], span: Span) {
        let o = Opts::parse(args, "u", &[]);
        if o.short('l') || o.short('r') {
            return;
        }
        if o.short('e') {
            self.review("edits the crontab", span);
        } else {
            self.deny(BuiltinRule::PersistenceWrite, "installs a crontab", span);
        }
    }

    pub(crate) fn persistence_kind(&self, p: &str) -> Option<&'static str> {
        if is_git_hook(p) || p.ends_with("/.git/hooks") {
            return Some("a git hook");
        }
        if p.ends_with("/.git/config") {
            return Some("a git repository's configuration (hooks path, aliases, pager)");
        }
        for home in [self.env.home.as_str(), "/root"] {
            if let Some(rest) = strip_dir(p, home) {
                if HOME_PERSISTENCE.contains(&rest) {
                    return Some(if rest.starts_with(".ssh/") {
                        "an SSH login file (authorized_keys, rc, environment)"
                    } else {
                        "a shell startup or login file"
                    });
                }
                if HOME_PERSISTENCE_DIRS
                    .iter()
                    .any(|d| strip_dir(rest, d).is_some() || rest == *d)
                {
                    return Some("an autostart or service file");
                }
            }
        }
        if SYSTEM_PERSISTENCE.contains(&p) {
            return Some("a system login, cron, sudo or loader file");
        }
        if SYSTEM_PERSISTENCE_DIRS
            .iter()
            .any(|d| strip_dir(p, d).is_some() || p == *d)
        {
            return Some("a system startup, cron, sudo or service file");
        }
        None
    }

    pub(crate) fn is_history(&self, p: &str) -> bool {
        [self.env.home.as_str(), "/root"]
            .iter()
            .any(|h| strip_dir(p, h).is_some_and(|r| HISTORY_FILES.contains(&r)))
    }

    pub(crate) fn is_guard_path(&self, p: &str) -> bool {
        self.policy
            .protected_paths
            .iter()
            .any(|g| p == g || strip_dir(p, g).is_some())
    }
}

fn is_git_hook(p: &str) -> bool {
    p.contains("/.git/hooks/")
}
