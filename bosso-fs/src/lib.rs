//! # bosso-fs
//!
//! **Security contract (Unix).** The files this crate reads are files only this user could have
//! written: a path whose last component is a symbolic link is refused (`O_NOFOLLOW`); the file
//! must be a regular file owned by the effective uid with no group or other permission bits,
//! checked with `fstat` on the very handle that is then read (no second path lookup); and its
//! directory must be owned by this user or root and not writable by group or others, checked
//! on the directory handle that every later step goes through (`openat`, `linkat`,
//! `renameat`, `unlinkat`). Files it creates are `0600` from the `open(2)` call on
//! (`O_CREAT|O_EXCL|O_NOFOLLOW`), so no link planted at a temp or lock path makes it create or
//! write a file elsewhere. New files appear whole or not at all, never clobbering;
//! replacements are atomic and durable. Handles are close-on-exec.
//!
//! On other targets the crate compiles with a documented fallback (see the README): only the
//! regular-file check and never-clobbering creation hold there.
//!
//! ```
//! # fn main() -> Result<(), bosso_fs::Error> {
//! let dir = tempfile::tempdir().map_err(|e| bosso_fs::Error::Io {
//!     op: "making a temp dir", path: std::env::temp_dir(), source: e })?;
//! let key = dir.path().join("app.key");
//! bosso_fs::write_new(&key, b"0123456789abcdef")?; // 0600, whole or not at all
//! assert!(bosso_fs::write_new(&key, b"other").unwrap_err().is_already_exists());
//! let bytes = bosso_fs::read_trusted(&key, 64)?; // zeroized on drop
//! assert_eq!(bytes.as_slice(), b"0123456789abcdef");
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
#[cfg(not(unix))]
#[path = "sys_other.rs"]
mod sys;
#[cfg(unix)]
#[path = "sys_unix.rs"]
mod sys;
mod temp;

use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::Path;

use zeroize::Zeroizing;

pub use error::Error;
pub use temp::{Stale, remove_stale_temps};

/// The README's examples compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The checked parent directory of `path` and the file name in it.
fn split(path: &Path) -> Result<(sys::Dir, &OsStr), Error> {
    let name = path.file_name().ok_or_else(|| Error::InvalidPath {
        path: path.to_owned(),
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Ok((sys::Dir::open(dir)?, name))
}

/// Opens an existing file for reading after the checks of the crate's contract (directory,
/// no final symbolic link, regular file, owner, no group/other bits). Read from the returned
/// handle: it is the one that was checked.
///
/// A missing file gives an [`Error::Io`] for which [`Error::is_not_found`] is true.
pub fn open_trusted(path: &Path) -> Result<File, Error> {
    let (dir, name) = split(path)?;
    dir.open_file(name)
}

/// [`open_trusted`], then reads the whole file, refusing one larger than `max_len` bytes
/// ([`Error::TooLarge`], reading at most one byte past the limit).
///
/// The bytes are read straight into a buffer sized from `fstat`, wiped on drop. If the file
/// grows while being read, the bytes move to a larger buffer and the old one is wiped, so no
/// copy is left behind by this function.
pub fn read_trusted(path: &Path, max_len: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut file = open_trusted(path)?;
    let too_large = || Error::TooLarge {
        path: path.to_owned(),
        max: max_len,
    };
    let size = file
        .metadata()
        .map_err(Error::io("reading the metadata of", path))?
        .len();
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    if size > max_len {
        return Err(too_large());
    }
    // One byte past the size, to see the end of the file without growing the buffer.
    let mut buf = Zeroizing::new(vec![0u8; size.saturating_add(1)]);
    let mut filled = 0usize;
    loop {
        if filled == buf.len() {
            if filled > max_len {
                return Err(too_large());
            }
            // The file grew after the fstat: a larger buffer (at most one byte past the
            // limit); the old one is wiped when replaced.
            let len = filled.saturating_mul(2).min(max_len.saturating_add(1));
            let mut bigger = Zeroizing::new(vec![0u8; len]);
            if let (Some(dst), Some(src)) = (bigger.get_mut(..filled), buf.get(..filled)) {
                dst.copy_from_slice(src);
            }
            buf = bigger;
        }
        let Some(spare) = buf.get_mut(filled..) else {
            break;
        };
        match file.read(spare) {
            Ok(0) => break,
            Ok(n) => filled = filled.saturating_add(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("reading", path)(e)),
        }
    }
    if filled > max_len {
        return Err(too_large());
    }
    buf.truncate(filled);
    Ok(buf)
}

/// Opens (creating `0600` when missing) a lock file for `flock`-style locking, after the
/// directory check; refuses a symbolic link (its target is never created), a non-regular
/// file, another owner or group/other bits.
pub fn open_lock_file(path: &Path) -> Result<File, Error> {
    let (dir, name) = split(path)?;
    dir.open_lock(name)
}

fn fill(mut file: File, contents: &[u8], path: &Path) -> Result<(), Error> {
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(Error::io("writing temp file", path))
}

/// Creates `path` holding `contents`, durably and all at once, never replacing anything:
/// a `0600` temp file beside it (`O_EXCL|O_NOFOLLOW`) is written and fsynced, hard-linked
/// to `path` (`link(2)` fails rather than clobbers), removed, and the directory fsynced. A
/// reader or a crash sees no file or the whole file; a crash leaves at most a temp file for
/// [`remove_stale_temps`].
///
/// Something already at `path` (a link included) gives an error for which
/// [`Error::is_already_exists`] is true.
pub fn write_new(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let (dir, name) = split(path)?;
    let (tmp, file) = temp::create(&dir, name)?;
    let result = fill(file, contents, &dir.path_of(&tmp)).and_then(|()| dir.link(&tmp, name));
    // The temp name goes whether or not the link succeeded (if this fails, the file is
    // still complete; the temp is left for remove_stale_temps).
    let _ = dir.remove(&tmp);
    result?;
    dir.sync()
}

/// Replaces `path` with `contents` atomically and durably: a `0600` temp file beside it is
/// written, fsynced and renamed over `path`, then the directory is fsynced. A reader or a
/// crash sees the old file or the new one. What is at `path` is replaced as a directory
/// entry: a symbolic link there is replaced itself, its target is never written. Callers
/// check the current file (with [`read_trusted`]) before deciding to replace it.
pub fn replace(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let (dir, name) = split(path)?;
    let (tmp, file) = temp::create(&dir, name)?;
    let result = fill(file, contents, &dir.path_of(&tmp)).and_then(|()| dir.rename(&tmp, name));
    if result.is_err() {
        let _ = dir.remove(&tmp);
    }
    result?;
    dir.sync()
}
