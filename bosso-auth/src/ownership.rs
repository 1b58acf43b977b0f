//! Three-axis ownership: the chat belongs to the session, the session to a daemon, and the
//! daemon to the requesting user.
//!
//! The store's only question starts from the requesting user: "among *this user's* daemons, is
//! there one hosting this session, and does that session contain this chat?". There is no
//! method that resolves a session without a user, so no code path can reach another user's
//! session, and "not yours" and "does not exist" are the same answer.
//!
//! # A relational host
//! One user-scoped query answers the check (and, with the left joins, which axis failed, for
//! the audit log only):
//!
//! ```sql
//! SELECT d.id AS daemon_id, d.instance_id, s.id AS session_id, c.id AS chat_id
//! FROM daemons d
//! LEFT JOIN sessions s ON s.daemon_id = d.id AND s.id = $2
//! LEFT JOIN chats    c ON c.session_id = s.id AND c.id = $3
//! WHERE d.user_id = $1            -- every row starts from the requesting user's daemons
//! ORDER BY (s.id IS NULL), (c.id IS NULL)
//! LIMIT 1;
//! ```
//! No row: the user has no daemon (axis `Daemon`). `session_id` NULL: the session is not on any
//! of the user's daemons (axis `Session`). `chat_id` NULL: the chat is not in that session
//! (axis `Chat`). Otherwise the row names the daemon and its current instance.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{PoisonError, RwLock};

use bosso_token::{ChatId, DaemonId, InstanceId, SessionId, UserId};

use crate::Error;

/// Which ownership axis failed. For audit logs only: callers must answer every variant the
/// same way (the gate answers each with [`Error::NotPermitted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Axis {
    /// The user owns no daemon at all.
    Daemon,
    /// The session is not on any daemon the user owns (it may not exist, or be someone else's).
    Session,
    /// The chat is not part of that session.
    Chat,
    /// The daemon hosting the session is offline.
    Offline,
}

/// The outcome of an ownership check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ownership {
    /// All three axes hold.
    Owned {
        /// The daemon that hosts the session.
        daemon: DaemonId,
        /// The daemon's current run; a live view is tied to it.
        instance: InstanceId,
    },
    /// An axis failed.
    Denied(Axis),
}

/// Ownership lookups. Async because a host's data usually lives in a database.
///
/// # Contract
/// `check(user, session, chat)` traverses only `user`'s daemons and returns
/// [`Ownership::Owned`] exactly when one of them hosts `session` and `session` contains `chat`.
/// A store that cannot answer returns an error (the gate then refuses).
pub trait OwnershipStore: Send + Sync {
    /// The three-axis check, starting from `user`.
    fn check(
        &self,
        user: &UserId,
        session: &SessionId,
        chat: &ChatId,
    ) -> impl Future<Output = Result<Ownership, Error>> + Send;
}

impl<S: OwnershipStore> OwnershipStore for std::sync::Arc<S> {
    fn check(
        &self,
        user: &UserId,
        session: &SessionId,
        chat: &ChatId,
    ) -> impl Future<Output = Result<Ownership, Error>> + Send {
        (**self).check(user, session, chat)
    }
}

/// The object-safe form of [`OwnershipStore`]; same contract. Implemented for every
/// `OwnershipStore`, and `Arc<dyn DynOwnershipStore>` is an `OwnershipStore` again, so a host
/// can choose its store at run time ([`crate::gate::DynAttachGate`]).
pub trait DynOwnershipStore: Send + Sync {
    /// [`OwnershipStore::check`], boxed.
    fn check_boxed<'a>(
        &'a self,
        user: &'a UserId,
        session: &'a SessionId,
        chat: &'a ChatId,
    ) -> bosso_token::BoxFuture<'a, Result<Ownership, Error>>;
}

impl<S: OwnershipStore> DynOwnershipStore for S {
    fn check_boxed<'a>(
        &'a self,
        user: &'a UserId,
        session: &'a SessionId,
        chat: &'a ChatId,
    ) -> bosso_token::BoxFuture<'a, Result<Ownership, Error>> {
        Box::pin(self.check(user, session, chat))
    }
}

impl OwnershipStore for std::sync::Arc<dyn DynOwnershipStore> {
    async fn check(
        &self,
        user: &UserId,
        session: &SessionId,
        chat: &ChatId,
    ) -> Result<Ownership, Error> {
        self.as_ref().check_boxed(user, session, chat).await
    }
}

#[derive(Debug, Default)]
struct Daemon {
    instance: Option<InstanceId>,
    sessions: HashMap<SessionId, Vec<ChatId>>,
}

/// The embedded ownership store: user -> daemons -> sessions -> chats, in memory.
///
/// The index is keyed by user first, mirroring the contract: a lookup cannot start anywhere
/// else.
#[derive(Debug, Default)]
pub struct MemoryOwnershipStore {
    users: RwLock<HashMap<UserId, HashMap<DaemonId, Daemon>>>,
}

impl MemoryOwnershipStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<UserId, HashMap<DaemonId, Daemon>>> {
        // Every mutation below completes before it can panic, so a poisoned lock still
        // guards consistent data.
        self.users.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records that `user` owns `daemon`, currently running as `instance` (None: offline).
    pub fn set_daemon(&self, user: &UserId, daemon: &DaemonId, instance: Option<InstanceId>) {
        let mut users = self.write();
        let d = users
            .entry(user.clone())
            .or_default()
            .entry(daemon.clone())
            .or_default();
        d.instance = instance;
    }

    /// Records that `session` runs on `daemon` (of `user`) and contains `chats`.
    pub fn set_session(
        &self,
        user: &UserId,
        daemon: &DaemonId,
        session: &SessionId,
        chats: Vec<ChatId>,
    ) {
        let mut users = self.write();
        let d = users
            .entry(user.clone())
            .or_default()
            .entry(daemon.clone())
            .or_default();
        d.sessions.insert(session.clone(), chats);
    }

    /// Forgets a session.
    pub fn remove_session(&self, user: &UserId, daemon: &DaemonId, session: &SessionId) {
        let mut users = self.write();
        if let Some(d) = users.get_mut(user).and_then(|ds| ds.get_mut(daemon)) {
            d.sessions.remove(session);
        }
    }

    fn check_sync(&self, user: &UserId, session: &SessionId, chat: &ChatId) -> Ownership {
        let users = self.users.read().unwrap_or_else(PoisonError::into_inner);
        let Some(daemons) = users.get(user).filter(|d| !d.is_empty()) else {
            return Ownership::Denied(Axis::Daemon);
        };
        let Some((id, daemon, chats)) = daemons
            .iter()
            .find_map(|(id, d)| d.sessions.get(session).map(|chats| (id, d, chats)))
        else {
            return Ownership::Denied(Axis::Session);
        };
        if !chats.contains(chat) {
            return Ownership::Denied(Axis::Chat);
        }
        match &daemon.instance {
            Some(instance) => Ownership::Owned {
                daemon: id.clone(),
                instance: instance.clone(),
            },
            None => Ownership::Denied(Axis::Offline),
        }
    }
}

impl OwnershipStore for MemoryOwnershipStore {
    fn check(
        &self,
        user: &UserId,
        session: &SessionId,
        chat: &ChatId,
    ) -> impl Future<Output = Result<Ownership, Error>> + Send {
        std::future::ready(Ok(self.check_sync(user, session, chat)))
    }
}
