//! The one authenticated-encryption construction every format of this crate uses.
//!
//! Each message gets its own AES-256-GCM key: `K_msg = HKDF-SHA256(salt = seed, ikm = root,
//! info = label)` with a fresh 192-bit random `seed`, and the GCM nonce is all zeros. Because a
//! key encrypts exactly one message, nonce reuse cannot happen and there is no per-key message
//! limit to track (random 96-bit GCM nonces under one long-lived key would cap a key at ~2^32
//! messages). Collisions of 192-bit seeds are negligible (2^-96 after 2^48 messages). The cost
//! is one HKDF per message, a few hundred nanoseconds (see the bench).
//!
//! Sealed layout: `seed (24) || ciphertext || tag (16)`.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::Error;

/// Bytes of the random per-message seed.
pub(crate) const SEED_LEN: usize = 24;
/// Bytes of the GCM tag.
pub(crate) const TAG_LEN: usize = 16;
/// What sealing adds to a plaintext.
pub(crate) const OVERHEAD: usize = SEED_LEN + TAG_LEN;
/// Bytes of every root key.
pub(crate) const KEY_LEN: usize = 32;

/// A 256-bit root key, zeroized on drop.
pub(crate) type RootKey = Zeroizing<[u8; KEY_LEN]>;

/// Fills `buf` from the OS random generator.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), Error> {
    SystemRandom::new().fill(buf).map_err(|_| Error::Random)
}

/// A fresh random root key.
pub(crate) fn random_key() -> Result<RootKey, Error> {
    let mut k = Zeroizing::new([0u8; KEY_LEN]);
    fill_random(k.as_mut())?;
    Ok(k)
}

fn message_key(root: &[u8], seed: &[u8], label: &[u8]) -> Result<LessSafeKey, Error> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, seed).extract(root);
    let info = [label];
    let okm = prk
        .expand(&info, &AES_256_GCM)
        .map_err(|_| Error::Kdf("hkdf expand"))?;
    Ok(LessSafeKey::new(UnboundKey::from(okm)))
}

/// Seals `plaintext` under `root`, binding `label` (the key's purpose) and `ad`.
pub(crate) fn seal(
    root: &[u8],
    label: &[u8],
    ad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut seed = [0u8; SEED_LEN];
    fill_random(&mut seed)?;
    seal_with_seed(root, &seed, label, ad, plaintext)
}

/// [`seal`] with a given seed: for known-answer tests only the caller picks the seed.
pub(crate) fn seal_with_seed(
    root: &[u8],
    seed: &[u8; SEED_LEN],
    label: &[u8],
    ad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let key = message_key(root, seed, label)?;
    let mut out = Vec::with_capacity(plaintext.len() + OVERHEAD);
    out.extend_from_slice(seed);
    out.extend_from_slice(plaintext);
    let body = out.get_mut(SEED_LEN..).ok_or(Error::TooLarge)?;
    let tag = key
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key([0u8; 12]), Aad::from(ad), body)
        .map_err(|_| Error::TooLarge)?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Opens what [`seal`] produced; any change of seed, ciphertext, tag, label, `ad` or key fails.
pub(crate) fn open(
    root: &[u8],
    label: &[u8],
    ad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let (seed, body) = sealed
        .split_at_checked(SEED_LEN)
        .ok_or(Error::DecryptFailed)?;
    if body.len() < TAG_LEN {
        return Err(Error::DecryptFailed);
    }
    let key = message_key(root, seed, label)?;
    let mut buf = Zeroizing::new(body.to_vec());
    let n = key
        .open_in_place(
            Nonce::assume_unique_for_key([0u8; 12]),
            Aad::from(ad),
            buf.as_mut_slice(),
        )
        .map_err(|_| Error::DecryptFailed)?
        .len();
    buf.truncate(n);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::{Aead, KeyInit, Payload};

    /// The construction recomputed with independent code (RustCrypto `hkdf` + `aes-gcm`).
    fn reference(root: &[u8], seed: &[u8], label: &[u8], ad: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut k = [0u8; 32];
        ::hkdf::Hkdf::<sha2::Sha256>::new(Some(seed), root)
            .expand(label, &mut k)
            .unwrap();
        let c = aes_gcm::Aes256Gcm::new_from_slice(&k).unwrap();
        let ct = c
            .encrypt(&[0u8; 12].into(), Payload { msg, aad: ad })
            .unwrap();
        [seed, &ct].concat()
    }

    #[test]
    fn matches_independent_implementation() {
        let root = [7u8; 32];
        let seed = [9u8; SEED_LEN];
        for len in [0usize, 1, 15, 16, 17, 64, 1024] {
            let msg: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let ours = seal_with_seed(&root, &seed, b"label", b"ad", &msg).unwrap();
            assert_eq!(ours, reference(&root, &seed, b"label", b"ad", &msg));
            assert_eq!(ours.len(), len + OVERHEAD);
            assert_eq!(
                open(&root, b"label", b"ad", &ours).unwrap().as_slice(),
                &msg[..]
            );
        }
    }

    #[test]
    fn every_byte_and_every_binding_matters() {
        let root = [1u8; 32];
        let ct = seal(&root, b"l", b"ad", b"secret value").unwrap();
        for i in 0..ct.len() {
            let mut bad = ct.clone();
            bad[i] ^= 0x01;
            assert!(matches!(
                open(&root, b"l", b"ad", &bad),
                Err(Error::DecryptFailed)
            ));
        }
        assert!(open(&root, b"l", b"ad2", &ct).is_err());
        assert!(open(&root, b"l2", b"ad", &ct).is_err());
        assert!(open(&[2u8; 32], b"l", b"ad", &ct).is_err());
        assert!(open(&root, b"l", b"ad", &ct[..ct.len() - 1]).is_err());
        assert!(open(&root, b"l", b"ad", &[]).is_err());
    }

    #[test]
    fn seeds_are_fresh() {
        let a = seal(&[0u8; 32], b"l", b"", b"x").unwrap();
        let b = seal(&[0u8; 32], b"l", b"", b"x").unwrap();
        assert_ne!(a[..SEED_LEN], b[..SEED_LEN]);
    }
}
