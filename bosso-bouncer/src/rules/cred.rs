//! Credential reads and network egress. Either alone is common; together in one line they are
//! exfiltration.

use super::Target;
use crate::Span;
use crate::eval::{Arg, Evaluator, Io};
use crate::paths::{basename, strip_dir};

/// Credential files and directories under a home directory.
const HOME_CREDENTIALS: &[&str] = &[
    ".aws",
    ".netrc",
    ".git-credentials",
    ".config/git/credentials",
    ".docker/config.json",
    ".kube",
    ".config/gh/hosts.yml",
    ".pypirc",
    ".gnupg",
    ".password-store",
    ".config/gcloud",
    ".azure",
    ".terraform.d/credentials.tfrc.json",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".gem/credentials",
    ".vault-token",
    "Library/Keychains",
    ".local/share/keyrings",
    ".claude/.credentials.json",
    ".config/op",
    ".npmrc",
];
/// Files in `~/.ssh` that are not secret.
const SSH_PUBLIC: &[&str] = &[
    "known_hosts",
    "known_hosts.old",
    "config",
    "authorized_keys",
    "authorized_keys2",
];
/// Commands that touch a path without disclosing its content.
const NON_READING: &[&str] = &[
    "ls",
    "stat",
    "chmod",
    "chown",
    "chgrp",
    "touch",
    "mkdir",
    "test",
    "[",
    "realpath",
    "readlink",
    "basename",
    "dirname",
    "du",
    "rm",
    "shred",
    "mv",
    "ssh-add",
    "ssh-keygen",
    "ssh",
    "echo",
    "printf",
    "cd",
    "pushd",
    "find",
    "file",
    "which",
    "type",
    "git",
    "export",
    "unset",
    "ln",
];
/// Commands that print secrets from a keychain or credential helper.
const KEYCHAIN_READERS: &[(&str, &[&str])] = &[
    (
        "security",
        &[
            "find-generic-password",
            "find-internet-password",
            "dump-keychain",
            "export",
            "find-key",
        ],
    ),
    ("secret-tool", &["lookup", "search"]),
    ("pass", &["show", "\0any"]),
    ("gopass", &["show", "cat"]),
    ("gh", &["token"]),
    ("op", &["read", "get"]),
    ("bw", &["get"]),
    ("keyring", &["get"]),
    ("gpg", &["--export-secret-keys", "--export-secret-subkeys"]),
    ("aws", &["export-credentials", "get-session-token"]),
];
/// Commands that send data to another host.
const EGRESS: &[&str] = &[
    "curl",
    "wget",
    "nc",
    "ncat",
    "netcat",
    "socat",
    "telnet",
    "ssh",
    "scp",
    "sftp",
    "ftp",
    "tftp",
    "lftp",
    "http",
    "https",
    "xh",
    "httpie",
    "aria2c",
    "mail",
    "mailx",
    "sendmail",
    "mutt",
    "dig",
    "nslookup",
    "host",
    "drill",
    "smbclient",
    "gsutil",
    "az",
    "s3cmd",
    "rclone",
    "ping",
    "openssl",
    "fetch",
];

impl Evaluator<'_> {
    pub(crate) fn read_rules(&mut self, name: &str, args: &[Arg], io: &Io, span: Span) {
        let _ = io;
        if EGRESS.contains(&name) || (name == "git" && args.iter().any(|a| a.text == "push")) {
            self.note_egress(span);
        }
        if matches!(name, "aws" | "gcloud" | "gh")
            && args.iter().any(|a| {
                matches!(
                    a.text.as_str(),
                    "cp" | "sync" | "mv" | "upload" | "gist" | "api"
                )
            })
        {
            self.note_egress(span);
        }
        if let Some((_, subs)) = KEYCHAIN_READERS.iter().find(|(n, _)| *n == name)
            && (subs.contains(&"\0any") && !args.is_empty()
                || args.iter().any(|a| subs.contains(&a.text.as_str())))
        {
            self.note_cred_read(span, true);
        }
        if matches!(name, "env" | "printenv" | "set" | "declare" | "export")
            && args.iter().all(|a| a.text.starts_with('-'))
        {
            // The environment holds tokens; dumping it only matters next to egress.
            self.note_cred_read(span, false);
        }
        if NON_READING.contains(&name) {
            return;
        }
        let mut skip_next = false;
        for a in args {
            if skip_next {
                skip_next = false;
                continue;
            }
            // `-i key` of ssh-like tools authenticates with the key; it does not send it.
            if a.text == "-i" && matches!(name, "scp" | "sftp" | "rsync") {
                skip_next = true;
                continue;
            }
            // curl -d @file / -F x=@file / -T file upload the file.
            let text = a.text.rsplit_once('@').map_or(a.text.as_str(), |(_, f)| f);
            let arg = Arg {
                text: text.to_owned(),
                ..a.clone()
            };
            let arg = match arg.text.split_once('=') {
                Some((k, v)) if !k.contains('/') && !v.is_empty() => Arg {
                    text: v.to_owned(),
                    ..arg.clone()
                },
                _ => arg,
            };
            self.credential_arg(&arg, span);
        }
    }

    /// Note a read if `arg` names a credential file.
    pub(crate) fn credential_arg(&mut self, arg: &Arg, span: Span) {
        match self.target(arg) {
            Target::Path(p) => {
                if let Some(strong) = self.credential_kind(&p) {
                    self.note_cred_read(span, strong);
                }
            }
            Target::Glob { dir, pattern, .. } => {
                if let Some(strong) = self.credential_kind(&crate::paths::join(&dir, &pattern)) {
                    self.note_cred_read(span, strong);
                } else if self.credential_kind(&dir).is_some() {
                    self.note_cred_read(span, true);
                }
            }
            Target::Under(_) => {}
            Target::Unknown => {
                if [
                    "/.ssh/id_",
                    "/.aws/credentials",
                    "/.netrc",
                    "/.git-credentials",
                ]
                .iter()
                .any(|f| arg.text.contains(f))
                {
                    self.note_cred_read(span, true);
                }
            }
        }
    }

    /// `Some(strong)` when `p` is a credential file: keys and tokens are strong (a read alone
    /// goes to review); `.env` files and stray `*.pem`/`*.key` only count next to egress.
    fn credential_kind(&self, p: &str) -> Option<bool> {
        for home in [self.env.home.as_str(), "/root"] {
            if let Some(rest) = strip_dir(p, home) {
                if rest == ".ssh" {
                    return Some(true);
                }
                if let Some(f) = rest.strip_prefix(".ssh/") {
                    return (!f.ends_with(".pub") && !SSH_PUBLIC.contains(&f)).then_some(true);
                }
                if HOME_CREDENTIALS
                    .iter()
                    .any(|c| rest == *c || strip_dir(rest, c).is_some())
                {
                    return Some(true);
                }
            }
        }
        if p == "/etc/shadow" || p == "/etc/gshadow" || p == "/etc/sudoers" {
            return Some(true);
        }
        let base = basename(p);
        if p.starts_with("/etc/ssh/ssh_host_") && !base.ends_with(".pub") {
            return Some(true);
        }
        if base.starts_with("id_")
            && ["rsa", "dsa", "ecdsa", "ed25519"]
                .iter()
                .any(|k| base.ends_with(k))
        {
            return Some(true);
        }
        let env_file = base == ".env"
            || base
                .strip_prefix(".env.")
                .is_some_and(|s| !matches!(s, "example" | "sample" | "template" | "dist"));
        if env_file || base.ends_with(".pem") || base.ends_with(".key") || base.ends_with(".p12") {
            return Some(false);
        }
        None
    }
}
