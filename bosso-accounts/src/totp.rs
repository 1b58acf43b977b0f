//! TOTP two-factor (RFC 6238) through `totp-rs`: enrollment that activates only after a proven
//! code, verification with at most one step of skew and refusal of an already-accepted step
//! (RFC 6238 section 5.2), and single-use recovery codes stored as keyed hashes.
//!
//! Why these defaults: SHA-1, 6 digits and 30-second steps are what every authenticator app
//! (Google Authenticator, Authy, 1Password) implements; HMAC-SHA-1 is not weakened by SHA-1
//! collisions (RFC 4226 appendix B.2). Secrets are 160 bits, the RFC 4226 recommendation.

use ring::rand::{SecureRandom, SystemRandom};
use secrecy::SecretString;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Mutex;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use bosso_token::{Clock, UserId};

use crate::Error;
use crate::token::{TokenHash, TokenKey};

/// The HMAC of a TOTP computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TotpAlgorithm {
    /// HMAC-SHA-1: the only one every app supports (default).
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl TotpAlgorithm {
    fn to_lib(self) -> totp_rs::Algorithm {
        match self {
            TotpAlgorithm::Sha1 => totp_rs::Algorithm::SHA1,
            TotpAlgorithm::Sha256 => totp_rs::Algorithm::SHA256,
            TotpAlgorithm::Sha512 => totp_rs::Algorithm::SHA512,
        }
    }
}

/// A TOTP shared secret. Zeroized on drop; `Debug` is redacted.
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([REDACTED])")
    }
}

impl TotpSecret {
    /// A fresh 160-bit secret from the system CSPRNG.
    pub fn generate() -> Result<Self, Error> {
        let mut s = Zeroizing::new(vec![0u8; 20]);
        SystemRandom::new().fill(&mut s).map_err(|_| Error::Rng)?;
        Ok(Self(s))
    }

    /// Wraps existing secret bytes (at least 128 bits, as RFC 4226 requires).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() < 16 || bytes.len() > 128 {
            return Err(Error::InvalidKey("TOTP secret must be 16 to 128 bytes"));
        }
        Ok(Self(Zeroizing::new(bytes.to_vec())))
    }

    /// The raw secret bytes (to encrypt before storing).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

/// One TOTP generator/verifier: secret, algorithm, digits and step length.
pub struct Totp {
    inner: totp_rs::TOTP,
    step: u64,
}

impl fmt::Debug for Totp {
    // totp-rs derives a Debug that prints the secret; ours does not.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Totp({:?}, {} digits, {} s, [REDACTED])",
            self.inner.algorithm, self.inner.digits, self.step
        )
    }
}

impl Totp {
    /// A TOTP over `secret`. `digits` must be 6 to 8; `step_secs` 1 to 300.
    pub fn new(
        secret: &TotpSecret,
        algorithm: TotpAlgorithm,
        digits: usize,
        step_secs: u64,
    ) -> Result<Self, Error> {
        Self::labeled(secret, algorithm, digits, step_secs, None, String::new())
    }

    fn labeled(
        secret: &TotpSecret,
        algorithm: TotpAlgorithm,
        digits: usize,
        step_secs: u64,
        issuer: Option<String>,
        account: String,
    ) -> Result<Self, Error> {
        if !(1..=300).contains(&step_secs) {
            return Err(Error::InvalidConfig("TOTP step must be 1 to 300 seconds"));
        }
        let inner = totp_rs::TOTP::new(
            algorithm.to_lib(),
            digits,
            // We do the skew window ourselves (we need the matching step, not a bool).
            0,
            step_secs,
            secret.0.to_vec(),
            issuer,
            account,
        )
        .map_err(|_| Error::InvalidConfig("TOTP digits, secret, issuer or account invalid"))?;
        Ok(Self {
            inner,
            step: step_secs,
        })
    }

    /// The code for the time step containing `at`.
    pub fn generate(&self, at: bosso_token::UnixTime) -> SecretString {
        SecretString::from(self.inner.generate(at.as_secs()))
    }

    /// The time step number of `at`.
    pub fn step_of(&self, at: bosso_token::UnixTime) -> u64 {
        at.as_secs() / self.step
    }

