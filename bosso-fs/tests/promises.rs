//! README promises that `trust.rs` does not already show: handles are close-on-exec, and
//! errors name the path, never the file's bytes. Unix only, as the promises are.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(missing_docs)]

use std::os::unix::fs::PermissionsExt as _;

use bosso_fs::{Error, open_lock_file, open_trusted, read_trusted, write_new};
use rustix::io::{FdFlags, fcntl_getfd};

/// A handle without `FD_CLOEXEC` would leak a key or vault file into every child process.
#[test]
fn handles_are_opened_close_on_exec() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("k");
    write_new(&file, b"key").unwrap();
    let trusted = open_trusted(&file).unwrap();
    assert!(fcntl_getfd(&trusted).unwrap().contains(FdFlags::CLOEXEC));
    let lock = open_lock_file(&dir.path().join("k.lock")).unwrap();
    assert!(fcntl_getfd(&lock).unwrap().contains(FdFlags::CLOEXEC));
}

#[test]
fn errors_name_the_path_never_the_contents() {
    const CONTENTS: &str = "sk_live_do_not_echo_me";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("k");
    write_new(&file, CONTENTS.as_bytes()).unwrap();

    let too_large = read_trusted(&file, 4).unwrap_err();
    assert!(matches!(too_large, Error::TooLarge { .. }), "{too_large:?}");

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let shared = read_trusted(&file, 4096).unwrap_err();
    assert!(matches!(shared, Error::Permissions { .. }), "{shared:?}");

    for e in [too_large, shared] {
        let shown = format!("{e} {e:?}");
        assert!(shown.contains(&file.display().to_string()), "{shown}");
        assert!(
            !shown.contains(CONTENTS) && !shown.contains("sk_live"),
            "{shown}"
        );
    }
}
