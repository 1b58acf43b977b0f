//! A secret stored together with its key id in one entry, so a signing key and the `kid`
//! verifiers know it by can never be read back mismatched (two entries could be written or
//! lost one without the other).
//!
//! Entry format, version 1: `0x01`, the key id's length `n` (1 to [`MAX_KEY_ID_LEN`]), the key
//! id (`[A-Za-z0-9._-]`, the `bosso_token::KeyId` alphabet), then the secret (at least one
//! byte).

use secrecy::ExposeSecret;

use crate::store::secret_from;
use crate::{EntryName, Error, SecretBytes, SecretStore};

/// Longest key id stored with a secret, in bytes.
pub const MAX_KEY_ID_LEN: usize = 64;
const VERSION: u8 = 1;
const WHAT: &str = "keyed secret";

/// A secret and the key id it is known by.
#[derive(Debug)]
pub struct KeyedSecret {
    /// The key id (`kid`).
    pub key_id: String,
    /// The key bytes; `Debug` prints `[REDACTED]`.
    pub secret: SecretBytes,
}

fn valid_key_id(kid: &[u8]) -> bool {
    (1..=MAX_KEY_ID_LEN).contains(&kid.len())
        && kid
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The entry bytes for `key_id` and `secret`.
pub fn encode_keyed(key_id: &str, secret: &[u8]) -> Result<SecretBytes, Error> {
    if !valid_key_id(key_id.as_bytes()) {
        return Err(Error::InvalidName(
            "key id must be 1 to 64 bytes of [A-Za-z0-9._-]",
        ));
    }
    if secret.is_empty() {
        return Err(Error::Malformed {
            what: WHAT,
            reason: "empty secret",
        });
    }
    let mut out = Vec::with_capacity(2 + key_id.len() + secret.len());
    out.push(VERSION);
    out.push(u8::try_from(key_id.len()).map_err(|_| Error::InvalidName("key id too long"))?);
    out.extend_from_slice(key_id.as_bytes());
    out.extend_from_slice(secret);
    // Moved, not copied: the only full copy is wiped when the `SecretBytes` drops.
    Ok(SecretBytes::from(out))
}

/// Reads entry bytes written by [`encode_keyed`]; anything else is [`Error::Malformed`] or
/// [`Error::UnsupportedVersion`], naming the rule broken and no byte of the entry.
pub fn decode_keyed(bytes: &[u8]) -> Result<KeyedSecret, Error> {
    let malformed = |reason| Error::Malformed { what: WHAT, reason };
    let (&version, rest) = bytes.split_first().ok_or(malformed("empty entry"))?;
    if version != VERSION {
        return Err(Error::UnsupportedVersion { what: WHAT });
    }
    let (&n, rest) = rest.split_first().ok_or(malformed("no key id length"))?;
    let (kid, secret) = rest
        .split_at_checked(usize::from(n))
        .ok_or(malformed("key id cut short"))?;
    if !valid_key_id(kid) {
        return Err(malformed("key id outside its alphabet or length"));
    }
    if secret.is_empty() {
        return Err(malformed("empty secret"));
    }
    let key_id = String::from_utf8(kid.to_vec()).map_err(|_| malformed("key id not ASCII"))?;
    Ok(KeyedSecret {
        key_id,
        secret: secret_from(secret),
    })
}

/// Stores `secret` under `name` together with `key_id`, in one entry (one atomic `put`).
pub async fn put_keyed<S: SecretStore + ?Sized>(
    store: &S,
    name: &EntryName,
    key_id: &str,
    secret: &[u8],
) -> Result<(), Error> {
    store.put(name, &encode_keyed(key_id, secret)?).await
}

/// The secret and key id under `name`, or `None` when there is none.
pub async fn get_keyed<S: SecretStore + ?Sized>(
    store: &S,
    name: &EntryName,
) -> Result<Option<KeyedSecret>, Error> {
    match store.get(name).await? {
        Some(bytes) => decode_keyed(bytes.expose_secret()).map(Some),
        None => Ok(None),
    }
}
