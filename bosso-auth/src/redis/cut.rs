//! [`RedisCutSignal`]: a daemon going offline (or replaced) on one node cuts its views on every
//! node.
//!
//! # Channel layout
//! One pub/sub channel, `<prefix>live:cut`. Messages are `<node id> off <daemon id>` or
//! `<node id> on <daemon id> <instance id>` (ids are visible ASCII without spaces). Each node
//! applies the events of other nodes to its local [`LiveViews`]; its own events it has applied
//! already, before publishing (so a late echo can never undo a newer local state).
//!
//! # Failure behaviour
//! Publishing is bounded by the connection's timeout; the local cut happens first, and an
//! error tells the caller the other nodes may not have heard. Pub/sub delivers at most once:
//! a node that loses its subscription may miss events, so when the subscription drops the
//! node cuts **every** local view (each must re-attach through a fresh ownership check), then
//! resubscribes with backoff. Fail closed: a missed cut can only ever become an extra cut.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bosso_token::{DaemonId, InstanceId};
use futures_util::StreamExt as _;
use tokio::task::AbortHandle;

use super::{RedisConn, unavailable};
use crate::Error;
use crate::live::LiveViews;

/// The cut signal of one node. Dropping it stops its subscriber task.
pub struct RedisCutSignal {
    conn: RedisConn,
    channel: String,
    node: String,
    views: Arc<LiveViews>,
    task: AbortHandle,
}

impl fmt::Debug for RedisCutSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCutSignal")
            .field("channel", &self.channel)
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}

impl Drop for RedisCutSignal {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn subscribe(
    client: &redis::Client,
    channel: &str,
    timeout: Duration,
) -> Result<redis::aio::PubSub, Error> {
    tokio::time::timeout(timeout, async {
        let mut ps = client.get_async_pubsub().await?;
        ps.subscribe(channel).await?;
        Ok::<_, redis::RedisError>(ps)
    })
    .await
    .map_err(|_| unavailable("subscribe timed out"))?
    .map_err(|_| unavailable("subscribe failed"))
}

/// Applies one message from another node; ignores our own and malformed ones.
fn apply(views: &LiveViews, node: &str, msg: &str) {
    let mut it = msg.split(' ');
    let (Some(from), Some(kind), Some(daemon)) = (it.next(), it.next(), it.next()) else {
        return;
    };
    if from == node {
        return;
    }
    let Ok(daemon) = DaemonId::new(daemon) else {
        return;
    };
    match (kind, it.next()) {
        ("off", None) => {
            views.daemon_offline(&daemon);
        }
        ("on", Some(instance)) => {
            if let Ok(instance) = InstanceId::new(instance) {
                views.daemon_online(&daemon, &instance);
            }
        }
        _ => {}
    }
}

async fn run(
    first: redis::aio::PubSub,
    conn: RedisConn,
    channel: String,
    node: String,
    views: Arc<LiveViews>,
) {
    let mut ps = first;
    loop {
        let mut stream = ps.into_on_message();
        while let Some(msg) = stream.next().await {
            if let Ok(text) = std::str::from_utf8(msg.get_payload_bytes()) {
                apply(&views, &node, text);
            }
        }
        // Subscription lost: cuts may have been missed.
        views.cut_everything();
        let mut backoff = Duration::from_millis(50);
        ps = loop {
            tokio::time::sleep(backoff).await;
            match subscribe(conn.client(), &channel, conn.timeout()).await {
                Ok(p) => break p,
                Err(_) => backoff = (backoff * 2).min(Duration::from_secs(2)),
            }
        };
        // Anything opened between the loss and now may also have missed a cut.
        views.cut_everything();
    }
}

impl RedisCutSignal {
    /// Subscribes `views` to the cut events of every node on `conn`'s Redis and returns the
    /// handle this node publishes through. Subscribed when this returns.
    pub async fn connect(conn: RedisConn, views: Arc<LiveViews>) -> Result<Self, Error> {
        let channel = format!("{}live:cut", conn.prefix());
        let id = bosso_token::random::bytes::<16>().map_err(|_| Error::Rng)?;
        let node = format!("{:032x}", u128::from_be_bytes(*id));
        let ps = subscribe(conn.client(), &channel, conn.timeout()).await?;
        let task = tokio::spawn(run(
            ps,
            conn.clone(),
            channel.clone(),
            node.clone(),
            views.clone(),
        ))
        .abort_handle();
        Ok(Self {
            conn,
            channel,
            node,
            views,
            task,
        })
    }

    /// The local registry.
    pub fn views(&self) -> &Arc<LiveViews> {
        &self.views
    }

    async fn publish(&self, msg: String) -> Result<(), Error> {
        let cmd = redis::cmd("PUBLISH").arg(&self.channel).arg(msg).to_owned();
        let _: i64 = self.conn.query("cut publish", &cmd).await?;
        Ok(())
    }

    /// The daemon went offline: cuts its views here, then on every other node. Returns how many
    /// were cut here; an error means the other nodes may not have been told.
    pub async fn daemon_offline(&self, daemon: &DaemonId) -> Result<usize, Error> {
        let n = self.views.daemon_offline(daemon);
        self.publish(format!("{} off {}", self.node, daemon.as_str()))
            .await?;
        Ok(n)
    }

    /// The daemon (re)connected as `instance`: views of another instance are cut here and on
    /// every other node. Returns how many were cut here.
    pub async fn daemon_online(
        &self,
        daemon: &DaemonId,
        instance: &InstanceId,
    ) -> Result<usize, Error> {
        let n = self.views.daemon_online(daemon, instance);
        self.publish(format!(
            "{} on {} {}",
            self.node,
            daemon.as_str(),
            instance.as_str()
        ))
        .await?;
        Ok(n)
    }
}
