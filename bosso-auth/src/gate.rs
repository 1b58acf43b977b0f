//! The attach gate: the two independent checks, at issue time and again at the upgrade.
//!
//! **Issue**: an authenticated principal asks for (session, chat, permission); the ownership
//! check runs from that user's daemons; only then is an attach token minted. The principal is
//! [`Authenticated`], which is sealed: an OIDC [`crate::oidc::VerifiedAccessToken`], or a
//! [`TrustedPrincipal`] made with [`TrustedPrincipal::assert_verified`], by the host vouching
//! for the user itself or by bosso-accounts for a login session it validated
//! (`ValidLoginSession::principal`).
//!
//! **Admit** (at the WebSocket upgrade), in this order: Host and Origin (cheap, stateless:
//! a rebinding or cross-site request is refused before it can burn a token; each must come on
//! exactly one header line, a repeated one is [`Error::DuplicateHeader`]), the token from
//! `Sec-WebSocket-Protocol`, its verification for the session and chat the URL names, its
//! consumption (single use), the ownership check again for the token's user (defense in
//! depth: ownership may have changed in the five minutes since issue), and registration of
//! the live view, which is cut when the daemon goes offline or is replaced.
//!
//! Every ownership failure is the same [`Error::NotPermitted`] to the caller, whichever axis
//! failed and whether or not the session exists; the axis goes to the [`AuditSink`] only.

use std::fmt;
use std::sync::Arc;

use bosso_token::{
    AttachClaims, AttachMinter, AttachToken, AttachVerifier, ChatId, DaemonId, Expected,
    InstanceId, Permission, ReplayStore, Scope, SessionId, UserId, subprotocol,
};

use crate::Error;
use crate::audit::{AuditEvent, AuditSink, NoAudit, Stage};
use crate::host::{HostPolicy, OriginPolicy};
use crate::live::{LiveView, LiveViews};
use crate::ownership::{Axis, Ownership, OwnershipStore};
pub use crate::principal::{Authenticated, TrustedPrincipal};

/// What an admitted upgrade gets.
#[derive(Debug)]
#[non_exhaustive]
pub struct Admission {
    /// The consumed token's claims.
    pub claims: AttachClaims,
    /// The subprotocol to echo in the 101 response (never the token entry).
    pub echo: String,
    /// The live view: select on [`LiveView::cut`] and close the socket when it fires.
    pub view: LiveView,
}

/// A gate over the in-memory stores (one node, tests, demos).
pub type MemoryAttachGate<A = NoAudit> =
    AttachGate<crate::ownership::MemoryOwnershipStore, bosso_token::MemoryReplayStore, A>;

/// A gate whose stores are chosen at run time (memory or Redis, from configuration):
/// `Arc<dyn DynOwnershipStore>` and `Arc<dyn DynReplayStore>`, one type whatever they are.
pub type DynAttachGate<A = NoAudit> = AttachGate<
    Arc<dyn crate::ownership::DynOwnershipStore>,
    Arc<dyn bosso_token::DynReplayStore>,
    A,
>;

/// The attach gate. Generic over its stores so the same code runs with the in-memory
/// defaults and with shared stores.
pub struct AttachGate<O, R, A = NoAudit> {
    minter: AttachMinter,
    verifier: AttachVerifier,
    ownership: O,
    replay: R,
    audit: A,
    live: Arc<LiveViews>,
    cut_sink: Option<Arc<dyn CutSink>>,
    hosts: Arc<HostPolicy>,
    origins: Arc<OriginPolicy>,
    protocols: Vec<String>,
}

impl<O, R, A> fmt::Debug for AttachGate<O, R, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachGate")
            .field("minter", &self.minter)
            .field("verifier", &self.verifier)
            .field("hosts", &self.hosts)
            .field("origins", &self.origins)
            .field("protocols", &self.protocols)
            .finish_non_exhaustive()
    }
}

impl<O: OwnershipStore, R: ReplayStore> AttachGate<O, R, NoAudit> {
    /// A builder for a gate: the default Host policy (loopback names and IP literals), no
    /// audit sink, and no allowed Origin or protocol yet. [`AttachGateBuilder::build`] refuses
    /// to build without at least one Origin (or `allow_missing`) and one protocol, which would
    /// otherwise refuse every upgrade and look like an attack.
    pub fn builder(
        minter: AttachMinter,
        verifier: AttachVerifier,
        ownership: O,
        replay: R,
    ) -> AttachGateBuilder<O, R, NoAudit> {
        AttachGateBuilder {
            gate: Self::unchecked(minter, verifier, ownership, replay),
        }
    }

