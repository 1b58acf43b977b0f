//! The daemon: answers each view over a secure-mode (Noise NK) channel. It sees the client's
//! plaintext; the relay in between sees only ciphertext.

use std::sync::Arc;

use bosso::e2ee::{DaemonHandshake, DaemonKeyPair};
use tokio::sync::mpsc;

use super::web::Pipe;

pub async fn run(
    keys: Arc<DaemonKeyPair>,
    mut pipes: mpsc::UnboundedReceiver<Pipe>,
    events: mpsc::UnboundedSender<String>,
) {
    while let Some(pipe) = pipes.recv().await {
        tokio::spawn(serve_view(keys.clone(), pipe, events.clone()));
    }
}

async fn serve_view(
    keys: Arc<DaemonKeyPair>,
    mut pipe: Pipe,
    events: mpsc::UnboundedSender<String>,
) {
    let Some(hello) = pipe.from_client.recv().await else {
        return;
    };
    let Ok((pending, ready)) = DaemonHandshake::new(&keys).respond(&hello) else {
        let _ = events.send("handshake refused".into());
        return;
    };
    if pipe.to_client.send(ready).is_err() {
        return;
    }
    let Some(confirm) = pipe.from_client.recv().await else {
        return;
    };
    let Ok(mut channel) = pending.read_confirm(&confirm) else {
        let _ = events.send("key confirmation failed".into());
        return;
    };
    while let Some(frame) = pipe.from_client.recv().await {
        match channel.open(&frame) {
            Ok(text) => {
                let reply = format!("daemon got: {}", String::from_utf8_lossy(&text));
                let Ok(out) = channel.seal(reply.as_bytes()) else {
                    break;
                };
                if pipe.to_client.send(out).is_err() {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "daemon: frame rejected, closing the channel");
                let _ = events.send(format!("rejected: {e}"));
                break; // dropping the pipe closes the view
            }
        }
    }
}
