//! The daemons behind the browser page: a secure-mode channel per view, then the client's
//! in-channel attach token (bosso-e2ee `attach`: audience bound to the handshake hash,
//! verified with the web service's keys, single use), then the demo's chat protocol.
//!
//! Chat protocol (inside the channel, one record per message): byte 0 is the type, `0x01`
//! text (UTF-8), `0x02` a binary chunk with more to come, `0x03` the last binary chunk. The
//! secure-mode wire carries at most 65,518 bytes per record and has no fragmentation, so a
//! larger message is this application's job: the page splits it, the daemon reassembles (up
//! to [`MAX_MESSAGE`]) and echoes it back the same way.
//!
//! Between the relay and each daemon sits the relay's daemon-side link ([`Link`]), which is
//! as untrusted as the rest of the relay: told to, it replays the next daemon frame.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bosso::e2ee::attach::AwaitingAttach;
use bosso::e2ee::{Channel, DaemonHandshake, DaemonKeyPair};
use bosso::token::{Expected, MemoryReplayStore, VerificationKeys};
use tokio::sync::mpsc;

use super::web::Pipe;

pub const TEXT: u8 = 1;
pub const CHUNK: u8 = 2;
pub const LAST: u8 = 3;
/// Largest reassembled binary message.
pub const MAX_MESSAGE: usize = 4 << 20;
/// Chunk body size: the largest record (65,518 bytes) less the type byte.
pub const CHUNK_LEN: usize = 65_517;
/// How long a daemon waits for the handshake and the attach record.
const STEP: Duration = Duration::from_secs(10);

/// What the daemons saw, newest last: shown on the page and checked by the browser test.
#[derive(Clone, Default)]
pub struct Events(Arc<Mutex<Vec<String>>>);

impl Events {
    pub fn push(&self, line: String) {
        tracing::info!("{line}");
        if let Ok(mut v) = self.0.lock() {
            v.push(line);
        }
    }

