//! Where a command runs, and what a path means there (lexically: symlinks are not followed and
//! the file system is never touched).

/// The machine-specific facts the rules need: the home directory, the workspace the agent works
/// in, and the directory commands start in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    pub(crate) home: String,
    pub(crate) workspace: String,
    pub(crate) cwd: String,
    pub(crate) tmp_dirs: Vec<String>,
}

impl Environment {
    /// An environment with the given home directory and workspace (both absolute; a relative
    /// one is taken from `/`). Commands start in the workspace.
    pub fn new(home: &str, workspace: &str) -> Self {
        let home = normalize_abs(home);
        let workspace = normalize_abs(workspace);
        Self {
            cwd: workspace.clone(),
            home,
            workspace,
            tmp_dirs: vec![
                "/tmp".into(),
                "/var/tmp".into(),
                "/private/tmp".into(),
                "/dev/shm".into(),
            ],
        }
    }

    /// `HOME` from the process environment (or `/root` when unset) and the current directory as
    /// the workspace.
    pub fn from_process() -> Self {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        let workspace = std::env::current_dir()
            .ok()
            .and_then(|p| p.to_str().map(str::to_owned))
            .unwrap_or_else(|| "/".into());
        let mut env = Self::new(&home, &workspace);
        if let Ok(tmp) = std::env::var("TMPDIR") {
            env = env.with_tmp_dir(&tmp);
        }
        env
    }

    /// Commands start in `cwd` instead of the workspace.
    #[must_use]
    pub fn with_cwd(mut self, cwd: &str) -> Self {
        self.cwd = normalize_abs(cwd);
        self
    }

    /// Another directory whose contents may be deleted freely (`/tmp`, `/var/tmp`,
    /// `/private/tmp` and `/dev/shm` are already).
    #[must_use]
    pub fn with_tmp_dir(mut self, dir: &str) -> Self {
        let dir = normalize_abs(dir);
        if dir != "/" && !self.tmp_dirs.contains(&dir) {
            self.tmp_dirs.push(dir);
        }
        self
    }

    /// The home directory.
    pub fn home(&self) -> &str {
        &self.home
    }

    /// The workspace.
    pub fn workspace(&self) -> &str {
        &self.workspace
    }

    /// The directory commands start in.
    pub fn cwd(&self) -> &str {
        &self.cwd
    }
}

/// Top-level and well-known system directories. Deleting, moving or recursively re-owning any
/// of them (or, for globs, their contents) breaks the machine.
const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/snap",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/var",
    "/nix",
    "/nix/store",
    "/usr/bin",
    "/usr/include",
    "/usr/lib",
    "/usr/lib64",
    "/usr/libexec",
    "/usr/local",
    "/usr/local/bin",
    "/usr/local/lib",
    "/usr/sbin",
    "/usr/share",
    "/var/lib",
    "/var/log",
    "/var/tmp",
    "/var/cache",
    "/var/spool",
    "/var/mail",
    "/var/www",
    "/etc/ssh",
    "/etc/ssl",
    "/etc/pam.d",
    "/etc/sudoers.d",
    "/etc/systemd",
    "/System",
    "/Library",
    "/Applications",
    "/Users",
    "/Volumes",
    "/private",
    "/private/etc",
    "/private/var",
    "/cores",
];

/// Children of the home directory whose loss is severe (keys, configuration, documents).
const HOME_CRITICAL: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".aws",
    ".config",
    ".local",
    ".kube",
    ".docker",
    ".password-store",
    "Documents",
    "Desktop",
    "Pictures",
    "Downloads",
    "Library",
    "Music",
    "Videos",
];

/// What a normalized absolute path is, for the destructive-operation rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    Root,
    Home,
    HomeAncestor,
    HomeCritical,
    OtherHome,
    Workspace,
    WorkspaceAncestor,
    WorkspaceGit,
    SystemDir,
    InWorkspace,
    InTmp,
    Elsewhere,
}

impl Place {
    /// Deleting (or recursively re-owning) this place is always denied.
    pub(crate) const fn is_critical(self) -> bool {
        !matches!(self, Place::InWorkspace | Place::InTmp | Place::Elsewhere)
    }

    pub(crate) const fn describe(self) -> &'static str {
        match self {
            Place::Root => "the root directory",
            Place::Home => "the home directory",
            Place::HomeAncestor => "a directory containing the home directory",
            Place::HomeCritical => "keys, configuration or documents in the home directory",
            Place::OtherHome => "a user's home directory",
            Place::Workspace => "the whole workspace",
            Place::WorkspaceAncestor => "a directory containing the workspace",
            Place::WorkspaceGit => "the workspace's git repository",
            Place::SystemDir => "a system directory",
            Place::InWorkspace => "a path inside the workspace",
            Place::InTmp => "a temporary directory",
            Place::Elsewhere => "a path outside the workspace",
        }
    }
}