    /// The step (within `skew` steps of `at`) whose code equals `code`, if any. Every candidate
    /// is computed and compared in constant time. Whitespace in `code` is ignored; what is left
    /// must be exactly the configured number of ASCII digits. A returned step is one whose own
    /// code (computed at its start time) is `code`, and the genuine code of `at` always matches
    /// (both fuzzed in `fuzz/fuzz_targets/accounts_totp_code.rs`).
    pub fn matching_step(&self, code: &str, at: bosso_token::UnixTime, skew: u8) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let code = Zeroizing::new(code);
        if code.len() != self.inner.digits || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = self.step_of(at);
        let mut found = None;
        for s in now.saturating_sub(u64::from(skew))..=now.saturating_add(u64::from(skew)) {
            // A step whose start is past u64::MAX seconds does not exist (a saturated start
            // would be the code of an earlier step, found by the fuzzer).
            let Some(start) = s.checked_mul(self.step) else {
                continue;
            };
            let candidate = Zeroizing::new(self.inner.generate(start));
            if bool::from(candidate.as_bytes().ct_eq(code.as_bytes())) {
                found = Some(s);
            }
        }
        found
    }
}

/// TOTP policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpConfig {
    /// Issuer shown in the authenticator app (no `:`).
    pub issuer: String,
    /// Default SHA-1 (universal app support).
    pub algorithm: TotpAlgorithm,
    /// Default 6 (what apps show).
    pub digits: usize,
    /// Default 30 s (RFC 6238's recommendation).
    pub step_secs: u64,
    /// Steps of clock skew accepted either side: 0 or 1, default 1 (RFC 6238 section 5.2
    /// recommends at most one step of network delay).
    pub skew_steps: u8,
    /// Recovery codes issued at enrollment. Default 10.
    pub recovery_codes: usize,
}

impl TotpConfig {
    /// Defaults with the given issuer name.
    pub fn new(issuer: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            algorithm: TotpAlgorithm::Sha1,
            digits: 6,
            step_secs: 30,
            skew_steps: 1,
            recovery_codes: 10,
        }
    }
}

/// What the store keeps for an enrolled user. Holds the secret: a persistent store should
/// encrypt it at rest (bosso-vault's envelope encryption).
#[derive(Debug, Clone)]
pub struct TotpRecord {
    /// The shared secret.
    pub secret: TotpSecret,
    /// The HMAC used.
    pub algorithm: TotpAlgorithm,
    /// Digits per code.
    pub digits: usize,
    /// Step length in seconds.
    pub step_secs: u64,
    /// The last time step accepted; codes of this step or earlier are refused.
    pub last_step: Option<u64>,
}

/// Storage of enrolled TOTP secrets, last accepted steps and recovery-code hashes.
///
/// `accept_step` and `consume_recovery_code` must be atomic (compare-and-set), so two
/// concurrent logins with the same code cannot both pass.
pub trait TotpStore: Send + Sync {
    /// The record of `user`, if enrolled.
    fn get(&self, user: &UserId) -> impl Future<Output = Result<Option<TotpRecord>, Error>> + Send;
    /// Stores (replaces) the record and the recovery-code hashes of `user`.
    fn put(
        &self,
        user: &UserId,
        record: TotpRecord,
        recovery: Vec<TokenHash>,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Sets the last accepted step to `step` if it is greater than the stored one; returns
    /// whether it was (false means the step was already used).
    fn accept_step(
        &self,
        user: &UserId,
        step: u64,
    ) -> impl Future<Output = Result<bool, Error>> + Send;
    /// Removes `code` from the user's recovery codes; returns whether it was there.
    fn consume_recovery_code(
        &self,
        user: &UserId,
        code: &TokenHash,
    ) -> impl Future<Output = Result<bool, Error>> + Send;
    /// Removes the user's enrollment and recovery codes.
    fn remove(&self, user: &UserId) -> impl Future<Output = Result<(), Error>> + Send;
}

/// In-memory [`TotpStore`].
#[derive(Debug, Default)]
pub struct MemoryTotpStore {
    map: Mutex<HashMap<UserId, (TotpRecord, Vec<TokenHash>)>>,
}

impl MemoryTotpStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl TotpStore for MemoryTotpStore {
    async fn get(&self, user: &UserId) -> Result<Option<TotpRecord>, Error> {
        let m = self.map.lock().map_err(|_| Error::poisoned())?;
        Ok(m.get(user).map(|(r, _)| r.clone()))
    }

