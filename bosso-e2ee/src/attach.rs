//! Client authentication inside the channel with a bosso-token attach token (feature
//! `attach-token`).
//!
//! The client is anonymous after the handshake. To authenticate, it obtains an attach token
//! whose **audience is this channel**: [`channel_audience`] derives it from the
//! [`ChannelBinding`] (the Noise handshake hash, which no third party can choose), so the web
//! app mints a token that is valid for exactly one channel. The client sends it as the first
//! application message ([`seal_attach`]); the daemon accepts nothing else first
//! ([`AwaitingAttach::open_first`], which owns the channel until then) and verifies it with bosso-token for the channel's audience,
//! the session and chat it serves, and single use.
//!
//! Why this stops a relay: inside the channel the relay sees only ciphertext; and a token that
//! leaks anyway (a log, a compromised web app response) names another channel's binding, so
//! presenting it in any channel the thief controls fails with `WrongAudience`.

use base64::Engine as _;
use bosso_token::{
    AttachClaims, AttachToken, AttachVerifier, Audience, Expected, ReplayStore, VerificationKeys,
};

use crate::channel::{Channel, ChannelBinding};
use crate::error::{Error, Result};

/// The tag that starts the authentication message, so it can never be mistaken for data.
const ATTACH_MAGIC: &[u8] = b"bosso-e2ee/attach\0";

/// The audience a token must carry to authenticate on the channel with `binding`:
/// `e2ee.` followed by the unpadded base64url of the 32-byte handshake hash (48 characters).
pub fn channel_audience(binding: &ChannelBinding) -> Result<Audience> {
    let mut s = String::from("e2ee.");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(binding.as_bytes(), &mut s);
    // 5 + 43 visible ASCII characters are always a valid audience; the error path exists only
    // so no panic is possible.
    Audience::new(s).map_err(Error::Attach)
}

/// Client side: seals `token` as the first application message on `channel`.
pub fn seal_attach(channel: &mut Channel, token: &AttachToken) -> Result<Vec<u8>> {
    let mut msg = Vec::with_capacity(ATTACH_MAGIC.len() + token.expose_secret().len());
    msg.extend_from_slice(ATTACH_MAGIC);
    msg.extend_from_slice(token.expose_secret().as_bytes());
    let frame = channel.seal(&msg);
    zeroize::Zeroize::zeroize(&mut msg);
    frame
}

/// Daemon side: a channel whose client has not authenticated yet.
///
/// It owns the [`Channel`] so nothing can read or write application data before the client's
/// attach message has verified: [`AwaitingAttach::open_first`] consumes it and returns the
/// channel only on success. On any failure the channel is dropped, i.e. closed. The verifier's
/// audience is derived from the channel it owns, so it cannot check a token against another
/// channel.
pub struct AwaitingAttach {
    channel: Channel,
    verifier: AttachVerifier,
}

impl std::fmt::Debug for AwaitingAttach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwaitingAttach")
            .field("channel", &self.channel)
            .field("verifier", &self.verifier)
            .finish()
    }
}

impl AwaitingAttach {
    /// Takes `channel` (just established) and the keys that may sign attach tokens.
    pub fn new(channel: Channel, keys: VerificationKeys) -> Result<Self> {
        let audience = channel_audience(&channel.channel_binding())?;
        Ok(Self {
            channel,
            verifier: AttachVerifier::new(keys, audience),
        })
    }

    /// Reads time from `clock` (tests, or a host-wide clock).
    #[must_use]
    pub fn with_clock(mut self, clock: std::sync::Arc<dyn bosso_token::Clock>) -> Self {
        self.verifier = self.verifier.with_clock(clock);
        self
    }

    /// Opens the client's first frame, which must be an attach message, and verifies and
    /// consumes the token for this channel's audience and `expected` (the session and chat
    /// this daemon serves). Success returns the now usable channel and the claims.
    pub async fn open_first<R: ReplayStore>(
        self,
        frame: &[u8],
        expected: &Expected,
        replay: &R,
    ) -> Result<(Channel, AttachClaims)> {
        let Self {
            mut channel,
            verifier,
        } = self;
        let mut msg = channel.open(frame)?;
        let result = match msg.strip_prefix(ATTACH_MAGIC) {
            None => Err(Error::AttachRequired),
            Some(token) => match std::str::from_utf8(token) {
                Err(_) => Err(Error::Attach(bosso_token::Error::Malformed("not UTF-8"))),
                Ok(token) => verifier
                    .verify_and_consume(token, expected, replay)
                    .await
                    .map_err(Error::Attach),
            },
        };
        zeroize::Zeroize::zeroize(&mut msg);
        // On failure `channel` is dropped here: the connection must be closed by the caller,
        // and no frame of it can be opened any more.
        result.map(|claims| (channel, claims))
    }
}