    pub fn all(&self) -> Vec<String> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

/// The relay's hop to the daemons. `replay_to_client` makes it send the next daemon frame
/// twice.
#[derive(Default)]
pub struct Link {
    pub replay_to_client: AtomicBool,
}

/// One daemon: its key, the sessions and chats it serves, the web service's token keys.
pub struct Daemon {
    pub name: String,
    pub owner: String,
    pub keys: DaemonKeyPair,
    pub chats: HashMap<String, Vec<String>>,
    pub token_keys: VerificationKeys,
    pub replay: MemoryReplayStore,
}

pub async fn run(
    daemon: Arc<Daemon>,
    link: Arc<Link>,
    mut pipes: mpsc::UnboundedReceiver<Pipe>,
    events: Events,
) {
    while let Some(pipe) = pipes.recv().await {
        let (to_relay, mut from_daemon) = mpsc::unbounded_channel::<Vec<u8>>();
        let relay_side = pipe.to_client;
        let link = link.clone();
        tokio::spawn(async move {
            while let Some(frame) = from_daemon.recv().await {
                if link.replay_to_client.swap(false, Ordering::SeqCst) {
                    tracing::warn!("relay (malicious): replaying a daemon frame to the client");
                    let _ = relay_side.send(frame.clone());
                }
                if relay_side.send(frame).is_err() {
                    break;
                }
            }
        });
        let view = View {
            from_client: pipe.from_client,
            to_client: to_relay,
        };
        tokio::spawn(serve_view(daemon.clone(), view, events.clone()));
    }
}

struct View {
    from_client: mpsc::UnboundedReceiver<Vec<u8>>,
    to_client: mpsc::UnboundedSender<Vec<u8>>,
}

impl View {
    async fn next(&mut self) -> Option<Vec<u8>> {
        tokio::time::timeout(STEP, self.from_client.recv())
            .await
            .ok()
            .flatten()
    }
}

async fn serve_view(daemon: Arc<Daemon>, mut view: View, events: Events) {
    let name = &daemon.name;
    let Some(hello) = view.next().await else {
        return;
    };
    let Ok((pending, ready)) = DaemonHandshake::new(&daemon.keys).respond(&hello) else {
        events.push(format!(
            "{name}: handshake refused (a hello for another daemon key?)"
        ));
        return;
    };
    if view.to_client.send(ready).is_err() {
        return;
    }
    let Some(confirm) = view.next().await else {
        return;
    };
    let Ok(channel) = pending.read_confirm(&confirm) else {
        events.push(format!("{name}: key confirmation failed"));
        return;
    };
    let Some(first) = view.next().await else {
        events.push(format!("{name}: no attach record before the deadline"));
        return;
    };
    let awaiting = match AwaitingAttach::new(channel, daemon.token_keys.clone()) {
        Ok(a) => a,
        Err(e) => return events.push(format!("{name}: {e}")),
    };
    let (mut channel, claims) = match awaiting
        .open_first(&first, &Expected::any_scope(), &daemon.replay)
        .await
    {
        Ok(ok) => ok,
        Err(e) => return events.push(format!("{name}: attach refused: {e}")),
    };
    // Expected::any_scope: this daemon checks the scope itself, against what it serves.
    let served = daemon
        .chats
        .get(claims.session().as_str())
        .is_some_and(|chats| chats.iter().any(|c| c == claims.chat().as_str()));
    if claims.user().as_str() != daemon.owner || !served {
        return events.push(format!("{name}: attach refused: not a chat of this daemon"));
    }
    events.push(format!(
        "{name}: attach verified in the channel for {} ({} / {})",
        claims.user(),
        claims.session(),
        claims.chat()
    ));
    let welcome = format!(
        "welcome {}, this is {name} ({})",
        claims.user(),
        claims.chat()
    );
    if send(&mut channel, &view, TEXT, welcome.as_bytes()).is_err() {
        return;
    }
    let mut assembling: Vec<u8> = Vec::new();
    while let Some(frame) = view.from_client.recv().await {
        let msg = match channel.open(&frame) {
            Ok(m) => m,
            Err(e) => return events.push(format!("{name}: frame rejected, channel closed: {e}")),
        };
        let Some((kind, body)) = msg.split_first() else {
            return events.push(format!("{name}: empty message, channel closed"));
        };
        let reply = match *kind {
            TEXT => {
                let text = String::from_utf8_lossy(body);
                send(
                    &mut channel,
                    &view,
                    TEXT,
                    format!("daemon got: {text}").as_bytes(),
                )
            }
            CHUNK | LAST if assembling.len() + body.len() <= MAX_MESSAGE => {
                assembling.extend_from_slice(body);
                if *kind == CHUNK {
                    continue;
                }
                let whole = std::mem::take(&mut assembling);
                events.push(format!(
                    "{name}: got a binary message of {} bytes",
                    whole.len()
                ));
                echo_binary(&mut channel, &view, &whole).and_then(|()| {
                    let note = format!("daemon got a binary message of {} bytes", whole.len());
                    send(&mut channel, &view, TEXT, note.as_bytes())
                })
            }
            _ => {
                return events.push(format!(
                    "{name}: unknown or oversized message, channel closed"
                ));
            }
        };
        if reply.is_err() {
            return;
        }
    }
}

fn send(channel: &mut Channel, view: &View, kind: u8, body: &[u8]) -> Result<(), ()> {
    let mut msg = Vec::with_capacity(1 + body.len());
    msg.push(kind);
    msg.extend_from_slice(body);
    let frame = channel.seal(&msg).map_err(|_| ())?;
    view.to_client.send(frame).map_err(|_| ())
}

fn echo_binary(channel: &mut Channel, view: &View, whole: &[u8]) -> Result<(), ()> {
    let mut chunks = whole.chunks(CHUNK_LEN).peekable();
    if chunks.peek().is_none() {
        return send(channel, view, LAST, &[]);
    }
    while let Some(chunk) = chunks.next() {
        let kind = if chunks.peek().is_some() { CHUNK } else { LAST };
        send(channel, view, kind, chunk)?;
    }
    Ok(())
}
