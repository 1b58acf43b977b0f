//! `open_default`: the most secure backend usable here, and why it was chosen.

use std::path::{Path, PathBuf};

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
    /// Skip the OS credential store (for tests, or hosts that forbid it). When an earlier run
    /// recorded the OS store for this directory, `open_default` then fails instead.
    pub skip_os_store: bool,
    /// Allow a plaintext file as the last resort, when neither the OS store nor the encrypted
    /// file is usable. Refused together with `passphrase`.
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

/// The marker file, in the vault directory, that records the backend chosen on the first run.
const MARKER_FILE: &str = "backend";
const MARKER_HEADER: &str = "bosso-vault backend v1";
const MARKER_MAX_LEN: usize = 256;

fn marker_tag(backend: Backend) -> &'static str {
    match backend {
        Backend::Memory => "memory",
        Backend::OsKeychain => "os-keychain",
        Backend::EncryptedFile => "encrypted-file",
        Backend::InsecurePlaintextFile => "insecure-plaintext-file",
    }
}

/// The backend an earlier run recorded in `dir`, if any. A directory from before the marker
/// existed that already holds a vault or plaintext file counts as having chosen it.
fn recorded_backend(dir: &Path) -> Result<Option<Backend>, Error> {
    const WHAT: &str = "backend marker file";
    match crate::file::io::read_private(&dir.join(MARKER_FILE), MARKER_MAX_LEN) {
        Ok(bytes) => {
            let text =
                std::str::from_utf8(&bytes).map_err(|_| Error::malformed(WHAT, "not UTF-8"))?;
            let mut lines = text.lines();
            if lines.next() != Some(MARKER_HEADER) {
                return Err(Error::malformed(WHAT, "bad header line"));
            }
            let tag = lines.next().unwrap_or_default();
            [
                Backend::OsKeychain,
                Backend::EncryptedFile,
                Backend::InsecurePlaintextFile,
            ]
            .into_iter()
            .find(|b| marker_tag(*b) == tag)
            .map(Some)
            .ok_or_else(|| Error::malformed(WHAT, "unknown backend"))
        }
        Err(e) if crate::file::io::is_not_found(&e) => {
            // `symlink_metadata`: a link planted there counts as present (and is then refused
            // by the store), never as a reason to choose again.
            let present = |name: &str| std::fs::symlink_metadata(dir.join(name)).is_ok();
            if present(VAULT_FILE) {
                Ok(Some(Backend::EncryptedFile))
            } else if present(PLAIN_FILE) {
                Ok(Some(Backend::InsecurePlaintextFile))
            } else {
                Ok(None)
            }
        }
        Err(e) => Err(e),
    }
}

/// Records `backend` in `dir` (0600, created atomically, never overwritten). If another
/// process recorded a different one meanwhile, that is an error.
fn record_backend(dir: &Path, backend: Backend) -> Result<(), Error> {
    let contents = format!("{MARKER_HEADER}\n{}\n", marker_tag(backend));
    match crate::file::io::write_new_private(&dir.join(MARKER_FILE), contents.as_bytes()) {
        Ok(()) => Ok(()),
        Err(e) if crate::file::io::is_already_exists(&e) => match recorded_backend(dir)? {
            Some(b) if b == backend => Ok(()),
            _ => Err(Error::NoBackend(
                "another process recorded a different backend for this directory".to_owned(),
            )),
        },
        Err(e) => Err(e),
    }
}

const VAULT_FILE: &str = "secrets.vault";
const PLAIN_FILE: &str = "secrets.plain";

#[cfg(feature = "keyring")]
fn open_os_store(service: &str) -> Result<crate::KeyringStore, Error> {
    crate::KeyringStore::platform(service.to_owned()).and_then(|s| s.probe().map(|()| s))
}

#[cfg(not(feature = "keyring"))]
fn open_os_store(_service: &str) -> Result<std::convert::Infallible, Error> {
    Err(Error::Keyring(
        "built without an OS store feature".to_owned(),
    ))
}