impl Environment {
    /// Classify a normalized absolute path.
    pub(crate) fn place(&self, path: &str) -> Place {
        if path == "/" {
            return Place::Root;
        }
        if path == self.home {
            return Place::Home;
        }
        if is_strict_ancestor(path, &self.home) {
            return Place::HomeAncestor;
        }
        if path == self.workspace {
            return Place::Workspace;
        }
        if is_strict_ancestor(path, &self.workspace) {
            return Place::WorkspaceAncestor;
        }
        if SYSTEM_DIRS.contains(&path) {
            return Place::SystemDir;
        }
        if let Some(rest) = strip_dir(path, &self.workspace) {
            let in_git = rest
                .strip_prefix(".git/")
                .is_some_and(|child| !child.contains('/'));
            if rest == ".git" || in_git {
                return Place::WorkspaceGit;
            }
            return Place::InWorkspace;
        }
        if self.tmp_dirs.iter().any(|t| strip_dir(path, t).is_some()) {
            return Place::InTmp;
        }
        if let Some(rest) = strip_dir(path, &self.home)
            && HOME_CRITICAL.contains(&rest)
        {
            return Place::HomeCritical;
        }
        let parent = parent(path);
        if parent == "/home" || parent == "/Users" || parent == parent_of_home(&self.home) {
            return Place::OtherHome;
        }
        Place::Elsewhere
    }

    /// The critical paths directly inside `dir` (for deciding what a glob in `dir` can reach).
    pub(crate) fn critical_children(&self, dir: &str) -> Vec<String> {
        let mut out: Vec<String> = SYSTEM_DIRS
            .iter()
            .filter(|p| parent(p) == dir)
            .map(|p| (*p).to_owned())
            .collect();
        for special in [self.home.as_str(), self.workspace.as_str()] {
            if parent(special) == dir {
                out.push(special.to_owned());
            }
            // An ancestor of the home directory or workspace inside `dir`.
            if let Some(rest) = strip_dir(special, dir)
                && let Some((first, _)) = rest.split_once('/')
            {
                out.push(join(dir, first));
            }
        }
        if dir == self.home {
            out.extend(HOME_CRITICAL.iter().map(|c| join(dir, c)));
        }
        if dir == self.workspace {
            out.push(join(dir, ".git"));
        }
        out
    }
}

/// `dir`'s path below `base`, if `dir` is strictly inside `base`.
pub(crate) fn strip_dir<'a>(path: &'a str, base: &str) -> Option<&'a str> {
    if base == "/" {
        return path.strip_prefix('/').filter(|r| !r.is_empty());
    }
    path.strip_prefix(base)
        .and_then(|r| r.strip_prefix('/'))
        .filter(|r| !r.is_empty())
}

fn is_strict_ancestor(path: &str, of: &str) -> bool {
    strip_dir(of, path).is_some()
}

fn parent_of_home(home: &str) -> &str {
    parent(home)
}

/// The parent of a normalized absolute path (`/` for `/` and top-level entries).
pub(crate) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => path.get(..i).unwrap_or("/"),
    }
}

/// The last component of a path.
pub(crate) fn basename(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) => trimmed.get(i + 1..).unwrap_or(""),
        None => trimmed,
    }
}

pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Lexical normalization of an absolute path: collapse `//`, drop `.`, resolve `..`.
pub(crate) fn normalize_abs(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        "/".into()
    } else {
        let mut out = String::with_capacity(path.len());
        for p in parts {
            out.push('/');
            out.push_str(p);
        }
        out
    }
}

/// Resolve `path` against `cwd` (unknown cwd and a relative path give `None`) and normalize.
pub(crate) fn resolve(path: &str, cwd: Option<&str>) -> Option<String> {
    if path.starts_with('/') {
        Some(normalize_abs(path))
    } else {
        cwd.map(|c| normalize_abs(&join(c, path)))
    }
}

/// Paths under `/dev` that are not storage: writing to them cannot destroy a disk.
const SAFE_DEVICES: &[&str] = &[
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
    "/dev/stdin",
    "/dev/stdout",
    "/dev/stderr",
    "/dev/ptmx",
    "/dev/console",
];

