//! The session layer: the login-session cookie, CSRF for unsafe methods, and the [`Session`]
//! extractor through which handlers log in, rotate and log out.

use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bosso_token::UserId;
use cookie::SameSite;
use http::header::{CONTENT_TYPE, HOST, ORIGIN, SET_COOKIE};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method};

use super::audit::{WebAudit, WebEvent};
use super::cookies::{find_cookie, set_cookie};
use super::csrf::{Binding, CsrfKey, same};
use crate::Error;
use crate::login_session::{
    LoginSessionManager, LoginSessionStore, LoginSessionToken, RotationReason, SessionCheck,
    ValidLoginSession,
};
use bosso_token::Clock;

/// `SameSite` of both cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SameSiteMode {
    /// Sent on top-level cross-site navigations (links into the app keep the login). Default.
    #[default]
    Lax,
    /// Never sent cross-site.
    Strict,
}

/// Cookie and CSRF settings.
#[derive(Debug, Clone)]
pub struct WebSessionConfig {
    /// Session cookie name; must start with `__Host-`. Default `__Host-bosso_session`.
    pub cookie_name: String,
    /// CSRF cookie name; must start with `__Host-`. Default `__Host-bosso_csrf`.
    pub csrf_cookie_name: String,
    /// Form field carrying the CSRF token in `application/x-www-form-urlencoded` bodies.
    pub csrf_field: String,
    /// Header carrying the CSRF token (`fetch`/XHR clients). Default `x-csrf-token`.
    pub csrf_header: String,
    /// `SameSite` of both cookies.
    pub same_site: SameSiteMode,
    /// Origins allowed on unsafe requests, e.g. `https://app.example.com`. Empty: only
    /// `https://` + the request's `Host`.
    pub allowed_origins: Vec<String>,
    /// Largest total size of the `Cookie` headers (larger is 431). Default 8 KiB.
    pub max_cookie_bytes: usize,
    /// Largest form body buffered to read the CSRF field (larger is 413). Default 64 KiB.
    pub max_form_bytes: usize,
}

impl Default for WebSessionConfig {
    fn default() -> Self {
        Self {
            cookie_name: "__Host-bosso_session".into(),
            csrf_cookie_name: "__Host-bosso_csrf".into(),
            csrf_field: "csrf_token".into(),
            csrf_header: "x-csrf-token".into(),
            same_site: SameSiteMode::Lax,
            allowed_origins: Vec::new(),
            max_cookie_bytes: 8 * 1024,
            max_form_bytes: 64 * 1024,
        }
    }
}

/// The state of [`session_layer`]: a [`LoginSessionManager`] (any store, memory or Redis), the
/// CSRF key, the settings and the audit sink.
pub struct WebSessions<S, C> {
    manager: LoginSessionManager<S, C>,
    csrf: CsrfKey,
    config: WebSessionConfig,
    audit: Arc<dyn WebAudit>,
}

impl<S, C> std::fmt::Debug for WebSessions<S, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSessions")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<S: LoginSessionStore, C: Clock> WebSessions<S, C> {
    /// Checks that both cookie names carry the `__Host-` prefix (so the browser enforces
    /// `Secure`, `Path=/` and no `Domain`) and differ.
    pub fn new(
        manager: LoginSessionManager<S, C>,
        csrf: CsrfKey,
        config: WebSessionConfig,
        audit: Arc<dyn WebAudit>,
    ) -> Result<Self, Error> {
        if !config.cookie_name.starts_with("__Host-")
            || !config.csrf_cookie_name.starts_with("__Host-")
            || config.cookie_name == config.csrf_cookie_name
        {
            return Err(Error::InvalidConfig(
                "cookie names must start with __Host- and differ",
            ));
        }
        if http::HeaderName::from_bytes(config.csrf_header.as_bytes()).is_err() {
            return Err(Error::InvalidConfig("csrf_header is not a header name"));
        }
        Ok(Self {
            manager,
            csrf,
            config,
            audit,
        })
    }

    /// The session manager (revoke everywhere, admin tools).
    pub fn manager(&self) -> &LoginSessionManager<S, C> {
        &self.manager
    }

    /// The audit sink.
    pub fn audit(&self) -> &Arc<dyn WebAudit> {
        &self.audit
    }

    fn same_site(&self) -> SameSite {
        match self.config.same_site {
            SameSiteMode::Lax => SameSite::Lax,
            SameSiteMode::Strict => SameSite::Strict,
        }
    }

    fn cookie(&self, name: &str, value: &str, max_age: Option<u64>) -> Option<HeaderValue> {
        HeaderValue::from_str(&set_cookie(name, value, self.same_site(), max_age)).ok()
    }

    fn session_cookie(
        &self,
        token: &LoginSessionToken,
        s: &ValidLoginSession,
    ) -> Option<HeaderValue> {
        let left = s
            .expires()
            .as_secs()
            .saturating_sub(self.manager.now().as_secs());
        self.cookie(&self.config.cookie_name, token.expose(), Some(left))
    }

    fn deny(&self, e: Error, user: Option<UserId>, reason: &'static str) -> Response {
        self.audit.record(WebEvent::Denied { user, reason });
        let bad_cookie = matches!(e, Error::MalformedCookie(_) | Error::CookieTooLarge);
        let mut r = e.into_response();
        // A refused cookie is also cleared, so the browser stops sending it.
        if bad_cookie {
            for n in [&self.config.cookie_name, &self.config.csrf_cookie_name] {
                if let Some(v) = self.cookie(n, "", Some(0)) {
                    r.headers_mut().append(SET_COOKIE, v);
                }
            }
        }
        r
    }
}