/// Opens the most secure usable store and pins that choice for later runs.
///
/// First run in a directory: the OS credential store when one is compiled in and answers a
/// probe; otherwise the encrypted vault file (key file, or passphrase when given); a plaintext
/// file only when `insecure_plaintext` is set **and** the encrypted file cannot be created
/// (an I/O failure; a security error such as a wrong passphrase or a tampered vault is
/// returned, never downgraded). A passphrase together with `insecure_plaintext` is refused
/// ([`Error::NoBackend`]): the caller asked for two contradictory things.
///
/// The chosen backend is recorded in `<dir>/backend` (0600). Later runs use the recorded
/// backend and fail with [`Error::NoBackend`] when it is unusable (e.g. a locked or absent
/// Secret Service) instead of silently opening another store that lacks the secrets. A
/// recorded vault (or plaintext) file that is missing is [`Error::VaultMissing`]: nothing is
/// created, so a lost vault is never replaced by an empty one and a mistyped passphrase never
/// becomes a new vault's passphrase. Delete the marker to choose again. When no directory is known (no `dir`, `HOME` unset) and the OS
/// store is usable, nothing is recorded.
pub fn open_default(opts: DefaultOptions) -> Result<(DefaultStore, BackendChoice), Error> {
    if opts.passphrase.is_some() && opts.insecure_plaintext.is_some() {
        return Err(Error::NoBackend(
            "a passphrase and the insecure plaintext opt-in were both given; \
             a passphrase means an encrypted vault, so drop the opt-in"
                .to_owned(),
        ));
    }
    let dir = opts.dir.clone().or_else(|| default_dir(&opts.service));
    let recorded = match &dir {
        Some(d) if d.exists() => {
            let marker = d.join(MARKER_FILE);
            crate::file::io::remove_stale_temps(&marker, crate::file::io::Stale::DeadWriters);
            recorded_backend(d)?
        }
        _ => None,
    };
    let (store, backend, reason) = match (recorded, dir) {
        (Some(b), Some(dir)) => open_recorded(b, opts, &dir)?,
        (_, dir) => choose(opts, dir)?,
    };
    tracing::info!(?backend, %reason, "bosso-vault backend chosen");
    Ok((store, BackendChoice { backend, reason }))
}

type Opened = (DefaultStore, Backend, String);

/// A later run: the recorded backend or an error.
fn open_recorded(recorded: Backend, opts: DefaultOptions, dir: &Path) -> Result<Opened, Error> {
    let marker = dir.join(MARKER_FILE);
    let pinned = format!("backend recorded in {} by an earlier run", marker.display());
    let unavailable = |why: String| {
        Error::NoBackend(format!(
            "{pinned} is {} but {why}; refusing to open another store that lacks its secrets \
             (fix it, or delete the marker to choose again)",
            marker_tag(recorded)
        ))
    };
    match recorded {
        Backend::OsKeychain => {
            if opts.skip_os_store {
                return Err(unavailable("the caller skipped the OS store".to_owned()));
            }
            match open_os_store(&opts.service) {
                #[cfg(feature = "keyring")]
                Ok(s) => {
                    let reason = format!("{pinned}: OS credential store ({})", s.label());
                    Ok((DefaultStore::OsKeychain(s), Backend::OsKeychain, reason))
                }
                #[cfg(not(feature = "keyring"))]
                Ok(never) => match never {},
                Err(e) => Err(unavailable(format!("it is not usable ({e})"))),
            }
        }
        Backend::InsecurePlaintextFile => {
            let Some(opt_in) = opts.insecure_plaintext else {
                return Err(unavailable(
                    "no insecure plaintext opt-in was given".to_owned(),
                ));
            };
            let path = dir.join(PLAIN_FILE);
            // Like the vault: a recorded store that is gone is an error, not a new empty one.
            if std::fs::symlink_metadata(&path).is_err() {
                return Err(Error::VaultMissing { path });
            }
            let reason = format!("{pinned}: INSECURE plaintext file {}", path.display());
            let store = PlaintextFileStore::allow_insecure(path, opt_in)?;
            Ok((DefaultStore::InsecurePlaintext(store), recorded, reason))
        }
        _ => {
            // Open only: a missing vault is `VaultMissing`, never a new empty vault (which
            // would also take a mistyped passphrase as the new one).
            let (store, how) = open_encrypted(dir, opts.passphrase, EncryptedFileStore::open)?;
            let reason = format!("{pinned}: encrypted file with {how}");
            Ok((store, Backend::EncryptedFile, reason))
        }
    }
}

