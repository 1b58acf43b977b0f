//! The daemon key file, Paseo's v2 format:
//! `{"v":2,"publicKeyB64":"..","secretKeyB64":".."}`, 2-space indented, trailing newline, 0600.
//!
//! File handling is `bosso-fs`'s, the one implementation shared with `bosso-vault`. Created
//! atomically (a temporary file opened `O_EXCL|O_NOFOLLOW` with mode 0600 from the first byte,
//! synced, then hard-linked into place, which fails rather than clobbers). Loaded through one
//! handle opened with `O_NOFOLLOW`: refused if a symbolic link, not a regular file, owned by
//! another user, group/world accessible, over 4 KiB, or in a directory another user can change;
//! the public key must match the secret; a corrupt file is an error, never regenerated.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};
use crate::keys::{DaemonKeyPair, KEY_LEN, PublicKey};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFileV2 {
    v: u32,
    #[serde(rename = "publicKeyB64")]
    public_key_b64: String,
    #[serde(rename = "secretKeyB64")]
    secret_key_b64: String,
}

impl Drop for KeyFileV2 {
    fn drop(&mut self) {
        self.secret_key_b64.zeroize();
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: display(path),
        source,
    }
}

/// The key-file error for a refused or failed file operation (keeping the variants callers
/// already match on).
fn fs_err(path: &Path, e: bosso_fs::Error) -> Error {
    use bosso_fs::Error as F;
    let corrupt = |reason| Error::KeyFileCorrupt {
        path: display(path),
        reason,
    };
    match e {
        F::Symlink { .. } => corrupt("is a symbolic link"),
        F::NotRegularFile { .. } => corrupt("not a regular file"),
        F::TooLarge { .. } => corrupt("larger than 4 KiB"),
        F::WrongOwner { owner, euid, .. } => Error::KeyFileOwner {
            path: display(path),
            owner,
            euid,
        },
        F::Permissions { mode, .. } => Error::KeyFilePermissions {
            path: display(path),
            mode,
        },
        // No variant of our own for the directory: an I/O refusal naming the directory.
        e @ F::InsecureDirectory { .. } => Error::Io {
            path: display(path),
            source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, e),
        },
        F::Io { source, .. } => io_err(path)(source),
        other => io_err(path)(std::io::Error::other(other)),
    }
}

/// Serializes a key pair in the v2 format (the exact bytes Paseo writes).
#[must_use]
pub fn encode_key_file(keys: &DaemonKeyPair) -> Zeroizing<String> {
    let secret = keys.secret_bytes();
    let secret_b64 = Zeroizing::new(STANDARD.encode(secret.as_slice()));
    Zeroizing::new(format!(
        "{{\n  \"v\": 2,\n  \"publicKeyB64\": \"{}\",\n  \"secretKeyB64\": \"{}\"\n}}\n",
        keys.public().to_base64(),
        secret_b64.as_str()
    ))
}

/// Parses the v2 format and checks the public key against the secret.
pub fn decode_key_file(text: &str, path_for_errors: &str) -> Result<DaemonKeyPair> {
    let corrupt = |reason| Error::KeyFileCorrupt {
        path: path_for_errors.to_owned(),
        reason,
    };
    let file: KeyFileV2 = serde_json::from_str(text).map_err(|_| corrupt("not v2 key JSON"))?;
    if file.v != 2 {
        return Err(corrupt("unsupported version"));
    }
    let secret = decode_secret(&file.secret_key_b64).map_err(corrupt)?;
    let keys = DaemonKeyPair::from_secret_bytes(&secret);
    let public = STANDARD
        .decode(&file.public_key_b64)
        .map_err(|_| corrupt("public key is not base64"))
        .and_then(|b| {
            PublicKey::from_slice(&b).map_err(|_| corrupt("public key is not 32 bytes"))
        })?;
    // Both values are public: a plain comparison leaks nothing.
    if public != *keys.public() {
        return Err(Error::KeyFileMismatch {
            path: path_for_errors.to_owned(),
        });
    }
    Ok(keys)
}

/// Decodes the base64 secret straight into wiped buffers: a fixed stack buffer (no heap copy
/// that a reallocation could leave behind), then the 32-byte array, both `Zeroizing`.
fn decode_secret(b64: &str) -> std::result::Result<Zeroizing<[u8; KEY_LEN]>, &'static str> {
    // 44 base64 characters decode to 32 bytes; the slack lets a longer value decode far
    // enough to be refused as "not 32 bytes" rather than as "not base64".
    let mut buf = Zeroizing::new([0u8; KEY_LEN * 2]);
    let len = match STANDARD.decode_slice(b64, buf.as_mut_slice()) {
        Ok(len) => len,
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            return Err("secret key is not 32 bytes");
        }
        Err(base64::DecodeSliceError::DecodeError(_)) => return Err("secret key is not base64"),
    };
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    let decoded = buf.get(..len).ok_or("secret key is not 32 bytes")?;
    if decoded.len() != KEY_LEN {
        return Err("secret key is not 32 bytes");
    }
    out.copy_from_slice(decoded);
    Ok(out)
}

/// Largest key file accepted: a v2 file is about 130 bytes; the cap bounds what a hostile
/// file can make the daemon read.
pub const MAX_KEY_FILE_LEN: u64 = 4096;

/// Loads the key file, refusing it if it is a symbolic link or not a regular file, owned by
/// another user, group/world accessible, larger than [`MAX_KEY_FILE_LEN`], corrupt or
/// inconsistent.
///
/// The file is opened once (without following a symbolic link) and every check is made on that
/// open handle, then the bytes are read from it: no path is looked up twice, so a file swapped
/// in after the checks is never read.
pub fn load_key_file(path: &Path) -> Result<DaemonKeyPair> {
    let cap = usize::try_from(MAX_KEY_FILE_LEN).map_err(|_| Error::Internal)?;
    let bytes = bosso_fs::read_trusted(path, cap).map_err(|e| fs_err(path, e))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| Error::KeyFileCorrupt {
        path: display(path),
        reason: "not UTF-8",
    })?;
    decode_key_file(text, &display(path))
}

/// Writes a new key file atomically with mode 0600. Fails if the file already exists.
pub fn write_new_key_file(path: &Path, keys: &DaemonKeyPair) -> Result<()> {
    bosso_fs::write_new(path, encode_key_file(keys).as_bytes()).map_err(|e| fs_err(path, e))
}

/// Loads the key file if it exists, otherwise generates a key pair and writes it.
/// A file that exists but is unreadable, corrupt or too open is an error: never regenerated,
/// because a new key silently breaks every existing pairing.
pub fn load_or_create_key_file(path: &Path) -> Result<DaemonKeyPair> {
    // A creation killed half-way leaves a temp file holding a key nothing uses.
    bosso_fs::remove_stale_temps(path, bosso_fs::Stale::DeadWriters);
    match std::fs::symlink_metadata(path) {
        Ok(_) => load_key_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let keys = DaemonKeyPair::generate();
            match write_new_key_file(path, &keys) {
                Ok(()) => Ok(keys),
                // Another process created it between our check and our link: use theirs.
                Err(Error::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::AlreadyExists =>
                {
                    load_key_file(path)
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(io_err(path)(e)),
    }
}
