//! The crate's single error type.
//!
//! Messages say what failed and never echo key material or attacker-controlled bytes.

/// Everything that can go wrong in `bosso-e2ee`.
///
/// Any error returned while opening a frame closes the channel: the caller must drop the
/// connection (a channel that saw a forged, replayed or reordered frame is never reused).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The frame is shorter or longer than its kind allows, or malformed.
    #[error("malformed frame: {0}")]
    MalformedFrame(&'static str),
    /// The frame carries a protocol version this build does not speak.
    #[error("unsupported protocol version")]
    UnsupportedVersion,
    /// A frame of the wrong kind for the current state (e.g. a data frame during the handshake).
    #[error("unexpected frame kind for this state: {0}")]
    UnexpectedFrame(&'static str),
    /// A hello arrived on an open channel: re-keying an open channel is refused.
    #[error("handshake message on an open channel refused (no re-keying)")]
    HelloOnOpenChannel,
    /// A peer public key is low-order or all-zero (the X25519 result was not contributory).
    #[error("peer public key is low-order or invalid (non-contributory X25519)")]
    WeakPublicKey,
    /// Authenticated decryption failed: forged, tampered, replayed, reordered, dropped-then-resumed,
    /// reflected, or encrypted under another key.
    #[error("frame failed authentication (tampered, replayed, reordered, reflected or wrong key)")]
    Authentication,
    /// The frame exceeds the configured maximum size.
    #[error("frame too large: {len} bytes, limit {max}")]
    FrameTooLarge {
        /// Size of the offending frame or payload.
        len: usize,
        /// Configured limit.
        max: usize,
    },
    /// A frame identical to one already seen (or sent) on this channel (paseo mode).
    #[error("duplicate or reflected frame refused")]
    DuplicateFrame,
    /// (Paseo mode, daemon) a hello whose client key this daemon accepted within the hello
    /// guard's TTL: a recorded session replayed on a new connection. Drop the connection.
    #[error("paseo hello key already used: replayed session refused")]
    HelloReplayed,
    /// (Paseo mode, daemon) the hello guard holds its full capacity of unexpired keys, so no
    /// new hello is accepted until the oldest expires (it fails closed rather than forget a
    /// key early). Drop the connection; a flood of hellos is the likely cause.
    #[error("paseo hello guard full: new connections refused until its oldest key expires")]
    HelloCacheFull,
    /// The channel is closed after an earlier error or an authenticated close; open a new one.
    #[error("channel closed")]
    ChannelClosed,
    /// The peer sent an authenticated close: the stream ended cleanly (no truncation).
    #[error("peer closed the channel")]
    ClosedByPeer,
    /// The 64-bit message counter is exhausted; open a new channel.
    #[error("message counter exhausted")]
    CounterExhausted,
    /// Base64 text contained invalid characters or had an invalid length.
    #[error("invalid base64 encoding")]
    Base64,
    /// JSON did not match the expected message shape.
    #[error("invalid JSON message: {0}")]
    Json(&'static str),
    /// A public key had the wrong length or encoding.
    #[error("invalid public key encoding")]
    InvalidPublicKey,
    /// The key file is readable or writable by group or others.
    #[error("key file {path} is accessible by group or others (mode {mode:o}); run chmod 600")]
    KeyFilePermissions {
        /// The file's path.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file is owned by another user than the one running the daemon.
    #[error("key file {path} is owned by uid {owner}, not by this process's uid {euid}")]
    KeyFileOwner {
        /// The file's path.
        path: String,
        /// The file's owner.
        owner: u32,
        /// The effective uid of this process.
        euid: u32,
    },
    /// The key file's public key does not match its secret key.
    #[error("key file {path}: public key does not match secret key (refusing to regenerate)")]
    KeyFileMismatch {
        /// The file's path.
        path: String,
    },
    /// The key file exists but cannot be parsed; it is never silently regenerated.
    #[error("key file {path} is corrupt ({reason}); refusing to regenerate: restore or remove it")]
    KeyFileCorrupt {
        /// The file's path.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An I/O error while reading or writing a key file.
    #[error("key file I/O on {path}: {source}")]
    Io {
        /// The file's path.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A pairing offer URL or payload is invalid.
    #[error("invalid pairing offer: {0}")]
    InvalidOffer(&'static str),
    /// Limits out of range (see `Limits::new`), or (socket adapters) a WebSocket configured to
    /// accept messages above the mode's bound.
    #[error("invalid limits: {0}")]
    InvalidLimits(&'static str),
    /// The operating system random generator failed.
    #[error("random generator failure")]
    Random,
    /// A primitive refused its input in a way that should not happen (reported, never panicked).
    #[error("internal cryptographic error")]
    Internal,
    /// (Socket adapters) the peer did not complete the handshake before the deadline
    /// (`SocketConfig::handshake_deadline`); the WebSocket was closed.
    #[error("handshake deadline passed")]
    HandshakeTimeout,
    /// (Socket adapters) the cut signal given to `send_until`/`recv_until` fired; the channel
    /// and the WebSocket were closed.
    #[error("cancelled: the connection was cut")]
    Cancelled,
    /// A transport (WebSocket) error in an adapter.
    #[error("transport error: {0}")]
    Transport(String),
    /// QR rendering failed.
    #[error("QR code rendering failed")]
    Qr,
    /// The first application message on a channel that requires client authentication was
    /// not an attach message.
    #[cfg(feature = "attach-token")]
    #[error("client authentication required before application data")]
    AttachRequired,
    /// The attach token inside the channel was refused; the inner error says why.
    #[cfg(feature = "attach-token")]
    #[error("attach token refused: {0}")]
    Attach(bosso_token::Error),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;
