//! Noise's `CipherState` and `SymmetricState` (Noise spec rev. 34, section 5.1 and 5.2) over
//! `ring`: SHA-256 for the hash, HKDF-SHA256 for `HKDF(ck, ikm)`, ChaCha20-Poly1305 with the
//! nonce `0x00000000 || LE64(n)`. Nothing here is a new primitive: only Noise's composition.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, Tag, UnboundKey};
use ring::{digest, hkdf};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Length of the Poly1305 tag.
pub(crate) const TAG_LEN: usize = 16;
/// Length of the hash (SHA-256) and of every chaining/cipher key.
pub(crate) const HASH_LEN: usize = 32;

/// The largest nonce value usable for messages: 2^64-1 is reserved for `Rekey()` (Noise 5.1).
const MAX_NONCE: u64 = u64::MAX - 1;

fn nonce(n: u64) -> Nonce {
    let mut bytes = [0u8; 12];
    // Noise ChaChaPoly: 32 bits of zeros followed by the little-endian 64-bit counter.
    for (dst, src) in bytes.iter_mut().skip(4).zip(n.to_le_bytes()) {
        *dst = src;
    }
    Nonce::assume_unique_for_key(bytes)
}

/// A 32-byte secret that zeroizes on drop.
pub(crate) type Key32 = Zeroizing<[u8; HASH_LEN]>;

/// `HKDF(chaining_key, input_key_material, 2)` from Noise section 4.3. With an empty `info`,
/// RFC 5869's HKDF-Expand computes exactly Noise's `output1 = HMAC(temp, 0x01)`,
/// `output2 = HMAC(temp, output1 || 0x02)`, so ring's HKDF is Noise's HKDF.
pub(crate) fn hkdf2(ck: &[u8; HASH_LEN], ikm: &[u8]) -> Result<(Key32, Key32)> {
    struct Len64;
    impl hkdf::KeyType for Len64 {
        fn len(&self) -> usize {
            2 * HASH_LEN
        }
    }
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, ck).extract(ikm);
    let mut okm = Zeroizing::new([0u8; 2 * HASH_LEN]);
    prk.expand(&[], Len64)
        .and_then(|o| o.fill(okm.as_mut_slice()))
        .map_err(|_| Error::Internal)?;
    let mut a = Zeroizing::new([0u8; HASH_LEN]);
    let mut b = Zeroizing::new([0u8; HASH_LEN]);
    let (left, right) = okm.split_at(HASH_LEN);
    a.copy_from_slice(left);
    b.copy_from_slice(right);
    Ok((a, b))
}

/// A ChaCha20-Poly1305 key with its 64-bit counter nonce.
// Fuzz builds only: a cloned channel or handshake would reuse nonces, so no real build has it.
#[cfg_attr(fuzzing, derive(Clone))]
pub(crate) struct CipherState {
    key: LessSafeKey,
    n: u64,
}

impl CipherState {
    pub(crate) fn new(k: &[u8; HASH_LEN]) -> Result<Self> {
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, k).map_err(|_| Error::Internal)?;
        Ok(Self {
            key: LessSafeKey::new(unbound),
            n: 0,
        })
    }

    /// A state whose counter is already at `n` (tests feed Wycheproof vectors whose nonce has
    /// Noise's layout through the real nonce construction).
    #[cfg(test)]
    pub(crate) fn with_counter(k: &[u8; HASH_LEN], n: u64) -> Result<Self> {
        let mut st = Self::new(k)?;
        st.n = n;
        Ok(st)
    }

    fn next_nonce(&mut self) -> Result<Nonce> {
        if self.n > MAX_NONCE {
            return Err(Error::CounterExhausted);
        }
        let current = nonce(self.n);
        self.n = self.n.saturating_add(1);
        Ok(current)
    }

    /// Encrypts `buf` in place and returns the tag; the counter advances.
    pub(crate) fn seal_in_place(&mut self, ad: &[u8], buf: &mut [u8]) -> Result<Tag> {
        let nonce = self.next_nonce()?;
        self.key
            .seal_in_place_separate_tag(nonce, Aad::from(ad), buf)
            .map_err(|_| Error::Internal)
    }

    /// Decrypts `ciphertext || tag` in place, returning the plaintext length. The counter
    /// advances only on success (the caller closes the channel on failure anyway).
    pub(crate) fn open_in_place(&mut self, ad: &[u8], buf: &mut [u8]) -> Result<usize> {
        if self.n > MAX_NONCE {
            return Err(Error::CounterExhausted);
        }
        let len = self
            .key
            .open_in_place(nonce(self.n), Aad::from(ad), buf)
            .map_err(|_| Error::Authentication)?
            .len();
        self.n = self.n.saturating_add(1);
        Ok(len)
    }

    /// Noise `Rekey()`: `k = ENCRYPT(k, 2^64-1, empty, zeros(32))[..32]`; `n` is unchanged.
    pub(crate) fn rekey(&mut self) -> Result<()> {
        let mut block = Zeroizing::new([0u8; HASH_LEN]);
        // Only the 32 encrypted bytes form the new key; the tag is discarded (Noise 5.1).
        let _tag = self
            .key
            .seal_in_place_separate_tag(nonce(u64::MAX), Aad::empty(), block.as_mut_slice())
            .map_err(|_| Error::Internal)?;
        let unbound =
            UnboundKey::new(&CHACHA20_POLY1305, block.as_slice()).map_err(|_| Error::Internal)?;
        self.key = LessSafeKey::new(unbound);
        Ok(())
    }
}

