//! Pairing offers (Paseo v2): `<app url>/#offer=<base64url, unpadded, of the JSON>` where the
//! JSON is `{"v":2,"serverId":"srv_..","daemonPublicKeyB64":"..","relay":{"endpoint":"host:port"}}`
//! (any server id of 1 to 128 visible ASCII characters is accepted, as Paseo accepts any id).
//! The fragment never reaches the web server; the offer is the trust anchor (treat it like a
//! password: whoever holds it can connect, and the key in it is what the client trusts).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::b64;
use crate::error::{Error, Result};
use crate::keys::PublicKey;

/// Largest offer URL accepted (well above a real one, far below anything abusive).
const MAX_OFFER_LEN: usize = 4096;
/// Largest relay endpoint accepted.
const MAX_ENDPOINT_LEN: usize = 255;

/// A relay server id: 1 to [`ServerId::MAX_LEN`] (128) visible ASCII characters (`!` to `~`; no
/// space, control or non-ASCII character).
///
/// [`ServerId::generate`] makes Paseo's default shape, `srv_` + 12 base64url characters, but a
/// Paseo daemon may be given any non-empty id (`PASEO_SERVER_ID`), so parsing accepts any id of
/// this form. The id only routes connections on the relay: the daemon key in the offer, not the
/// id, is what the client trusts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerId(String);

impl ServerId {
    /// Largest server id accepted, in bytes.
    pub const MAX_LEN: usize = 128;

    /// Validates a server id (non-empty, at most [`ServerId::MAX_LEN`] bytes, visible ASCII).
    pub fn parse(s: &str) -> Result<Self> {
        if s.is_empty() {
            return Err(Error::InvalidOffer("serverId is empty"));
        }
        if s.len() > Self::MAX_LEN {
            return Err(Error::InvalidOffer("serverId longer than 128 bytes"));
        }
        if s.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(Error::InvalidOffer(
                "serverId must be visible ASCII (no space or control character)",
            ))
        }
    }

    /// A fresh random server id (9 random bytes, base64url).
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; 9];
        rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut bytes)
            .map_err(|_| Error::Random)?;
        Ok(Self(format!("srv_{}", URL_SAFE_NO_PAD.encode(bytes))))
    }

    /// The text form.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Serialize, Deserialize)]
struct RelayJson {
    endpoint: String,
}

#[derive(Serialize, Deserialize)]
struct OfferJson {
    v: u32,
    #[serde(rename = "serverId")]
    server_id: String,
    #[serde(rename = "daemonPublicKeyB64")]
    daemon_public_key_b64: String,
    relay: RelayJson,
}

/// A validated pairing offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingOffer {
    /// The daemon's server id on the relay.
    pub server_id: ServerId,
    /// The daemon's long-term public key: the trust anchor.
    pub daemon_public_key: PublicKey,
    /// The relay's `host:port`.
    pub relay_endpoint: String,
}

fn check_endpoint(e: &str) -> Result<()> {
    let ok = !e.is_empty()
        && e.len() <= MAX_ENDPOINT_LEN
        && e.bytes().all(|b| b.is_ascii_graphic())
        && e.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p != 0)
        });
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidOffer("relay endpoint must be host:port"))
    }
}

impl PairingOffer {
    /// Builds an offer, validating the endpoint.
    pub fn new(
        server_id: ServerId,
        daemon_public_key: PublicKey,
        relay_endpoint: &str,
    ) -> Result<Self> {
        check_endpoint(relay_endpoint)?;
        Ok(Self {
            server_id,
            daemon_public_key,
            relay_endpoint: relay_endpoint.to_owned(),
        })
    }

    /// The compact JSON, byte for byte as Paseo writes it.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&OfferJson {
            v: 2,
            server_id: self.server_id.0.clone(),
            daemon_public_key_b64: self.daemon_public_key.to_base64(),
            relay: RelayJson {
                endpoint: self.relay_endpoint.clone(),
            },
        })
        .map_err(|_| Error::Internal)
    }

    /// `<app_base_url>/#offer=<base64url(JSON)>`.
    pub fn to_url(&self, app_base_url: &str) -> Result<String> {
        let json = self.to_json()?;
        let base = app_base_url.trim_end_matches('/');
        Ok(format!("{base}/#offer={}", URL_SAFE_NO_PAD.encode(json)))
    }

    /// Parses the JSON payload of an offer.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let o: OfferJson =
            serde_json::from_slice(json).map_err(|_| Error::InvalidOffer("not offer JSON"))?;
        if o.v != 2 {
            return Err(Error::InvalidOffer("unsupported offer version"));
        }
        let key = PublicKey::from_base64(&o.daemon_public_key_b64)
            .map_err(|_| Error::InvalidOffer("daemon public key is not 32 bytes of base64"))?;
        Self::new(ServerId::parse(&o.server_id)?, key, &o.relay.endpoint)
    }

    /// Parses a full URL (or a bare fragment) carrying `#offer=`.
    pub fn from_url(url: &str) -> Result<Self> {
        if url.len() > MAX_OFFER_LEN {
            return Err(Error::InvalidOffer("offer too long"));
        }
        let fragment = url.split_once('#').map_or(url, |(_, f)| f);
        let encoded = fragment
            .strip_prefix("offer=")
            .ok_or(Error::InvalidOffer("no #offer= fragment"))?;
        let json = b64::decode_lenient(encoded)
            .map_err(|_| Error::InvalidOffer("offer is not base64url"))?;
        Self::from_json(&json)
    }
}
