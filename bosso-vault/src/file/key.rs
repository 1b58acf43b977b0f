//! Where the vault's root key comes from: a per-install key file or a passphrase (Argon2id).

use std::path::{Path, PathBuf};

use ring::{hkdf, hmac};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::format::KdfParams;
use super::io;
use crate::Error;
use crate::aead::{KEY_LEN, RootKey};

const KEY_FILE_MAGIC: &[u8; 8] = b"BOSSOKEY";
const KEY_FILE_VERSION: u8 = 1;
const KEY_FILE_LEN: usize = 8 + 1 + KEY_LEN;

/// Argon2id cost parameters for a passphrase-protected vault.
///
/// The default is RFC 9106's second recommended option with one lane (64 MiB, 3 passes):
/// about a quarter second per unlock on a laptop. [`Argon2Params::new`] accepts up to 1 GiB,
/// 32 passes, 16 lanes.
///
/// Parameters read from a vault file's (unauthenticated) header are held to a ceiling
/// relative to the caller's own `params`, checked before any hashing: the header's work
/// (memory × passes, which is what Argon2's running time grows with) at most
/// [`HEADER_CEILING_WORK_FACTOR`] (4) times the caller's, its memory at most
/// [`HEADER_CEILING_M_KIB`] (256 MiB) or the caller's memory where higher, its lanes at most
/// [`HEADER_CEILING_P`] or the caller's where higher. With the default parameters a crafted
/// header can make `open` do at most four default unlocks' worth of Argon2 (e.g. 256 MiB ×
/// 3 passes, or 64 MiB × 12) and allocate at most 256 MiB. A vault created with stronger
/// parameters is opened by passing parameters at least a quarter as costly (in memory ×
/// passes) again, typically the same ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
}

/// Largest accepted Argon2 memory cost (1 GiB).
pub const MAX_ARGON2_M_KIB: u32 = 1 << 20;
const MAX_ARGON2_T: u32 = 32;
const MAX_ARGON2_P: u32 = 16;
/// Highest Argon2 memory cost (KiB) accepted from a vault header unless the caller's
/// parameters are higher (256 MiB, four times the default).
pub const HEADER_CEILING_M_KIB: u32 = 256 * 1024;
/// A vault header may ask for at most this many times the caller's Argon2 work
/// (memory × passes).
pub const HEADER_CEILING_WORK_FACTOR: u64 = 4;
/// Highest Argon2 lane count accepted from a vault header unless the caller's is higher.
pub const HEADER_CEILING_P: u32 = 4;

impl Argon2Params {
    /// Checks the bounds: 1 ≤ p ≤ 16, 8·p KiB ≤ memory ≤ 1 GiB, 1 ≤ passes ≤ 32.
    pub fn new(m_cost_kib: u32, t_cost: u32, p_cost: u32) -> Result<Self, Error> {
        if !(1..=MAX_ARGON2_P).contains(&p_cost)
            || !(1..=MAX_ARGON2_T).contains(&t_cost)
            || m_cost_kib > MAX_ARGON2_M_KIB
            || m_cost_kib < 8u32.saturating_mul(p_cost)
        {
            return Err(Error::Kdf("argon2 parameters out of range"));
        }
        Ok(Self {
            m_cost_kib,
            t_cost,
            p_cost,
        })
    }

    pub(crate) fn from_header(kdf: KdfParams) -> Result<Self, Error> {
        match kdf {
            KdfParams::Argon2id {
                m_cost_kib,
                t_cost,
                p_cost,
            } => Self::new(m_cost_kib, t_cost, p_cost),
            KdfParams::KeyFile => Err(Error::WrongKey),
        }
    }

    /// Argon2's work in KiB-passes: its running time grows with memory × passes (lanes
    /// split the memory; they do not add work).
    fn work(self) -> u64 {
        u64::from(self.m_cost_kib) * u64::from(self.t_cost)
    }

