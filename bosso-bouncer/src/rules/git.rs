//! `git`: force pushes to protected branches, configuration that runs code or moves hooks, and
//! the subcommands that take shell code (`rebase --exec`, `submodule foreach`, …).

use super::Opts;
use crate::eval::{Arg, Content, Evaluator, Scope};
use crate::paths::glob_matches;
use crate::{BuiltinRule, Span};

/// Configuration keys whose value git runs through the shell (or, for `alias.*`, when it starts
/// with `!`).
fn runs_shell(key: &str) -> bool {
    matches!(
        key,
        "core.sshcommand"
            | "core.pager"
            | "core.editor"
            | "core.fsmonitor"
            | "core.askpass"
            | "core.gitproxy"
            | "diff.external"
            | "sequence.editor"
            | "gpg.program"
            | "gpg.ssh.program"
            | "credential.helper"
            | "uploadpack.packobjectshook"
    ) || key.starts_with("pager.")
        || key.starts_with("alias.")
        || (key.starts_with("filter.")
            && [".clean", ".smudge", ".process"]
                .iter()
                .any(|s| key.ends_with(s)))
        || (key.starts_with("merge.") && key.ends_with(".driver"))
        || (key.starts_with("diff.") && (key.ends_with(".textconv") || key.ends_with(".command")))
        || (key.starts_with("remote.")
            && (key.ends_with(".uploadpack") || key.ends_with(".receivepack")))
}