/// Noise `SymmetricState`: chaining key, handshake hash and the current handshake cipher.
#[cfg_attr(fuzzing, derive(Clone))]
pub(crate) struct SymmetricState {
    ck: Zeroizing<[u8; HASH_LEN]>,
    h: [u8; HASH_LEN],
    cipher: Option<CipherState>,
}

impl SymmetricState {
    /// `InitializeSymmetric(protocol_name)`: the name is exactly 32 bytes here, so `h` is the
    /// name itself (Noise pads names of at most HASHLEN bytes with zeros).
    pub(crate) fn new(protocol_name: &[u8; HASH_LEN]) -> Self {
        Self {
            ck: Zeroizing::new(*protocol_name),
            h: *protocol_name,
            cipher: None,
        }
    }

    /// `MixHash(data)`: `h = SHA-256(h || data)`.
    pub(crate) fn mix_hash(&mut self, data: &[u8]) {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(&self.h);
        ctx.update(data);
        let d = ctx.finish();
        self.h.copy_from_slice(d.as_ref());
    }

    /// `MixKey(ikm)`: `ck, k = HKDF(ck, ikm, 2)`, `n = 0`.
    pub(crate) fn mix_key(&mut self, ikm: &[u8]) -> Result<()> {
        let (ck, k) = hkdf2(&self.ck, ikm)?;
        self.ck = ck;
        self.cipher = Some(CipherState::new(&k)?);
        Ok(())
    }

    /// `EncryptAndHash(plaintext)` with an empty plaintext: the ciphertext is the bare tag.
    pub(crate) fn encrypt_and_hash_empty(&mut self) -> Result<[u8; TAG_LEN]> {
        let h = self.h;
        let cipher = self.cipher.as_mut().ok_or(Error::Internal)?;
        let tag = cipher.seal_in_place(&h, &mut [])?;
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(tag.as_ref());
        self.mix_hash(&out);
        Ok(out)
    }

    /// `DecryptAndHash(ciphertext)` of an empty payload: checks the bare tag.
    pub(crate) fn decrypt_and_hash_empty(&mut self, tag: &[u8; TAG_LEN]) -> Result<()> {
        let h = self.h;
        let cipher = self.cipher.as_mut().ok_or(Error::Internal)?;
        let mut buf = *tag;
        cipher.open_in_place(&h, &mut buf)?;
        self.mix_hash(tag);
        Ok(())
    }

    /// `Split()`: the initiator-to-responder and responder-to-initiator ciphers, plus `h`.
    pub(crate) fn split(self) -> Result<(CipherState, CipherState, [u8; HASH_LEN])> {
        let (k1, k2) = hkdf2(&self.ck, &[])?;
        Ok((CipherState::new(&k1)?, CipherState::new(&k2)?, self.h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5869 test case 1 through `hkdf2` would need a 42-byte output; instead check the
    /// Noise definition directly against ring's HMAC (an independent composition).
    #[test]
    fn hkdf2_matches_noise_definition_with_hmac() {
        use ring::hmac;
        let ck = [9u8; 32];
        let ikm = b"input key material";
        let temp = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &ck), ikm);
        let tk = hmac::Key::new(hmac::HMAC_SHA256, temp.as_ref());
        let o1 = hmac::sign(&tk, &[1]);
        let mut m2 = o1.as_ref().to_vec();
        m2.push(2);
        let o2 = hmac::sign(&tk, &m2);
        let (a, b) = hkdf2(&ck, ikm).unwrap();
        assert_eq!(a.as_slice(), o1.as_ref());
        assert_eq!(b.as_slice(), o2.as_ref());
    }
}

#[cfg(test)]
mod counter_tests {
    use super::*;

    const KEY: [u8; HASH_LEN] = [5; HASH_LEN];

    /// ChaCha20-Poly1305 straight from ring with the Noise nonce for `n` written out by hand.
    fn seal_with_raw_nonce(n_le: [u8; 8], plaintext: &[u8]) -> Vec<u8> {
        let mut iv = [0u8; 12];
        iv[4..].copy_from_slice(&n_le);
        let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &KEY).unwrap());
        let mut buf = plaintext.to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(iv), Aad::empty(), &mut buf)
            .unwrap();
        buf
    }

    fn seal(cs: &mut CipherState, plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut buf = plaintext.to_vec();
        let tag = cs.seal_in_place(&[], &mut buf)?;
        buf.extend_from_slice(tag.as_ref());
        Ok(buf)
    }

    #[test]
    fn the_last_message_uses_nonce_2_pow_64_minus_2_then_the_counter_is_exhausted() {
        // Literal values, not MAX_NONCE: the test must fail if the constant is wrong.
        let mut tx = CipherState::with_counter(&KEY, u64::MAX - 1).unwrap();
        let last = seal(&mut tx, b"last").unwrap();
        let mut fe = [0xff; 8];
        fe[0] = 0xfe;
        assert_eq!(last, seal_with_raw_nonce(fe, b"last"));
        // 2^64-1 is Rekey()'s nonce: never used for a message, in either direction.
        assert!(matches!(
            seal(&mut tx, b"one more"),
            Err(Error::CounterExhausted)
        ));
        let mut rx = CipherState::with_counter(&KEY, u64::MAX - 1).unwrap();
        let mut buf = last.clone();
        assert_eq!(rx.open_in_place(&[], &mut buf).unwrap(), 4);
        let mut reserved = seal_with_raw_nonce([0xff; 8], b"x");
        assert!(matches!(
            rx.open_in_place(&[], &mut reserved),
            Err(Error::CounterExhausted)
        ));
    }
}
