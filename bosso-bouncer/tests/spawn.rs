//! Spawning an approved argument vector without a shell, and the injection hazard that removes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bosso_bouncer::{Bouncer, Environment, Error, Policy, Verdict};

fn bouncer(workspace: &str) -> Bouncer {
    Bouncer::new(Environment::new("/home/dev", workspace), Policy::default()).unwrap()
}

#[test]
fn only_an_allow_approves() {
    let b = bouncer("/home/dev/project");
    let ok = b.approve_argv(&["git", "log", "--oneline"]).unwrap();
    assert_eq!(ok.program(), "git");
    assert_eq!(ok.argv(), ["git", "log", "--oneline"]);
    assert_eq!(ok.cwd(), "/home/dev/project");
    let cmd = ok.command();
    assert_eq!(cmd.get_program(), "git");
    assert_eq!(cmd.get_args().collect::<Vec<_>>(), ["log", "--oneline"]);
    assert_eq!(
        cmd.get_current_dir(),
        Some(std::path::Path::new("/home/dev/project"))
    );

    // The vector is judged as run: `sh -c` still has its code examined.
    assert!(matches!(
        b.approve_argv(&["sh", "-c", "rm -rf ~"]),
        Err(Error::NotApproved(Verdict::Deny { .. }))
    ));
    assert!(matches!(
        b.approve_argv(&["rm", "-rf", "/"]),
        Err(Error::NotApproved(Verdict::Deny { .. }))
    ));
    assert!(matches!(
        b.approve_argv(&["python3", "-c", "x"]),
        Err(Error::NotApproved(Verdict::Review { .. }))
    ));
    assert!(matches!(
        b.approve_argv::<&str>(&[]),
        Err(Error::InvalidArgv)
    ));
    assert!(matches!(b.approve_argv(&[""]), Err(Error::InvalidArgv)));
    assert!(matches!(
        b.approve_argv(&["ls", "a\0b"]),
        Err(Error::InvalidArgv)
    ));
}

#[test]
fn one_element_is_one_argument_whatever_it_contains() {
    let b = bouncer("/home/dev/project");
    let branch = "x; rm -rf ~";
    // As a shell line, the branch name starts a second command.
    assert!(b.check(&format!("git log {branch}")).is_deny());
    // As an argument vector it is one (odd) argument to git.
    let ok = b.approve_argv(&["git", "log", branch]).unwrap();
    assert_eq!(ok.argv()[2], branch);
    // Each element reaches the program as exactly one argument, without expansion.
    let dir = std::env::temp_dir();
    let ws = dir.to_str().unwrap();
    let b = bouncer(ws);
    let payload = "$(echo injected); `echo also` | cat > /dev/null";
    let out = b
        .approve_argv(&["printf", "%s", payload])
        .unwrap()
        .command()
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), payload);
}

#[test]
fn debug_does_not_show_arguments() {
    let b = bouncer("/home/dev/project");
    let secret = "Authorization: Bearer sk-live-0123456789";
    let ok = b
        .approve_argv(&["curl", "-H", secret, "https://api.example.com"])
        .unwrap();
    let shown = format!("{ok:?}");
    assert!(!shown.contains("sk-live"), "{shown}");
    assert!(shown.contains("curl"));
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn tokio_command_runs_the_same_vector() {
    let dir = std::env::temp_dir();
    let b = bouncer(dir.to_str().unwrap());
    let ok = b
        .approve_argv(&["printf", "%s|%s", "a b", "$HOME"])
        .unwrap();
    let out = ok.tokio_command().output().await.unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "a b|$HOME");
}