impl Evaluator<'_> {
    pub(crate) fn git(&mut self, args: &[Arg], span: Span) -> Content {
        let mut i = 0;
        let saved_cwd = self.sh.cwd.clone();
        while let Some(a) = args.get(i) {
            let t = a.text.as_str();
            if !t.starts_with('-') {
                break;
            }
            i += 1;
            match t {
                "-C" => {
                    if let Some(dir) = args.get(i) {
                        self.sh.cwd = dir
                            .known()
                            .and_then(|d| crate::paths::resolve(d, self.sh.cwd.as_deref()));
                    }
                    i += 1;
                }
                "-c" => {
                    if let Some(kv) = args.get(i).cloned() {
                        self.git_config_pair(&kv, span);
                    }
                    i += 1;
                }
                "--git-dir" | "--work-tree" | "--namespace" | "--exec-path" | "--config-env" => {
                    i += 1
                }
                _ => {}
            }
        }
        let sub = args.get(i).map(|a| a.text.clone()).unwrap_or_default();
        let rest: Vec<Arg> = args.get(i + 1..).unwrap_or(&[]).to_vec();
        match sub.as_str() {
            "push" => self.git_push(&rest, span),
            "config" => self.git_config(&rest, span),
            "clone" | "fetch" | "pull" | "ls-remote" | "archive" => {
                let o = Opts::parse(&rest, "uoc", &["upload-pack", "exec", "config", "template"]);
                for key in ["u", "upload-pack", "exec"] {
                    if let Some(code) = o.value(key).cloned() {
                        self.run_code_arg(&code, span, Scope::NewShell(vec![Arg::lit("sh")]));
                    }
                }
                for (k, v) in &o.values {
                    if k == "c" || k == "config" {
                        self.git_config_pair(&v.clone(), span);
                    }
                }
                if o.value("template").is_some() {
                    self.review("a git template directory installs hooks", span);
                }
            }
            "rebase" => {
                let o = Opts::parse(&rest, "xsX", &["exec", "strategy", "onto"]);
                for (k, v) in o.values.clone() {
                    if k == "x" || k == "exec" {
                        self.run_code_arg(&v, span, Scope::NewShell(vec![Arg::lit("sh")]));
                    }
                }
            }
            "submodule" => {
                if let Some(k) = rest.iter().position(|a| a.text == "foreach") {
                    let words: Vec<Arg> = rest
                        .get(k + 1..)
                        .unwrap_or(&[])
                        .iter()
                        .filter(|a| !a.text.starts_with("--"))
                        .cloned()
                        .collect();
                    let code = crate::eval::join_args(&words);
                    self.run_code_arg(&code, span, Scope::NewShell(vec![Arg::lit("sh")]));
                }
            }
            "bisect" if rest.first().is_some_and(|a| a.text == "run") => {
                self.run_inner(rest.get(1..).unwrap_or(&[]).to_vec(), span);
            }
            "filter-branch" => {
                for pair in rest.windows(2) {
                    if let [k, v] = pair
                        && k.text.starts_with("--")
                        && k.text.ends_with("-filter")
                    {
                        self.run_code_arg(v, span, Scope::NewShell(vec![Arg::lit("sh")]));
                    }
                }
            }
            "difftool" | "mergetool" => {
                let o = Opts::parse(&rest, "xt", &["extcmd", "tool"]);
                if let Some(code) = o.value("x").or(o.value("extcmd")).cloned() {
                    self.run_code_arg(&code, span, Scope::NewShell(vec![Arg::lit("sh")]));
                }
            }
            "rm" => {
                let o = Opts::parse(&rest, "", &[]);
                if (o.short('r') || o.long("recursive")) && !o.long("cached") {
                    for t in &o.operands {
                        self.check_delete(t, span, "git rm -r of");
                    }
                }
            }
            "send-email" | "request-pull" => self.note_egress(span),
            _ => {}
        }
        self.sh.cwd = saved_cwd;
        Content::Unknown { download: false }
    }

    fn git_config(&mut self, rest: &[Arg], span: Span) {
        let o = Opts::parse(rest, "f", &["file", "blob", "type", "default", "comment"]);
        let reading = o.longs.iter().any(|l| {
            l.starts_with("get")
                || l == "list"
                || l.starts_with("unset")
                || l == "edit"
                || l == "remove-section"
        }) || o.short('l');
        if reading {
            return;
        }
        let ops: Vec<&Arg> = o
            .operands
            .iter()
            .filter(|a| !matches!(a.text.as_str(), "set" | "add"))
            .collect();
        if let [key, value, ..] = ops.as_slice() {
            let pair = Arg {
                text: format!("{}={}", key.text, value.text),
                download: value.download,
                ..Arg::default()
            };
            self.git_config_pair(&pair, span);
        }
    }

    fn git_config_pair(&mut self, kv: &Arg, span: Span) {
        let Some((key, value)) = kv.text.split_once('=') else {
            return;
        };
        let key = key.to_ascii_lowercase();
        if key == "core.hookspath" {
            self.deny(
                BuiltinRule::PersistenceWrite,
                "points git at another hooks directory",
                span,
            );
        } else if key == "include.path" || key.starts_with("includeif.") {
            self.review("includes another git configuration file", span);
        } else if runs_shell(&key) {
            if key.starts_with("alias.") && !value.starts_with('!') {
                return;
            }
            let code = Arg {
                text: value.trim_start_matches('!').to_owned(),
                ..kv.clone()
            };
            self.run_code_arg(&code, span, Scope::NewShell(vec![Arg::lit("sh")]));
        }
    }

    fn git_push(&mut self, rest: &[Arg], span: Span) {
        self.note_egress(span);
        let o = Opts::parse(
            rest,
            "o",
            &[
                "repo",
                "receive-pack",
                "exec",
                "push-option",
                "signed",
                "recurse-submodules",
            ],
        );
        for key in ["receive-pack", "exec"] {
            if let Some(code) = o.value(key).cloned() {
                self.run_code_arg(&code, span, Scope::NewShell(vec![Arg::lit("sh")]));
            }
        }
        let policy = self.policy;
        let protected = &policy.protected_branches;
        if protected.is_empty() {
            return;
        }
        let mut force = o.short('f')
            || o.longs
                .iter()
                .any(|l| l == "force" || l.starts_with("force-with-lease"));
        let delete = o.short('d') || o.long("delete");
        let mirror = o.long("mirror");
        let all = o.long("all") || o.long("branches");
        let refspecs = o.operands.get(1..).unwrap_or(&[]);
        let mut dests: Vec<Option<String>> = Vec::new();
        for r in refspecs {
            let Some(t) = r.known() else {
                dests.push(None);
                continue;
            };
            let (plus, t) = match t.strip_prefix('+') {
                Some(rest) => (true, rest),
                None => (false, t),
            };
            force |= plus;
            let dst = match t.split_once(':') {
                Some(("", dst)) => {
                    force = true;
                    dst
                }
                Some((_, dst)) => dst,
                None => t,
            };
            dests.push(Some(dst.trim_start_matches("refs/heads/").to_owned()));
        }
        if !(force || delete || mirror) {
            return;
        }
        if mirror || all {
            self.deny(
                BuiltinRule::ForcePushProtected,
                "force-pushes every branch, protected ones included",
                span,
            );
            return;
        }
        if dests.is_empty() {
            self.review(
                "a force push of the current branch, whose name is not known here",
                span,
            );
            return;
        }
        for d in dests {
            match d.as_deref() {
                Some("HEAD") | None => self.review(
                    "a force push to a branch whose name is not known here",
                    span,
                ),
                Some(b)
                    if protected
                        .iter()
                        .any(|p| glob_matches(p, b) || b.contains('*')) =>
                {
                    self.deny(
                        BuiltinRule::ForcePushProtected,
                        "force-pushes or deletes a protected branch",
                        span,
                    );
                    return;
                }
                Some(_) => {}
            }
        }
    }
}
