//! The one error type of this crate.

use std::path::PathBuf;

/// Why a file was not trusted, or what I/O failed.
///
/// Every variant names the path (paths are not secret) and never any file contents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The path's last component is a symbolic link; it was not followed.
    #[error("{path} is a symbolic link; refusing to follow it")]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// The path is a directory, FIFO, socket or device, not a regular file.
    #[error("{path} is not a regular file")]
    NotRegularFile {
        /// The path.
        path: PathBuf,
    },
    /// The file is owned by another user than this process's effective user.
    #[error("{path} is owned by uid {owner}, not by this process's effective uid {euid}")]
    WrongOwner {
        /// The file.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// This process's effective uid.
        euid: u32,
    },
    /// Group or others have some access to the file. Fix with `chmod 600 <path>` after
    /// checking that nobody else read it.
    #[error("{path} is accessible by group or others (mode {mode:o})")]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The directory holding the file can be changed by another user: it is writable by group
    /// or others, or owned by someone other than this user or root.
    #[error(
        "directory {path} (owner uid {owner}, mode {mode:o}) can be changed by another user; \
         it must be owned by this user or root and not writable by group or others"
    )]
    InsecureDirectory {
        /// The directory.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
        /// Its owner.
        owner: u32,
    },
    /// The file is larger than the caller's limit; nothing past the limit was kept.
    #[error("{path} is larger than {max} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        max: usize,
    },
    /// The path has no file name (it ends in `..` or is a root).
    #[error("{path} does not name a file")]
    InvalidPath {
        /// The path.
        path: PathBuf,
    },
    /// An operating system call failed (`op` says which step).
    #[error("I/O error while {op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// True when the file (or its directory) does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        self.io_kind() == Some(std::io::ErrorKind::NotFound)
    }

    /// True when [`write_new`](crate::write_new) found something already at the path.
    #[must_use]
    pub fn is_already_exists(&self) -> bool {
        self.io_kind() == Some(std::io::ErrorKind::AlreadyExists)
    }

    fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            Self::Io { source, .. } => Some(source.kind()),
            _ => None,
        }
    }

    pub(crate) fn io(
        op: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_owned();
        move |source| Self::Io { op, path, source }
    }
}
