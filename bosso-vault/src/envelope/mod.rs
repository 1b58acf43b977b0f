//! Envelope encryption for server-side secrets, in the manner of Google Tink's keysets.
//!
//! - A [`EnvelopeKeyset`] holds keys by [`KeyId`] with one primary; keys are enabled, disabled or
//!   destroyed. Encryption uses the primary; decryption finds the key by the id in the
//!   ciphertext. [`EnvelopeKeyset::rotate`] adds a new primary while old ciphertexts still decrypt;
//!   [`EnvelopeKeyset::reencrypt_all`] moves data to the primary and reports progress.
//! - Every ciphertext starts with the format version and the key id (see [`CiphertextHeader`]).
//! - Associated data is mandatory: a [`Context`] names tenant, table, column and row, so a
//!   ciphertext moved to another row or tenant fails to decrypt.
//! - Per-tenant keys: every message key is derived (HKDF-SHA256) from the keyset key *and the
//!   tenant*, so no tenant's derived key decrypts another tenant's data.
//! - The keyset is stored sealed ([`SealedEnvelopeKeyset`]) under a [`KeyEncryptionKey`] the host
//!   provides: [`LocalKek`], [`StoreKek`] (a key kept in any [`SecretStore`](crate::SecretStore),
//!   such as the OS store), or a KMS adapter.

mod ciphertext;
mod context;
mod kek;
mod keyset;
mod rewrap;

pub use ciphertext::{CIPHERTEXT_OVERHEAD, CIPHERTEXT_VERSION, CiphertextHeader};
pub use context::{Context, MAX_FIELD_LEN, TenantId};
pub use kek::{KeyEncryptionKey, LocalKek, SealedEnvelopeKeyset, StoreKek};
pub use keyset::{EnvelopeKeyset, KeyId, KeyInfo, KeyStatus, MAX_KEYS};
pub use rewrap::Progress;
