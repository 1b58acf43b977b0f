//! A small web app on bosso-accounts' `axum` layer: login with password and TOTP, a
//! `__Host-` session cookie, a CSRF-guarded form and a protected page, served over HTTPS on
//! loopback with a certificate generated at start.
//!
//! ```text
//! cargo run --example accounts_web --features accounts-axum
//! ```
//!
//! It prints its address, the certificate's SPKI hash (for Chromium's
//! `--ignore-certificate-errors-spki-list`), and the demo account's password and TOTP secret
//! (a demo: a real app never prints them). `BOSSO_WEB_ADDR` picks the address (default
//! `127.0.0.1:8443`; port 0 for any); `BOSSO_WEB_BURST` the burst of `/api/ping`'s limit.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::middleware::from_fn_with_state;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use bosso_accounts::lockout::{Lockout, LockoutPolicy, MemoryLockoutStore};
use bosso_accounts::login_session::{
    LoginSessionConfig, LoginSessionManager, MemoryLoginSessionStore,
};
use bosso_accounts::password::{
    MemoryPasswordStore, PasswordConfig, PasswordHasher, PasswordStore,
};
use bosso_accounts::ratelimit::{MemoryRateLimiter, Quota, ThrottleKey};
use bosso_accounts::token::TokenKey;
use bosso_accounts::totp::{MemoryTotpStore, Totp, TotpAlgorithm, TotpConfig, TotpManager};
use bosso_accounts::web::*;
use bosso_accounts::{Clock, SystemClock, UnixTime, UserId};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use secrecy::{ExposeSecret, SecretString};

const PASSWORD: &str = "correct horse battery staple";