fn open_encrypted(
    dir: &Path,
    passphrase: Option<SecretString>,
    open: fn(PathBuf, KeySource) -> Result<EncryptedFileStore, Error>,
) -> Result<(DefaultStore, &'static str), Error> {
    let (key, how) = match passphrase {
        Some(p) => (KeySource::passphrase(p), "passphrase (Argon2id)"),
        None => (
            KeySource::KeyFile(dir.join("secrets.key")),
            "per-install key file",
        ),
    };
    let store = open(dir.join(VAULT_FILE), key)?;
    Ok((DefaultStore::EncryptedFile(Box::new(store)), how))
}

/// A first run: the best usable backend, then recorded.
fn choose(opts: DefaultOptions, dir: Option<PathBuf>) -> Result<Opened, Error> {
    let mut why = Vec::new();
    if opts.skip_os_store {
        why.push("OS store skipped by the caller".to_owned());
    } else {
        match open_os_store(&opts.service) {
            #[cfg(feature = "keyring")]
            Ok(s) => {
                let mut reason = format!("OS credential store ({}) is usable", s.label());
                match dir {
                    Some(d) => {
                        create_private_dir(&d)?;
                        record_backend(&d, Backend::OsKeychain)?;
                    }
                    None => reason.push_str("; no directory to record the choice in"),
                }
                return Ok((DefaultStore::OsKeychain(s), Backend::OsKeychain, reason));
            }
            #[cfg(not(feature = "keyring"))]
            Ok(never) => match never {},
            Err(e) => why.push(format!("OS store not usable ({e})")),
        }
    }
    let dir = dir.ok_or_else(|| {
        Error::NoBackend(format!(
            "{}; no directory for a vault file (HOME unset)",
            why.join("; ")
        ))
    })?;
    create_private_dir(&dir)?;
    // The first run in this directory: the one place a vault is created implicitly.
    match open_encrypted(&dir, opts.passphrase, EncryptedFileStore::open_or_create) {
        Ok((store, how)) => {
            record_backend(&dir, Backend::EncryptedFile)?;
            let reason = format!(
                "{}; encrypted file {} with {how}",
                why.join("; "),
                dir.join(VAULT_FILE).display()
            );
            Ok((store, Backend::EncryptedFile, reason))
        }
        // Only an I/O failure (the encrypted store cannot be created here) lets the explicit
        // opt-in take over; a security error is always returned.
        Err(e @ Error::Io { .. }) => {
            let Some(opt_in) = opts.insecure_plaintext else {
                return Err(e);
            };
            let path = dir.join(PLAIN_FILE);
            let reason = format!(
                "{}; encrypted file not usable ({e}); INSECURE plaintext file {} opted in",
                why.join("; "),
                path.display()
            );
            let store = PlaintextFileStore::allow_insecure(path, opt_in)?;
            record_backend(&dir, Backend::InsecurePlaintextFile)?;
            Ok((
                DefaultStore::InsecurePlaintext(store),
                Backend::InsecurePlaintextFile,
                reason,
            ))
        }
        Err(e) => Err(e),
    }
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

    async fn put_if_absent(&self, name: &EntryName, value: &SecretBytes) -> Result<bool, Error> {
        match self {
            #[cfg(feature = "keyring")]
            Self::OsKeychain(s) => s.put_if_absent(name, value).await,
            Self::EncryptedFile(s) => s.put_if_absent(name, value).await,
            Self::InsecurePlaintext(s) => s.put_if_absent(name, value).await,
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
