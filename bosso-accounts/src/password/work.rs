//! What a hasher spends: Argon2 work in KiB × passes, bcrypt runs, and how many runs were in
//! progress at once. The counters are for monitoring, and they are how the tests check the
//! login padding and the concurrency bound without timing anything.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// A snapshot of a [`PasswordHasher`](super::PasswordHasher)'s work since it was built
/// (including the dummy hash it makes at construction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct HasherStats {
    /// Argon2 runs: hashes, verifications (real and dummy) and login padding.
    pub argon2_runs: u64,
    /// Their total cost in KiB × passes. Argon2 fills `m` KiB once per pass whatever the lane
    /// count, so this is proportional to the CPU time spent.
    pub argon2_kib_passes: u64,
    /// bcrypt verifications (legacy hashes).
    pub bcrypt_runs: u64,
    /// The most runs (Argon2 or bcrypt, from any entry point) that were in progress at once.
    pub peak_running: usize,
}

#[derive(Debug, Default)]
pub(super) struct Counters {
    argon2_runs: AtomicU64,
    argon2_kib_passes: AtomicU64,
    bcrypt_runs: AtomicU64,
    running: AtomicUsize,
    peak_running: AtomicUsize,
}

/// One run in progress; counted out when dropped, however the run ends.
pub(super) struct Running<'a>(&'a Counters);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Counters {
    fn start(&self) -> Running<'_> {
        let now = self
            .running
            .fetch_add(1, Ordering::SeqCst)
            .saturating_add(1);
        self.peak_running.fetch_max(now, Ordering::SeqCst);
        Running(self)
    }

    /// Starts an Argon2 run of `m_kib` KiB and `passes` passes.
    pub(super) fn argon2(&self, m_kib: u32, passes: u32) -> Running<'_> {
        self.argon2_runs.fetch_add(1, Ordering::Relaxed);
        self.argon2_kib_passes
            .fetch_add(cost(m_kib, passes), Ordering::Relaxed);
        self.start()
    }

    /// Starts a bcrypt run.
    pub(super) fn bcrypt(&self) -> Running<'_> {
        self.bcrypt_runs.fetch_add(1, Ordering::Relaxed);
        self.start()
    }

    pub(super) fn snapshot(&self) -> HasherStats {
        HasherStats {
            argon2_runs: self.argon2_runs.load(Ordering::Relaxed),
            argon2_kib_passes: self.argon2_kib_passes.load(Ordering::Relaxed),
            bcrypt_runs: self.bcrypt_runs.load(Ordering::Relaxed),
            peak_running: self.peak_running.load(Ordering::SeqCst),
        }
    }
}

/// Argon2's work for `m_kib` KiB and `passes` passes, in KiB × passes.
pub(super) fn cost(m_kib: u32, passes: u32) -> u64 {
    u64::from(m_kib).saturating_mul(u64::from(passes))
}

/// Argon2's smallest memory cost with one lane, in KiB (RFC 9106: at least 8 × lanes).
const MIN_KIB: u64 = 8;

/// The Argon2 runs `(KiB, passes)` that top `done` up to `target` KiB × passes with runs of at
/// most `m_kib` KiB: whole passes at `m_kib`, then one pass of the remainder (rounded up to
/// Argon2's 8 KiB minimum). The total is at least `target` and less than `target + 8`.
pub(super) fn padding(target: u64, done: u64, m_kib: u32) -> Vec<(u32, u32)> {
    let Some(missing) = target.checked_sub(done).filter(|d| *d > 0) else {
        return Vec::new();
    };
    let m = u64::from(m_kib).max(MIN_KIB);
    let mut runs = Vec::with_capacity(2);
    let passes = missing / m;
    if passes > 0 {
        runs.push((clamp(m), clamp(passes)));
    }
    let rest = missing % m;
    if rest > 0 {
        runs.push((clamp(rest.max(MIN_KIB)), 1));
    }
    runs
}

fn clamp(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(runs: &[(u32, u32)]) -> u64 {
        runs.iter().map(|(m, t)| cost(*m, *t)).sum()
    }

    #[test]
    fn padding_reaches_the_target_and_overshoots_by_less_than_8() {
        for (target, done, m) in [
            (512, 64, 256),
            (512, 511, 256),
            (512, 0, 256),
            (38912, 19456, 19456),
            (38912, 100, 19456),
            (40, 1, 8),
        ] {
            let runs = padding(target, done, m);
            let all = done + total(&runs);
            assert!(
                all >= target && all < target + 8,
                "{target} {done} {m}: {runs:?}"
            );
            assert!(
                runs.iter()
                    .all(|(k, t)| *k >= 8 && *k <= m.max(8) && *t >= 1)
            );
        }
        assert!(padding(512, 512, 256).is_empty());
        assert!(padding(512, 4096, 256).is_empty());
    }
}
