//! The page and the demo's own endpoints, beside the web service's `/attach-token` and
//! `/ws/{session}/{chat}`:
//!
//! - `GET /`, `/app.js`, `/style.css`, `/bosso-client.js` (the bundled package), `/bench.html`
//!   and `/bench.js`, under a CSP that allows scripts from this origin only;
//! - `POST /demo/login` `{"user": "alice"|"bob"}`: the stand-in IdP's access token (no password:
//!   it is a demo of what happens after login);
//! - `GET /demo/chats` (Bearer): the user's chats;
//! - `POST /channel-token` (Bearer) `{"session","chat","audience"}`: an attach token whose
//!   audience is one channel's (`e2ee.` + base64url of its handshake hash), after the same
//!   ownership check as `/attach-token`;
//! - `POST /demo/relay` `{"replay": "to-daemon"|"to-client"}`: the relay misbehaves once;
//! - `POST /demo/daemon` `{"daemon", "online"}` (Bearer, the owner): takes a daemon offline
//!   (cutting its live views) or back;
//! - `GET /demo/events`: what the daemons saw.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use bosso::auth::ownership::{Ownership, OwnershipStore};
use bosso::token::{
    AttachMinter, Audience, ChatId, DaemonId, InstanceId, Permission, Scope, SessionId, SigningKey,
    UserId,
};
use serde_json::{Value, json};

use super::idp::Idp;
use super::serve_daemon::{Events, Link};
use super::sqlite::SqliteOwnership;
use super::web::{self, Web};

pub struct Owned {
    pub daemon: String,
    pub user: String,
    pub session: String,
    pub chats: Vec<String>,
}

pub struct Api {
    pub web: Arc<Web>,
    pub idp: Arc<Idp>,
    pub db: Arc<SqliteOwnership>,
    pub minter_key: Arc<SigningKey>,
    pub link: Arc<Link>,
    pub events: Events,
    pub owners: Vec<Owned>,
}

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn router(api: Arc<Api>) -> axum::Router {
    axum::Router::new()
        .route(
            "/",
            get(|| async { page("text/html; charset=utf-8", include_str!("page/index.html")) }),
        )
        .route(
            "/bench.html",
            get(|| async { page("text/html; charset=utf-8", include_str!("page/bench.html")) }),
        )
        .route(
            "/app.js",
            get(|| async { page("text/javascript", include_str!("page/app.js")) }),
        )
        .route(
            "/style.css",
            get(|| async { page("text/css", include_str!("page/style.css")) }),
        )
        .route("/bosso-client.js", get(|| bundle("bosso-client.js")))
        .route("/bench.js", get(|| bundle("bosso-bench.js")))
        .route("/demo/login", post(login))
        .route("/demo/chats", get(chats))
        .route("/channel-token", post(channel_token))
        .route("/demo/relay", post(relay))
        .route("/demo/daemon", post(daemon))
        .route("/demo/events", get(events))
        .with_state(api)
}

