//! Socket adapters: the handshake and channel of either mode over a WebSocket, for
//! tokio-tungstenite (feature `tokio-tungstenite`, `bosso_e2ee::ws`) and axum (feature `axum`,
//! `bosso_e2ee::axum_ws`).
//!
//! One implementation serves both libraries, both modes and both sides: [`Socket`] is generic
//! over the WebSocket ([`Transport`]) and the mode ([`Secure`], [`Paseo`]), and every handshake
//! runs through one sans-I/O loop. What every adapter guarantees:
//!
//! - **Handshake deadline**: `connect`/`accept` give up after
//!   [`SocketConfig::handshake_deadline`] (default [`DEFAULT_HANDSHAKE_DEADLINE`], 10 s) with
//!   [`crate::Error::HandshakeTimeout`]; the peer gets a close frame (1008) and the caller's
//!   task ends. A client that never sends its hello holds nothing past it.
//! - **Message bound**: the WebSocket refuses messages and frames over
//!   [`Mode::max_message_len`] (65,537 bytes in secure mode) from their header, before any byte
//!   of them is buffered. The tokio-tungstenite adapter refuses a WebSocket built without that
//!   bound (`InvalidLimits`); axum hides its configuration, so build the upgrade with
//!   `axum_ws::bounded_upgrade`.
//! - **Full duplex**: [`Socket::split`] gives a [`SocketSender`] and a [`SocketReceiver`] for two
//!   tasks; `send_until`/`recv_until` take any cut signal (a `LiveView::cut()`, a
//!   `CancellationToken::cancelled()`, any future) and close the socket when it fires.

mod halves;
pub(crate) mod handshake;
mod mode;
mod transport;

use std::time::Duration;

use tokio::time::Instant;

pub use halves::{Socket, SocketReceiver, SocketSender};
use handshake::{PaseoDaemon, SecureDaemon};
pub use mode::{Mode, Paseo, Secure};
pub use transport::Transport;
#[cfg(feature = "tokio-tungstenite")]
pub(crate) use transport::transport_error;
pub(crate) use transport::{Classified, Incoming, Outgoing, message_conversions, sealed};

use crate::error::Result;
use crate::paseo::{HelloReplayGuard, PaseoLimits};
use crate::{DaemonKeyPair, Limits, PublicKey};

/// How long `connect` and `accept` wait for the peer's side of the handshake by default.
pub const DEFAULT_HANDSHAKE_DEADLINE: Duration = Duration::from_secs(10);
/// How often a paseo client sends its hello again until ready arrives, by default (what Paseo
/// clients do).
pub const DEFAULT_HELLO_RESEND: Duration = Duration::from_secs(1);
/// The shortest hello resend interval [`SocketConfig::with_hello_resend`] keeps: shorter
/// values are raised to it, so a zero cannot turn the resend into a busy loop.
pub const MIN_HELLO_RESEND: Duration = Duration::from_millis(10);

/// Adapter settings: the handshake deadline, the paseo hello resend interval and each mode's
/// channel limits (from which the WebSocket message bound follows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketConfig {
    handshake_deadline: Duration,
    hello_resend: Duration,
    limits: Limits,
    paseo_limits: PaseoLimits,
}

impl Default for SocketConfig {
    /// A 10 s handshake deadline, a 1 s hello resend, default limits for both modes.
    fn default() -> Self {
        Self {
            handshake_deadline: DEFAULT_HANDSHAKE_DEADLINE,
            hello_resend: DEFAULT_HELLO_RESEND,
            limits: Limits::default(),
            paseo_limits: PaseoLimits::default(),
        }
    }
}

impl SocketConfig {
    /// How long the whole handshake (for the `connect_url`/`accept_tcp` helpers, also the TCP
    /// connect and the WebSocket upgrade) may take.
    #[must_use]
    pub const fn with_handshake_deadline(mut self, deadline: Duration) -> Self {
        self.handshake_deadline = deadline;
        self
    }

    /// How often a paseo client repeats its hello until ready arrives (at least
    /// [`MIN_HELLO_RESEND`]).
    #[must_use]
    pub fn with_hello_resend(mut self, every: Duration) -> Self {
        self.hello_resend = every.max(MIN_HELLO_RESEND);
        self
    }

    /// Secure-mode channel limits (the rekey bounds must match the peer's).
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Paseo-mode channel limits.
    #[must_use]
    pub const fn with_paseo_limits(mut self, limits: PaseoLimits) -> Self {
        self.paseo_limits = limits;
        self
    }

    /// The handshake deadline.
    #[must_use]
    pub const fn handshake_deadline(&self) -> Duration {
        self.handshake_deadline
    }

    /// The paseo hello resend interval.
    #[must_use]
    pub const fn hello_resend(&self) -> Duration {
        self.hello_resend
    }