    async fn put(
        &self,
        user: &UserId,
        record: TotpRecord,
        recovery: Vec<TokenHash>,
    ) -> Result<(), Error> {
        let mut m = self.map.lock().map_err(|_| Error::poisoned())?;
        m.insert(user.clone(), (record, recovery));
        Ok(())
    }

    async fn accept_step(&self, user: &UserId, step: u64) -> Result<bool, Error> {
        let mut m = self.map.lock().map_err(|_| Error::poisoned())?;
        let Some((r, _)) = m.get_mut(user) else {
            return Err(Error::TotpNotEnrolled);
        };
        if r.last_step.is_some_and(|last| step <= last) {
            return Ok(false);
        }
        r.last_step = Some(step);
        Ok(true)
    }

    async fn consume_recovery_code(&self, user: &UserId, code: &TokenHash) -> Result<bool, Error> {
        let mut m = self.map.lock().map_err(|_| Error::poisoned())?;
        let Some((_, codes)) = m.get_mut(user) else {
            return Ok(false);
        };
        let before = codes.len();
        codes.retain(|c| !bool::from(c.as_bytes().ct_eq(code.as_bytes())));
        Ok(codes.len() < before)
    }

    async fn remove(&self, user: &UserId) -> Result<(), Error> {
        self.map.lock().map_err(|_| Error::poisoned())?.remove(user);
        Ok(())
    }
}

/// An enrollment in progress: the secret exists but is not active until
/// [`TotpManager::confirm_enrollment`] sees a correct code from the user's app.
pub struct PendingEnrollment {
    user: UserId,
    secret: TotpSecret,
    totp: Totp,
}

impl fmt::Debug for PendingEnrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PendingEnrollment({:?}, [REDACTED])", self.user)
    }
}

impl PendingEnrollment {
    /// The `otpauth://totp/...` URI (contains the secret: show it once, over TLS).
    pub fn otpauth_uri(&self) -> SecretString {
        SecretString::from(self.totp.inner.get_url())
    }

    /// The secret in base32, for manual entry.
    pub fn secret_base32(&self) -> SecretString {
        SecretString::from(self.totp.inner.get_secret_base32())
    }

    /// A PNG image of the QR code of [`Self::otpauth_uri`].
    #[cfg(feature = "qr")]
    pub fn qr_png(&self) -> Result<Vec<u8>, Error> {
        self.totp.inner.get_qr_png().map_err(|_| Error::QrCode)
    }

    /// The secret (a host that stores pending enrollments itself needs it).
    pub fn secret(&self) -> &TotpSecret {
        &self.secret
    }
}

/// Recovery codes shown to the user once at enrollment. `Debug` is redacted.
pub struct RecoveryCodes(Vec<SecretString>);

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecoveryCodes({} codes, [REDACTED])", self.0.len())
    }
}

impl RecoveryCodes {
    /// The codes, to display once.
    pub fn codes(&self) -> &[SecretString] {
        &self.0
    }
}

const RECOVERY_LABEL: &[u8] = b"bosso-auth recovery v1\0";
// Crockford base32 without I, L, O, U: unambiguous when read off paper.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

fn normalize_recovery(code: &str) -> Option<Zeroizing<String>> {
    let s: String = code
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let s = Zeroizing::new(s);
    (s.len() == 10 && s.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))).then_some(s)
}

/// Enrollment and verification of TOTP second factors over a [`TotpStore`].
pub struct TotpManager<S, C> {
    config: TotpConfig,
    store: S,
    clock: C,
    key: TokenKey,
}