#[derive(Debug)]
enum Action {
    Login { user: UserId, mfa: bool },
    Rotate(RotationReason),
    Logout,
}

struct Shared {
    current: Option<ValidLoginSession>,
    csrf_token: String,
    action: Mutex<Option<Action>>,
    audit: Arc<dyn WebAudit>,
}

/// The request's session, as [`session_layer`] found it. Extract it in a handler; a missing
/// layer is a 500.
#[derive(Clone)]
pub struct Session(Arc<Shared>);

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("current", &self.0.current)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The validated session, if the request carried one.
    pub fn current(&self) -> Option<&ValidLoginSession> {
        self.0.current.as_ref()
    }

    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&UserId> {
        self.0.current.as_ref().map(ValidLoginSession::user)
    }

    /// The CSRF token to put in this page's forms (field [`WebSessionConfig::csrf_field`]) or
    /// to send in the CSRF header. Valid for the session this request carries.
    pub fn csrf_token(&self) -> &str {
        &self.0.csrf_token
    }

    fn set(&self, a: Action) {
        *self.0.action.lock().unwrap_or_else(PoisonError::into_inner) = Some(a);
    }

    /// After the handler returns with a non-error status: issue a *new* session for `user` (any session the request
    /// carried is revoked first, so a planted id is never promoted) and set its cookie and a
    /// fresh CSRF cookie. Call it after the password (and second factor) checked out.
    pub fn login(&self, user: UserId, mfa: bool) {
        self.set(Action::Login { user, mfa });
    }

    /// After the handler returns with a non-error status: replace the session's id (privilege change, step-up); the
    /// old cookie stops working.
    pub fn rotate(&self, reason: RotationReason) {
        self.set(Action::Rotate(reason));
    }

    /// After the handler returns with a non-error status: revoke the session and clear its
    /// cookie.
    pub fn logout(&self) {
        self.set(Action::Logout);
    }

    /// Records a failed login (the handler knows why; the event never carries the password).
    pub fn login_failed(&self, user: Option<UserId>, reason: &'static str) {
        self.0.audit.record(WebEvent::LoginFailed { user, reason });
    }

    /// A 403 for a signed-in user lacking a permission, with its audit event.
    pub fn forbidden(&self, reason: &'static str) -> Response {
        self.0.audit.record(WebEvent::Denied {
            user: self.user().cloned(),
            reason,
        });
        Error::Forbidden.into_response()
    }
}

impl<T: Send + Sync> FromRequestParts<T> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &T) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Session>().cloned().ok_or_else(|| {
            (
                http::StatusCode::INTERNAL_SERVER_ERROR,
                "session layer missing",
            )
                .into_response()
        })
    }
}

/// A handler argument that only exists for a signed-in request: otherwise 401 and a
/// `Denied { reason: "no session" }` event.
#[derive(Debug, Clone)]
pub struct SignedIn(pub ValidLoginSession);

impl<T: Send + Sync> FromRequestParts<T> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &T) -> Result<Self, Self::Rejection> {
        let s = Session::from_request_parts(parts, state).await?;
        match s.current() {
            Some(v) => Ok(Self(v.clone())),
            None => {
                s.0.audit.record(WebEvent::Denied {
                    user: None,
                    reason: "no session",
                });
                Err(Error::SessionInvalid.into_response())
            }
        }
    }
}

