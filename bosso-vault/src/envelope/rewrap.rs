//! Moving stored ciphertexts to the primary key after a rotation.

use super::context::Context;
use super::keyset::EnvelopeKeyset;
use crate::Error;

/// Where a [`EnvelopeKeyset::reencrypt_all`] run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Items in the run.
    pub total: usize,
    /// Items processed so far.
    pub done: usize,
    /// Items re-encrypted under the primary.
    pub reencrypted: usize,
    /// Items already under the primary (checked, left as they were).
    pub unchanged: usize,
}

impl EnvelopeKeyset {
    /// Re-encrypts each `(context, ciphertext)` in place under the primary key, calling
    /// `on_progress` after every item. Stops at the first item that fails to decrypt and
    /// returns its error; items before it are already updated (the run can be repeated:
    /// items under the primary are left as they are).
    pub fn reencrypt_all<'a, I>(
        &self,
        items: I,
        mut on_progress: impl FnMut(&Progress),
    ) -> Result<Progress, Error>
    where
        I: IntoIterator<Item = (&'a Context, &'a mut Vec<u8>)>,
        I::IntoIter: ExactSizeIterator,
    {
        let items = items.into_iter();
        let mut p = Progress {
            total: items.len(),
            ..Progress::default()
        };
        for (ctx, ct) in items {
            match self.reencrypt(ctx, ct)? {
                Some(new) => {
                    *ct = new;
                    p.reencrypted += 1;
                }
                None => p.unchanged += 1,
            }
            p.done += 1;
            on_progress(&p);
        }
        Ok(p)
    }
}
