//! Replay stores as trait objects: [`ReplayStore`] returns `impl Future`, so it is not
//! dyn-compatible; [`DynReplayStore`] is its object-safe face, implemented for every
//! `ReplayStore`, and `Arc<dyn DynReplayStore>` is a `ReplayStore` again. A host picks memory
//! or Redis at run time without an enum, and its gate keeps one concrete type.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::{Consumption, Error, ReplayStore, TokenId, UnixTime};

/// A boxed, `Send` future (what the dyn-compatible store traits return).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The object-safe form of [`ReplayStore`]; same contract. Implemented for every
/// `ReplayStore`: write `Arc::new(store) as Arc<dyn DynReplayStore>`.
pub trait DynReplayStore: Send + Sync {
    /// [`ReplayStore::consume`], boxed.
    fn consume_boxed(
        &self,
        id: TokenId,
        until: UnixTime,
    ) -> BoxFuture<'_, Result<Consumption, Error>>;
}

impl<S: ReplayStore> DynReplayStore for S {
    fn consume_boxed(
        &self,
        id: TokenId,
        until: UnixTime,
    ) -> BoxFuture<'_, Result<Consumption, Error>> {
        Box::pin(self.consume(id, until))
    }
}

impl ReplayStore for Arc<dyn DynReplayStore> {
    fn consume(
        &self,
        id: TokenId,
        until: UnixTime,
    ) -> impl Future<Output = Result<Consumption, Error>> + Send {
        self.as_ref().consume_boxed(id, until)
    }
}