    /// Refuses header parameters above the ceiling relative to the caller's own parameters
    /// (see the type's documentation).
    pub(crate) fn within_ceiling(self, caller: Self) -> Result<Self, Error> {
        if self.work() > caller.work().saturating_mul(HEADER_CEILING_WORK_FACTOR)
            || self.m_cost_kib > HEADER_CEILING_M_KIB.max(caller.m_cost_kib)
            || self.p_cost > HEADER_CEILING_P.max(caller.p_cost)
        {
            return Err(Error::Kdf(
                "argon2 parameters in the vault header exceed the ceiling \
                 (pass parameters at least as high to open this vault)",
            ));
        }
        Ok(self)
    }

    pub(crate) fn to_header(self) -> KdfParams {
        KdfParams::Argon2id {
            m_cost_kib: self.m_cost_kib,
            t_cost: self.t_cost,
            p_cost: self.p_cost,
        }
    }
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            m_cost_kib: 64 * 1024,
            t_cost: 3,
            p_cost: 1,
        }
    }
}

/// How an [`EncryptedFileStore`](crate::EncryptedFileStore) gets its root key.
#[derive(Debug)]
#[non_exhaustive]
pub enum KeySource {
    /// A random 256-bit per-install key in its own file (created `0600` with the vault;
    /// never created for an existing vault).
    /// Protects against copies of the vault alone (backups, sync folders), not against
    /// someone who also has the key file.
    KeyFile(PathBuf),
    /// A user passphrase stretched with Argon2id. `params` apply when the vault is created;
    /// an existing vault uses the parameters in its header.
    Passphrase {
        /// The passphrase (zeroized on drop, redacted in `Debug`).
        passphrase: SecretString,
        /// Cost parameters for a new vault.
        params: Argon2Params,
    },
}

impl KeySource {
    /// A passphrase with the default Argon2id parameters.
    pub fn passphrase(passphrase: SecretString) -> Self {
        Self::Passphrase {
            passphrase,
            params: Argon2Params::default(),
        }
    }

    /// Removes key-file temp files whose writer process is gone (a key file may be shared
    /// by several vaults with different locks, so only dead writers' temps are stale).
    pub(crate) fn remove_stale_temps(&self) {
        if let Self::KeyFile(path) = self {
            io::remove_stale_temps(path, io::Stale::DeadWriters);
        }
    }

    /// The KDF to record in a new vault's header.
    pub(crate) fn header_kdf(&self) -> KdfParams {
        match self {
            Self::KeyFile(_) => KdfParams::KeyFile,
            Self::Passphrase { params, .. } => params.to_header(),
        }
    }

    /// The root key for a vault whose header records `kdf` and `salt`. `create` allows making
    /// a missing key file (only when the vault itself is being created).
    pub(crate) fn root_key(
        &self,
        kdf: KdfParams,
        salt: &[u8; 16],
        create: bool,
    ) -> Result<RootKey, Error> {
        match (self, kdf) {
            (Self::KeyFile(path), KdfParams::KeyFile) => read_or_create_key_file(path, create),
            (Self::Passphrase { passphrase, params }, KdfParams::Argon2id { .. }) => {
                // Checked before any hashing: the header is not authenticated yet.
                let p = Argon2Params::from_header(kdf)?.within_ceiling(*params)?;
                let mut out = Zeroizing::new([0u8; KEY_LEN]);
                argon2id_raw(
                    passphrase.expose_secret().as_bytes(),
                    salt,
                    p,
                    &[],
                    &[],
                    out.as_mut(),
                )?;
                Ok(out)
            }
            // The vault was made with the other kind of key: it cannot be the right key.
            _ => Err(Error::WrongKey),
        }
    }
}

