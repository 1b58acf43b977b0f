//! # bosso-vault
//!
//! **Security contract.** Secrets stay on the machine: in the OS credential store, or in an
//! encrypted, authenticated vault file whose key is a per-install random key (in its own
//! `0600` file) or a user passphrase (Argon2id). A plaintext file is used only after an
//! explicit [`PlaintextFileStore::allow_insecure`] call, which logs a warning. Server-side
//! secrets are sealed with an envelope [`EnvelopeKeyset`]: key ids in every ciphertext, mandatory
//! associated data naming the context (tenant, table, column, row), per-tenant keys, rotation
//! and re-encryption, and the keyset itself sealed under a key-encryption key.
//!
//! ## Quickstart
//!
//! ```
//! use bosso_vault::{EncryptedFileStore, EntryName, KeySource, SecretStore};
//! use secrecy::{ExposeSecret, SecretSlice};
//!
//! # async fn demo() -> Result<(), bosso_vault::Error> {
//! let dir = std::env::temp_dir().join(format!("bosso-vault-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).ok();
//! // First use of this location: create the vault (later runs call `open`, which never creates).
//! let store = EncryptedFileStore::open_or_create(dir.join("secrets.vault"), KeySource::KeyFile(dir.join("secrets.key")))?;
//! let name = EntryName::new("github/token")?;
//! store.put(&name, &SecretSlice::from(b"ghp_example".to_vec())).await?;
//! let back = store.get(&name).await?.expect("stored");
//! assert_eq!(back.expose_secret(), b"ghp_example");
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(()) }
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo()).unwrap();
//! ```
//!
//! Envelope encryption of a database column:
//!
//! ```
//! use bosso_vault::envelope::{Context, EnvelopeKeyset, TenantId};
//!
//! # fn demo() -> Result<(), bosso_vault::Error> {
//! let mut keyset = EnvelopeKeyset::generate()?;
//! let ctx = Context::new(TenantId::new("acme")?, "integrations", "api_key", "42")?;
//! let ct = keyset.encrypt(&ctx, b"sk_live_example")?;
//! keyset.rotate()?; // new primary; old ciphertexts still decrypt
//! assert_eq!(keyset.decrypt(&ctx, &ct)?.as_slice(), b"sk_live_example");
//! let other_row = Context::new(TenantId::new("acme")?, "integrations", "api_key", "43")?;
//! assert!(keyset.decrypt(&other_row, &ct).is_err());
//! # Ok(()) }
//! # demo().unwrap();
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod aead;
mod bytes;
mod default;
pub mod envelope;
mod error;
mod file;
mod keyed;
#[cfg(feature = "keyring")]
mod keyring_store;
mod memory;
mod name;
mod plaintext;
mod store;

pub use default::{BackendChoice, DefaultOptions, DefaultStore, open_default};
pub use envelope::EnvelopeKeyset;
pub use error::Error;
pub use file::EncryptedFileStore;
pub use file::format::{KdfParams, MAX_ENTRIES, MAX_VALUE_LEN, VaultFileInfo, inspect_vault_file};
pub use file::key::{
    Argon2Params, HEADER_CEILING_M_KIB, HEADER_CEILING_P, HEADER_CEILING_WORK_FACTOR, KeySource,
};
pub use keyed::{KeyedSecret, MAX_KEY_ID_LEN, decode_keyed, encode_keyed, get_keyed, put_keyed};
#[cfg(feature = "keyring")]
pub use keyring_store::KeyringStore;
pub use memory::MemoryStore;
pub use name::{EntryName, MAX_NAME_LEN};
pub use plaintext::{InsecureOptIn, PlaintextFileStore, inspect_plaintext_file};
/// The `secrecy` crate this API is written in (`SecretBytes`, `SecretString`,
/// `ExposeSecret`), so callers use the same version without depending on it themselves.
pub use secrecy;
pub use store::{Backend, BoxFuture, DynSecretStore, SecretBytes, SecretStore};

// The README's snippets run as doctests, so a stale one fails `cargo test`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
