//! The vault file format, version 1 (SPEC.md in the crate folder describes it byte by byte).
//!
//! This module only parses and serializes; authentication (the file MAC and the entry AEADs)
//! is checked by the store, which holds the key.

use std::collections::BTreeMap;

use crate::bytes::Reader;
use crate::{EntryName, Error};

pub(crate) const MAGIC: &[u8; 8] = b"BOSSOVLT";
pub(crate) const VERSION: u8 = 1;
const WHAT: &str = "vault file";
const KDF_KEY_FILE: u8 = 1;
const KDF_ARGON2ID: u8 = 2;
/// Bytes covered by the key check: magic through store id.
pub(crate) const KEY_CHECK_INPUT_LEN: usize = 54;
pub(crate) const MAC_LEN: usize = 32;

/// The most entries a vault file holds.
pub const MAX_ENTRIES: usize = 4096;
/// The largest secret value, in bytes.
pub const MAX_VALUE_LEN: usize = 64 * 1024;
/// The largest vault file this build reads; larger files are refused before parsing.
pub const MAX_FILE_LEN: usize = 90 + MAC_LEN + MAX_ENTRIES * (2 + 128 + 4 + MAX_VALUE_LEN + 40);

/// How the vault's root key is obtained; stored in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfParams {
    /// A random 256-bit key kept in its own 0600 key file beside the vault.
    KeyFile,
    /// Argon2id (v0x13) over a user passphrase.
    Argon2id {
        /// Memory in KiB.
        m_cost_kib: u32,
        /// Passes.
        t_cost: u32,
        /// Lanes.
        p_cost: u32,
    },
}

/// The fixed-size header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) kdf: KdfParams,
    pub(crate) salt: [u8; 16],
    pub(crate) store_id: [u8; 16],
    pub(crate) key_check: [u8; 32],
}

impl Header {
    /// Magic through store id: the input of the key check.
    pub(crate) fn key_check_input(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(KEY_CHECK_INPUT_LEN);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        let (kind, m, t, p) = match self.kdf {
            KdfParams::KeyFile => (KDF_KEY_FILE, 0, 0, 0),
            KdfParams::Argon2id {
                m_cost_kib,
                t_cost,
                p_cost,
            } => (KDF_ARGON2ID, m_cost_kib, t_cost, p_cost),
        };
        out.push(kind);
        out.extend_from_slice(&m.to_be_bytes());
        out.extend_from_slice(&t.to_be_bytes());
        out.extend_from_slice(&p.to_be_bytes());
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&self.store_id);
        out
    }
}

/// A parsed, not yet authenticated, vault file borrowing the input.
#[derive(Debug)]
pub(crate) struct Parsed<'a> {
    pub(crate) header: Header,
    /// Sealed values by name, in strictly increasing name order.
    pub(crate) entries: BTreeMap<EntryName, &'a [u8]>,
    /// Everything the file MAC covers.
    pub(crate) authenticated: &'a [u8],
    pub(crate) mac: [u8; MAC_LEN],
}

/// Parses a vault file. Rejects anything non-canonical (unsorted or duplicate names, trailing
/// bytes, out-of-range sizes), so one file has exactly one meaning.
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed<'_>, Error> {
    if bytes.len() > MAX_FILE_LEN {
        return Err(Error::TooLarge);
    }
    let split = bytes
        .len()
        .checked_sub(MAC_LEN)
        .ok_or(Error::malformed(WHAT, "truncated"))?;
    let (authenticated, mac) = bytes
        .split_at_checked(split)
        .ok_or(Error::malformed(WHAT, "truncated"))?;
    let mac = <[u8; MAC_LEN]>::try_from(mac).map_err(|_| Error::malformed(WHAT, "truncated"))?;
    let mut r = Reader::new(authenticated, WHAT);
    if r.take(8)? != MAGIC {
        return Err(Error::malformed(WHAT, "not a bosso vault file (bad magic)"));
    }
    if r.u8()? != VERSION {
        return Err(Error::UnsupportedVersion { what: WHAT });
    }
    let kind = r.u8()?;
    let (m, t, p) = (r.u32()?, r.u32()?, r.u32()?);
    let kdf = match kind {
        KDF_KEY_FILE if (m, t, p) == (0, 0, 0) => KdfParams::KeyFile,
        KDF_ARGON2ID => KdfParams::Argon2id {
            m_cost_kib: m,
            t_cost: t,
            p_cost: p,
        },
        _ => return Err(Error::malformed(WHAT, "unknown key derivation")),
    };
    let header = Header {
        kdf,
        salt: r.array()?,
        store_id: r.array()?,
        key_check: r.array()?,
    };
    let count = usize::try_from(r.u32()?).map_err(|_| Error::TooLarge)?;
    if count > MAX_ENTRIES {
        return Err(Error::malformed(WHAT, "too many entries"));
    }
    let mut entries = BTreeMap::new();
    let mut last: Option<EntryName> = None;
    for _ in 0..count {
        let name_len = usize::from(r.u16()?);
        let name = EntryName::from_bytes(r.take(name_len)?)
            .map_err(|_| Error::malformed(WHAT, "invalid entry name"))?;
        if last.as_ref().is_some_and(|l| *l >= name) {
            return Err(Error::malformed(WHAT, "entry names not strictly sorted"));
        }
        let ct_len = usize::try_from(r.u32()?).map_err(|_| Error::TooLarge)?;
        if !(crate::aead::OVERHEAD..=MAX_VALUE_LEN + crate::aead::OVERHEAD).contains(&ct_len) {
            return Err(Error::malformed(WHAT, "entry length out of range"));
        }
        let ct = r.take(ct_len)?;
        last = Some(name.clone());
        entries.insert(name, ct);
    }
    r.finish()?;
    Ok(Parsed {
        header,
        entries,
        authenticated,
        mac,
    })
}

/// Serializes a header and sealed entries; returns the bytes the MAC must cover (the caller
/// appends the MAC).
pub(crate) fn serialize<V: AsRef<[u8]>>(
    header: &Header,
    entries: &BTreeMap<EntryName, V>,
) -> Result<Vec<u8>, Error> {
    if entries.len() > MAX_ENTRIES {
        return Err(Error::StoreFull);
    }
    let mut out = header.key_check_input();
    out.extend_from_slice(&header.key_check);
    let count = u32::try_from(entries.len()).map_err(|_| Error::StoreFull)?;
    out.extend_from_slice(&count.to_be_bytes());
    for (name, ct) in entries {
        let ct = ct.as_ref();
        crate::bytes::put_u16_prefixed(&mut out, name.as_str().as_bytes());
        let len = u32::try_from(ct.len()).map_err(|_| Error::TooLarge)?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(ct);
    }
    Ok(out)
}

/// What a vault file says about itself without any key: for tools and fuzzing.
///
/// Entry names are stored in the clear (they are bound to their values by the AEAD); values
/// and the MAC are not checked here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultFileInfo {
    /// Format version.
    pub version: u8,
    /// Key derivation recorded in the header.
    pub kdf: KdfParams,
    /// Entry names, sorted.
    pub names: Vec<EntryName>,
}

/// Parses (without authenticating) a vault file's structure. Never panics on any input.
pub fn inspect_vault_file(bytes: &[u8]) -> Result<VaultFileInfo, Error> {
    let p = parse(bytes)?;
    Ok(VaultFileInfo {
        version: VERSION,
        kdf: p.header.kdf,
        names: p.entries.into_keys().collect(),
    })
}
