//! What the adapters need from a WebSocket library, and the frames the sans-I/O core exchanges
//! with it. Each library (tokio-tungstenite, axum) implements [`Transport`] once; everything
//! else (handshake loop, split halves) is written once over this trait.

use std::fmt::Display;
use std::time::Duration;

use futures_util::{Sink, SinkExt as _, Stream, StreamExt as _};

use crate::error::{Error, Result};

/// How long a failing adapter waits to hand its close frame to a peer before it drops the
/// socket anyway: a peer that does not read must not hold the task.
pub(crate) const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// Close code sent when the handshake deadline passes (RFC 6455 "policy violation").
pub(crate) const CLOSE_DEADLINE: u16 = 1008;
/// Close code sent when the handshake fails (what a Paseo host sends: "unexpected condition").
pub(crate) const CLOSE_HANDSHAKE_FAILED: u16 = 1011;

/// A frame the core hands to the WebSocket.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// A binary message (secure mode).
    Binary(Vec<u8>),
    /// A text message (paseo mode).
    Text(String),
}

impl Outgoing {
    /// The library's message, made by its binary or text constructor.
    pub(crate) fn into_message<T>(
        self,
        binary: impl FnOnce(Vec<u8>) -> T,
        text: impl FnOnce(String) -> T,
    ) -> T {
        match self {
            Self::Binary(b) => binary(b),
            Self::Text(t) => text(t),
        }
    }
}

/// A data message from the WebSocket (control messages never reach the core).
#[derive(Debug)]
pub enum Incoming {
    /// A binary message.
    Binary(Vec<u8>),
    /// A text message.
    Text(String),
}

impl Incoming {
    /// The bytes of a binary message; a text message is refused (secure mode is binary only).
    pub(crate) fn into_binary(self) -> Result<Vec<u8>> {
        match self {
            Self::Binary(b) => Ok(b),
            Self::Text(_) => Err(Error::UnexpectedFrame("text frame in secure mode")),
        }
    }

    /// The text of a text message; a binary message is refused (paseo mode is text only).
    pub(crate) fn into_text(self) -> Result<String> {
        match self {
            Self::Text(t) => Ok(t),
            Self::Binary(_) => Err(Error::UnexpectedFrame("binary frame in paseo mode")),
        }
    }
}

/// What a received WebSocket message means to an adapter.
#[derive(Debug)]
pub enum Classified {
    /// A data message.
    Data(Incoming),
    /// Ping, pong or a raw frame: the library answers pings itself.
    Control,
    /// The peer's close frame.
    Close,
}

/// `Transport::outgoing` and `Transport::classify` for a library whose `Message` enum has
/// `Binary(Bytes)`, `Text(Utf8Bytes)` and `Close(_)` variants and `binary`/`text` constructors
/// (tokio-tungstenite's and axum's); `$control` lists its other variants. Expanded inside the
/// `impl Transport`, with the library's `Message` in scope.
macro_rules! message_conversions {
    ($($control:pat),+) => {
        fn outgoing(frame: $crate::socket::Outgoing) -> Message {
            frame.into_message(Message::binary, Message::text)
        }

        fn classify(message: Message) -> $crate::socket::Classified {
            use $crate::socket::{Classified, Incoming};
            match message {
                Message::Binary(b) => Classified::Data(Incoming::Binary(b.into())),
                Message::Text(t) => Classified::Data(Incoming::Text(t.as_str().to_owned())),
                Message::Close(_) => Classified::Close,
                $($control)|+ => Classified::Control,
            }
        }
    };
}
pub(crate) use message_conversions;

pub(crate) mod sealed {
    /// Only this crate implements [`super::Transport`] and [`crate::socket::Mode`].
    pub trait Sealed {}
}

/// A WebSocket the adapters can drive: `tokio_tungstenite::WebSocketStream` (feature
/// `tokio-tungstenite`) and `axum::extract::ws::WebSocket` (feature `axum`). Sealed.
pub trait Transport:
    Stream<Item = std::result::Result<<Self as Transport>::Message, <Self as Transport>::Failure>>
    + Sink<<Self as Transport>::Message, Error = <Self as Transport>::Failure>
    + Unpin
    + sealed::Sealed
{
    /// The library's message type.
    #[doc(hidden)]
    type Message;
    /// The library's error type.
    #[doc(hidden)]
    type Failure: Display;
    /// Wraps a core frame into a message.
    #[doc(hidden)]
    fn outgoing(frame: Outgoing) -> Self::Message;
    /// Sorts a received message.
    #[doc(hidden)]
    fn classify(message: Self::Message) -> Classified;
    /// A close message with a code and a fixed reason.
    #[doc(hidden)]
    fn close_message(code: u16, reason: &'static str) -> Self::Message;
    /// Refuses a WebSocket that would accept a message or frame larger than `max_len`, where
    /// the library lets the adapter see its limits (tokio-tungstenite does, axum does not).
    #[doc(hidden)]
    fn check_bound(&self, max_len: usize) -> Result<()>;
}

pub(crate) fn transport_error(e: impl Display) -> Error {
    Error::Transport(e.to_string())
}

/// The next data message. Cancel-safe: a message is consumed only when it is returned (or,
/// for control messages, skipped).
pub(crate) async fn next_data<W, St>(stream: &mut St) -> Result<Incoming>
where
    W: Transport,
    St: Stream<Item = std::result::Result<W::Message, W::Failure>> + Unpin,
{
    loop {
        match stream.next().await {
            Some(Ok(message)) => match W::classify(message) {
                Classified::Data(data) => return Ok(data),
                Classified::Control => {}
                Classified::Close => return Err(Error::Transport("closed".into())),
            },
            Some(Err(e)) => return Err(transport_error(e)),
            None => return Err(Error::Transport("closed".into())),
        }
    }
}

/// Sends one frame and flushes it.
pub(crate) async fn send_frame<W, Si>(sink: &mut Si, frame: Outgoing) -> Result<()>
where
    W: Transport,
    Si: Sink<W::Message, Error = W::Failure> + Unpin,
{
    sink.send(W::outgoing(frame)).await.map_err(transport_error)
}

/// Best effort: a close frame (with `code` and `reason` if given), then the sink is closed,
/// all within [`CLOSE_GRACE`]. Errors are ignored: the caller drops the socket next.
pub(crate) async fn close_within_grace<W, Si>(sink: &mut Si, code: Option<(u16, &'static str)>)
where
    W: Transport,
    Si: Sink<W::Message, Error = W::Failure> + Unpin,
{
    let close = async {
        if let Some((code, reason)) = code {
            let _ = sink.send(W::close_message(code, reason)).await;
        }
        let _ = sink.close().await;
    };
    let _ = tokio::time::timeout(CLOSE_GRACE, close).await;
}