/// Argon2id v0x13 with optional secret and associated data (the RFC 9106 vector uses both).
pub(crate) fn argon2id_raw(
    password: &[u8],
    salt: &[u8],
    p: Argon2Params,
    secret: &[u8],
    ad: &[u8],
    out: &mut [u8],
) -> Result<(), Error> {
    let mut b = argon2::ParamsBuilder::new();
    b.m_cost(p.m_cost_kib)
        .t_cost(p.t_cost)
        .p_cost(p.p_cost)
        .output_len(out.len());
    if !ad.is_empty() {
        b.data(argon2::AssociatedData::new(ad).map_err(|_| Error::Kdf("argon2 associated data"))?);
    }
    let params = b.build().map_err(|_| Error::Kdf("argon2 parameters"))?;
    let a = if secret.is_empty() {
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
    } else {
        argon2::Argon2::new_with_secret(
            secret,
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            params,
        )
        .map_err(|_| Error::Kdf("argon2 secret"))?
    };
    a.hash_password_into(password, salt, out)
        .map_err(|_| Error::Kdf("argon2"))
}

fn read_or_create_key_file(path: &Path, create: bool) -> Result<RootKey, Error> {
    match io::read_private(path, KEY_FILE_LEN) {
        Ok(bytes) => parse_key_file(&bytes),
        Err(e) if create && io::is_not_found(&e) => {
            let key = crate::aead::random_key()?;
            let mut contents = Zeroizing::new(Vec::with_capacity(KEY_FILE_LEN));
            contents.extend_from_slice(KEY_FILE_MAGIC);
            contents.push(KEY_FILE_VERSION);
            contents.extend_from_slice(key.as_ref());
            // create_new: if another process created it meanwhile, read theirs instead.
            match io::write_new_private(path, &contents) {
                Ok(()) => Ok(key),
                Err(e) if io::is_already_exists(&e) => {
                    parse_key_file(&io::read_private(path, KEY_FILE_LEN)?)
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

fn parse_key_file(bytes: &[u8]) -> Result<RootKey, Error> {
    const WHAT: &str = "key file";
    let mut r = crate::bytes::Reader::new(bytes, WHAT);
    if r.take(8)? != KEY_FILE_MAGIC {
        return Err(Error::malformed(WHAT, "bad magic"));
    }
    if r.u8()? != KEY_FILE_VERSION {
        return Err(Error::UnsupportedVersion { what: WHAT });
    }
    let key = Zeroizing::new(r.array::<KEY_LEN>()?);
    r.finish()?;
    Ok(key)
}

/// The keys one vault uses, derived from its root key and store id. Both are kept as bytes in
/// `Zeroizing` (wiped on drop); the ring HMAC key is rebuilt per use by [`FileKeys::mac`]
/// because ring's key objects are not wiped when dropped.
pub(crate) struct FileKeys {
    mac: RootKey,
    pub(crate) entry: RootKey,
}

impl FileKeys {
    /// The HMAC key, built for one use (its ring state lives only for that call).
    pub(crate) fn mac(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, self.mac.as_ref())
    }
}

struct Len(usize);
impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

pub(crate) fn derive_file_keys(root: &[u8], store_id: &[u8; 16]) -> Result<FileKeys, Error> {
    // ring's transient PRK (an HMAC key state) is not wiped; it lives only for this call.
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, store_id).extract(root);
    let mut mac = Zeroizing::new([0u8; KEY_LEN]);
    prk.expand(&[b"bosso-vault/v1/file-mac"], Len(KEY_LEN))
        .and_then(|okm| okm.fill(mac.as_mut()))
        .map_err(|_| Error::Kdf("hkdf expand"))?;
    let mut entry = Zeroizing::new([0u8; KEY_LEN]);
    prk.expand(&[b"bosso-vault/v1/entry"], Len(KEY_LEN))
        .and_then(|okm| okm.fill(entry.as_mut()))
        .map_err(|_| Error::Kdf("hkdf expand"))?;
    Ok(FileKeys { mac, entry })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 9106 section 5.3 (Argon2id) through the same function the passphrase path uses.
    #[test]
    fn argon2id_rfc9106_vector() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/vectors/rfc/rfc9106_argon2.json"
        );
        let text = std::fs::read_to_string(path).unwrap();
        // Tiny field extraction: the file is fixed public data.
        let field = |k: &str| {
            let start = text.find("rfc9106_5_3_argon2id").unwrap();
            let sub = &text[start..];
            let at = sub.find(&format!("\"{k}\"")).unwrap();
            let rest = &sub[at + k.len() + 2..];
            let q1 = rest.find('"').unwrap();
            let q2 = rest[q1 + 1..].find('"').unwrap();
            rest[q1 + 1..q1 + 1 + q2].to_owned()
        };
        let mut out = [0u8; 32];
        argon2id_raw(
            &hex(&field("password_hex")),
            &hex(&field("salt_hex")),
            Argon2Params::new(32, 3, 4).unwrap(),
            &hex(&field("secret_hex")),
            &hex(&field("associated_data_hex")),
            &mut out,
        )
        .unwrap();
        assert_eq!(out.to_vec(), hex(&field("tag_hex")));
    }

    #[test]
    fn params_bounds() {
        assert!(Argon2Params::new(MAX_ARGON2_M_KIB + 1, 1, 1).is_err());
        assert!(Argon2Params::new(7, 1, 1).is_err());
        assert!(Argon2Params::new(64, 0, 1).is_err());
        assert!(Argon2Params::new(64, 1, 17).is_err());
        assert!(Argon2Params::new(64, 1, 1).is_ok());
    }

    /// The ceiling is on memory × passes (what Argon2's time grows with), relative to the
    /// caller's own parameters: four times their work, memory at most max(256 MiB, theirs).
    #[test]
    fn header_ceiling_is_on_work_relative_to_the_caller() {
        const MIB: u32 = 1024;
        let p = |m, t, l| Argon2Params::new(m, t, l).unwrap();
        let d = Argon2Params::default();
        assert_eq!((d.m_cost_kib, d.t_cost, d.p_cost), (64 * MIB, 3, 1));
        // The header: 256 MiB × 8 passes is 10.7 times the default's work.
        assert!(p(256 * MIB, 8, 1).within_ceiling(d).is_err());
        // Exactly four default unlocks, split any way: allowed; one pass more: refused.
        for (m, t) in [
            (256 * MIB, 3),
            (64 * MIB, 12),
            (192 * MIB, 4),
            (128 * MIB, 6),
        ] {
            assert!(p(m, t, 1).within_ceiling(d).is_ok(), "{m} {t}");
        }
        for (m, t) in [(64 * MIB, 13), (192 * MIB, 5), (128 * MIB, 7)] {
            assert!(p(m, t, 1).within_ceiling(d).is_err(), "{m} {t}");
        }
        // Memory is capped on its own (within the work budget, above 256 MiB): refused.
        assert!(p(256 * MIB + 1, 1, 1).within_ceiling(d).is_err());
        assert!(p(512 * MIB, 1, 1).within_ceiling(d).is_err());
        // Lanes: up to 4 unless the caller uses more.
        assert!(p(64 * MIB, 3, 4).within_ceiling(d).is_ok());
        assert!(p(64 * MIB, 3, 5).within_ceiling(d).is_err());
        assert!(p(64 * MIB, 3, 8).within_ceiling(p(64 * MIB, 3, 8)).is_ok());
        // A stronger caller raises both the work and the memory ceiling.
        let strong = p(1024 * MIB, 4, 1);
        assert!(p(1024 * MIB, 16, 1).within_ceiling(strong).is_ok());
        assert!(p(1024 * MIB, 17, 1).within_ceiling(strong).is_err());
    }

    #[test]
    fn key_source_debug_hides_passphrase() {
        let k = KeySource::passphrase(SecretString::from("hunter2-correct-horse"));
        assert!(!format!("{k:?}").contains("hunter2"));
    }
}
