//! Private files: 0600 creation without a window, permission checks, atomic durable replace,
//! and the inter-process lock.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::Error;

fn private_create_new() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        // The mode is applied by open(2) itself: the file never exists with wider permissions.
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// Refuses a file that group or others can access (Unix); on other OSes the ACL model differs
/// and the check is left to the OS defaults of the user's profile directory.
fn check_private(file: &File, path: &Path) -> Result<(), Error> {
    let meta = file
        .metadata()
        .map_err(Error::io("reading file metadata"))?;
    if !meta.is_file() {
        return Err(Error::malformed("vault file", "not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(Error::InsecurePermissions {
                path: path.to_owned(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Reads a private file of at most `max_len` bytes after checking its permissions.
pub(crate) fn read_private(path: &Path, max_len: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    let file = File::open(path).map_err(Error::io("opening file"))?;
    check_private(&file, path)?;
    let mut buf = Zeroizing::new(Vec::new());
    let limit = u64::try_from(max_len).unwrap_or(u64::MAX).saturating_add(1);
    file.take(limit)
        .read_to_end(&mut buf)
        .map_err(Error::io("reading file"))?;
    if buf.len() > max_len {
        return Err(Error::TooLarge);
    }
    Ok(buf)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// fsyncs a directory so a rename or creation in it survives a power cut.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io("syncing directory"))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Creates `path` (which must not exist) as a 0600 file holding `contents`, durably and
/// all at once: the contents go to a temp file (0600 from creation) that is fsynced and then
/// hard-linked to `path` (`link(2)` fails with `AlreadyExists` rather than replacing), and the
/// directory is fsynced. A reader or a crash sees no file or the whole file, never a
/// truncated one; a crash leaves at most a temp file, removed by the next vault writer.
pub(crate) fn write_new_private(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let dir = parent_dir(path);
    let tmp = temp_path(path)?;
    let result = (|| {
        let mut f = private_create_new()
            .open(&tmp)
            .map_err(Error::io("creating temp file"))?;
        f.write_all(contents)
            .and_then(|()| f.sync_all())
            .map_err(Error::io("writing temp file"))?;
        drop(f);
        std::fs::hard_link(&tmp, path).map_err(Error::io("creating file"))
    })();
    let _ = std::fs::remove_file(&tmp);
    result?;
    sync_dir(&dir)
}

fn temp_path(path: &Path) -> Result<PathBuf, Error> {
    let mut rnd = [0u8; 8];
    crate::aead::fill_random(&mut rnd)?;
    let suffix: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
    Ok(parent_dir(path).join(format!(
        "{}{}-{suffix}",
        temp_prefix(path),
        std::process::id()
    )))
}

fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.tmp-")
}

/// Replaces `path` with `contents` atomically and durably: a reader (or a crash) sees the old
/// file or the new one, never a mix. Temp file in the same directory (same file system, so
/// `rename` is atomic), created 0600, written, fsynced, renamed, then the directory fsynced.
pub(crate) fn atomic_replace(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let dir = parent_dir(path);
    let tmp = temp_path(path)?;
    let result = (|| {
        let mut f = private_create_new()
            .open(&tmp)
            .map_err(Error::io("creating temp file"))?;
        f.write_all(contents)
            .and_then(|()| f.sync_all())
            .map_err(Error::io("writing temp file"))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(Error::io("renaming temp file over the vault"))?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Removes temp files a killed writer left behind. Only called with the lock held, when no
/// other writer can have a temp file in flight.
pub(crate) fn remove_stale_temps(path: &Path) {
    let prefix = temp_prefix(path);
    let Ok(dir) = std::fs::read_dir(parent_dir(path)) else {
        return;
    };
    for e in dir.flatten() {
        if e.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(e.path());
        }
    }
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

/// Blocks until this process holds the vault's write lock.
pub(crate) fn lock_exclusive(path: &Path) -> Result<WriteLock, Error> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let file = o
        .open(lock_path(path))
        .map_err(Error::io("opening lock file"))?;
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
        assert!(
            write_new_private(&p, b"x").is_err(),
            "create_new must not clobber"
        );
    }

    #[test]
    fn stale_temps_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v");
        let stale = dir.path().join(format!("{}123-abc", temp_prefix(&p)));
        std::fs::write(&stale, b"x").unwrap();
        std::fs::write(dir.path().join("other"), b"x").unwrap();
        remove_stale_temps(&p);
        assert!(!stale.exists());
        assert!(dir.path().join("other").exists());
    }
}
