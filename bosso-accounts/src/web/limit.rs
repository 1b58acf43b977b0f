//! Per-route rate limits as a middleware over any [`RateLimiter`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::audit::{WebAudit, WebEvent};
use super::session::Session;
use crate::Error;
use crate::ratelimit::{RateLimiter, ThrottleKey};

/// What a route's requests are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitBy {
    /// The client address (IPv6 by its /64, see [`ThrottleKey::ip`]).
    Ip,
    /// The signed-in user, or the client address for anonymous requests. Needs the limit
    /// mounted *inside* the session layer, so that it can see the session.
    UserOrIp,
}

/// One route's limit: a limiter (its quota and its bounded key table), a scope naming the
/// route in keys, and what to count by.
pub struct RouteLimit<R> {
    limiter: R,
    scope: String,
    by: LimitBy,
    audit: Arc<dyn WebAudit>,
}

impl<R> std::fmt::Debug for RouteLimit<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteLimit")
            .field("scope", &self.scope)
            .field("by", &self.by)
            .finish_non_exhaustive()
    }
}

impl<R: RateLimiter> RouteLimit<R> {
    /// A limit. Memory is bounded by the limiter (`MemoryRateLimiter`'s `max_keys`).
    pub fn new(limiter: R, scope: &str, by: LimitBy, audit: Arc<dyn WebAudit>) -> Self {
        Self {
            limiter,
            scope: scope.to_owned(),
            by,
            audit,
        }
    }
}

/// The middleware: `axum::middleware::from_fn_with_state(Arc::new(limit), rate_limit::<R>)`.
///
/// The client address comes from axum's `ConnectInfo<SocketAddr>` (serve with
/// `into_make_service_with_connect_info::<SocketAddr>()`); without it the request is refused
/// with 500 rather than counted under one shared key. Behind a reverse proxy, insert the
/// real client's `ConnectInfo` from a header you trust before this layer.
/// Over the limit: 429 with `Retry-After` in whole seconds (rounded up) and a `Denied` event.
pub async fn rate_limit<R: RateLimiter + 'static>(
    State(l): State<Arc<RouteLimit<R>>>,
    req: Request,
    next: Next,
) -> Response {
    let user = req
        .extensions()
        .get::<Session>()
        .and_then(|s| s.user().cloned());
    let key = match (l.by, &user) {
        (LimitBy::UserOrIp, Some(u)) => ThrottleKey::account(&l.scope, u),
        _ => match req.extensions().get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(addr)) => ThrottleKey::ip(&l.scope, addr.ip()),
            None => {
                return (
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    "client address unavailable",
                )
                    .into_response();
            }
        },
    };
    match l.limiter.check(&key).await {
        Ok(()) => next.run(req).await,
        Err(e) => {
            if matches!(e, Error::RateLimited { .. }) {
                l.audit.record(WebEvent::Denied {
                    user,
                    reason: "rate limited",
                });
            }
            e.into_response()
        }
    }
}
