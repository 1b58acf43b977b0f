//! Test support shared by the Bosso crates (not published).
//!
//! [`RedisServer`] starts a private `redis-server` on a unix socket in a temporary directory
//! (no TCP port; AOF on with `appendfsync everysec`, as the stores require, so data survives
//! [`RedisServer::restart`]; no RDB snapshots) and stops it when dropped.
//! [`RedisServer::start_with`] appends settings (later ones win), e.g. `--appendonly no`. If the binary is missing, tests
//! print why and skip, except under `CI=true`, where a missing binary is a failure: CI must
//! prove the Redis paths, and `.ci/run` installs the server.
//!
//! [`FreezeProxy`] is a loopback TCP proxy in front of such a server that a test can freeze
//! (a partition: sockets open, nothing forwarded) and then drop.
#![forbid(unsafe_code)]

mod proxy;

pub use proxy::FreezeProxy;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A private redis-server for one test.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    dir: tempfile::TempDir,
    socket: PathBuf,
    extra: Vec<String>,
}

impl RedisServer {
    /// Starts a server, or returns `None` after printing why (outside CI) when `redis-server`
    /// is not installed. Under `CI=true` a missing binary is an error.
    pub fn start() -> Result<Option<Self>, String> {
        Self::start_with(&[])
    }

    /// [`RedisServer::start`] with `extra` command-line settings after the defaults.
    pub fn start_with(extra: &[&str]) -> Result<Option<Self>, String> {
        if !binary_exists() {
            let msg = "redis-server not found on PATH: install it (apt-get install -y redis-server) to run the Redis tests";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                return Err(format!("{msg} (CI=true: this is a failure, not a skip)"));
            }
            eprintln!("SKIPPED: {msg}");
            return Ok(None);
        }
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let socket = dir.path().join("redis.sock");
        let mut server = Self {
            child: None,
            dir,
            socket,
            extra: extra.iter().map(|s| (*s).to_string()).collect(),
        };
        server.spawn()?;
        Ok(Some(server))
    }

    fn spawn(&mut self) -> Result<(), String> {
        let child = Command::new("redis-server")
            .args(["--port", "0", "--unixsocket"])
            .arg(&self.socket)
            .args([
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--dir",
            ])
            .arg(self.dir.path())
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawn redis-server: {e}"))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.socket.exists() {
            if Instant::now() > deadline {
                return Err("redis-server did not create its socket within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }

    /// The connection URL (`redis+unix://…`).
    pub fn url(&self) -> String {
        format!("redis+unix://{}", self.socket.display())
    }

    /// The socket path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Kills the server (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_file(&self.socket);
    }

    /// Suspends the server (SIGSTOP): it keeps its socket and connections but answers nothing,
    /// as a hung server would. [`RedisServer::thaw`] resumes it.
    pub fn freeze(&self) -> Result<(), String> {
        self.signal("-STOP")
    }

    /// Resumes a frozen server (SIGCONT).
    pub fn thaw(&self) -> Result<(), String> {
        self.signal("-CONT")
    }

    fn signal(&self, sig: &str) -> Result<(), String> {
        let pid = self
            .child
            .as_ref()
            .map(Child::id)
            .ok_or("redis-server is not running")?;
        // `kill(1)`: no unsafe code and no libc binding for one signal.
        let ok = Command::new("kill")
            .arg(sig)
            .arg(pid.to_string())
            .status()
            .map_err(|e| format!("kill {sig}: {e}"))?
            .success();
        if ok {
            Ok(())
        } else {
            Err(format!("kill {sig} {pid} failed"))
        }
    }

    /// Starts the server again on the same socket and directory (with the data its AOF kept,
    /// if AOF is on).
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        self.spawn()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn binary_exists() -> bool {
    Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
