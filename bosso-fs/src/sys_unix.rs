//! Unix: every file operation goes through one checked directory handle (`openat`, `linkat`,
//! `renameat`, `unlinkat`), so the directory that was checked is the one used, and every file
//! is checked through its own open handle (`fstat`), never by looking its path up again.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use crate::Error;

/// A directory whose owner and mode were checked on its open handle.
pub(crate) struct Dir {
    fd: File,
    path: PathBuf,
}

pub(crate) fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Turns an `openat` error into an error naming the path; a final symbolic link refused by
/// `O_NOFOLLOW` is reported as such (`ELOOP`; FreeBSD reports `EMLINK`).
fn open_error(op: &'static str, path: PathBuf, e: Errno) -> Error {
    if e == Errno::LOOP || e == Errno::MLINK {
        Error::Symlink { path }
    } else {
        Error::Io {
            op,
            path,
            source: e.into(),
        }
    }
}

/// The trust rules for a file, checked on its open handle: a regular file, owned by the
/// effective uid, with no group or other permission bits.
pub(crate) fn check_file(file: &File, path: &Path) -> Result<(), Error> {
    let meta = file
        .metadata()
        .map_err(Error::io("reading the metadata of", path))?;
    if !meta.file_type().is_file() {
        return Err(Error::NotRegularFile {
            path: path.to_owned(),
        });
    }
    let euid = euid();
    if meta.uid() != euid {
        return Err(Error::WrongOwner {
            path: path.to_owned(),
            owner: meta.uid(),
            euid,
        });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(Error::Permissions {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

impl Dir {
    /// Opens `path` as a directory (following links in the path itself: the handle is what
    /// gets checked and used) and refuses it unless it is owned by this user or root and not
    /// writable by group or others.
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::io("opening directory", path)(e.into()))?;
        let fd = File::from(fd);
        let meta = fd
            .metadata()
            .map_err(Error::io("reading the metadata of directory", path))?;
        let (owner, mode) = (meta.uid(), meta.mode() & 0o7777);
        if (owner != euid() && owner != 0) || mode & 0o022 != 0 {
            return Err(Error::InsecureDirectory {
                path: path.to_owned(),
                mode,
                owner,
            });
        }
        Ok(Self {
            fd,
            path: path.to_owned(),
        })
    }

    pub(crate) fn path_of(&self, name: &OsStr) -> PathBuf {
        self.path.join(name)
    }

    /// `openat` in this directory; a created file gets mode 0600 (owner read and write).
    fn openat(&self, name: &OsStr, flags: OFlags, op: &'static str) -> Result<File, Error> {
        rustix::fs::openat(&self.fd, name, flags, Mode::RUSR | Mode::WUSR)
            .map(File::from)
            .map_err(|e| open_error(op, self.path_of(name), e))
    }

    /// Opens an existing file for reading and checks it. `NONBLOCK` so that a FIFO planted at
    /// the path cannot hang the open (the regular-file check refuses it right after).
    pub(crate) fn open_file(&self, name: &OsStr) -> Result<File, Error> {
        let flags =
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
        let file = self.openat(name, flags, "opening")?;
        check_file(&file, &self.path_of(name))?;
        Ok(file)
    }

    /// Opens or creates (0600) a lock file and checks it; a symbolic link is refused, so its
    /// target is never created.
    pub(crate) fn open_lock(&self, name: &OsStr) -> Result<File, Error> {
        let flags = OFlags::RDWR
            | OFlags::CREATE
            | OFlags::NOFOLLOW
            | OFlags::CLOEXEC
            | OFlags::NOCTTY
            | OFlags::NONBLOCK;
        let file = self.openat(name, flags, "opening lock file")?;
        check_file(&file, &self.path_of(name))?;
        Ok(file)
    }

    /// Creates a new 0600 file; fails with `AlreadyExists` if anything (a link included) is
    /// at `name`. The mode is applied by `open(2)` itself: the file never has wider access.
    pub(crate) fn create_new(&self, name: &OsStr) -> Result<File, Error> {
        let flags = OFlags::WRONLY
            | OFlags::CREATE
            | OFlags::EXCL
            | OFlags::NOFOLLOW
            | OFlags::CLOEXEC
            | OFlags::NOCTTY;
        self.openat(name, flags, "creating")
    }

    /// `link(2)`: fails with `AlreadyExists` rather than replacing anything at `to`.
    pub(crate) fn link(&self, from: &OsStr, to: &OsStr) -> Result<(), Error> {
        rustix::fs::linkat(&self.fd, from, &self.fd, to, AtFlags::empty())
            .map_err(|e| Error::io("creating", &self.path_of(to))(e.into()))
    }

    /// `rename(2)`: atomically replaces whatever is at `to` (a link itself, never its target).
    pub(crate) fn rename(&self, from: &OsStr, to: &OsStr) -> Result<(), Error> {
        rustix::fs::renameat(&self.fd, from, &self.fd, to)
            .map_err(|e| Error::io("renaming a temp file over", &self.path_of(to))(e.into()))
    }

    pub(crate) fn remove(&self, name: &OsStr) -> Result<(), Error> {
        rustix::fs::unlinkat(&self.fd, name, AtFlags::empty())
            .map_err(|e| Error::io("removing", &self.path_of(name))(e.into()))
    }

    /// fsyncs the directory so a rename or a new link in it survives a power cut.
    pub(crate) fn sync(&self) -> Result<(), Error> {
        self.fd
            .sync_all()
            .map_err(Error::io("syncing directory", &self.path))
    }

    /// The names in the directory (read through the checked handle).
    pub(crate) fn names(&self) -> Result<Vec<OsString>, Error> {
        let read_err = |e: Errno| Error::io("listing directory", &self.path)(e.into());
        let mut out = Vec::new();
        for entry in rustix::fs::Dir::read_from(&self.fd).map_err(read_err)? {
            let entry = entry.map_err(read_err)?;
            out.push(OsStr::from_bytes(entry.file_name().to_bytes()).to_owned());
        }
        Ok(out)
    }
}

/// True only when no process with this id exists here (`kill(pid, 0)` fails with `ESRCH`).
/// A live process, or one we may not signal (`EPERM`), counts as alive.
pub(crate) fn writer_is_dead(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    rustix::process::test_kill_process(pid) == Err(Errno::SRCH)
}
