//! Temp files beside a target: `.<name>.tmp-<pid>-<16 hex digits>`, and their cleanup.
//!
//! The writer's process id is in the name so that a later process can tell an abandoned temp
//! file (its writer is dead) from one being written right now by a live process.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::hash::{BuildHasher as _, Hasher as _};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Error;
use crate::sys::{self, Dir};

/// Which temp files of a target [`remove_stale_temps`] removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stale {
    /// Every temp file of the target. Only correct while the caller holds a lock that every
    /// writer of the target holds for as long as its temp file exists: then no temp file can
    /// belong to a write in progress.
    AnyWriter,
    /// Temp files whose writer process no longer exists on this host (`kill(pid, 0)` says
    /// `ESRCH`). Never this process's own (another thread may be writing one). Safe without any
    /// lock; a writer in another PID namespace sharing the directory is not visible here, so do
    /// not share such directories across containers. On non-Unix targets nothing is removed.
    DeadWriters,
}

/// `.<name>.tmp-`
fn prefix(name: &OsStr) -> OsString {
    let mut p = OsString::from(".");
    p.push(name);
    p.push(".tmp-");
    p
}

/// A fresh suffix: unique within the process by the counter, unpredictable enough by the
/// per-process random hasher keys. Uniqueness across processes comes from the pid in the
/// name; safety never depends on it (creation is `O_EXCL`).
fn suffix() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// Creates a new 0600 temp file for `name` in `dir`; retries on the (unlikely) name clash.
pub(crate) fn create(dir: &Dir, name: &OsStr) -> Result<(OsString, File), Error> {
    const ATTEMPTS: usize = 8;
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let mut tmp = prefix(name);
        tmp.push(format!("{}-{:016x}", std::process::id(), suffix()));
        match dir.create_new(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.is_already_exists() => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| Error::InvalidPath {
        path: dir.path_of(name),
    }))
}

/// The writer's pid when `candidate` is exactly `<prefix><decimal pid>-<16 lowercase hex>`.
fn writer_pid(candidate: &OsStr, prefix: &OsStr) -> Option<u32> {
    let rest = candidate
        .as_encoded_bytes()
        .strip_prefix(prefix.as_encoded_bytes())?;
    let dash = rest.iter().position(|&b| b == b'-')?;
    let (pid, hex) = rest.split_at_checked(dash)?;
    let hex = hex.get(1..)?;
    let hex_ok = hex.len() == 16 && hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !hex_ok || pid.is_empty() || !pid.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(pid).ok()?.parse().ok()
}

/// Removes the temp files that [`write_new`](crate::write_new) and
/// [`replace`](crate::replace) create for `path`, as `which` allows; returns how many were
/// removed. Names not matching the pattern exactly are left alone. Best effort: a directory
/// that cannot be listed or a file that cannot be removed is skipped (the next call retries).
pub fn remove_stale_temps(path: &Path, which: Stale) -> usize {
    let Ok((dir, name)) = crate::split(path) else {
        return 0;
    };
    let Ok(names) = dir.names() else {
        return 0;
    };
    let prefix = prefix(name);
    let own = std::process::id();
    let mut removed = 0;
    for candidate in names {
        let Some(pid) = writer_pid(&candidate, &prefix) else {
            continue;
        };
        let stale = match which {
            Stale::AnyWriter => true,
            Stale::DeadWriters => pid != own && sys::writer_is_dead(pid),
        };
        if stale && dir.remove(&candidate).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_match_exactly() {
        let p = prefix(OsStr::new("v"));
        let ok = |s: &str| writer_pid(OsStr::new(s), &p);
        assert_eq!(ok(".v.tmp-123-0123456789abcdef"), Some(123));
        for bad in [
            ".v.tmp-123-0123456789abcde",
            ".v.tmp-123-0123456789abcdef0",
            ".v.tmp-123-0123456789ABCDEF",
            ".v.tmp--0123456789abcdef",
            ".v.tmp-12a-0123456789abcdef",
            ".v.tmp-123",
            ".w.tmp-123-0123456789abcdef",
            "v.tmp-123-0123456789abcdef",
            ".v.tmp-99999999999-0123456789abcdef",
        ] {
            assert_eq!(ok(bad), None, "{bad}");
        }
    }
}