fn page(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// The bundle is read at request time: `npm run build` in clients/js replaces it.
async fn bundle(name: &'static str) -> Response {
    match std::fs::read_to_string(super::bundle_dir().join(name)) {
        Ok(js) => (
            [
                (header::CONTENT_TYPE, "text/javascript"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            js,
        )
            .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "run `npm run build` in clients/js").into_response(),
    }
}

async fn login(State(api): State<Arc<Api>>, Json(req): Json<Value>) -> Response {
    let user = req["user"].as_str().unwrap_or("");
    if !api.owners.iter().any(|o| o.user == user) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match api.idp.access_token(user) {
        Ok(jwt) => Json(json!({"access_token": jwt})).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The user the Bearer access token names, verified by the web service's OIDC verifier.
async fn user_of(api: &Api, headers: &HeaderMap) -> Option<UserId> {
    let bearer = headers.get("authorization")?.to_str().ok()?;
    let jwt = bearer.strip_prefix("Bearer ")?;
    api.web
        .oidc
        .verify(jwt)
        .await
        .ok()
        .map(|p| p.subject().clone())
}

async fn chats(State(api): State<Arc<Api>>, headers: HeaderMap) -> Response {
    let Some(user) = user_of(&api, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let list: Vec<Value> = api
        .owners
        .iter()
        .filter(|o| o.user == user.as_str())
        .flat_map(|o| {
            o.chats
                .iter()
                .map(|c| json!({"daemon": o.daemon, "session": o.session, "chat": c}))
        })
        .collect();
    Json(json!({"user": user.as_str(), "chats": list})).into_response()
}

async fn channel_token(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    Json(req): Json<Value>,
) -> Response {
    let Some(user) = user_of(&api, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let (Some(s), Some(c), Some(a)) = (
        req["session"].as_str(),
        req["chat"].as_str(),
        req["audience"].as_str(),
    ) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    // Only a channel audience: this endpoint never mints a token the gate would accept.
    let is_channel = a.len() == 48 && a.starts_with("e2ee.");
    let (Ok(session), Ok(chat), Ok(audience), true) = (
        SessionId::new(s),
        ChatId::new(c),
        Audience::new(a),
        is_channel,
    ) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    match api.db.check(&user, &session, &chat).await {
        Ok(Ownership::Owned { .. }) => {}
        _ => return bosso::auth::Error::NotPermitted.into_response_uniform(),
    }
    let scope = Scope::new(user, session, chat, Permission::Editor);
    match AttachMinter::new(api.minter_key.clone(), audience).mint(&scope) {
        Ok(token) => Json(json!({"token": token.expose_secret()})).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn relay(State(api): State<Arc<Api>>, Json(req): Json<Value>) -> Response {
    match req["replay"].as_str() {
        Some("to-daemon") => api.web.relay.tamper.store(web::REPLAY, Ordering::SeqCst),
        Some("to-client") => api.link.replay_to_client.store(true, Ordering::SeqCst),
        _ => return StatusCode::BAD_REQUEST.into_response(),
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn daemon(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    Json(req): Json<Value>,
) -> Response {
    let Some(user) = user_of(&api, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let name = req["daemon"].as_str().unwrap_or("");
    let online = req["online"].as_bool().unwrap_or(true);
    if !api
        .owners
        .iter()
        .any(|o| o.daemon == name && o.user == user.as_str())
    {
        return bosso::auth::Error::NotPermitted.into_response_uniform();
    }
    let (Ok(id), Ok(instance)) = (DaemonId::new(name), InstanceId::new("run-1")) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let cut = if online {
        let _ = api.db.exec(
            "UPDATE daemons SET instance_id = ?1 WHERE id = ?2",
            &["run-1", name],
        );
        api.web.gate.daemon_online(&id, &instance)
    } else {
        let _ = api.db.exec(
            "UPDATE daemons SET instance_id = NULL WHERE id = ?1",
            &[name],
        );
        api.web.gate.daemon_offline(&id)
    };
    api.events.push(format!(
        "{name}: {} ({cut} live view(s) cut)",
        if online { "back online" } else { "offline" }
    ));
    Json(json!({"cut": cut})).into_response()
}

async fn events(State(api): State<Arc<Api>>) -> Response {
    Json(json!({"events": api.events.all()})).into_response()
}

/// The SHA-256 of the certificate's SubjectPublicKeyInfo, base64: what Chromium's
/// `--ignore-certificate-errors-spki-list` takes. A minimal DER walk: Certificate ->
/// tbsCertificate -> its seventh element (after the optional [0] version, serial, signature
/// algorithm, issuer, validity, subject).
pub fn spki_sha256_b64(cert: &[u8]) -> Option<String> {
    let tbs = contents(element(contents(element(cert)?.0)?)?.0)?;
    let (first, mut rest) = element(tbs)?;
    // The optional explicit [0] version, then serial, signature, issuer, validity, subject.
    if first.first() != Some(&0xa0) {
        rest = tbs;
    }
    for _ in 0..5 {
        rest = element(rest)?.1;
    }
    let spki = element(rest)?.0;
    let digest = ring::digest::digest(&ring::digest::SHA256, spki);
    Some(base64::engine::general_purpose::STANDARD.encode(digest.as_ref()))
}

/// The first DER element of `der` (header included) and what follows it.
fn element(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let header = header_len(der)?;
    let first = *der.get(1)?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        der.get(2..header)?.iter().try_fold(0usize, |a, b| {
            a.checked_mul(256)?.checked_add(usize::from(*b))
        })?
    };
    let end = header.checked_add(len)?;
    Some((der.get(..end)?, der.get(end..)?))
}

/// The contents of one DER element (its header stripped).
fn contents(el: &[u8]) -> Option<&[u8]> {
    el.get(header_len(el)?..)
}

fn header_len(der: &[u8]) -> Option<usize> {
    let first = *der.get(1)?;
    Some(if first < 0x80 {
        2
    } else {
        2 + usize::from(first & 0x7f)
    })
}