/// A block or memory device (`/dev/sda`, `/dev/nvme0n1p1`, `/dev/mapper/x`, `/dev/mem`, …).
pub(crate) fn is_device(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/dev/") else {
        return false;
    };
    if SAFE_DEVICES.contains(&path) {
        return false;
    }
    let first = rest.split('/').next().unwrap_or("");
    !matches!(
        first,
        "fd" | "pts" | "shm" | "tcp" | "udp" | "mqueue" | "hugepages"
    ) && !first.starts_with("tty")
        && !rest.is_empty()
}

/// Simple glob matching of one path component (`*`, `?`, `[…]`), with `*` not matching a
/// leading dot, as the shell does by default.
pub(crate) fn glob_matches(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    glob_match_from(pattern.as_bytes(), name.as_bytes())
}

/// Iterative matcher with a step budget (a hostile pattern cannot make it exponential).
fn glob_match_from(p: &[u8], n: &[u8]) -> bool {
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    let mut steps = 0usize;
    while ni < n.len() {
        steps += 1;
        if steps > 100_000 {
            // Undecided: say it matches, which errs towards denying.
            return true;
        }
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some(b'?') => {
                pi += 1;
                ni += 1;
                continue;
            }
            Some(b'[') => {
                if let Some((matched, len)) = class_match(p.get(pi..).unwrap_or(&[]), n.get(ni))
                    && matched
                {
                    pi += len;
                    ni += 1;
                    continue;
                }
            }
            Some(c) if Some(c) == n.get(ni) => {
                pi += 1;
                ni += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    p.get(pi..).unwrap_or(&[]).iter().all(|&c| c == b'*')
}

/// Match a `[...]` class at the start of `p` against `c`: `(matched, class length)`.
fn class_match(p: &[u8], c: Option<&u8>) -> Option<(bool, usize)> {
    let c = *c?;
    let end = p.iter().skip(2).position(|&b| b == b']')? + 2;
    let body = p.get(1..end)?;
    let (negate, body) = match body.split_first() {
        Some((b'!' | b'^', rest)) => (true, rest),
        _ => (false, body),
    };
    let mut hit = false;
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        if body.get(i + 1) == Some(&b'-')
            && let Some(&hi) = body.get(i + 2)
        {
            hit |= (b..=hi).contains(&c);
            i += 3;
        } else {
            hit |= b == c;
            i += 1;
        }
    }
    Some((hit != negate, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_is_lexical() {
        assert_eq!(normalize_abs("/usr/../"), "/");
        assert_eq!(normalize_abs("//etc/./"), "/etc");
        assert_eq!(normalize_abs("/../.."), "/");
        assert_eq!(resolve("../x", Some("/w/p")).as_deref(), Some("/w/x"));
        assert_eq!(resolve("x", None), None);
    }

    #[test]
    fn places() {
        let env = Environment::new("/home/al", "/home/al/src/app");
        assert_eq!(env.place("/"), Place::Root);
        assert_eq!(env.place("/home/al"), Place::Home);
        assert_eq!(env.place("/home"), Place::HomeAncestor);
        assert_eq!(env.place("/home/al/src"), Place::WorkspaceAncestor);
        assert_eq!(env.place("/home/al/src/app"), Place::Workspace);
        assert_eq!(env.place("/home/al/src/app/.git"), Place::WorkspaceGit);
        assert_eq!(env.place("/home/al/src/app/target"), Place::InWorkspace);
        assert_eq!(env.place("/home/al/.ssh"), Place::HomeCritical);
        assert_eq!(env.place("/home/bob"), Place::OtherHome);
        assert_eq!(env.place("/etc"), Place::SystemDir);
        assert_eq!(env.place("/tmp/x"), Place::InTmp);
        assert_eq!(env.place("/etc/nginx"), Place::Elsewhere);
    }

    #[test]
    fn globs() {
        assert!(glob_matches("*", "etc"));
        assert!(!glob_matches("*", ".git"));
        assert!(glob_matches(".*", ".git"));
        assert!(glob_matches("e?c", "etc"));
        assert!(glob_matches("[a-f]tc", "etc"));
        assert!(!glob_matches("[!e]tc", "etc"));
        assert!(glob_matches("b*n", "bin"));
        assert!(!glob_matches("build-*", "etc"));
    }

    #[test]
    fn devices() {
        assert!(is_device("/dev/sda"));
        assert!(is_device("/dev/nvme0n1p2"));
        assert!(is_device("/dev/mapper/root"));
        assert!(!is_device("/dev/null"));
        assert!(!is_device("/dev/fd/3"));
        assert!(!is_device("/dev/tty1"));
        assert!(!is_device("/devx"));
    }
}
