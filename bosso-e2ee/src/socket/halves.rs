//! An open socket and its two halves. The channel sits behind a short-held lock (taken only to
//! seal or open, never across an await), so the halves run at the same time from two tasks.

use std::future::Future;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt as _;
use futures_util::stream::{SplitSink, SplitStream};

use super::mode::{Mode, Opened};
use super::transport::{Incoming, Outgoing, Transport, close_within_grace, next_data, send_frame};
use crate::error::{Error, Result};

/// What both halves share: the sending side of the WebSocket and the channel.
struct Shared<W: Transport, M: Mode> {
    sink: tokio::sync::Mutex<SplitSink<W, W::Message>>,
    channel: Mutex<M::Channel>,
    binding: M::Binding,
}

impl<W: Transport, M: Mode> Shared<W, M> {
    fn with_channel<T>(&self, f: impl FnOnce(&mut M::Channel) -> Result<T>) -> Result<T> {
        // A poisoned lock means a panic mid-seal or mid-open: fail closed.
        let mut channel = self.channel.lock().map_err(|_| Error::Internal)?;
        f(&mut channel)
    }

    fn abort(&self) {
        if let Ok(mut channel) = self.channel.lock() {
            M::abort(&mut channel);
        }
    }

    async fn send_frame(&self, frame: Outgoing) -> Result<()> {
        send_frame::<W, _>(&mut *self.sink.lock().await, frame).await
    }

    /// A cut: the channel closes and the WebSocket gets a close frame (within the grace, even
    /// if the other half holds the sink).
    async fn cancelled(&self) -> Error {
        self.abort();
        let close = async { close_within_grace::<W, _>(&mut *self.sink.lock().await, None).await };
        let _ = tokio::time::timeout(super::transport::CLOSE_GRACE, close).await;
        Error::Cancelled
    }

    fn open(&self, frame: Incoming) -> Result<Opened> {
        self.with_channel(|channel| {
            let opened = M::open(channel, frame);
            if opened.is_err() {
                M::abort(channel);
            }
            opened
        })
    }
}

/// Closes the channel when dropped armed: a send that failed or was cancelled after its frame
/// was sealed may have left the peer short of a frame, so no later frame may follow it.
struct AbortUnlessSent<'a, W: Transport, M: Mode>(&'a Shared<W, M>, bool);

impl<W: Transport, M: Mode> Drop for AbortUnlessSent<'_, W, M> {
    fn drop(&mut self) {
        if self.1 {
            self.0.abort();
        }
    }
}

/// `op`, unless `cut` resolves first (checked first when both are ready).
async fn unless_cut<T>(cut: impl Future, op: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        biased;
        _ = cut => None,
        out = op => Some(out),
    }
}

/// An open encrypted channel over a WebSocket `W`, in mode `M` ([`super::Secure`] or
/// [`super::Paseo`]). Made by the handshake (`connect`, `accept`); [`Socket::split`] gives
/// halves for a writer task and a reader task.
pub struct Socket<W: Transport, M: Mode> {
    sender: SocketSender<W, M>,
    receiver: SocketReceiver<W, M>,
}

/// The sending half of a [`Socket`].
pub struct SocketSender<W: Transport, M: Mode> {
    shared: Arc<Shared<W, M>>,
}

/// The receiving half of a [`Socket`].
pub struct SocketReceiver<W: Transport, M: Mode> {
    stream: SplitStream<W>,
    shared: Arc<Shared<W, M>>,
}

impl<W: Transport, M: Mode> std::fmt::Debug for Socket<W, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("mode", &M::NAME)
            .finish_non_exhaustive()
    }
}

impl<W: Transport, M: Mode> std::fmt::Debug for SocketSender<W, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketSender")
            .field("mode", &M::NAME)
            .finish_non_exhaustive()
    }
}

impl<W: Transport, M: Mode> std::fmt::Debug for SocketReceiver<W, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketReceiver")
            .field("mode", &M::NAME)
            .finish_non_exhaustive()
    }
}

impl<W: Transport, M: Mode> Socket<W, M> {
    pub(crate) fn open(ws: W, channel: M::Channel) -> Self {
        let binding = M::binding(&channel);
        let (sink, stream) = ws.split();
        let shared = Arc::new(Shared {
            sink: tokio::sync::Mutex::new(sink),
            channel: Mutex::new(channel),
            binding,
        });
        Self {
            sender: SocketSender {
                shared: Arc::clone(&shared),
            },
            receiver: SocketReceiver { stream, shared },
        }
    }

    /// The halves, for a writer task and a reader task that run at the same time. They share
    /// the channel: an error or a cut in either closes it for both.
    #[must_use]
    pub fn split(self) -> (SocketSender<W, M>, SocketReceiver<W, M>) {
        (self.sender, self.receiver)
    }