fn is_safe(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The second line: a browser's own word on where the request came from.
fn check_origin(headers: &HeaderMap, cfg: &WebSessionConfig) -> Result<(), Error> {
    if let Some(site) = headers.get("sec-fetch-site") {
        // Ports do not make a different *site*, so `same-site` (another loopback port, a
        // sibling subdomain) is refused too; `none` is a user-typed navigation.
        if !matches!(site.as_bytes(), b"same-origin" | b"none") {
            return Err(Error::Csrf("cross-site request"));
        }
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let o = origin
            .to_str()
            .map_err(|_| Error::Csrf("origin not allowed"))?;
        let ok = if cfg.allowed_origins.is_empty() {
            let host = headers.get(HOST).and_then(|h| h.to_str().ok());
            host.is_some_and(|h| o.strip_prefix("https://") == Some(h))
        } else {
            cfg.allowed_origins.iter().any(|a| a == o)
        };
        if !ok {
            return Err(Error::Csrf("origin not allowed"));
        }
    }
    Ok(())
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The submitted token: the header, else the form field (the body is buffered, bounded, and
/// handed on unchanged). A field sent twice is refused.
async fn submitted_token(
    req: Request,
    cfg: &WebSessionConfig,
) -> Result<(Request, Option<String>), Error> {
    let from_header = {
        let mut headers = req.headers().get_all(cfg.csrf_header.as_str()).iter();
        match (headers.next(), headers.next()) {
            (Some(_), Some(_)) => return Err(Error::Csrf("token sent twice")),
            (Some(h), None) => Some(
                h.to_str()
                    .map_err(|_| Error::Csrf("malformed token"))?
                    .to_owned(),
            ),
            _ => None,
        }
    };
    if from_header.is_some() {
        return Ok((req, from_header));
    }
    if !is_form(req.headers()) {
        return Ok((req, None));
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, cfg.max_form_bytes)
        .await
        .map_err(|_| Error::BodyTooLarge)?;
    let mut found = None;
    for (k, v) in form_urlencoded::parse(&bytes) {
        if k == cfg.csrf_field.as_str() && found.replace(v.into_owned()).is_some() {
            return Err(Error::Csrf("token sent twice"));
        }
    }
    Ok((Request::from_parts(parts, Body::from(bytes)), found))
}

fn csrf_reason(e: &Error) -> &'static str {
    match e {
        Error::Csrf("cross-site request") => "csrf: cross-site request",
        Error::Csrf("origin not allowed") => "csrf: origin not allowed",
        Error::Csrf("token missing") => "csrf: token missing",
        Error::Csrf("token mismatch") => "csrf: token mismatch",
        Error::Csrf("token sent twice") => "csrf: token sent twice",
        Error::BodyTooLarge => "csrf: body too large",
        _ => "csrf: token invalid",
    }
}

/// The session middleware. Mount with
/// `axum::middleware::from_fn_with_state(Arc::new(web_sessions), session_layer::<S, C>)`.
///
/// Per request: parses the cookies (malformed, duplicated or oversized: 400/431, cleared);
/// validates the session (unknown or expired: the request is anonymous and the cookie is
/// cleared); on unsafe methods checks `Sec-Fetch-Site`, `Origin` and the CSRF token (403);
/// then runs the handler and applies what it asked of [`Session`]. The cookie is re-issued
/// only when the session's idle window was extended (once per touch interval).
pub async fn session_layer<S, C>(
    State(web): State<Arc<WebSessions<S, C>>>,
    req: Request,
    next: Next,
) -> Response
where
    S: LoginSessionStore + 'static,
    C: Clock + 'static,
{
    let cfg = &web.config;
    let cookies =
        find_cookie(req.headers(), &cfg.cookie_name, cfg.max_cookie_bytes).and_then(|s| {
            Ok((
                s,
                find_cookie(req.headers(), &cfg.csrf_cookie_name, cfg.max_cookie_bytes)?,
            ))
        });
    let (raw_session, raw_csrf) = match cookies {
        Ok(c) => c,
        Err(e) => return web.deny(e, None, "malformed cookie"),
    };
    let mut clear_session = false;
    let mut current = None;
    let mut token = None;
    let mut refreshed = false;
    if let Some(t) = raw_session {
        match web.manager.check(&t).await {
            Ok(SessionCheck::Valid {
                session,
                refreshed: r,
            }) => {
                current = Some(session);
                refreshed = r;
                token = LoginSessionToken::parse(&t).ok();
            }
            Ok(SessionCheck::Expired { user }) => {
                web.audit.record(WebEvent::SessionExpired { user });
                clear_session = true;
            }
            Ok(_) => clear_session = true,
            Err(Error::MalformedToken(_)) => {
                return web.deny(
                    Error::MalformedCookie("session cookie"),
                    None,
                    "malformed cookie",
                );
            }
            Err(e) => return e.into_response(),
        }
    }
    let hash = token.as_ref().map(|t| *web.manager.hash_of(t).as_bytes());
    let binding = hash.as_ref().map_or(Binding::Anonymous, Binding::Session);
    let valid_csrf = raw_csrf
        .clone()
        .filter(|c| web.csrf.verify(c, binding).is_ok());
    let user = current.as_ref().map(|s| s.user().clone());

    let mut req = req;
    if !is_safe(req.method()) {
        let checked = async {
            check_origin(req.headers(), cfg)?;
            let (r, submitted) = submitted_token(req, cfg).await?;
            let submitted = submitted.ok_or(Error::Csrf("token missing"))?;
            let cookie = raw_csrf.as_deref().ok_or(Error::Csrf("token missing"))?;
            if !same(&submitted, cookie) {
                return Err(Error::Csrf("token mismatch"));
            }
            web.csrf.verify(cookie, binding)?;
            Ok(r)
        }
        .await;
        req = match checked {
            Ok(r) => r,
            Err(e) => {
                let reason = csrf_reason(&e);
                return web.deny(e, user, reason);
            }
        };
    }

    let page_token = match valid_csrf.clone() {
        Some(t) => t,
        None => match web.csrf.mint(binding) {
            Ok(t) => t,
            Err(e) => return e.into_response(),
        },
    };
    let shared = Arc::new(Shared {
        current: current.clone(),
        csrf_token: page_token.clone(),
        action: Mutex::new(None),
        audit: web.audit.clone(),
    });
    req.extensions_mut().insert(Session(shared.clone()));
    let mut resp = next.run(req).await;
    // A handler that asked for a login and then failed (4xx/5xx) gets no new session.
    let action = shared
        .action
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .filter(|_| !(resp.status().is_client_error() || resp.status().is_server_error()));
    let mut set = Vec::new();
    let new_binding = match apply(&web, action, token.as_ref(), user, &mut set).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    match new_binding {
        Some(b) => {
            let b = b.as_ref().map_or(Binding::Anonymous, Binding::Session);
            match web.csrf.mint(b) {
                Ok(t) => set.push(web.cookie(&cfg.csrf_cookie_name, &t, None)),
                Err(e) => return e.into_response(),
            }
        }
        None => {
            if refreshed && let (Some(t), Some(s)) = (&token, &current) {
                set.push(web.session_cookie(t, s));
            }
            if clear_session {
                set.push(web.cookie(&cfg.cookie_name, "", Some(0)));
            }
            if valid_csrf.is_none() {
                set.push(web.cookie(&cfg.csrf_cookie_name, &page_token, None));
            }
        }
    }
    for v in set.into_iter().flatten() {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    resp
}

/// Carries out the handler's request. `Some(binding)` when the session changed (the CSRF
/// cookie must then be re-minted for the new binding).
async fn apply<S: LoginSessionStore, C: Clock>(
    web: &WebSessions<S, C>,
    action: Option<Action>,
    token: Option<&LoginSessionToken>,
    user: Option<UserId>,
    set: &mut Vec<Option<HeaderValue>>,
) -> Result<Option<Option<[u8; 32]>>, Error> {
    let name = &web.config.cookie_name;
    match action {
        None => Ok(None),
        Some(Action::Login { user, mfa }) => {
            if let Some(old) = token {
                web.manager.revoke(old.expose()).await?;
            }
            let (t, s) = web.manager.create(&user, mfa).await?;
            set.push(web.session_cookie(&t, &s));
            web.audit
                .record(WebEvent::LoginSucceeded { user: user.clone() });
            web.audit.record(WebEvent::SessionCreated {
                user,
                cause: "login",
            });
            Ok(Some(Some(*web.manager.hash_of(&t).as_bytes())))
        }
        Some(Action::Rotate(reason)) => {
            let old = token.ok_or(Error::SessionInvalid)?;
            let (t, s) = web.manager.rotate(old.expose(), reason).await?;
            set.push(web.session_cookie(&t, &s));
            web.audit.record(WebEvent::SessionCreated {
                user: s.user().clone(),
                cause: "rotation",
            });
            Ok(Some(Some(*web.manager.hash_of(&t).as_bytes())))
        }
        Some(Action::Logout) => {
            if let Some(old) = token {
                web.manager.revoke(old.expose()).await?;
            }
            set.push(web.cookie(name, "", Some(0)));
            if let Some(user) = user {
                web.audit.record(WebEvent::Logout { user });
            }
            Ok(Some(None))
        }
    }
}
