//! The trust rules, each shown failing closed. Unix only (the fallback makes no such promise).
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use bosso_fs::{
    Error, Stale, open_lock_file, open_trusted, read_trusted, remove_stale_temps, replace,
    write_new,
};

/// Another user's uid for ownership tests (`nobody` on most systems).
const OTHER_UID: u32 = 65_534;

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

fn chmod(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

/// Gives `path` to another uid through an open handle (fchown). Needs root, which CI has;
/// elsewhere returns false and the caller skips with a printed reason.
fn give_away(path: &Path) -> bool {
    let f = std::fs::File::open(path).unwrap();
    match std::os::unix::fs::fchown(&f, Some(OTHER_UID), None) {
        Ok(()) => true,
        Err(e) => {
            assert_ne!(
                rustix::process::geteuid().as_raw(),
                0,
                "root must chown: {e}"
            );
            eprintln!("skipped: fchown needs root ({e})");
            false
        }
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn fresh() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    write_new(&file, b"secret bytes").unwrap();
    (dir, file)
}

#[test]
fn symlinked_file_is_refused_and_its_target_untouched() {
    let (dir, target) = fresh();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    // The target itself is a valid trusted file: only the link makes this wrong.
    read_trusted(&target, 100).unwrap();
    assert!(matches!(
        read_trusted(&link, 100),
        Err(Error::Symlink { .. })
    ));
    assert!(matches!(open_trusted(&link), Err(Error::Symlink { .. })));
    // A dangling link is a link too, not a missing file.
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    let e = read_trusted(&dangling, 100).unwrap_err();
    assert!(
        matches!(e, Error::Symlink { .. }) && !e.is_not_found(),
        "{e}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"secret bytes");
}

#[test]
fn symlinked_lock_file_is_refused_and_its_target_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("v.lock");
    let target = dir.path().join("attacker-chosen");
    std::os::unix::fs::symlink(&target, &lock).unwrap();
    assert!(matches!(open_lock_file(&lock), Err(Error::Symlink { .. })));
    assert!(!target.exists(), "the link target was created");
    // Without the link, the lock file is created 0600 and reopened.
    std::fs::remove_file(&lock).unwrap();
    open_lock_file(&lock).unwrap();
    assert_eq!(mode(&lock), 0o600);
    open_lock_file(&lock).unwrap();
}

#[test]
fn file_owned_by_another_uid_is_refused() {
    let (dir, file) = fresh();
    let lock = dir.path().join("l");
    open_lock_file(&lock).unwrap();
    if !give_away(&file) || !give_away(&lock) {
        return;
    }
    assert_eq!(mode(&file), 0o600);
    let e = read_trusted(&file, 100).unwrap_err();
    assert!(
        matches!(
            e,
            Error::WrongOwner {
                owner: OTHER_UID,
                ..
            }
        ),
        "{e}"
    );
    assert!(matches!(
        open_lock_file(&lock),
        Err(Error::WrongOwner { .. })
    ));
}

#[test]
fn group_or_world_access_is_refused() {
    let (_dir, file) = fresh();
    for m in [0o640, 0o604, 0o660, 0o644, 0o620, 0o602, 0o610, 0o601] {
        chmod(&file, m);
        let e = read_trusted(&file, 100).unwrap_err();
        assert!(
            matches!(e, Error::Permissions { mode, .. } if mode == m),
            "{m:o}: {e}"
        );
    }
    // Owner-only bits are fine, whatever they are.
    for m in [0o600, 0o400, 0o700] {
        chmod(&file, m);
        read_trusted(&file, 100).unwrap();
    }
}

#[test]
fn world_or_group_writable_directory_is_refused() {
    let (dir, file) = fresh();
    let lock = dir.path().join("l");
    let new = dir.path().join("new");
    for m in [0o777, 0o1777, 0o770, 0o720, 0o702] {
        chmod(dir.path(), m);
        let refused = |r: Result<(), Error>| matches!(r, Err(Error::InsecureDirectory { .. }));
        assert!(refused(read_trusted(&file, 100).map(drop)), "{m:o}");
        assert!(refused(open_lock_file(&lock).map(drop)), "{m:o}");
        assert!(refused(write_new(&new, b"x")), "{m:o}");
        assert!(refused(replace(&file, b"x")), "{m:o}");
    }
    chmod(dir.path(), 0o700);
    assert_eq!(
        names(dir.path()),
        ["f"],
        "nothing created in the open directory"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"secret bytes");
    // Readable and searchable by others is not writable: allowed.
    chmod(dir.path(), 0o755);
    read_trusted(&file, 100).unwrap();
}

#[test]
fn directory_owned_by_another_user_is_refused() {
    let (dir, file) = fresh();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    chmod(&sub, 0o700);
    write_new(&sub.join("g"), b"x").unwrap();
    if !give_away(&sub) {
        return;
    }
    let e = read_trusted(&sub.join("g"), 10).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InsecureDirectory {
                owner: OTHER_UID,
                ..
            }
        ),
        "{e}"
    );
    read_trusted(&file, 100).unwrap();
}