    /// The gate before its policies are set; only [`AttachGate::builder`] makes one, so no
    /// gate that admits nothing is ever handed out.
    fn unchecked(minter: AttachMinter, verifier: AttachVerifier, ownership: O, replay: R) -> Self {
        Self {
            minter,
            verifier,
            ownership,
            replay,
            audit: NoAudit,
            live: LiveViews::new(),
            cut_sink: None,
            hosts: Arc::new(HostPolicy::default()),
            origins: Arc::new(OriginPolicy::default()),
            protocols: Vec::new(),
        }
    }
}

impl<O: OwnershipStore, R: ReplayStore, A: AuditSink> AttachGate<O, R, A> {
    /// Sends audit events to `audit`.
    pub fn with_audit<B: AuditSink>(self, audit: B) -> AttachGate<O, R, B> {
        AttachGate {
            minter: self.minter,
            verifier: self.verifier,
            ownership: self.ownership,
            replay: self.replay,
            audit,
            live: self.live,
            cut_sink: self.cut_sink,
            hosts: self.hosts,
            origins: self.origins,
            protocols: self.protocols,
        }
    }

    /// The Host allowlist (through [`AttachGateBuilder::hosts`]).
    #[must_use]
    fn with_hosts(mut self, hosts: HostPolicy) -> Self {
        self.hosts = Arc::new(hosts);
        self
    }

    /// The Origin allowlist (through [`AttachGateBuilder::origins`]).
    #[must_use]
    fn with_origins(mut self, origins: OriginPolicy) -> Self {
        self.origins = Arc::new(origins);
        self
    }