    /// Seals and sends one message ([`SocketSender::send`]).
    pub async fn send(&mut self, payload: &[u8]) -> Result<()> {
        self.sender.send(payload).await
    }

    /// [`SocketSender::send_until`].
    pub async fn send_until(&mut self, payload: &[u8], cut: impl Future) -> Result<()> {
        self.sender.send_until(payload, cut).await
    }

    /// Receives and opens the next message ([`SocketReceiver::recv`]).
    pub async fn recv(&mut self) -> Result<Vec<u8>> {
        self.receiver.recv().await
    }

    /// [`SocketReceiver::recv_until`].
    pub async fn recv_until(&mut self, cut: impl Future) -> Result<Vec<u8>> {
        self.receiver.recv_until(cut).await
    }

    /// Ends the channel ([`SocketSender::close`]).
    pub async fn close(self) -> Result<()> {
        self.sender.close().await
    }

    /// What the channel exports for binding credentials: the [`crate::ChannelBinding`] in
    /// secure mode, `()` in paseo mode (whose wire has no handshake hash).
    #[must_use]
    pub fn channel_binding(&self) -> M::Binding {
        self.sender.shared.binding
    }
}

impl<W: Transport, M: Mode> SocketSender<W, M> {
    /// Seals and sends one message. A payload over the limit is refused (`FrameTooLarge`) and
    /// changes nothing; any other error closes the channel for both halves.
    ///
    /// Not cancel-safe: if this future is dropped before it completes (a `select!` or timeout
    /// around it), the channel closes, since the peer may be missing the frame.
    pub async fn send(&mut self, payload: &[u8]) -> Result<()> {
        let frame = self
            .shared
            .with_channel(|channel| M::seal(channel, payload))?;
        let mut armed = AbortUnlessSent(&self.shared, true);
        self.shared.send_frame(frame).await?;
        armed.1 = false;
        Ok(())
    }

    /// [`SocketSender::send`], unless `cut` resolves first (for example
    /// `live_view.cut()` or `token.cancelled()`): then the channel closes, the WebSocket is
    /// closed within a one-second grace and the result is [`Error::Cancelled`].
    pub async fn send_until(&mut self, payload: &[u8], cut: impl Future) -> Result<()> {
        let out = unless_cut(cut, self.send(payload)).await;
        match out {
            Some(out) => out,
            None => Err(self.shared.cancelled().await),
        }
    }

    /// Ends the channel: in secure mode an authenticated close frame (the peer's `recv` gets
    /// [`Error::ClosedByPeer`], telling a clean end from a truncation), then the WebSocket
    /// close. Paseo's wire has no authenticated close: only the WebSocket close is sent.
    pub async fn close(self) -> Result<()> {
        let last = self.shared.with_channel(M::seal_close)?;
        let mut sink = self.shared.sink.lock().await;
        if let Some(frame) = last {
            send_frame::<W, _>(&mut *sink, frame).await?;
        }
        futures_util::SinkExt::close(&mut *sink)
            .await
            .map_err(super::transport::transport_error)
    }

    /// The channel binding ([`Socket::channel_binding`]).
    #[must_use]
    pub fn channel_binding(&self) -> M::Binding {
        self.shared.binding
    }
}

impl<W: Transport, M: Mode> SocketReceiver<W, M> {
    /// Receives and opens the next application message. Any error (a frame refused by the
    /// channel, a text frame in secure mode, a message over the WebSocket bound, the
    /// connection closing) closes the channel for both halves: drop the socket.
    ///
    /// Cancel-safe: dropping this future loses no message (a frame is taken off the WebSocket
    /// and opened in one step). In paseo mode a repeated client hello is answered with ready
    /// again here, and a repeated ready is skipped.
    pub async fn recv(&mut self) -> Result<Vec<u8>> {
        loop {
            let frame = match next_data::<W, _>(&mut self.stream).await {
                Ok(frame) => frame,
                Err(e) => {
                    self.shared.abort();
                    return Err(e);
                }
            };
            match self.shared.open(frame)? {
                Opened::Data(data) => return Ok(data),
                Opened::Reply(reply) => {
                    if let Err(e) = self.shared.send_frame(reply).await {
                        self.shared.abort();
                        return Err(e);
                    }
                }
                Opened::Nothing => {}
            }
        }
    }

    /// [`SocketReceiver::recv`], unless `cut` resolves first: then the channel closes, the
    /// WebSocket is closed within a one-second grace and the result is [`Error::Cancelled`].
    pub async fn recv_until(&mut self, cut: impl Future) -> Result<Vec<u8>> {
        let out = unless_cut(cut, self.recv()).await;
        match out {
            Some(out) => out,
            None => Err(self.shared.cancelled().await),
        }
    }

    /// The channel binding ([`Socket::channel_binding`]).
    #[must_use]
    pub fn channel_binding(&self) -> M::Binding {
        self.shared.binding
    }
}
