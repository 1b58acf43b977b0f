//! [`FreezeProxy`]: a loopback TCP proxy to a Redis unix socket that a test can freeze (both
//! sockets stay open, nothing is forwarded: a partition that no FIN announces) and then drop
//! (every connection closed, new ones refused until healed).

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

const FORWARD: u8 = 0;
const FROZEN: u8 = 1;
const DROPPED: u8 = 2;

/// How often a blocked copier looks at the state again.
const POLL: Duration = Duration::from_millis(20);

#[derive(Debug)]
struct Shared {
    state: AtomicU8,
    stop: AtomicBool,
    upstream: PathBuf,
    /// Every socket ever opened, both sides, to close them on [`FreezeProxy::drop_all`]
    /// (closing the upstream side too discards what a frozen copier holds).
    clients: Mutex<Vec<TcpStream>>,
    upstreams: Mutex<Vec<UnixStream>>,
}

/// The proxy; stopped (and every connection closed) when dropped.
#[derive(Debug)]
pub struct FreezeProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FreezeProxy {
    /// Listens on `127.0.0.1:<free port>` and forwards each connection to the unix socket
    /// `upstream` (a [`crate::RedisServer`]'s).
    pub fn start(upstream: PathBuf) -> Result<Self, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        let addr = listener.local_addr().map_err(|e| format!("addr: {e}"))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| format!("nonblocking: {e}"))?;
        let shared = Arc::new(Shared {
            state: AtomicU8::new(FORWARD),
            stop: AtomicBool::new(false),
            upstream,
            clients: Mutex::new(Vec::new()),
            upstreams: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        thread::spawn(move || accept_loop(&listener, &s));
        Ok(Self { addr, shared })
    }

    /// The URL a client connects to (`redis://127.0.0.1:<port>`).
    pub fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }

    /// Keeps every socket open but forwards nothing, either way, from now on.
    pub fn freeze(&self) {
        self.shared.state.store(FROZEN, Ordering::SeqCst);
    }

    /// Closes every connection, and refuses (closes at once) new ones until [`Self::heal`].
    pub fn drop_all(&self) {
        self.shared.state.store(DROPPED, Ordering::SeqCst);
        close_all(&self.shared);
    }

    /// Forwards again (new connections; a frozen one resumes).
    pub fn heal(&self) {
        self.shared.state.store(FORWARD, Ordering::SeqCst);
    }
}

impl Drop for FreezeProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        close_all(&self.shared);
    }
}

fn close_all(shared: &Shared) {
    if let Ok(mut clients) = shared.clients.lock() {
        for c in clients.drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }
    if let Ok(mut ups) = shared.upstreams.lock() {
        for u in ups.drain(..) {
            let _ = u.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((client, _)) => {
                if shared.state.load(Ordering::SeqCst) == DROPPED {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let _ = connect(client, shared);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => thread::sleep(POLL),
            Err(_) => thread::sleep(POLL),
        }
    }
}

fn connect(client: TcpStream, shared: &Arc<Shared>) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    let up = UnixStream::connect(&shared.upstream)?;
    client.set_read_timeout(Some(POLL))?;
    up.set_read_timeout(Some(POLL))?;
    if let Ok(mut clients) = shared.clients.lock() {
        clients.push(client.try_clone()?);
    }
    if let Ok(mut ups) = shared.upstreams.lock() {
        ups.push(up.try_clone()?);
    }
    let (c2, u2) = (client.try_clone()?, up.try_clone()?);
    let (s1, s2) = (shared.clone(), shared.clone());
    thread::spawn(move || copy(client, up, &s1));
    thread::spawn(move || copy(u2, c2, &s2));
    Ok(())
}

/// Copies `from` to `to` while forwarding; while frozen, holds what it read (and reads no
/// more); on drop or EOF, closes both.
fn copy<R, W>(mut from: R, mut to: W, shared: &Shared)
where
    R: Read + Closable,
    W: Write + Closable,
{
    let mut buf = [0u8; 16 * 1024];
    loop {
        match shared.state.load(Ordering::SeqCst) {
            DROPPED => break,
            FROZEN => {
                if shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                thread::sleep(POLL);
                continue;
            }
            _ => {}
        }
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                continue;
            }
            Err(_) => break,
        };
        // Bytes read just as a freeze began are held until it ends (or dropped with it).
        while shared.state.load(Ordering::SeqCst) == FROZEN && !shared.stop.load(Ordering::SeqCst) {
            thread::sleep(POLL);
        }
        if shared.state.load(Ordering::SeqCst) == DROPPED
            || to.write_all(buf.get(..n).unwrap_or_default()).is_err()
        {
            break;
        }
    }
    from.close();
    to.close();
}

/// Both halves of a proxied pair can be shut down.
trait Closable {
    fn close(&self);
}

impl Closable for TcpStream {
    fn close(&self) {
        let _ = self.shutdown(Shutdown::Both);
    }
}

impl Closable for UnixStream {
    fn close(&self) {
        let _ = self.shutdown(Shutdown::Both);
    }
}
