//! Live views: every open attached connection, per daemon, with a handle that cuts it.
//!
//! When a daemon goes offline or is replaced by a new instance, every view attached to it is
//! cut at once: the relay stops forwarding to a browser whose daemon is no longer the one the
//! ownership check approved.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use bosso_token::{DaemonId, InstanceId};
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

use crate::Error;

#[derive(Debug)]
enum State {
    Online(InstanceId),
    Offline,
}

#[derive(Debug)]
struct Daemon {
    state: State,
    views: HashMap<u64, CancellationToken>,
}

/// The registry of live views of every daemon this node serves.
#[derive(Debug, Default)]
pub struct LiveViews {
    daemons: Mutex<HashMap<DaemonId, Daemon>>,
    next: AtomicU64,
}

/// One open attached connection. Hold it for the life of the connection; select on
/// [`LiveView::cut`] and close the socket when it fires. Dropping it unregisters the view.
pub struct LiveView {
    id: u64,
    daemon: DaemonId,
    instance: InstanceId,
    token: CancellationToken,
    registry: Weak<LiveViews>,
}

impl fmt::Debug for LiveView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveView")
            .field("id", &self.id)
            .field("daemon", &self.daemon)
            .field("instance", &self.instance)
            .field("cut", &self.is_cut())
            .finish()
    }
}

impl LiveView {
    /// Resolves when the view is cut (daemon offline or replaced).
    pub fn cut(&self) -> WaitForCancellationFuture<'_> {
        self.token.cancelled()
    }

    /// Whether the view has been cut.
    pub fn is_cut(&self) -> bool {
        self.token.is_cancelled()
    }

    /// The daemon this view is attached to.
    pub fn daemon(&self) -> &DaemonId {
        &self.daemon
    }

    /// The daemon run this view is attached to.
    pub fn instance(&self) -> &InstanceId {
        &self.instance
    }
}

impl Drop for LiveView {
    fn drop(&mut self) {
        if let Some(reg) = self.registry.upgrade() {
            let mut daemons = reg.lock();
            if let Some(d) = daemons.get_mut(&self.daemon) {
                d.views.remove(&self.id);
            }
        }
    }
}

impl LiveViews {
    /// An empty registry.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<DaemonId, Daemon>> {
        // Mutations under the lock are single map operations; a poisoned lock is consistent.
        self.daemons.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a view of `daemon` running as `instance` (from the ownership check).
    ///
    /// Refused with [`Error::DaemonOffline`] if the registry knows the daemon is offline or
    /// now runs another instance: the check that approved the view is already stale.
    pub fn open(
        self: &Arc<Self>,
        daemon: &DaemonId,
        instance: &InstanceId,
    ) -> Result<LiveView, Error> {
        let mut daemons = self.lock();
        let d = daemons.entry(daemon.clone()).or_insert_with(|| Daemon {
            state: State::Online(instance.clone()),
            views: HashMap::new(),
        });
        match &d.state {
            State::Online(current) if current == instance => {}
            _ => return Err(Error::DaemonOffline),
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let token = CancellationToken::new();
        d.views.insert(id, token.clone());
        Ok(LiveView {
            id,
            daemon: daemon.clone(),
            instance: instance.clone(),
            token,
            registry: Arc::downgrade(self),
        })
    }

    /// The daemon went offline: cut every view of it. Returns how many were cut.
    pub fn daemon_offline(&self, daemon: &DaemonId) -> usize {
        let mut daemons = self.lock();
        let d = daemons.entry(daemon.clone()).or_insert_with(|| Daemon {
            state: State::Offline,
            views: HashMap::new(),
        });
        d.state = State::Offline;
        cut_all(&mut d.views)
    }

    /// The daemon (re)connected as `instance`. If that is a new instance, every view of the
    /// previous one is cut. Returns how many were cut.
    pub fn daemon_online(&self, daemon: &DaemonId, instance: &InstanceId) -> usize {
        let mut daemons = self.lock();
        let d = daemons.entry(daemon.clone()).or_insert_with(|| Daemon {
            state: State::Online(instance.clone()),
            views: HashMap::new(),
        });
        let same = matches!(&d.state, State::Online(current) if current == instance);
        d.state = State::Online(instance.clone());
        if same { 0 } else { cut_all(&mut d.views) }
    }

    /// Cuts every view of every daemon, leaving daemon states as they are. Used when this node
    /// may have missed cut signals (the shared signal channel was lost): every view must then
    /// re-attach and pass a fresh ownership check. Returns how many were cut.
    pub fn cut_everything(&self) -> usize {
        self.lock()
            .values_mut()
            .map(|d| cut_all(&mut d.views))
            .sum()
    }

    /// Number of live views of `daemon`.
    pub fn count(&self, daemon: &DaemonId) -> usize {
        self.lock().get(daemon).map_or(0, |d| d.views.len())
    }
}

fn cut_all(views: &mut HashMap<u64, CancellationToken>) -> usize {
    let n = views.len();
    for (_, t) in views.drain() {
        t.cancel();
    }
    n
}
