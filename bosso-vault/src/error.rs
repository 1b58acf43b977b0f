//! The one error type of this crate.

/// Everything that can go wrong storing a secret or encrypting a value.
///
/// Variants are what a caller acts on. No variant carries a secret, a passphrase, a key or bytes
/// from a file or ciphertext, so an error can be logged as it is. Paths are not secret and are
/// named where that helps the operator fix the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An entry name, tenant id or context field breaks its rules (the reason names the rule).
    #[error("invalid name: {0}")]
    InvalidName(&'static str),
    /// A value is larger than the store or the format accepts.
    #[error("value too large")]
    TooLarge,
    /// The store is at capacity (entry count); nothing was changed.
    #[error("store full")]
    StoreFull,
    /// File-system I/O failed (the operation names what was being done).
    #[error("I/O error while {op}: {source}")]
    Io {
        /// What the store was doing.
        op: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A vault, key, marker or lock file is readable or writable by group or others; it was
    /// not used. Fix with `chmod 600 <path>` after checking nobody else read it.
    #[error("{path} is accessible by group or others (mode {mode:o}); refusing to use it")]
    InsecurePermissions {
        /// The file.
        path: std::path::PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A vault, key, marker or lock file is owned by another user than this process's
    /// effective user; it was not used (someone else could have written it).
    #[error(
        "{path} is owned by uid {owner}, not by this process's effective uid {euid}; refusing to use it"
    )]
    WrongOwner {
        /// The file.
        path: std::path::PathBuf,
        /// Its owner.
        owner: u32,
        /// This process's effective uid.
        euid: u32,
    },
    /// A vault, key, marker or lock path is a symbolic link, or not a regular file; it was not
    /// followed, created or written.
    #[error("{path} is {reason}; refusing to use it")]
    UntrustedFile {
        /// The path.
        path: std::path::PathBuf,
        /// `"a symbolic link"` or `"not a regular file"`.
        reason: &'static str,
    },
    /// The directory holding the store's files can be changed by another user (writable by
    /// group or others, or owned by someone other than this user or root); nothing in it was
    /// used. Fix with `chmod 700 <dir>`.
    #[error(
        "directory {path} (owner uid {owner}, mode {mode:o}) can be changed by another user; refusing to use it"
    )]
    InsecureDirectory {
        /// The directory.
        path: std::path::PathBuf,
        /// Its permission bits.
        mode: u32,
        /// Its owner.
        owner: u32,
    },
    /// [`EncryptedFileStore::open`](crate::EncryptedFileStore::open) (and `open_default` once a
    /// vault was recorded) found no vault file. Nothing was created: restore the file from a
    /// backup, or create a new, empty vault explicitly
    /// ([`EncryptedFileStore::create`](crate::EncryptedFileStore::create), or delete the
    /// backend marker to let `open_default` choose again).
    #[error("vault file {path} does not exist; restore it, or create a new vault explicitly")]
    VaultMissing {
        /// The vault file.
        path: std::path::PathBuf,
    },
    /// [`EncryptedFileStore::create`](crate::EncryptedFileStore::create) found a file at the
    /// path; it was left as it is.
    #[error("{path} already exists; refusing to replace it with a new vault")]
    VaultExists {
        /// The existing file.
        path: std::path::PathBuf,
    },
    /// The file or ciphertext does not follow the format (the reason names the rule, not the bytes).
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which format (vault file, key file, ciphertext, keyset).
        what: &'static str,
        /// The rule that was broken.
        reason: &'static str,
    },
    /// The format version is not one this build reads.
    #[error("unsupported {what} version")]
    UnsupportedVersion {
        /// Which format.
        what: &'static str,
    },
    /// The key (passphrase or key file) does not open this vault, or its header was altered.
    #[error("wrong key or passphrase for this vault (or its header was altered)")]
    WrongKey,
    /// The key is right but the file's authentication failed: the file was altered or corrupted.
    /// The file is left as it is; restore it from a backup.
    #[error("vault file failed authentication: it was altered or corrupted")]
    Tampered,
    /// A ciphertext failed authentication: altered, or decrypted under the wrong context
    /// (tenant, table, column, row) or with the wrong key.
    #[error("decryption failed (altered ciphertext, wrong key or wrong context)")]
    DecryptFailed,
    /// The ciphertext names a key id that is not in the keyset.
    #[error("unknown key id {0}")]
    UnknownKey(u32),
    /// The key exists but is disabled; enable it to decrypt with it.
    #[error("key {0} is disabled")]
    KeyDisabled(u32),
    /// The key was destroyed; data under it is unrecoverable.
    #[error("key {0} is destroyed")]
    KeyDestroyed(u32),
    /// The operation is not allowed on the primary key (disable or destroy it after rotating).
    #[error("operation not allowed on the primary key {0}")]
    PrimaryKey(u32),
    /// A key must be disabled before it is destroyed.
    #[error("key {0} must be disabled before it is destroyed")]
    NotDisabled(u32),
    /// The key-encryption key provider failed (KMS unreachable, entry missing).
    #[error("key-encryption key unavailable: {0}")]
    KekUnavailable(String),
    /// The OS credential store failed or is not usable here.
    #[error("OS credential store: {0}")]
    Keyring(String),
    /// No secure backend is usable (no OS store, no encrypted file location).
    #[error("no secure secret store available: {0}")]
    NoBackend(String),
    /// The system random generator failed.
    #[error("random generator failed")]
    Random,
    /// The key derivation function rejected its parameters.
    #[error("key derivation failed: {0}")]
    Kdf(&'static str),
}

impl Error {
    pub(crate) fn io(op: &'static str) -> impl FnOnce(std::io::Error) -> Error {
        move |source| Error::Io { op, source }
    }

    pub(crate) fn malformed(what: &'static str, reason: &'static str) -> Error {
        Error::Malformed { what, reason }
    }

    /// The vault's error for a refused or failed file operation.
    pub(crate) fn fs(e: bosso_fs::Error) -> Error {
        use bosso_fs::Error as F;
        match e {
            F::Symlink { path } => Error::UntrustedFile {
                path,
                reason: "a symbolic link",
            },
            F::NotRegularFile { path } => Error::UntrustedFile {
                path,
                reason: "not a regular file",
            },
            F::WrongOwner { path, owner, euid } => Error::WrongOwner { path, owner, euid },
            F::Permissions { path, mode } => Error::InsecurePermissions { path, mode },
            F::InsecureDirectory { path, mode, owner } => {
                Error::InsecureDirectory { path, mode, owner }
            }
            F::TooLarge { .. } => Error::TooLarge,
            F::Io { op, source, .. } => Error::Io { op, source },
            other => Error::Io {
                op: "using a file",
                source: std::io::Error::other(other),
            },
        }
    }
}