impl<S, C> fmt::Debug for TotpManager<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpManager")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<S: TotpStore, C: Clock> TotpManager<S, C> {
    /// A manager. `key` hashes recovery codes (HMAC-SHA256), so the store alone cannot check
    /// guesses offline.
    pub fn new(config: TotpConfig, store: S, clock: C, key: TokenKey) -> Result<Self, Error> {
        if config.skew_steps > 1 {
            return Err(Error::InvalidConfig("TOTP skew above one step"));
        }
        if config.issuer.contains(':') {
            return Err(Error::InvalidConfig("TOTP issuer contains ':'"));
        }
        Ok(Self {
            config,
            store,
            clock,
            key,
        })
    }

    /// The store (for the host's own bookkeeping).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Starts enrollment: a fresh 160-bit secret, labeled `account` (e.g. the email) in the app.
    pub fn begin_enrollment(
        &self,
        user: &UserId,
        account: &str,
    ) -> Result<PendingEnrollment, Error> {
        let secret = TotpSecret::generate()?;
        let totp = Totp::labeled(
            &secret,
            self.config.algorithm,
            self.config.digits,
            self.config.step_secs,
            Some(self.config.issuer.clone()),
            account.to_owned(),
        )?;
        Ok(PendingEnrollment {
            user: user.clone(),
            secret,
            totp,
        })
    }

    /// Activates the enrollment if `code` is valid now; returns the recovery codes to show once.
    pub async fn confirm_enrollment(
        &self,
        pending: PendingEnrollment,
        code: &str,
    ) -> Result<RecoveryCodes, Error> {
        let now = self.clock.now();
        let step = pending
            .totp
            .matching_step(code, now, self.config.skew_steps)
            .ok_or(Error::InvalidCredentials)?;
        let (codes, hashes) = self.make_recovery_codes()?;
        let record = TotpRecord {
            secret: pending.secret.clone(),
            algorithm: self.config.algorithm,
            digits: self.config.digits,
            step_secs: self.config.step_secs,
            // The enrollment code is spent: it cannot be replayed as a login code.
            last_step: Some(step),
        };
        self.store.put(&pending.user, record, hashes).await?;
        Ok(codes)
    }

    fn make_recovery_codes(&self) -> Result<(RecoveryCodes, Vec<TokenHash>), Error> {
        let mut codes = Vec::with_capacity(self.config.recovery_codes);
        let mut hashes = Vec::with_capacity(self.config.recovery_codes);
        for _ in 0..self.config.recovery_codes {
            let raw = bosso_token::random::bytes::<10>().map_err(|_| Error::Rng)?;
            // 10 symbols of 5 bits: 50 bits, single use, behind the login rate limit.
            let mut s = Zeroizing::new(String::with_capacity(11));
            for (i, b) in raw.iter().enumerate() {
                if i == 5 {
                    s.push('-');
                }
                let sym = RECOVERY_ALPHABET
                    .get(usize::from(b & 31))
                    .copied()
                    .unwrap_or(b'0');
                s.push(char::from(sym));
            }
            let norm = normalize_recovery(&s).ok_or(Error::Rng)?;
            hashes.push(self.key.hash_labeled(RECOVERY_LABEL, norm.as_bytes()));
            codes.push(SecretString::from(s.to_string()));
        }
        Ok((RecoveryCodes(codes), hashes))
    }

    /// Verifies a login code: valid within the skew window and of a later step than any code
    /// accepted before ([`Error::CodeReused`] otherwise).
    pub async fn verify(&self, user: &UserId, code: &str) -> Result<(), Error> {
        let rec = self.store.get(user).await?.ok_or(Error::TotpNotEnrolled)?;
        let totp = Totp::new(&rec.secret, rec.algorithm, rec.digits, rec.step_secs)?;
        let step = totp
            .matching_step(code, self.clock.now(), self.config.skew_steps)
            .ok_or(Error::InvalidCredentials)?;
        if self.store.accept_step(user, step).await? {
            Ok(())
        } else {
            Err(Error::CodeReused)
        }
    }

    /// Spends one recovery code (dashes, spaces and case are ignored).
    pub async fn verify_recovery_code(&self, user: &UserId, code: &str) -> Result<(), Error> {
        let norm = normalize_recovery(code).ok_or(Error::InvalidCredentials)?;
        let h = self.key.hash_labeled(RECOVERY_LABEL, norm.as_bytes());
        if self.store.consume_recovery_code(user, &h).await? {
            Ok(())
        } else {
            Err(Error::InvalidCredentials)
        }
    }

    /// Removes the user's second factor.
    pub async fn disable(&self, user: &UserId) -> Result<(), Error> {
        self.store.remove(user).await
    }
}
