//! Non-Unix fallback (Windows and others): the same operations through `std::fs` paths.
//!
//! Ownership and permission bits do not exist in this form there (access is governed by ACLs,
//! inherited from the user's profile directory), so only these rules hold: a file must be a
//! regular file, new files are created with `create_new` (never clobbering), `write_new`
//! never replaces an existing file. Symbolic links are followed as the OS does, directories
//! are not checked, and no stale temp file is ever judged dead (none is removed unless the
//! caller holds the writers' lock). This keeps the crate compiling everywhere; the guarantees
//! in the README are stated for Unix.

use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::Error;

pub(crate) struct Dir {
    path: PathBuf,
}

pub(crate) fn check_file(file: &File, path: &Path) -> Result<(), Error> {
    let meta = file
        .metadata()
        .map_err(Error::io("reading the metadata of", path))?;
    if !meta.file_type().is_file() {
        return Err(Error::NotRegularFile {
            path: path.to_owned(),
        });
    }
    Ok(())
}

impl Dir {
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let meta = std::fs::metadata(path).map_err(Error::io("opening directory", path))?;
        if !meta.is_dir() {
            return Err(Error::Io {
                op: "opening directory",
                path: path.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
            });
        }
        Ok(Self {
            path: path.to_owned(),
        })
    }

    pub(crate) fn path_of(&self, name: &OsStr) -> PathBuf {
        self.path.join(name)
    }

    pub(crate) fn open_file(&self, name: &OsStr) -> Result<File, Error> {
        let path = self.path_of(name);
        let file = File::open(&path).map_err(Error::io("opening", &path))?;
        check_file(&file, &path)?;
        Ok(file)
    }

    pub(crate) fn open_lock(&self, name: &OsStr) -> Result<File, Error> {
        let path = self.path_of(name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(Error::io("opening lock file", &path))?;
        check_file(&file, &path)?;
        Ok(file)
    }

    pub(crate) fn create_new(&self, name: &OsStr) -> Result<File, Error> {
        let path = self.path_of(name);
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(Error::io("creating", &path))
    }

    pub(crate) fn link(&self, from: &OsStr, to: &OsStr) -> Result<(), Error> {
        let to = self.path_of(to);
        std::fs::hard_link(self.path_of(from), &to).map_err(Error::io("creating", &to))
    }

    pub(crate) fn rename(&self, from: &OsStr, to: &OsStr) -> Result<(), Error> {
        let to = self.path_of(to);
        std::fs::rename(self.path_of(from), &to)
            .map_err(Error::io("renaming a temp file over", &to))
    }

    pub(crate) fn remove(&self, name: &OsStr) -> Result<(), Error> {
        let path = self.path_of(name);
        std::fs::remove_file(&path).map_err(Error::io("removing", &path))
    }

    /// Directories cannot be opened for fsync here; the rename itself is what the OS offers.
    pub(crate) fn sync(&self) -> Result<(), Error> {
        Ok(())
    }

    pub(crate) fn names(&self) -> Result<Vec<OsString>, Error> {
        let list =
            std::fs::read_dir(&self.path).map_err(Error::io("listing directory", &self.path))?;
        Ok(list.flatten().map(|e| e.file_name()).collect())
    }
}

/// Process liveness is not checked here: no temp file is judged abandoned.
pub(crate) fn writer_is_dead(_pid: u32) -> bool {
    false
}
