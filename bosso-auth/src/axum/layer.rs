//! Host and Origin checks as tower layers, for any route (the attach-token POST above all:
//! it receives the bearer credential, so a DNS-rebound or cross-site request must not reach
//! it). The gate's own policies are shared with these layers ([`crate::gate::AttachGate::host_layer`],
//! [`crate::gate::AttachGate::origin_layer`]), so one configuration guards both routes.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::Error;
use crate::host::{HostPolicy, OriginPolicy};
use crate::oidc::BoxFuture;

/// A header policy a [`GuardLayer`] enforces.
pub trait HeaderPolicy: Send + Sync + 'static {
    /// `Ok` to let the request through; the error becomes the (uniform) response.
    fn check(&self, headers: &http::HeaderMap) -> Result<(), Error>;
}

impl HeaderPolicy for HostPolicy {
    fn check(&self, headers: &http::HeaderMap) -> Result<(), Error> {
        self.check_headers(headers).map(drop)
    }
}

impl HeaderPolicy for OriginPolicy {
    fn check(&self, headers: &http::HeaderMap) -> Result<(), Error> {
        self.check_headers(headers)
    }
}

/// Refuses requests that fail `P` before the inner service sees them: 403 for a Host or Origin
/// not allowed (or missing, where the policy wants one), 400 for one repeated on two lines,
/// with the status's reason as the only body.
pub struct GuardLayer<P> {
    policy: Arc<P>,
}

impl<P> Clone for GuardLayer<P> {
    fn clone(&self) -> Self {
        Self {
            policy: self.policy.clone(),
        }
    }
}

impl<P> std::fmt::Debug for GuardLayer<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardLayer").finish_non_exhaustive()
    }
}

/// The Host allowlist as a layer (DNS rebinding).
pub type HostLayer = GuardLayer<HostPolicy>;
/// The Origin allowlist as a layer (cross-site requests).
pub type OriginLayer = GuardLayer<OriginPolicy>;

impl<P: HeaderPolicy> GuardLayer<P> {
    /// A layer enforcing `policy`.
    pub fn new(policy: P) -> Self {
        Self::shared(Arc::new(policy))
    }

    /// A layer enforcing a shared policy (the gate's, for one).
    pub fn shared(policy: Arc<P>) -> Self {
        Self { policy }
    }
}

impl<S, P> Layer<S> for GuardLayer<P> {
    type Service = Guard<S, P>;

    fn layer(&self, inner: S) -> Self::Service {
        Guard {
            inner,
            policy: self.policy.clone(),
        }
    }
}

/// The service of a [`GuardLayer`].
pub struct Guard<S, P> {
    inner: S,
    policy: Arc<P>,
}

impl<S: Clone, P> Clone for Guard<S, P> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            policy: self.policy.clone(),
        }
    }
}

impl<S, P> std::fmt::Debug for Guard<S, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard").finish_non_exhaustive()
    }
}

impl<S, P> Service<Request> for Guard<S, P>
where
    S: Service<Request>,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    P: HeaderPolicy,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if let Err(e) = self.policy.check(request.headers()) {
            return Box::pin(std::future::ready(Ok(e.into_response_uniform())));
        }
        let answer = self.inner.call(request);
        Box::pin(async move { answer.await.map(IntoResponse::into_response) })
    }
}
