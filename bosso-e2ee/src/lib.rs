//! # bosso-e2ee
//!
//! End-to-end encrypted framing between a daemon and its clients through an untrusted relay.
//!
//! **Security contract (secure mode, the default).** The relay forwards opaque frames and can
//! neither read, forge, replay, reorder, drop-then-resume, truncate nor reflect them without the
//! channel closing. The client authenticates the daemon by the static key from the pairing
//! offer; both sides use fresh ephemeral keys (forward secrecy); the daemon confirms the client's
//! keys before any application data; a hello on an open channel is refused; the Noise handshake
//! hash is exported as a [`ChannelBinding`]. The construction is Noise NK
//! (`Noise_NK_25519_ChaChaPoly_SHA256`), checked against `snow` and a JavaScript implementation;
//! `SPEC.md` has every byte.
//!
//! **Paseo mode** ([`paseo`]) speaks the Paseo relay wire format byte for byte. It cannot
//! protect against reordering, and it has no forward secrecy: see the README.
//!
//! The core is sans-I/O: values go in and frames come out; any transport can carry them.
//!
//! ## Quickstart
//!
//! ```
//! use bosso_e2ee::{ClientHandshake, DaemonHandshake, DaemonKeyPair};
//!
//! # fn main() -> Result<(), bosso_e2ee::Error> {
//! let daemon_keys = DaemonKeyPair::generate();
//! // The client learned daemon_keys.public() from the pairing offer (URL fragment / QR).
//! let (client_hs, hello) = ClientHandshake::start(daemon_keys.public())?;
//! let (pending, ready) = DaemonHandshake::new(&daemon_keys).respond(&hello)?;
//! let (mut client, confirm) = client_hs.read_ready(&ready)?;
//! let mut daemon = pending.read_confirm(&confirm)?;
//! assert_eq!(client.channel_binding(), daemon.channel_binding());
//!
//! let frame = client.seal(b"run tests")?;
//! assert_eq!(daemon.open(&frame)?, b"run tests");
//! // A relay replaying the frame is caught, and the channel closes.
//! assert!(daemon.open(&frame).is_err());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "attach-token")]
pub mod attach;
#[cfg(feature = "axum")]
pub mod axum_ws;
mod b64;
mod channel;
mod error;
mod handshake;
mod keyfile;
mod keys;
mod offer;
pub mod paseo;
#[cfg(feature = "qr")]
mod qr;
#[cfg(any(feature = "tokio-tungstenite", feature = "axum"))]
pub mod socket;
mod symmetric;
mod wire;
#[cfg(feature = "tokio-tungstenite")]
pub mod ws;
#[cfg(test)]
mod wycheproof_tests;

/// The README's examples compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(feature = "axum")]
pub use axum_ws::{AxumPaseoSocket, AxumSecureSocket};
pub use channel::{Channel, ChannelBinding};
pub use error::{Error, Result};
pub use handshake::{AwaitingConfirm, ClientHandshake, DaemonHandshake};
pub use keyfile::{
    MAX_KEY_FILE_LEN, decode_key_file, encode_key_file, load_key_file, load_or_create_key_file,
    write_new_key_file,
};
pub use keys::{DaemonKeyPair, KEY_LEN, PublicKey};
pub use offer::{PairingOffer, ServerId};
pub use wire::{
    HANDSHAKE_FRAME_LEN, KIND_DATA, KIND_HELLO, KIND_READY, Limits, MAX_PAYLOAD_LEN, PROLOGUE,
    PROTOCOL_NAME, VERSION,
};
