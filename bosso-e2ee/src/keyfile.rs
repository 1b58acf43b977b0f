//! The daemon key file, Paseo's v2 format:
//! `{"v":2,"publicKeyB64":"..","secretKeyB64":".."}`, 2-space indented, trailing newline, 0600.
//!
//! Created atomically (a temporary file opened with mode 0600 from the first byte, synced, then
//! hard-linked into place, which fails rather than clobbers). Loaded through one handle opened
//! with `O_NOFOLLOW`: refused if a symbolic link, not a regular file, owned by another user,
//! group/world accessible or over 4 KiB; the public key must match the secret; a corrupt file is
//! an error, never regenerated.

use std::io::Write as _;
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
    let mut secret = Zeroizing::new(
        STANDARD
            .decode(&file.secret_key_b64)
            .map_err(|_| corrupt("secret key is not base64"))?,
    );
    let bytes: [u8; KEY_LEN] = secret
        .as_slice()
        .try_into()
        .map_err(|_| corrupt("secret key is not 32 bytes"))?;
    secret.zeroize();
    let keys = DaemonKeyPair::from_secret_bytes(bytes);
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
    use std::io::Read as _;
    let corrupt = |reason| Error::KeyFileCorrupt {
        path: display(path),
        reason,
    };
    let file = open_no_follow(path)?;
    let meta = file.metadata().map_err(io_err(path))?;
    if !meta.file_type().is_file() {
        return Err(corrupt("not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let euid = rustix::process::geteuid().as_raw();
        if meta.uid() != euid {
            return Err(Error::KeyFileOwner {
                path: display(path),
                owner: meta.uid(),
                euid,
            });
        }
        let mode = meta.mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Error::KeyFilePermissions {
                path: display(path),
                mode,
            });
        }
    }
    if meta.len() > MAX_KEY_FILE_LEN {
        return Err(corrupt("larger than 4 KiB"));
    }
    // Capacity for the whole cap up front, so the buffer holding the secret never reallocates
    // (a reallocation would leave an unzeroized copy behind).
    let cap = usize::try_from(MAX_KEY_FILE_LEN).map_err(|_| Error::Internal)?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(cap.saturating_add(1)));
    // The file may grow after the fstat: read at most one byte past the cap to notice.
    file.take(MAX_KEY_FILE_LEN.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_err(path))?;
    if bytes.len() > cap {
        return Err(corrupt("larger than 4 KiB"));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| corrupt("not UTF-8"))?;
    decode_key_file(text, &display(path))
}

/// Opens for reading without following a final symbolic link (`O_NOFOLLOW`), close-on-exec,
/// and non-blocking so that a FIFO planted at the path cannot hang the open (the regular-file
/// check refuses it afterwards).
#[cfg(unix)]
fn open_no_follow(path: &Path) -> Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY;
    match rustix::fs::open(path, flags | OFlags::NONBLOCK, Mode::empty()) {
        Ok(fd) => Ok(std::fs::File::from(fd)),
        Err(e) if e == rustix::io::Errno::LOOP => Err(Error::KeyFileCorrupt {
            path: display(path),
            reason: "is a symbolic link",
        }),
        Err(e) => Err(io_err(path)(e.into())),
    }
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(io_err(path))
}

/// Writes a new key file atomically with mode 0600. Fails if the file already exists.
pub fn write_new_key_file(path: &Path, keys: &DaemonKeyPair) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut suffix = [0u8; 8];
    rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut suffix)
        .map_err(|_| Error::Random)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", u64::from_le_bytes(suffix)));
    let result = write_tmp_and_link(&tmp, path, keys);
    // The temporary name is removed whether or not the link succeeded.
    let _ = std::fs::remove_file(&tmp);
    result?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_tmp_and_link(tmp: &Path, path: &Path, keys: &DaemonKeyPair) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(tmp).map_err(io_err(tmp))?;
    file.write_all(encode_key_file(keys).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io_err(tmp))?;
    drop(file);
    std::fs::hard_link(tmp, path).map_err(io_err(path))
}

/// Loads the key file if it exists, otherwise generates a key pair and writes it.
/// A file that exists but is unreadable, corrupt or too open is an error: never regenerated,
/// because a new key silently breaks every existing pairing.
pub fn load_or_create_key_file(path: &Path) -> Result<DaemonKeyPair> {
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