#[test]
fn fifo_and_directory_are_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        0,
    )
    .unwrap();
    // Without O_NONBLOCK this open would block forever (no writer).
    assert!(matches!(
        read_trusted(&fifo, 10),
        Err(Error::NotRegularFile { .. })
    ));
    let sub = dir.path().join("d");
    std::fs::create_dir(&sub).unwrap();
    chmod(&sub, 0o700);
    assert!(matches!(
        read_trusted(&sub, 10),
        Err(Error::NotRegularFile { .. })
    ));
    assert!(open_lock_file(&sub).is_err());
}

#[test]
fn size_limit_is_enforced() {
    let (dir, file) = fresh();
    assert_eq!(read_trusted(&file, 12).unwrap().as_slice(), b"secret bytes");
    assert!(matches!(
        read_trusted(&file, 11),
        Err(Error::TooLarge { max: 11, .. })
    ));
    let empty = dir.path().join("empty");
    write_new(&empty, b"").unwrap();
    assert!(read_trusted(&empty, 0).unwrap().is_empty());
    let e = read_trusted(&dir.path().join("missing"), 10).unwrap_err();
    assert!(e.is_not_found(), "{e}");
}

#[test]
fn write_new_never_clobbers_and_creates_0600() {
    let (dir, file) = fresh();
    assert_eq!(mode(&file), 0o600);
    let e = write_new(&file, b"other").unwrap_err();
    assert!(e.is_already_exists(), "{e}");
    assert_eq!(std::fs::read(&file).unwrap(), b"secret bytes");
    assert_eq!(names(dir.path()), ["f"], "no temp file left behind");
}

#[test]
fn write_new_through_a_link_fails_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("k");
    let target = dir.path().join("attacker-chosen");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert!(write_new(&link, b"key").unwrap_err().is_already_exists());
    assert!(!target.exists());
    assert_eq!(names(dir.path()), ["k"]);
}

#[test]
fn replace_is_0600_and_never_writes_through_a_link() {
    let (dir, file) = fresh();
    replace(&file, b"new").unwrap();
    assert_eq!(read_trusted(&file, 10).unwrap().as_slice(), b"new");
    assert_eq!(mode(&file), 0o600);
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    replace(&link, b"through?").unwrap();
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"new",
        "wrote through the link"
    );
    assert_eq!(read_trusted(&link, 10).unwrap().as_slice(), b"through?");
    assert_eq!(names(dir.path()), ["f", "link"]);
}

/// The pid of a process that has exited and been reaped (what a killed writer leaves).
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn stale_temps_of_dead_writers_are_removed_and_others_kept() {
    let dir = tempfile::tempdir().unwrap();
    let k = dir.path().join("k");
    let (dead, own) = (dead_pid(), std::process::id());
    let hex = "0123456789abcdef";
    let dead_temp = format!(".k.tmp-{dead}-{hex}");
    let kept = [
        format!(".k.tmp-{own}-{hex}"), // this process: may be in flight in another thread
        format!(".k.tmp-1-{hex}"),     // pid 1 is always alive
        format!(".k.tmp-{dead}-{hex}0"), // not our pattern
        format!(".k.tmp-{dead}"),
        ".k.tmp-notes".to_owned(),
        format!(".kk.tmp-{dead}-{hex}"), // another file's temp
        "k".to_owned(),
    ];
    for n in kept.iter().chain([&dead_temp]) {
        std::fs::write(dir.path().join(n), b"x").unwrap();
    }
    assert_eq!(remove_stale_temps(&k, Stale::DeadWriters), 1);
    let mut expect: Vec<String> = kept.to_vec();
    expect.sort();
    assert_eq!(names(dir.path()), expect);
    // Under the writers' lock every temp of `k` goes, and still nothing else.
    assert_eq!(remove_stale_temps(&k, Stale::AnyWriter), 2);
    assert_eq!(names(dir.path()).len(), kept.len() - 2);
    assert!(dir.path().join(".k.tmp-notes").exists());
}