struct App {
    hasher: Arc<PasswordHasher>,
    passwords: MemoryPasswordStore,
    totp: TotpManager<MemoryTotpStore, SystemClock>,
    lockout: Lockout<MemoryLockoutStore, SystemClock>,
    notes: Mutex<HashMap<UserId, Vec<String>>>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn form(fields: &HashMap<String, String>, name: &str) -> String {
    fields.get(name).cloned().unwrap_or_default()
}

fn parse(body: &str) -> HashMap<String, String> {
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

async fn index(session: Session) -> Response {
    if session.user().is_some() {
        return Redirect::to("/protected").into_response();
    }
    Html(format!(
        r#"<!doctype html><title>Sign in</title><h1>Sign in</h1>
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{}">
<label>User <input name="user" id="user" value="alice"></label>
<label>Password <input name="password" id="password" type="password"></label>
<label>Code <input name="code" id="code" inputmode="numeric"></label>
<button id="signin">Sign in</button></form>"#,
        esc(session.csrf_token())
    ))
    .into_response()
}

async fn login(
    State(app): State<Arc<App>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    session: Session,
    body: String,
) -> Response {
    let f = parse(&body);
    let Ok(user) = UserId::new(form(&f, "user")) else {
        session.login_failed(None, "invalid user name");
        return bosso_accounts::Error::InvalidCredentials.into_response();
    };
    // Lockout counts the attempt before the password is checked (see the lockout module).
    let key = ThrottleKey::account_and_ip("login", &user, peer.ip());
    if let Err(e) = app.lockout.begin_attempt(&key).await {
        session.login_failed(Some(user), "locked");
        return e.into_response();
    }
    let password = SecretString::from(form(&f, "password"));
    let ok = app
        .hasher
        .login(&app.passwords, &user, password)
        .await
        .is_ok()
        && app.totp.verify(&user, &form(&f, "code")).await.is_ok();
    if !ok {
        session.login_failed(Some(user), "invalid credentials");
        return bosso_accounts::Error::InvalidCredentials.into_response();
    }
    let _ = app.lockout.success(&key).await;
    session.login(user, true);
    Redirect::to("/protected").into_response()
}

async fn protected(
    State(app): State<Arc<App>>,
    SignedIn(s): SignedIn,
    session: Session,
) -> Response {
    let notes = app
        .notes
        .lock()
        .map(|n| n.get(s.user()).cloned().unwrap_or_default())
        .unwrap_or_default();
    let items: String = notes
        .iter()
        .map(|n| format!("<li>{}</li>", esc(n)))
        .collect();
    let token = esc(session.csrf_token());
    Html(format!(
        r#"<!doctype html><title>Protected</title><h1 id="who">Signed in as {}</h1>
<p>Two factors proven: {}</p><ul id="notes">{items}</ul>
<form method="post" action="/note" id="noteform"><input type="hidden" name="csrf_token" value="{token}">
<input name="text" id="text"><button id="add">Add note</button></form>
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="{token}">
<button id="logout">Sign out</button></form>"#,
        esc(s.user().as_str()),
        s.mfa()
    ))
    .into_response()
}

async fn note(State(app): State<Arc<App>>, SignedIn(s): SignedIn, body: String) -> Response {
    let text = form(&parse(&body), "text");
    if let Ok(mut n) = app.notes.lock() {
        n.entry(s.user().clone()).or_default().push(text);
    }
    Redirect::to("/protected").into_response()
}

async fn logout(session: Session) -> Redirect {
    session.logout();
    Redirect::to("/")
}

fn limit(q: Quota, scope: &str, audit: &Arc<dyn WebAudit>) -> Arc<RouteLimit<MemoryRateLimiter>> {
    Arc::new(RouteLimit::new(
        MemoryRateLimiter::new(q, 100_000),
        scope,
        LimitBy::Ip,
        audit.clone(),
    ))
}

/// Prints each audit event as a line (a real app sends them to its log pipeline).
struct PrintAudit;
impl WebAudit for PrintAudit {
    fn record(&self, event: WebEvent) {
        println!("audit {event:?}");
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clock = SystemClock;
    let audit: Arc<dyn WebAudit> = Arc::new(PrintAudit);
    // A demo: cheaper Argon2 than production's `PasswordConfig::default()`.
    let hasher = Arc::new(PasswordHasher::new(PasswordConfig {
        memory_kib: 8192,
        iterations: 1,
        ..PasswordConfig::default()
    })?);
    let passwords = MemoryPasswordStore::new();
    let alice = UserId::new("alice")?;
    passwords
        .set(&alice, hasher.hash(&SecretString::from(PASSWORD))?)
        .await?;
    let totp = TotpManager::new(
        TotpConfig::new("accounts_web"),
        MemoryTotpStore::new(),
        clock,
        TokenKey::generate()?,
    )?;
    let pending = totp.begin_enrollment(&alice, "alice@example.com")?;
    let secret = pending.secret_base32().expose_secret().to_owned();
    // Enroll with the previous step's code (inside the skew window), so the current one is
    // still free for the first login.
    let app_code = Totp::new(pending.secret(), TotpAlgorithm::Sha1, 6, 30)?.generate(
        UnixTime::from_secs(clock.now().as_secs().saturating_sub(30)),
    );
    totp.confirm_enrollment(pending, app_code.expose_secret())
        .await?;

    let addr: SocketAddr = std::env::var("BOSSO_WEB_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:8443".into())
        .parse()?;
    let burst: u32 = std::env::var("BOSSO_WEB_BURST")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(20);
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;

    let manager = LoginSessionManager::new(
        LoginSessionConfig::default(),
        MemoryLoginSessionStore::new(100_000, clock),
        clock,
        TokenKey::generate()?,
    )?;
    let config = WebSessionConfig {
        allowed_origins: vec![format!("https://{addr}")],
        ..WebSessionConfig::default()
    };
    let web = Arc::new(WebSessions::new(
        manager,
        CsrfKey::generate()?,
        config,
        audit.clone(),
    )?);
    let app = Arc::new(App {
        hasher,
        passwords,
        totp,
        lockout: Lockout::new(
            LockoutPolicy::default(),
            MemoryLockoutStore::new(100_000),
            clock,
        )?,
        notes: Mutex::new(HashMap::new()),
    });
    let router = Router::new()
        .route("/", get(index))
        .route(
            "/login",
            post(login).layer(from_fn_with_state(
                limit(Quota::login(), "login", &audit),
                rate_limit::<MemoryRateLimiter>,
            )),
        )
        .route("/protected", get(protected))
        .route("/note", post(note))
        .route("/logout", post(logout))
        .route(
            "/api/ping",
            get(|| async { "pong" }).layer(from_fn_with_state(
                limit(Quota::new(burst, Duration::from_secs(60))?, "ping", &audit),
                rate_limit::<MemoryRateLimiter>,
            )),
        )
        .with_state(app)
        .layer(from_fn_with_state(
            web,
            session_layer::<MemoryLoginSessionStore<SystemClock>, SystemClock>,
        ))
        .layer(from_fn_with_state(
            Arc::new(SecureHeaders::default()),
            secure_headers,
        ));

    let ck = rcgen::generate_simple_self_signed(vec![addr.ip().to_string(), "localhost".into()])?;
    let spki = ring::digest::digest(&ring::digest::SHA256, &ck.key_pair.public_key_der());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
    let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(vec![CertificateDer::from(ck.cert.der().to_vec())], key)?;
    println!("listening https://{addr}");
    println!(
        "spki {}",
        base64::engine::general_purpose::STANDARD.encode(spki.as_ref())
    );
    println!("demo user alice password {PASSWORD:?} totp_secret {secret}");
    let config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(tls));
    axum_server::from_tcp_rustls(listener, config)
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
        .await?;
    Ok(())
}
