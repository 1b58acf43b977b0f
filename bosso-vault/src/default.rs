//! `open_default`: the most secure backend usable here, and why it was chosen.

use std::path::PathBuf;

use secrecy::SecretString;

use crate::{
    Backend, EncryptedFileStore, EntryName, Error, InsecureOptIn, KeySource, PlaintextFileStore,
    SecretBytes, SecretStore,
};

/// What [`open_default`] may use.
#[derive(Debug)]
pub struct DefaultOptions {
    /// Service name under which OS-store entries are kept (e.g. your app's name).
    pub service: String,
    /// Directory for the vault file and its key file; when `None`, `$XDG_DATA_HOME/<service>`
    /// or `$HOME/.local/share/<service>` (Unix), `%APPDATA%\<service>` (Windows).
    pub dir: Option<PathBuf>,
    /// Protect the vault file with this passphrase (Argon2id) instead of a per-install key file.
    pub passphrase: Option<SecretString>,
    /// Skip the OS credential store (for tests, or hosts that forbid it).
    pub skip_os_store: bool,
    /// Use the plaintext file instead of the encrypted one when no OS store is usable.
    pub insecure_plaintext: Option<InsecureOptIn>,
}

impl DefaultOptions {
    /// Options for `service` with every default.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            dir: None,
            passphrase: None,
            skip_os_store: false,
            insecure_plaintext: None,
        }
    }
}

/// Which backend [`open_default`] chose and why (log it, or show it to the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendChoice {
    /// The backend.
    pub backend: Backend,
    /// Why: which better backends were not usable, and where the secrets live.
    pub reason: String,
}

/// The store [`open_default`] returns: one of the backends behind one type.
#[derive(Debug)]
#[non_exhaustive]
pub enum DefaultStore {
    /// The OS credential store.
    #[cfg(feature = "keyring")]
    OsKeychain(crate::KeyringStore),
    /// The encrypted vault file.
    EncryptedFile(Box<EncryptedFileStore>),
    /// The plaintext file (explicit opt-in only).
    InsecurePlaintext(PlaintextFileStore),
}

fn default_dir(service: &str) -> Option<PathBuf> {
    let base = if cfg!(windows) {
        std::env::var_os("APPDATA").map(PathBuf::from)
    } else {
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
    };
    base.map(|b| b.join(service))
}

fn create_private_dir(dir: &std::path::Path) -> Result<(), Error> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(Error::io("creating the vault directory"))
}

/// Opens the most secure usable store: the OS credential store when one is compiled in and
/// answers a probe; otherwise the encrypted vault file (key file, or passphrase when given);
/// a plaintext file only when `insecure_plaintext` is set. Never silently downgrades on a
/// security error: a wrong passphrase or a tampered vault is returned as an error.
pub fn open_default(opts: DefaultOptions) -> Result<(DefaultStore, BackendChoice), Error> {
    let mut why = Vec::new();
    if opts.skip_os_store {
        why.push("OS store skipped by the caller".to_owned());
    } else {
        #[cfg(feature = "keyring")]
        match crate::KeyringStore::platform(opts.service.clone())
            .and_then(|s| s.probe().map(|()| s))
        {
            Ok(s) => {
                let reason = format!("OS credential store ({}) is usable", s.label());
                tracing::info!(backend = ?Backend::OsKeychain, %reason, "bosso-vault backend chosen");
                return Ok((
                    DefaultStore::OsKeychain(s),
                    BackendChoice {
                        backend: Backend::OsKeychain,
                        reason,
                    },
                ));
            }
            Err(e) => why.push(format!("OS store not usable ({e})")),
        }
        #[cfg(not(feature = "keyring"))]
        why.push("built without an OS store feature".to_owned());
    }
    let dir = opts
        .dir
        .clone()
        .or_else(|| default_dir(&opts.service))
        .ok_or_else(|| {
            Error::NoBackend(format!(
                "{}; no directory for a vault file (HOME unset)",
                why.join("; ")
            ))
        })?;
    create_private_dir(&dir)?;
    let (store, backend, reason) = if let Some(opt_in) = opts.insecure_plaintext {
        let path = dir.join("secrets.plain");
        let reason = format!(
            "{}; INSECURE plaintext file {} opted in",
            why.join("; "),
            path.display()
        );
        (
            DefaultStore::InsecurePlaintext(PlaintextFileStore::allow_insecure(path, opt_in)?),
            Backend::InsecurePlaintextFile,
            reason,
        )
    } else {
        let path = dir.join("secrets.vault");
        let (key, how) = match opts.passphrase {
            Some(p) => (KeySource::passphrase(p), "passphrase (Argon2id)"),
            None => (
                KeySource::KeyFile(dir.join("secrets.key")),
                "per-install key file",
            ),
        };
        let reason = format!(
            "{}; encrypted file {} with {how}",
            why.join("; "),
            path.display()
        );
        (
            DefaultStore::EncryptedFile(Box::new(EncryptedFileStore::open(path, key)?)),
            Backend::EncryptedFile,
            reason,
        )
    };
    tracing::info!(?backend, %reason, "bosso-vault backend chosen");
    Ok((store, BackendChoice { backend, reason }))
}

impl SecretStore for DefaultStore {
    fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "keyring")]
            Self::OsKeychain(s) => s.backend(),
            Self::EncryptedFile(s) => s.backend(),
            Self::InsecurePlaintext(s) => s.backend(),
        }
    }

    async fn get(&self, name: &EntryName) -> Result<Option<SecretBytes>, Error> {
        match self {
            #[cfg(feature = "keyring")]
            Self::OsKeychain(s) => s.get(name).await,
            Self::EncryptedFile(s) => s.get(name).await,
            Self::InsecurePlaintext(s) => s.get(name).await,
        }
    }

    async fn put(&self, name: &EntryName, value: &SecretBytes) -> Result<(), Error> {
        match self {
            #[cfg(feature = "keyring")]
            Self::OsKeychain(s) => s.put(name, value).await,
            Self::EncryptedFile(s) => s.put(name, value).await,
            Self::InsecurePlaintext(s) => s.put(name, value).await,
        }
    }

    async fn delete(&self, name: &EntryName) -> Result<bool, Error> {
        match self {
            #[cfg(feature = "keyring")]
            Self::OsKeychain(s) => s.delete(name).await,
            Self::EncryptedFile(s) => s.delete(name).await,
            Self::InsecurePlaintext(s) => s.delete(name).await,
        }
    }

    async fn list(&self) -> Result<Vec<EntryName>, Error> {
        match self {
            #[cfg(feature = "keyring")]
            Self::OsKeychain(s) => s.list().await,
            Self::EncryptedFile(s) => s.list().await,
            Self::InsecurePlaintext(s) => s.list().await,
        }
    }
}
