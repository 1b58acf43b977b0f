//! The app every web test runs against: a real axum server on 127.0.0.1, reqwest clients
//! (which can bind 127.0.0.x to be different sources), cookies carried by hand so each test
//! sees exactly what the server set.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bosso_accounts::lockout::{Lockout, LockoutPolicy, MemoryLockoutStore};
use bosso_accounts::login_session::{
    LoginSessionConfig, LoginSessionManager, MemoryLoginSessionStore, RotationReason,
};
use bosso_accounts::ratelimit::{MemoryRateLimiter, Quota, ThrottleKey};
use bosso_accounts::token::TokenKey;
use bosso_accounts::web::*;
use bosso_accounts::{ManualClock, UnixTime, UserId};
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderName, HeaderValue};

pub type Store = MemoryLoginSessionStore<ManualClock>;
pub type Web = WebSessions<Store, ManualClock>;

pub struct App {
    pub base: String,
    pub addr: SocketAddr,
    pub clock: ManualClock,
    pub audit: Arc<MemoryWebAudit>,
    pub web: Arc<Web>,
}

struct Ctx {
    lockout: Lockout<MemoryLockoutStore, ManualClock>,
}

pub const PASSWORD: &str = "correct horse battery staple";
pub const LIMITED_BURST: u32 = 3;

async fn login(State(ctx): State<Arc<Ctx>>, session: Session, body: String) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let Some(user) = form.get("user").and_then(|u| UserId::new(u.as_str()).ok()) else {
        return (http::StatusCode::BAD_REQUEST, "user").into_response();
    };
    let ip: IpAddr = "127.0.0.1".parse().unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let key = ThrottleKey::account_and_ip("login", &user, ip);
    if let Err(e) = ctx.lockout.begin_attempt(&key).await {
        session.login_failed(Some(user), "locked");
        return e.into_response();
    }
    if form.get("password").map(String::as_str) != Some(PASSWORD) {
        session.login_failed(Some(user), "invalid credentials");
        return bosso_accounts::Error::InvalidCredentials.into_response();
    }
    let _ = ctx.lockout.success(&key).await;
    session.login(user, true);
    "welcome".into_response()
}

async fn me(SignedIn(s): SignedIn) -> String {
    s.user().to_string()
}

async fn admin(SignedIn(s): SignedIn, session: Session) -> Response {
    if s.user().as_str() == "root" {
        "admin".into_response()
    } else {
        session.forbidden("admin role required")
    }
}

async fn promote(SignedIn(_): SignedIn, session: Session) -> &'static str {
    session.rotate(RotationReason::PrivilegeChange);
    "promoted"
}

async fn logout(session: Session) -> &'static str {
    session.logout();
    "bye"
}

pub struct Options {
    pub same_site: SameSiteMode,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            same_site: SameSiteMode::Lax,
        }
    }
}

