//! Client authentication inside the channel with a bosso-token attach token (feature
//! `attach-token`).
//!
//! The client is anonymous after the handshake. To authenticate, it obtains an attach token
//! whose **audience is this channel**: [`channel_audience`] derives it from the
//! [`ChannelBinding`] (the Noise handshake hash, which no third party can choose), so the web
//! app mints a token that is valid for exactly one channel. The client sends it as the first
//! application message ([`seal_attach`]); the daemon accepts nothing else first
//! ([`AttachGuard::open_first`]) and verifies it with bosso-token for the channel's audience,
//! the session and chat it serves, and single use.
//!
//! Why this stops a relay: inside the channel the relay sees only ciphertext; and a token that
//! leaks anyway (a log, a compromised web app response) names another channel's binding, so
//! presenting it in any channel the thief controls fails with `WrongAudience`.

use base64::Engine as _;
use bosso_token::{
    AttachClaims, AttachToken, Audience, Expected, ReplayStore, VerificationKeys, Verifier,
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

/// Daemon side: the channel is not usable for application data until the first message has
/// authenticated the client. Holds the verification keys; one guard per channel.
pub struct AttachGuard {
    verifier: Verifier,
}

impl std::fmt::Debug for AttachGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachGuard")
            .field("verifier", &self.verifier)
            .finish()
    }
}

impl AttachGuard {
    /// A guard for `channel`, accepting tokens signed by `keys` for this channel's audience.
    pub fn new(channel: &Channel, keys: VerificationKeys) -> Result<Self> {
        Ok(Self {
            verifier: Verifier::new(keys, channel_audience(&channel.channel_binding())?),
        })
    }

    /// Uses `verifier` settings (leeway, lifetime cap, clock) other than the defaults. Its
    /// audience must be [`channel_audience`] of this channel.
    pub fn with_verifier(verifier: Verifier) -> Self {
        Self { verifier }
    }

    /// Opens the client's first frame, which must be an attach message, and verifies and
    /// consumes the token for `expected` (the session and chat this daemon serves). Any
    /// failure closes nothing by itself: the caller must drop the channel.
    pub async fn open_first<R: ReplayStore>(
        &self,
        channel: &mut Channel,
        frame: &[u8],
        expected: &Expected,
        replay: &R,
    ) -> Result<AttachClaims> {
        let mut msg = channel.open(frame)?;
        let result = match msg.strip_prefix(ATTACH_MAGIC) {
            None => Err(Error::AttachRequired),
            Some(token) => match std::str::from_utf8(token) {
                Err(_) => Err(Error::Attach(bosso_token::Error::Malformed("not UTF-8"))),
                Ok(token) => self
                    .verifier
                    .verify_and_consume(token, expected, replay)
                    .await
                    .map_err(Error::Attach),
            },
        };
        zeroize::Zeroize::zeroize(&mut msg);
        result
    }
}