    /// The application subprotocols this server speaks, in preference order of the client
    /// (through [`AttachGateBuilder::protocols`]).
    #[must_use]
    fn with_protocols<I: IntoIterator<Item = S>, S: Into<String>>(mut self, protocols: I) -> Self {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Shares a live-view registry (e.g. with the component that learns daemons go offline).
    #[must_use]
    pub fn with_live_views(mut self, live: Arc<LiveViews>) -> Self {
        self.live = live;
        self
    }

    /// Many nodes: [`AttachGate::daemon_offline`] and [`AttachGate::daemon_online`] are also
    /// announced through `sink`, so every node cuts its views, and the gate uses the sink's
    /// registry, which hears the other nodes' announcements (`bosso_auth::redis::RedisCutSignal`
    /// is one). Without a sink (the default) a cut stays on this node: right for one node only.
    #[must_use]
    pub fn with_cut_sink(mut self, sink: Arc<dyn CutSink>) -> Self {
        self.live = sink.views().clone();
        self.cut_sink = Some(sink);
        self
    }

    /// Installs the keys of `ring` while the gate serves: tokens are minted with its active
    /// key from now on, and verified against its verification keys (so tokens minted before a
    /// [`bosso_token::KeyRing::rotate`] keep verifying until their key is retired). The replay
    /// store is not touched: a token consumed before the rotation stays consumed.
    ///
    /// The verifier learns the new keys before the minter uses them, so no token is minted
    /// that this gate cannot verify.
    pub fn rotate_keys(&self, ring: &bosso_token::KeyRing) {
        self.verifier.set_keys(ring.verification_keys());
        self.minter.set_key(ring.active().clone());
    }

    /// The Host policy [`AttachGate::admit`] enforces.
    pub fn host_policy(&self) -> &Arc<HostPolicy> {
        &self.hosts
    }

    /// The Origin policy [`AttachGate::admit`] enforces.
    pub fn origin_policy(&self) -> &Arc<OriginPolicy> {
        &self.origins
    }

    /// The gate's own Host policy as a tower layer, for the other routes (the attach-token
    /// POST above all): one configuration guards both.
    #[cfg(feature = "axum")]
    pub fn host_layer(&self) -> crate::axum::HostLayer {
        crate::axum::HostLayer::shared(self.hosts.clone())
    }

    /// The gate's own Origin policy as a tower layer.
    #[cfg(feature = "axum")]
    pub fn origin_layer(&self) -> crate::axum::OriginLayer {
        crate::axum::OriginLayer::shared(self.origins.clone())
    }

    /// The live-view registry.
    pub fn live_views(&self) -> &Arc<LiveViews> {
        &self.live
    }

    /// The audit sink.
    pub fn audit(&self) -> &A {
        &self.audit
    }

    fn deny(
        &self,
        stage: Stage,
        user: Option<&UserId>,
        reason: impl Into<String>,
        axis: Option<Axis>,
    ) {
        self.audit.record(AuditEvent::Denied {
            stage,
            user: user.cloned(),
            reason: reason.into(),
            axis,
        });
    }

    async fn ownership(
        &self,
        stage: Stage,
        user: &UserId,
        session: &SessionId,
        chat: &ChatId,
    ) -> Result<(DaemonId, InstanceId), Error> {
        match self.ownership.check(user, session, chat).await {
            Ok(Ownership::Owned { daemon, instance }) => Ok((daemon, instance)),
            Ok(Ownership::Denied(Axis::Offline)) => {
                // Only reachable when all three axes hold, i.e. for the owner: telling the owner
                // their daemon is offline reveals nothing to anyone else.
                self.deny(stage, Some(user), "daemon offline", Some(Axis::Offline));
                Err(Error::DaemonOffline)
            }
            Ok(Ownership::Denied(axis)) => {
                self.deny(stage, Some(user), "ownership", Some(axis));
                Err(Error::NotPermitted)
            }
            Err(e) => {
                self.deny(stage, Some(user), "ownership store unavailable", None);
                Err(e)
            }
        }
    }

    /// Mints an attach token for `who` if the three-axis check passes.
    pub async fn issue(
        &self,
        who: &impl Authenticated,
        session: SessionId,
        chat: ChatId,
        permission: Permission,
    ) -> Result<AttachToken, Error> {
        let user = who.user();
        self.ownership(Stage::Issue, user, &session, &chat).await?;
        let scope = Scope::new(user.clone(), session, chat, permission);
        let token = self.minter.mint(&scope).map_err(Error::AttachToken)?;
        self.audit.record(AuditEvent::Issued {
            user: scope.user,
            session: scope.session,
            chat: scope.chat,
            permission,
            token_id: token.token_id(),
        });
        Ok(token)
    }

    /// Admits a WebSocket upgrade for the `session` and `chat` the request's URL names.
    pub async fn admit(
        &self,
        headers: &http::HeaderMap,
        session: &SessionId,
        chat: &ChatId,
    ) -> Result<Admission, Error> {
        if let Err(e) = self.hosts.check_headers(headers) {
            self.deny(Stage::Admit, None, "host", None);
            return Err(e);
        }
        if let Err(e) = self.origins.check_headers(headers) {
            self.deny(Stage::Admit, None, "origin", None);
            return Err(e);
        }
        let supported: Vec<&str> = self.protocols.iter().map(String::as_str).collect();
        let (claims, echo) = match self
            .verify_and_consume(headers, &supported, session, chat)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                self.deny(Stage::Admit, None, format!("token: {e}"), None);
                return Err(Error::AttachToken(e));
            }
        };
        let (daemon, instance) = self
            .ownership(Stage::Admit, claims.user(), session, chat)
            .await?;
        let view = match self.live.open(&daemon, &instance) {
            Ok(v) => v,
            Err(e) => {
                self.deny(
                    Stage::Admit,
                    Some(claims.user()),
                    "daemon offline",
                    Some(Axis::Offline),
                );
                return Err(e);
            }
        };
        self.audit.record(AuditEvent::Admitted {
            user: claims.user().clone(),
            session: session.clone(),
            chat: chat.clone(),
            daemon,
            token_id: claims.token_id(),
        });
        Ok(Admission { claims, echo, view })
    }

    async fn verify_and_consume(
        &self,
        headers: &http::HeaderMap,
        supported: &[&str],
        session: &SessionId,
        chat: &ChatId,
    ) -> Result<(AttachClaims, String), bosso_token::Error> {
        let offer = subprotocol::parse_attach_headers(headers, supported)?;
        let echo = offer.echo.to_string();
        let expected = Expected::chat(session.clone(), chat.clone());
        let claims = self
            .verifier
            .verify(offer.token, &expected)?
            .consume(&self.replay)
            .await?;
        Ok((claims, echo))
    }

    /// The daemon went offline: cuts every live view of it at once.
    pub fn daemon_offline(&self, daemon: &DaemonId) -> usize {
        let n = self.live.daemon_offline(daemon);
        if let Some(sink) = &self.cut_sink {
            sink.announce_offline(daemon);
        }
        self.audit.record(AuditEvent::DaemonCut {
            daemon: daemon.clone(),
            views: n,
        });
        n
    }

    /// The daemon connected as `instance`; if it replaced another instance, that one's views
    /// are cut.
    pub fn daemon_online(&self, daemon: &DaemonId, instance: &InstanceId) -> usize {
        let n = self.live.daemon_online(daemon, instance);
        if let Some(sink) = &self.cut_sink {
            sink.announce_online(daemon, instance);
        }
        if n > 0 {
            self.audit.record(AuditEvent::DaemonCut {
                daemon: daemon.clone(),
                views: n,
            });
        }
        n
    }
}

