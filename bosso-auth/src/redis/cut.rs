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
//! error tells the caller the other nodes may not have heard. A publish that meets a lost
//! connection is sent once more (a repeated event changes nothing), so the first cut after
//! Redis returns reaches the other nodes. Pub/sub delivers at most once: a node that loses its
//! subscription may miss events, so when the subscription is lost the node cuts **every**
//! local view (each must re-attach through a fresh ownership check), then resubscribes with
//! backoff, cutting every local view again after each failed attempt and once more when
//! subscribed. Fail closed: a missed cut can only ever become an extra cut.
//!
//! # Liveness bound
//! A subscription can go silent without closing (a partition, a frozen proxy or host). The
//! subscriber therefore sends `PING` on its own connection every `liveness / 2` and gives the
//! reply `liveness / 2`; a miss counts as a lost subscription. So a view stays open **at most
//! `liveness`** (default [`DEFAULT_LIVENESS`], 3 s; [`RedisCutSignal::connect_with_liveness`])
//! after a cut this node missed, and while the node is unsubscribed no view lives longer than
//! `liveness / 2` plus one subscribe attempt (the connection's timeout). TCP keepalive on the
//! connection is a second line. Tested through a proxy that freezes (`tests/redis_partition.rs`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bosso_token::{DaemonId, InstanceId};
use futures_util::StreamExt as _;
use tokio::task::AbortHandle;

use super::{RedisConn, unavailable};
use crate::Error;
use crate::live::LiveViews;

/// Default liveness bound of the subscription (see the module docs).
pub const DEFAULT_LIVENESS: Duration = Duration::from_secs(3);

/// The cut signal of one node. Dropping it stops its subscriber task.
pub struct RedisCutSignal {
    conn: RedisConn,
    channel: String,
    node: String,
    views: Arc<LiveViews>,
    task: AbortHandle,
    /// Events announced through [`CutSink`], published in order by `publisher`.
    outbox: tokio::sync::mpsc::UnboundedSender<String>,
    publisher: AbortHandle,
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
        self.publisher.abort();
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

/// Applies messages until the subscription ends or a `PING` misses its deadline.
async fn listen(ps: redis::aio::PubSub, views: &LiveViews, node: &str, liveness: Duration) {
    let half = liveness / 2;
    let (mut sink, mut stream) = ps.split();
    let mut tick = tokio::time::interval(half);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = stream.next() => match msg {
                Some(msg) => {
                    if let Ok(text) = std::str::from_utf8(msg.get_payload_bytes()) {
                        apply(views, node, text);
                    }
                }
                None => return,
            },
            _ = tick.tick() => {
                match tokio::time::timeout(half, sink.ping::<redis::Value>()).await {
                    Ok(Ok(_)) => {}
                    _ => return,
                }
            }
        }
    }
}

async fn run(
    first: redis::aio::PubSub,
    conn: RedisConn,
    channel: String,
    node: String,
    views: Arc<LiveViews>,
    liveness: Duration,
) {
    let mut ps = first;
    let max_backoff = (liveness / 2).min(Duration::from_secs(2));
    loop {
        listen(ps, &views, &node, liveness).await;
        // Subscription lost or silent: cuts may have been missed.
        views.cut_everything();
        let mut backoff = Duration::from_millis(50).min(max_backoff);
        ps = loop {
            tokio::time::sleep(backoff).await;
            match subscribe(conn.client(), &channel, conn.timeout()).await {
                Ok(p) => break p,
                Err(_) => {
                    // Views opened meanwhile cannot hear cuts either.
                    views.cut_everything();
                    backoff = (backoff * 2).min(max_backoff);
                }
            }
        };
        // Anything opened between the loss and now may also have missed a cut.
        views.cut_everything();
    }
}

/// Publishes the gate's announcements one by one, each until it is out: events are
/// idempotent, so a repeat is harmless, and in order, so an `on` never overtakes the `off`
/// before it.
async fn publish_in_order(
    conn: RedisConn,
    channel: String,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    while let Some(msg) = rx.recv().await {
        let cmd = redis::cmd("PUBLISH").arg(&channel).arg(&msg).to_owned();
        let mut backoff = Duration::from_millis(50);
        while conn
            .query_idempotent::<i64>("cut publish", &cmd)
            .await
            .is_err()
        {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(1));
        }
    }
}

impl crate::gate::CutSink for RedisCutSignal {
    fn views(&self) -> &Arc<LiveViews> {
        &self.views
    }

    fn announce_offline(&self, daemon: &DaemonId) {
        // Send fails only once the publisher is gone, i.e. this signal is being dropped.
        let _ = self
            .outbox
            .send(format!("{} off {}", self.node, daemon.as_str()));
    }

    fn announce_online(&self, daemon: &DaemonId, instance: &InstanceId) {
        let _ = self.outbox.send(format!(
            "{} on {} {}",
            self.node,
            daemon.as_str(),
            instance.as_str()
        ));
    }
}

impl RedisCutSignal {
    /// Subscribes `views` to the cut events of every node on `conn`'s Redis and returns the
    /// handle this node publishes through. Subscribed when this returns. Liveness bound:
    /// [`DEFAULT_LIVENESS`].
    pub async fn connect(conn: RedisConn, views: Arc<LiveViews>) -> Result<Self, Error> {
        Self::connect_with_liveness(conn, views, DEFAULT_LIVENESS).await
    }

    /// [`RedisCutSignal::connect`] with the liveness bound `liveness` (at least 100 ms): a view
    /// stays open at most that long after a cut this node missed.
    pub async fn connect_with_liveness(
        conn: RedisConn,
        views: Arc<LiveViews>,
        liveness: Duration,
    ) -> Result<Self, Error> {
        let liveness = liveness.max(Duration::from_millis(100));
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
            liveness,
        ))
        .abort_handle();
        let (outbox, rx) = tokio::sync::mpsc::unbounded_channel();
        let publisher =
            tokio::spawn(publish_in_order(conn.clone(), channel.clone(), rx)).abort_handle();
        Ok(Self {
            conn,
            channel,
            node,
            views,
            task,
            outbox,
            publisher,
        })
    }

    /// The local registry.
    pub fn views(&self) -> &Arc<LiveViews> {
        &self.views
    }

    async fn publish(&self, msg: String) -> Result<(), Error> {
        let cmd = redis::cmd("PUBLISH").arg(&self.channel).arg(msg).to_owned();
        let _: i64 = self.conn.query_idempotent("cut publish", &cmd).await?;
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
