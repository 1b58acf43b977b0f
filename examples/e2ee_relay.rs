//! A daemon, an untrusted relay and a client, all on loopback. The relay forwards opaque frames
//! and then tries a replay: the daemon rejects it and closes the channel.
//!
//! Run: `cargo run --example e2ee_relay --no-default-features --features e2ee`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use bosso::e2ee::{ClientHandshake, DaemonHandshake, DaemonKeyPair, PairingOffer, ServerId};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws<S> = WebSocketStream<S>;

async fn recv_binary<S>(ws: &mut Ws<S>) -> Option<Vec<u8>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    while let Some(Ok(msg)) = ws.next().await {
        if let Message::Binary(b) = msg {
            return Some(b.to_vec());
        }
    }
    None
}

async fn daemon(listener: TcpListener, keys: DaemonKeyPair) {
    let (tcp, _) = listener.accept().await.unwrap();
    let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
    let hello = recv_binary(&mut ws).await.unwrap();
    let (pending, ready) = DaemonHandshake::new(&keys).respond(&hello).unwrap();
    ws.send(Message::Binary(ready.into())).await.unwrap();
    let confirm = recv_binary(&mut ws).await.unwrap();
    let mut channel = pending.read_confirm(&confirm).unwrap();
    println!(
        "daemon: client confirmed, binding {:?}",
        channel.channel_binding()
    );
    while let Some(frame) = recv_binary(&mut ws).await {
        match channel.open(&frame) {
            Ok(msg) => {
                let text = String::from_utf8_lossy(&msg).into_owned();
                println!("daemon: received {text:?}");
                let reply = channel.seal(format!("done: {text}").as_bytes()).unwrap();
                ws.send(Message::Binary(reply.into())).await.unwrap();
            }
            Err(e) => {
                println!("daemon: rejected a frame ({e}); closing the channel");
                let _ = ws.close(None).await;
                return;
            }
        }
    }
}

/// Forwards frames both ways without understanding them, and replays the client's fourth frame
/// (its second application message).
async fn relay(listener: TcpListener, daemon_url: String) {
    let (tcp, _) = listener.accept().await.unwrap();
    let client = tokio_tungstenite::accept_async(tcp).await.unwrap();
    let (daemon, _): (Ws<MaybeTlsStream<TcpStream>>, _) =
        tokio_tungstenite::connect_async(daemon_url).await.unwrap();
    let (mut c_tx, mut c_rx) = client.split();
    let (mut d_tx, mut d_rx) = daemon.split();
    let upstream = async move {
        let mut n = 0;
        while let Some(Ok(msg)) = c_rx.next().await {
            n += 1;
            let replay = n == 4;
            if d_tx.send(msg.clone()).await.is_err() {
                break;
            }
            if replay {
                println!(
                    "relay: replaying the client's last frame ({} bytes)",
                    msg.len()
                );
                let _ = d_tx.send(msg).await;
            }
        }
    };
    let downstream = async move {
        while let Some(Ok(msg)) = d_rx.next().await {
            if c_tx.send(msg).await.is_err() {
                break;
            }
        }
    };
    tokio::join!(upstream, downstream);
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let keys = DaemonKeyPair::generate();
    let offer = PairingOffer::new(
        ServerId::generate().unwrap(),
        *keys.public(),
        "127.0.0.1:443",
    )
    .unwrap()
    .to_url("https://app.example")
    .unwrap();
    println!("pairing offer (share out of band): {offer}");
    println!("daemon key fingerprint: {}", keys.public().fingerprint());

    let daemon_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let daemon_url = format!("ws://{}", daemon_listener.local_addr().unwrap());
    let relay_url = format!("ws://{}", relay_listener.local_addr().unwrap());
    let daemon_task = tokio::spawn(daemon(daemon_listener, keys));
    tokio::spawn(relay(relay_listener, daemon_url));

    // The client knows only the offer.
    let daemon_key = PairingOffer::from_url(&offer).unwrap().daemon_public_key;
    let (mut ws, _) = tokio_tungstenite::connect_async(relay_url).await.unwrap();
    let (hs, hello) = ClientHandshake::start(&daemon_key).unwrap();
    ws.send(Message::Binary(hello.into())).await.unwrap();
    let ready = recv_binary(&mut ws).await.unwrap();
    let (mut channel, confirm) = hs.read_ready(&ready).unwrap();
    ws.send(Message::Binary(confirm.into())).await.unwrap();
    println!(
        "client: daemon authenticated, binding {:?}",
        channel.channel_binding()
    );
    for cmd in ["git status", "cargo test"] {
        let frame = channel.seal(cmd.as_bytes()).unwrap();
        ws.send(Message::Binary(frame.into())).await.unwrap();
        let reply = recv_binary(&mut ws).await.unwrap();
        println!(
            "client: {}",
            String::from_utf8_lossy(&channel.open(&reply).unwrap())
        );
    }
    daemon_task.await.unwrap();
    println!("done: the relay forwarded everything and its replay was refused");
}