    /// The secure-mode limits.
    #[must_use]
    pub const fn limits(&self) -> Limits {
        self.limits
    }

    /// The paseo-mode limits.
    #[must_use]
    pub const fn paseo_limits(&self) -> PaseoLimits {
        self.paseo_limits
    }

    /// The instant the handshake must be done by, for a handshake starting now.
    pub(crate) fn deadline_from_now(&self) -> Instant {
        Instant::now() + self.handshake_deadline
    }
}

/// Checks the WebSocket's bound, then runs `hs` to an open socket before `deadline`.
pub(crate) async fn open_socket<
    W: Transport,
    M: Mode,
    H: handshake::Handshake<Channel = M::Channel>,
>(
    mut ws: W,
    hs: H,
    first: Option<Outgoing>,
    config: &SocketConfig,
    deadline: Instant,
) -> Result<Socket<W, M>> {
    ws.check_bound(M::max_message_len(config))?;
    let channel = handshake::run(&mut ws, hs, first, config, deadline).await?;
    Ok(Socket::open(ws, channel))
}

impl<W: Transport, M: Mode> Socket<W, M> {
    /// Client: runs the handshake against the daemon's static key (from the pairing offer),
    /// with the default [`SocketConfig`].
    pub async fn connect(ws: W, daemon: &PublicKey) -> Result<Self> {
        Self::connect_with(ws, daemon, &SocketConfig::default()).await
    }

    /// [`Socket::connect`] with explicit settings.
    pub async fn connect_with(ws: W, daemon: &PublicKey, config: &SocketConfig) -> Result<Self> {
        Self::connect_by(ws, daemon, config, config.deadline_from_now()).await
    }

    pub(crate) async fn connect_by(
        ws: W,
        daemon: &PublicKey,
        config: &SocketConfig,
        deadline: Instant,
    ) -> Result<Self> {
        let (hs, hello) = M::client(daemon, config)?;
        open_socket(ws, hs, Some(hello), config, deadline).await
    }
}

impl<W: Transport> Socket<W, Secure> {
    /// Daemon: answers the client's hello and waits for its key confirmation, with the default
    /// [`SocketConfig`].
    pub async fn accept(ws: W, keys: &DaemonKeyPair) -> Result<Self> {
        Self::accept_with(ws, keys, &SocketConfig::default()).await
    }

    /// [`Socket::<W, Secure>::accept`] with explicit settings.
    pub async fn accept_with(ws: W, keys: &DaemonKeyPair, config: &SocketConfig) -> Result<Self> {
        let hs = SecureDaemon::new(keys, config);
        open_socket(ws, hs, None, config, config.deadline_from_now()).await
    }
}

impl<W: Transport> Socket<W, Paseo> {
    /// Daemon: reads the client's hello and answers ready, with the default [`SocketConfig`].
    /// `hellos` must be the one guard every connection of this daemon shares (see
    /// [`HelloReplayGuard`]): it is what refuses a recorded session replayed on a new
    /// connection.
    pub async fn accept(ws: W, keys: &DaemonKeyPair, hellos: &HelloReplayGuard) -> Result<Self> {
        Self::accept_with(ws, keys, hellos, &SocketConfig::default()).await
    }

    /// [`Socket::<W, Paseo>::accept`] with explicit settings.
    pub async fn accept_with(
        ws: W,
        keys: &DaemonKeyPair,
        hellos: &HelloReplayGuard,
        config: &SocketConfig,
    ) -> Result<Self> {
        let hs = PaseoDaemon::new(keys, hellos, config);
        open_socket(ws, hs, None, config, config.deadline_from_now()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_values() {
        let config = SocketConfig::default();
        assert_eq!(config.handshake_deadline(), Duration::from_secs(10));
        assert_eq!(config.hello_resend(), Duration::from_secs(1));
        // SPEC.md: a data frame is at most 65537 bytes.
        assert_eq!(Secure::max_message_len(&config), 65_537);
        // 4 * ceil((8 MiB + 24 + 16) / 3): the base64 text of the largest paseo frame.
        assert_eq!(Paseo::max_message_len(&config), 11_184_864);
    }

    #[test]
    fn small_limits_still_fit_the_handshake_frames() {
        let config = SocketConfig::default()
            .with_limits(Limits::new(0, 1 << 16, 1 << 30).unwrap())
            .with_paseo_limits(PaseoLimits::new(0, 256).unwrap());
        assert_eq!(Secure::max_message_len(&config), crate::HANDSHAKE_FRAME_LEN);
        assert_eq!(
            Paseo::max_message_len(&config),
            crate::paseo::MAX_CONTROL_LEN
        );
    }

    #[test]
    fn a_zero_resend_interval_is_raised() {
        let config = SocketConfig::default().with_hello_resend(Duration::ZERO);
        assert_eq!(config.hello_resend(), MIN_HELLO_RESEND);
    }
}