pub async fn start(opts: Options) -> App {
    let clock = ManualClock::new(UnixTime::from_secs(1_700_000_000));
    let audit = Arc::new(MemoryWebAudit::new());
    let manager = LoginSessionManager::new(
        LoginSessionConfig::default(),
        MemoryLoginSessionStore::new(1000, clock.clone()),
        clock.clone(),
        TokenKey::generate().unwrap(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = WebSessionConfig {
        same_site: opts.same_site,
        allowed_origins: vec![format!("https://{addr}")],
        ..WebSessionConfig::default()
    };
    let web = Arc::new(
        WebSessions::new(manager, CsrfKey::generate().unwrap(), config, audit.clone()).unwrap(),
    );
    let lim = |burst: u32, per: Duration, scope: &str, by| {
        let q = Quota::new(burst, per).unwrap();
        Arc::new(RouteLimit::new(
            MemoryRateLimiter::new(q, 100),
            scope,
            by,
            audit.clone() as Arc<dyn WebAudit>,
        ))
    };
    let ctx = Arc::new(Ctx {
        lockout: Lockout::new(
            LockoutPolicy::default(),
            MemoryLockoutStore::new(100),
            clock.clone(),
        )
        .unwrap(),
    });
    let framed = SecureHeaders::default()
        .with(http::header::X_FRAME_OPTIONS, Some("SAMEORIGIN"))
        .unwrap();
    let app = Router::new()
        .route(
            "/login",
            post(login).layer(from_fn_with_state(
                lim(100, Duration::from_secs(60), "login", LimitBy::Ip),
                rate_limit::<MemoryRateLimiter>,
            )),
        )
        .route(
            "/form",
            get(|s: Session| async move { s.csrf_token().to_owned() }),
        )
        .route("/me", get(me))
        .route("/debug", get(|s: Session| async move { format!("{s:?}") }))
        .route(
            "/login-then-fail",
            post(|s: Session| async move {
                s.login(UserId::new("mallory").unwrap(), false);
                http::StatusCode::INTERNAL_SERVER_ERROR
            }),
        )
        .route("/admin", get(admin))
        .route("/promote", post(promote))
        .route("/logout", post(logout))
        .route("/submit", post(|| async { "done" }))
        .route(
            "/limited",
            get(|| async { "ok" }).layer(from_fn_with_state(
                lim(
                    LIMITED_BURST,
                    Duration::from_secs(3600),
                    "limited",
                    LimitBy::Ip,
                ),
                rate_limit::<MemoryRateLimiter>,
            )),
        )
        .route(
            "/mine",
            get(|| async { "ok" }).layer(from_fn_with_state(
                lim(1, Duration::from_secs(3600), "mine", LimitBy::UserOrIp),
                rate_limit::<MemoryRateLimiter>,
            )),
        )
        .route(
            "/framed",
            get(|| async { "framed" }).layer(from_fn_with_state(Arc::new(framed), secure_headers)),
        )
        .with_state(ctx)
        .layer(from_fn_with_state(
            web.clone(),
            session_layer::<Store, ManualClock>,
        ))
        .layer(from_fn_with_state(
            Arc::new(SecureHeaders::default()),
            secure_headers,
        ));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    App {
        base: format!("http://{addr}"),
        addr,
        clock,
        audit,
        web,
    }
}

/// A browser stand-in: a source address and the cookies the server set.
pub struct Client {
    pub http: reqwest::Client,
    pub cookies: HashMap<String, String>,
    pub base: String,
    pub origin: String,
}

pub const SESSION: &str = "__Host-bosso_session";
pub const CSRF: &str = "__Host-bosso_csrf";

impl Client {
    pub fn new(app: &App) -> Self {
        Self::from(app, [127, 0, 0, 1])
    }

    pub fn from(app: &App, ip: [u8; 4]) -> Self {
        let http = reqwest::Client::builder()
            .local_address(IpAddr::from(ip))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            http,
            cookies: HashMap::new(),
            base: app.base.clone(),
            origin: format!("https://{}", app.addr),
        }
    }

    pub fn cookie_header(&self) -> String {
        let mut v: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        v.sort();
        v.join("; ")
    }

    /// Sends with the stored cookies plus `extra` headers; stores what the server sets.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: Option<String>,
    ) -> reqwest::Response {
        let mut rb = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base));
        if !self.cookies.is_empty() {
            rb = rb.header(COOKIE, self.cookie_header());
        }
        for (k, v) in extra {
            rb = rb.header(HeaderName::from_bytes(k.as_bytes()).unwrap(), *v);
        }
        if let Some(b) = body {
            rb = rb
                .header(
                    http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(b);
        }
        let resp = rb.send().await.unwrap();
        for sc in resp.headers().get_all(SET_COOKIE) {
            let c = cookie::Cookie::parse(sc.to_str().unwrap().to_owned()).unwrap();
            if c.max_age() == Some(cookie::time::Duration::ZERO) {
                self.cookies.remove(c.name());
            } else {
                self.cookies
                    .insert(c.name().to_owned(), c.value().to_owned());
            }
        }
        resp
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        self.send("GET", path, &[], None).await
    }

    /// A same-origin unsafe request, with the CSRF header a page script would send.
    pub async fn post(&mut self, path: &str) -> reqwest::Response {
        let token = self.csrf().await;
        let origin = self.origin.clone();
        self.send(
            "POST",
            path,
            &[
                ("x-csrf-token", &token),
                ("origin", &origin),
                ("sec-fetch-site", "same-origin"),
            ],
            None,
        )
        .await
    }

    /// The page's CSRF token (GET /form, which also sets the cookie when needed).
    pub async fn csrf(&mut self) -> String {
        self.get("/form").await.text().await.unwrap()
    }

    pub async fn login(&mut self, user: &str, password: &str) -> reqwest::Response {
        let token = self.csrf().await;
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("user", user)
            .append_pair("password", password)
            .append_pair("csrf_token", &token)
            .finish();
        let origin = self.origin.clone();
        self.send("POST", "/login", &[("origin", &origin)], Some(body))
            .await
    }

    pub fn session(&self) -> Option<String> {
        self.cookies.get(SESSION).cloned()
    }
}

pub fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

pub fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers()
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
}
