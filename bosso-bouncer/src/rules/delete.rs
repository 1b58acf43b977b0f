//! Recursive deletion, moving critical directories away, recursive permission changes, and
//! `find -delete`/`-exec`.

use super::{Opts, Target, glob_reaches_critical};
use crate::eval::{Arg, Content, Evaluator};
use crate::paths::{self, Place};
use crate::{BuiltinRule, Span};

/// `find` tests that narrow what is matched (`-type` and `-maxdepth` do not: `find / -type f
/// -delete` still deletes every file).
const FIND_FILTERS: &[&str] = &[
    "-name",
    "-iname",
    "-path",
    "-ipath",
    "-wholename",
    "-iwholename",
    "-regex",
    "-iregex",
    "-newer",
    "-anewer",
    "-cnewer",
    "-newermt",
    "-mtime",
    "-mmin",
    "-atime",
    "-amin",
    "-ctime",
    "-cmin",
    "-size",
    "-user",
    "-uid",
    "-group",
    "-gid",
    "-perm",
    "-empty",
    "-inum",
    "-samefile",
    "-lname",
    "-ilname",
    "-links",
];

impl Evaluator<'_> {
    pub(crate) fn rm_rule(&mut self, name: &str, args: &[Arg], span: Span) {
        let o = Opts::parse(args, "", &["interactive"]);
        let recursive = name == "srm" || o.short('r') || o.short('R') || o.long("recursive");
        for t in &o.operands {
            if recursive || (o.unknown_opts && name == "rm") {
                self.check_delete(t, span, "recursive deletion of");
            } else if let Target::Path(p) = self.target(t)
                && is_system_file(&p)
            {
                self.review("deletes a system file", span);
            }
        }
        let modified: Vec<Arg> = o.operands.clone();
        self.modify_rules(&modified, span);
    }

    /// Deny or review deleting `arg` recursively.
    pub(crate) fn check_delete(&mut self, arg: &Arg, span: Span, verb: &str) {
        match self.target(arg) {
            Target::Path(p) => {
                let place = self.env.place(&p);
                if place.is_critical() {
                    self.deny(
                        BuiltinRule::RecursiveDelete,
                        format!("{verb} {}", place.describe()),
                        span,
                    );
                } else if place == Place::Elsewhere {
                    self.review(format!("{verb} a path outside the workspace"), span);
                }
            }
            Target::Glob {
                dir,
                pattern,
                deeper,
            } => {
                let place = self.env.place(&dir);
                let everything = pattern.chars().all(|c| c == '*');
                if !deeper {
                    if everything && place.is_critical() {
                        self.deny(
                            BuiltinRule::RecursiveDelete,
                            format!("{verb} everything in {}", place.describe()),
                            span,
                        );
                        return;
                    }
                    if let Some(hit) = glob_reaches_critical(self, &dir, &pattern) {
                        let what = self.env.place(&hit).describe();
                        self.deny(
                            BuiltinRule::RecursiveDelete,
                            format!("{verb} {what} (by a pattern)"),
                            span,
                        );
                        return;
                    }
                }
                match place {
                    Place::Workspace | Place::InWorkspace | Place::InTmp => {}
                    _ if self.env.tmp_dirs.contains(&dir) => {}
                    _ => self.review(
                        format!("{verb} paths matched by a pattern outside the workspace"),
                        span,
                    ),
                }
            }
            Target::Under(base) => match self.env.place(&base) {
                Place::Workspace | Place::InWorkspace | Place::InTmp => {}
                _ if self.env.tmp_dirs.contains(&base) => {}
                _ => self.review(format!("{verb} files found outside the workspace"), span),
            },
            Target::Unknown => self.review(
                format!("{verb} a path that depends on a variable or command output"),
                span,
            ),
        }
    }

    pub(crate) fn mv_rule(&mut self, args: &[Arg], span: Span) {
        let o = Opts::parse(args, "tS", &["target-directory", "suffix", "backup"]);
        let sources: &[Arg] = if o.value("t").or(o.value("target-directory")).is_some() {
            &o.operands
        } else {
            o.operands.split_last().map_or(&[], |(_, s)| s)
        };
        for s in sources {
            if let Target::Path(p) = self.target(s) {
                let place = self.env.place(&p);
                if place.is_critical() && place != Place::WorkspaceGit {
                    self.deny(
                        BuiltinRule::RecursiveDelete,
                        format!("moves away {}", place.describe()),
                        span,
                    );
                }
            }
        }
        self.modify_rules(sources, span);
    }

    pub(crate) fn rsync_rule(&mut self, args: &[Arg], span: Span) {
        let o = Opts::parse(
            args,
            "eTf",
            &[
                "rsh",
                "rsync-path",
                "temp-dir",
                "filter",
                "exclude",
                "include",
            ],
        );
        for key in ["e", "rsh", "rsync-path"] {
            if let Some(code) = o.value(key).cloned() {
                self.run_code_arg(
                    &code,
                    span,
                    crate::eval::Scope::NewShell(vec![Arg::lit("sh")]),
                );
            }
        }
        if o.operands.iter().any(|a| is_remote(&a.text)) {
            self.note_egress(span);
        }
        let deletes = o
            .longs
            .iter()
            .any(|l| l.starts_with("del") || l.starts_with("remove-source"));
        if deletes
            && let Some(dest) = o.operands.last()
            && !is_remote(&dest.text)
        {
            let dest = dest.clone();
            self.check_delete(&dest, span, "rsync --delete onto");
        }
    }

    pub(crate) fn permissions_rule(&mut self, name: &str, args: &[Arg], span: Span) {
        let o = Opts::parse(args, "", &["reference", "from"]);
        let recursive = o.short('R') || o.long("recursive") || (name == "setfacl" && o.short('R'));
        // chmod modes such as `-w` look like options; chmod's own flags are only R, c, f, v.
        let recursive = recursive
            || name == "chmod"
                && args
                    .iter()
                    .any(|a| a.text.starts_with('-') && a.text.contains('R'));
        let skip =
            usize::from(o.value("reference").is_none() && name != "chattr" && name != "setfacl");
        let targets: Vec<Arg> = o.operands.iter().skip(skip).cloned().collect();
        if recursive || o.unknown_opts {
            for t in &targets {
                match self.target(t) {
                    Target::Path(p) => self.permissions_place(name, &p, "", span),
                    Target::Glob { dir, .. } => {
                        self.permissions_place(name, &dir, "everything in ", span)
                    }
                    Target::Unknown => self.review(
                        format!("recursive {name} of a path that is not known"),
                        span,
                    ),
                    Target::Under(_) => {}
                }
            }
        }
        self.modify_rules(&targets, span);
    }

    /// Re-owning the machine's or the user's directories is denied; the workspace is the
    /// agent's own; anything else outside it goes to review.
    fn permissions_place(&mut self, name: &str, path: &str, what: &str, span: Span) {
        let place = self.env.place(path);
        match place {
            Place::Root
            | Place::Home
            | Place::HomeAncestor
            | Place::HomeCritical
            | Place::OtherHome
            | Place::SystemDir => {
                self.deny(
                    BuiltinRule::RecursivePermissions,
                    format!("recursive {name} of {what}{}", place.describe()),
                    span,
                );
            }
            Place::Workspace | Place::InWorkspace | Place::WorkspaceGit | Place::InTmp => {}
            Place::WorkspaceAncestor | Place::Elsewhere => {
                self.review(format!("recursive {name} outside the workspace"), span);
            }
        }
    }

    /// `find`: `-delete`, `-exec`/`-execdir`/`-ok` (run with `{}` as a path under the start
    /// points), and `-fprint` files.
    pub(crate) fn find(&mut self, args: &[Arg], span: Span) -> Content {
        let mut i = 0;
        while let Some(a) = args.get(i) {
            if matches!(a.text.as_str(), "-H" | "-L" | "-P") || a.text.starts_with("-O") {
                i += 1;
            } else if a.text == "-D" {
                i += 2;
            } else {
                break;
            }
        }
        let mut starts: Vec<Arg> = Vec::new();
        while let Some(a) = args.get(i) {
            if a.text.starts_with('-') || a.text == "(" || a.text == "!" {
                break;
            }
            starts.push(a.clone());
            i += 1;
        }
        if starts.is_empty() {
            starts.push(Arg::lit("."));
        }
        let expr = args.get(i..).unwrap_or(&[]);
        let filtered = expr.iter().any(|a| FIND_FILTERS.contains(&a.text.as_str()));
        let bases: Vec<Option<String>> = starts
            .iter()
            .map(|s| {
                s.known()
                    .and_then(|p| paths::resolve(p, self.sh.cwd.as_deref()))
            })
            .collect();
        let mut k = 0;
        while let Some(a) = expr.get(k) {
            match a.text.as_str() {
                "-delete" => {
                    for b in &bases {
                        let arg = found_arg(b.as_deref(), filtered);
                        self.check_delete(&arg, span, "deletion of");
                    }
                }
                "-exec" | "-execdir" | "-ok" | "-okdir" => {
                    let end = expr
                        .get(k + 1..)
                        .and_then(|r| r.iter().position(|x| x.text == ";" || x.text == "+"))
                        .map_or(expr.len(), |p| k + 1 + p);
                    let template: Vec<Arg> = expr.get(k + 1..end).unwrap_or(&[]).to_vec();
                    for b in &bases {
                        let found = found_arg(b.as_deref(), filtered);
                        let argv: Vec<Arg> = template
                            .iter()
                            .map(|t| {
                                if t.text == "{}" {
                                    found.clone()
                                } else if t.text.contains("{}") {
                                    Arg {
                                        text: t.text.replace("{}", "\0"),
                                        ..t.clone()
                                    }
                                } else {
                                    t.clone()
                                }
                            })
                            .collect();
                        if !argv.is_empty() {
                            self.run_inner(argv, span);
                        }
                    }
                    k = end;
                }
                "-fprint" | "-fprint0" | "-fprintf" | "-fls" => {
                    if let Some(f) = expr.get(k + 1) {
                        let f = f.clone();
                        self.write_rules("find", &[f], span);
                    }
                }
                _ => {}
            }
            k += 1;
        }
        Content::Unknown { download: false }
    }
}

/// What `{}` stands for: every entry under the start point, or some entries when filtered.
fn found_arg(base: Option<&str>, filtered: bool) -> Arg {
    match base {
        None => Arg::unknown(),
        Some(b) if filtered => Arg {
            text: "\0".into(),
            scope: Some(b.to_owned()),
            ..Arg::default()
        },
        Some(b) => Arg {
            text: paths::join(b, "*"),
            glob: true,
            ..Arg::default()
        },
    }
}

pub(crate) fn is_remote(t: &str) -> bool {
    t.starts_with("rsync://")
        || t.split('/')
            .next()
            .is_some_and(|h| h.contains(':') && !h.starts_with('\0'))
}

/// A file under a system directory (not a temporary one).
pub(crate) fn is_system_file(p: &str) -> bool {
    [
        "/etc/",
        "/bin/",
        "/sbin/",
        "/usr/",
        "/boot/",
        "/lib/",
        "/lib64/",
        "/System/",
        "/Library/",
    ]
    .iter()
    .any(|d| p.starts_with(d))
}