/// Builds an [`AttachGate`] and checks it can admit anything at all ([`AttachGate::builder`]).
#[derive(Debug)]
#[must_use]
pub struct AttachGateBuilder<O, R, A = NoAudit> {
    gate: AttachGate<O, R, A>,
}

impl<O: OwnershipStore, R: ReplayStore, A: AuditSink> AttachGateBuilder<O, R, A> {
    /// See [`AttachGate::with_audit`].
    pub fn audit<B: AuditSink>(self, audit: B) -> AttachGateBuilder<O, R, B> {
        AttachGateBuilder {
            gate: self.gate.with_audit(audit),
        }
    }

    /// The Host allowlist (default: loopback names and IP literals).
    pub fn hosts(self, hosts: HostPolicy) -> Self {
        Self {
            gate: self.gate.with_hosts(hosts),
        }
    }

    /// The Origin allowlist (default: none; `build` refuses a policy that admits nothing).
    pub fn origins(self, origins: OriginPolicy) -> Self {
        Self {
            gate: self.gate.with_origins(origins),
        }
    }

    /// The application subprotocols this server speaks, in preference order of the client
    /// (`build` refuses an empty list).
    pub fn protocols<I: IntoIterator<Item = S>, S: Into<String>>(self, protocols: I) -> Self {
        Self {
            gate: self.gate.with_protocols(protocols),
        }
    }

    /// See [`AttachGate::with_live_views`].
    pub fn live_views(self, live: Arc<LiveViews>) -> Self {
        Self {
            gate: self.gate.with_live_views(live),
        }
    }

    /// See [`AttachGate::with_cut_sink`].
    pub fn cut_sink(self, sink: Arc<dyn CutSink>) -> Self {
        Self {
            gate: self.gate.with_cut_sink(sink),
        }
    }

    /// The gate, or [`Error::InvalidConfig`] when it would refuse every upgrade: no application
    /// protocol, or an Origin policy that admits nothing.
    pub fn build(self) -> Result<AttachGate<O, R, A>, Error> {
        if self.gate.protocols.is_empty() {
            return Err(Error::InvalidConfig(
                "attach gate without application protocols refuses every upgrade",
            ));
        }
        if self.gate.origins.admits_nothing() {
            return Err(Error::InvalidConfig(
                "attach gate without allowed origins refuses every upgrade",
            ));
        }
        Ok(self.gate)
    }
}

/// Carries a node's daemon events to every other node ([`AttachGate::with_cut_sink`]). The
/// gate has applied each event locally before announcing it; the sink delivers it to the
/// other nodes' registries, in order, without blocking the caller.
pub trait CutSink: Send + Sync + fmt::Debug {
    /// The registry this node's gate uses, which the sink keeps in step with other nodes.
    fn views(&self) -> &Arc<LiveViews>;
    /// `daemon` went offline here.
    fn announce_offline(&self, daemon: &DaemonId);
    /// `daemon` connected here as `instance`.
    fn announce_online(&self, daemon: &DaemonId, instance: &InstanceId);
}
