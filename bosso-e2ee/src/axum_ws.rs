//! Adapter over an axum WebSocket (daemon side), both modes. The handshake, the split halves,
//! the deadline and the message bound are [`crate::socket`]'s; this module only teaches it
//! axum's types.
//!
//! Two things the adapter cannot do from inside the upgrade callback, and that the host's
//! router must:
//!
//! - **The message bound.** axum's `WebSocket` does not expose its configuration, so the
//!   adapter cannot check it: build the upgrade with [`bounded_upgrade`], or the WebSocket
//!   buffers messages up to axum's default of 64 MiB before the channel sees them.
//! - **`TCP_NODELAY`.** The adapter receives an already-accepted connection. `axum::serve`
//!   leaves Nagle's algorithm on; serve from [`nodelay`]`(listener)` (or call
//!   `tap_io(|tcp| tcp.set_nodelay(true))` yourself), otherwise a reply that follows another
//!   unanswered frame waits for a delayed ACK (about 40 ms on Linux loopback).

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::serve::{ListenerExt as _, TapIo};
use tokio::net::{TcpListener, TcpStream};

use crate::error::Result;
use crate::socket::{
    Mode, Paseo, Secure, Socket, SocketConfig, Transport, message_conversions, sealed,
};

/// A secure-mode socket over an axum WebSocket (daemon side).
pub type AxumSecureSocket = Socket<WebSocket, Secure>;
/// A paseo-mode socket over an axum WebSocket (daemon side).
pub type AxumPaseoSocket = Socket<WebSocket, Paseo>;

impl sealed::Sealed for WebSocket {}

impl Transport for WebSocket {
    type Message = Message;
    type Failure = axum::Error;

    message_conversions!(Message::Ping(_), Message::Pong(_));

    fn close_message(code: u16, reason: &'static str) -> Message {
        Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    }

    /// axum does not expose the limits: [`bounded_upgrade`] is how they are set.
    fn check_bound(&self, _max_len: usize) -> Result<()> {
        Ok(())
    }
}

/// The upgrade with mode `M`'s message bound ([`Mode::max_message_len`]) as its maximum message
/// and frame size: a larger message is refused from its header and the connection fails,
/// before any of it is buffered. Call it on every upgrade handed to this adapter.
pub fn bounded_upgrade<M: Mode>(
    upgrade: WebSocketUpgrade,
    config: &SocketConfig,
) -> WebSocketUpgrade {
    let max = M::max_message_len(config);
    upgrade.max_message_size(max).max_frame_size(max)
}

fn set_nodelay(tcp: &mut TcpStream) {
    // A failure leaves Nagle on: slower, never wrong, and not worth refusing the connection.
    let _ = tcp.set_nodelay(true);
}

/// `listener` setting `TCP_NODELAY` on every connection it accepts, for `axum::serve`.
pub fn nodelay(listener: TcpListener) -> TapIo<TcpListener, fn(&mut TcpStream)> {
    listener.tap_io(set_nodelay as fn(&mut TcpStream))
}
