//! The store's files through `bosso-fs`, the one implementation of the file-trust rules
//! (no symbolic links, owner and mode checked on the open handle, checked directory, `0600`
//! `O_EXCL` temp files), plus the inter-process lock.

use std::fs::File;
use std::path::{Path, PathBuf};

pub(crate) use bosso_fs::Stale;
use zeroize::Zeroizing;

use crate::Error;

/// Reads a trusted file of at most `max_len` bytes (see `bosso_fs::read_trusted`).
pub(crate) fn read_private(path: &Path, max_len: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    bosso_fs::read_trusted(path, max_len).map_err(Error::fs)
}

/// Creates `path` (which must not exist) as a 0600 file holding `contents`, whole or not at
/// all; `AlreadyExists` (as [`Error::Io`]) when something is there.
pub(crate) fn write_new_private(path: &Path, contents: &[u8]) -> Result<(), Error> {
    bosso_fs::write_new(path, contents).map_err(Error::fs)
}

/// Replaces `path` with `contents` atomically and durably.
pub(crate) fn atomic_replace(path: &Path, contents: &[u8]) -> Result<(), Error> {
    bosso_fs::replace(path, contents).map_err(Error::fs)
}

/// Removes the temp files a killed process left for `path` (best effort).
pub(crate) fn remove_stale_temps(path: &Path, which: Stale) {
    let removed = bosso_fs::remove_stale_temps(path, which);
    if removed > 0 {
        tracing::debug!(path = %path.display(), removed, "removed stale temp files");
    }
}

/// True when the error says the file (or its directory) does not exist.
pub(crate) fn is_not_found(e: &Error) -> bool {
    matches!(e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
}

/// True when the error says something already exists at the path.
pub(crate) fn is_already_exists(e: &Error) -> bool {
    matches!(e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists)
}

/// An exclusive advisory lock on `<vault>.lock`, held until drop (closing the file releases
/// it, also when the process dies). A separate lock file is used because `rename` replaces
/// the vault's inode, and a lock on the old inode would not exclude the next writer.
pub(crate) struct WriteLock {
    _file: File,
}

pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Blocks until this process holds the write lock of `path`. The lock file is opened or
/// created 0600 without following a symbolic link and checked like every other file.
pub(crate) fn lock_exclusive(path: &Path) -> Result<WriteLock, Error> {
    let file = bosso_fs::open_lock_file(&lock_path(path)).map_err(Error::fs)?;
    // Fully qualified: std's File::lock (Rust 1.89) is newer than the MSRV (1.88).
    fs4::FileExt::lock(&file).map_err(Error::io("locking the vault"))?;
    Ok(WriteLock { _file: file })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn created_files_are_0600_and_wide_files_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        write_new_private(&p, b"abc").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        atomic_replace(&p, b"def").unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(read_private(&p, 10).unwrap().as_slice(), b"def");
        assert!(matches!(read_private(&p, 2), Err(Error::TooLarge)));
        for bad in [0o640, 0o604, 0o660, 0o644] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(bad)).unwrap();
            assert!(matches!(
                read_private(&p, 10),
                Err(Error::InsecurePermissions { .. })
            ));
        }
        let e = write_new_private(&p, b"x").unwrap_err();
        assert!(is_already_exists(&e), "create_new must not clobber: {e}");
    }
}
