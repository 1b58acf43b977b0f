//! The web layer through a real axum server on loopback and reqwest: every rule of the
//! session cookie, CSRF, security headers, rate limits and audit events.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod app;

use app::*;
use bosso_accounts::UserId;
use bosso_accounts::web::WebEvent;

fn alice() -> UserId {
    UserId::new("alice").unwrap()
}

#[tokio::test]
async fn session_cookie_is_host_prefixed_httponly_secure_lax_and_strict_when_configured() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    let r = c.login("alice", PASSWORD).await;
    assert_eq!(r.status(), 200);
    let sc = set_cookies(&r);
    let s = sc
        .iter()
        .find(|v| v.starts_with(SESSION))
        .expect("session cookie");
    for attr in [
        "HttpOnly",
        "Secure",
        "Path=/",
        "SameSite=Lax",
        "Max-Age=604800",
    ] {
        assert!(s.split("; ").any(|a| a == attr), "{attr} missing in {s}");
    }
    assert!(!s.contains("Domain"), "{s}");
    let csrf = sc
        .iter()
        .find(|v| v.starts_with(CSRF))
        .expect("csrf cookie");
    assert!(
        csrf.contains("HttpOnly") && csrf.contains("Secure"),
        "{csrf}"
    );
    assert_eq!(c.get("/me").await.text().await.unwrap(), "alice");

    let strict = start(Options {
        same_site: bosso_accounts::web::SameSiteMode::Strict,
    })
    .await;
    let mut c = Client::new(&strict);
    let r = c.login("alice", PASSWORD).await;
    assert!(
        set_cookies(&r)
            .iter()
            .all(|v| v.contains("SameSite=Strict"))
    );
}

#[tokio::test]
async fn login_issues_a_new_id_and_revokes_the_one_presented() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    c.login("alice", PASSWORD).await;
    let first = c.session().unwrap();
    // A fixation attempt: the attacker's own session id is planted, then the victim logs in.
    c.login("bob", PASSWORD).await;
    let second = c.session().unwrap();
    assert_ne!(first, second);
    assert_eq!(c.get("/me").await.text().await.unwrap(), "bob");
    let mut replay = Client::new(&app);
    replay.cookies.insert(SESSION.into(), first);
    let r = replay.get("/me").await;
    assert_eq!(r.status(), 401);
    assert!(
        set_cookies(&r)
            .iter()
            .any(|v| v.starts_with(SESSION) && v.contains("Max-Age=0"))
    );
}

#[tokio::test]
async fn privilege_change_rotates_the_id_and_the_old_cookie_stops_working() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    c.login("alice", PASSWORD).await;
    let before = c.session().unwrap();
    assert_eq!(c.post("/promote").await.status(), 200);
    let after = c.session().unwrap();
    assert_ne!(before, after);
    assert_eq!(c.get("/me").await.status(), 200);
    let mut old = Client::new(&app);
    old.cookies.insert(SESSION.into(), before);
    assert_eq!(old.get("/me").await.status(), 401);
}

#[tokio::test]
async fn logout_clears_the_cookie_and_a_replayed_cookie_is_refused() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    c.login("alice", PASSWORD).await;
    let old = c.session().unwrap();
    let r = c.post("/logout").await;
    assert_eq!(r.status(), 200);
    assert!(
        set_cookies(&r)
            .iter()
            .any(|v| v.starts_with(SESSION) && v.contains("Max-Age=0"))
    );
    assert!(c.session().is_none());
    let mut replay = Client::new(&app);
    replay.cookies.insert(SESSION.into(), old);
    assert_eq!(replay.get("/me").await.status(), 401);
}

#[tokio::test]
async fn sliding_refresh_reissues_the_cookie_only_after_the_touch_interval() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    c.login("alice", PASSWORD).await;
    let token = c.session().unwrap();
    app.clock.advance(23 * 3600);
    let r = c.get("/me").await;
    assert_eq!(r.status(), 200);
    assert!(
        !set_cookies(&r).iter().any(|v| v.starts_with(SESSION)),
        "re-issued too early"
    );
    app.clock.advance(2 * 3600);
    let r = c.get("/me").await;
    let sc = set_cookies(&r);
    let s = sc
        .iter()
        .find(|v| v.starts_with(SESSION))
        .expect("refreshed cookie");
    // Same id, a fresh 7-day idle window.
    assert!(s.starts_with(&format!("{SESSION}={token};")), "{s}");
    assert!(s.contains("Max-Age=604800"), "{s}");
    // 7 days without activity: expired, refused, and audited with the user.
    app.clock.advance(7 * 86400);
    assert_eq!(c.get("/me").await.status(), 401);
    assert!(
        app.audit
            .events()
            .contains(&WebEvent::SessionExpired { user: alice() })
    );
}

#[tokio::test]
async fn csrf_unsafe_methods_need_the_signed_token_safe_methods_never_blocked() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    c.login("alice", PASSWORD).await;
    let token = c.csrf().await;
    let origin = c.origin.clone();
    // Same-origin header token and form field both pass.
    assert_eq!(c.post("/submit").await.status(), 200);
    let body = format!("csrf_token={token}&x=1");
    assert_eq!(
        c.send("POST", "/submit", &[], Some(body)).await.status(),
        200
    );
    // No token, a wrong one, a cross-site or foreign-origin request: 403.
    for (extra, body) in [
        (vec![], None),
        (
            vec![(
                "x-csrf-token",
                "v1.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            )],
            None,
        ),
        (
            vec![
                ("x-csrf-token", token.as_str()),
                ("sec-fetch-site", "cross-site"),
            ],
            None,
        ),
        (
            vec![
                ("x-csrf-token", token.as_str()),
                ("sec-fetch-site", "same-site"),
            ],
            None,
        ),
        (
            vec![
                ("x-csrf-token", token.as_str()),
                ("origin", "https://evil.example"),
            ],
            None,
        ),
        (
            vec![("x-csrf-token", token.as_str()), ("origin", "null")],
            None,
        ),
        (vec![("x-csrf-token", "garbage")], None),
        (
            vec![
                ("x-csrf-token", token.as_str()),
                ("x-csrf-token", token.as_str()),
            ],
            None,
        ),
        (
            vec![],
            Some(format!("csrf_token={token}&csrf_token={token}")),
        ),
        (vec![], Some(format!("csrf_token={}", "A".repeat(70)))),
    ] {
        let r = c.send("POST", "/submit", &extra, body).await;
        assert_eq!(r.status(), 403, "{extra:?}");
    }
    // Oversized form body: 413.
    let big = format!("csrf_token={token}&pad={}", "x".repeat(70 * 1024));
    assert_eq!(
        c.send("POST", "/submit", &[], Some(big)).await.status(),
        413
    );
    // GET with cross-site headers and no token is never blocked.
    let r = c
        .send(
            "GET",
            "/me",
            &[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://evil.example"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        c.send("POST", "/submit", &[("origin", &origin)], None)
            .await
            .status(),
        403
    );
    assert!(app.audit.events().iter().any(|e| matches!(e,
        WebEvent::Denied { user: Some(u), reason: "csrf: cross-site request" } if *u == alice())));
}

#[tokio::test]
async fn csrf_token_is_bound_to_the_session() {
    let app = start(Options::default()).await;
    let mut a = Client::new(&app);
    let anon_token = a.csrf().await;
    let anon_cookie = a.cookies.get(CSRF).cloned().unwrap();
    a.login("alice", PASSWORD).await;
    // The pre-login token no longer verifies for the new session, even as a matching pair.
    a.cookies.insert(CSRF.into(), anon_cookie);
    let r = a
        .send("POST", "/submit", &[("x-csrf-token", &anon_token)], None)
        .await;
    assert_eq!(r.status(), 403);
    // Bob's valid pair replayed with Alice's session: refused.
    let mut b = Client::new(&app);
    b.login("bob", PASSWORD).await;
    let bob_token = b.csrf().await;
    a.cookies.insert(CSRF.into(), bob_token.clone());
    let r = a
        .send("POST", "/submit", &[("x-csrf-token", &bob_token)], None)
        .await;
    assert_eq!(r.status(), 403);
    // After the refusal the next page carries a token for Alice's own session, which works.
    let mine = a.csrf().await;
    assert_ne!(mine, bob_token);
    assert_eq!(
        a.send("POST", "/submit", &[("x-csrf-token", &mine)], None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn malformed_duplicated_oversized_and_forged_cookies_get_a_clear_status() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    c.login("alice", PASSWORD).await;
    let good = c.session().unwrap();
    let mut raw = Client::new(&app);
    let cases: Vec<(String, u16)> = vec![
        (format!("{SESSION}={good}; {SESSION}={good}"), 400),
        (format!("{SESSION}=bss_short"), 400),
        (format!("{SESSION}=\"{good}\"x"), 400),
        (format!("a={}; {SESSION}={good}", "x".repeat(9000)), 431),
        // Forged but well-formed: no such session, so anonymous (401 at a protected page).
        (format!("{SESSION}=bss_{}", "A".repeat(43)), 401),
        // Junk from other applications is skipped.
        (format!("=novalue; ;;; other; {SESSION}={good}"), 200),
    ];
    for (header, status) in cases {
        let r = raw.send("GET", "/me", &[("cookie", &header)], None).await;
        assert_eq!(r.status(), status, "{header:.80}");
    }
    let r = raw
        .send(
            "GET",
            "/me",
            &[("cookie", "a=1"), ("cookie", &format!("{SESSION}={good}"))],
            None,
        )
        .await;
    assert_eq!(r.status(), 200, "split Cookie headers are one cookie list");
    let r = raw
        .send(
            "GET",
            "/me",
            &[
                ("cookie", &format!("{SESSION}={good}")),
                ("cookie", &format!("{SESSION}={good}")),
            ],
            None,
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(
        set_cookies(&r)
            .iter()
            .any(|v| v.starts_with(SESSION) && v.contains("Max-Age=0"))
    );
    // The size is checked over all Cookie headers before any of them is parsed.
    let dup = format!("{SESSION}={good}; {SESSION}={good}");
    let big = format!("a={}", "x".repeat(9000));
    let r = raw
        .send("GET", "/me", &[("cookie", &dup), ("cookie", &big)], None)
        .await;
    assert_eq!(r.status(), 431);
    let r = raw
        .send(
            "GET",
            "/me",
            &[("cookie", &format!("{CSRF}=1; {CSRF}=2"))],
            None,
        )
        .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn secure_headers_by_default_and_per_route_override() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    let r = c.get("/me").await;
    assert_eq!(header(&r, "x-frame-options"), Some("DENY"));
    assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"));
    assert_eq!(
        header(&r, "strict-transport-security"),
        Some("max-age=63072000; includeSubDomains")
    );
    assert_eq!(header(&r, "referrer-policy"), Some("same-origin"));
    assert!(
        header(&r, "content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let r = c.get("/framed").await;
    assert_eq!(header(&r, "x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"));
    // Refusals carry them too.
    let r = c.send("POST", "/submit", &[], None).await;
    assert_eq!(r.status(), 403);
    assert_eq!(header(&r, "x-frame-options"), Some("DENY"));
}

#[tokio::test]
async fn rate_limit_gives_429_with_retry_after_per_source_and_per_user() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    for _ in 0..LIMITED_BURST {
        assert_eq!(c.get("/limited").await.status(), 200);
    }
    let r = c.get("/limited").await;
    assert_eq!(r.status(), 429);
    let secs: u64 = header(&r, "retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&secs), "{secs}");
    // Another source address has its own budget.
    let mut other = Client::from(&app, [127, 0, 0, 2]);
    assert_eq!(other.get("/limited").await.status(), 200);
    // By user: alice's budget follows her, bob on the same address has his own.
    let mut a = Client::new(&app);
    a.login("alice", PASSWORD).await;
    let mut b = Client::new(&app);
    b.login("bob", PASSWORD).await;
    assert_eq!(a.get("/mine").await.status(), 200);
    assert_eq!(a.get("/mine").await.status(), 429);
    assert_eq!(b.get("/mine").await.status(), 200);
    assert!(app.audit.events().iter().any(|e| matches!(e,
        WebEvent::Denied { user: Some(u), reason: "rate limited" } if *u == alice())));
}

#[tokio::test]
async fn lockout_still_works_behind_the_rate_limit_layer() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    for _ in 0..5 {
        assert_eq!(c.login("alice", "wrong").await.status(), 401);
    }
    // Locked: even the right password is refused, and no session is issued.
    let r = c.login("alice", PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(c.session().is_none());
    assert!(app.audit.events().contains(&WebEvent::LoginFailed {
        user: Some(alice()),
        reason: "locked"
    }));
}

#[tokio::test]
async fn audit_events_carry_the_user_and_never_a_secret() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    let mut secrets = vec![PASSWORD.to_owned(), "wrong-password-xyz".to_owned()];
    c.login("alice", "wrong-password-xyz").await;
    c.login("alice", PASSWORD).await;
    secrets.push(c.session().unwrap());
    secrets.push(c.csrf().await);
    assert_eq!(c.get("/admin").await.status(), 403);
    c.post("/promote").await;
    secrets.push(c.session().unwrap());
    secrets.push(c.csrf().await);
    c.send("POST", "/submit", &[("sec-fetch-site", "cross-site")], None)
        .await;
    c.post("/logout").await;
    let mut anon = Client::new(&app);
    assert_eq!(anon.get("/me").await.status(), 401);
    let events = app.audit.events();
    let a = alice();
    for want in [
        WebEvent::LoginFailed {
            user: Some(a.clone()),
            reason: "invalid credentials",
        },
        WebEvent::LoginSucceeded { user: a.clone() },
        WebEvent::SessionCreated {
            user: a.clone(),
            cause: "login",
        },
        WebEvent::Denied {
            user: Some(a.clone()),
            reason: "admin role required",
        },
        WebEvent::SessionCreated {
            user: a.clone(),
            cause: "rotation",
        },
        WebEvent::Denied {
            user: Some(a.clone()),
            reason: "csrf: cross-site request",
        },
        WebEvent::Logout { user: a.clone() },
        WebEvent::Denied {
            user: None,
            reason: "no session",
        },
    ] {
        assert!(events.contains(&want), "missing {want:?} in {events:?}");
    }
    let dump = format!("{events:?}");
    for s in &secrets {
        // Tokens and passwords, and any 12-character window of them.
        assert!(!dump.contains(s.as_str()), "audit log leaks a secret");
        for w in s.as_bytes().windows(12) {
            assert!(
                !dump.contains(std::str::from_utf8(w).unwrap()),
                "audit log leaks part of a secret"
            );
        }
    }
    let _ = app.web.manager();
}

#[tokio::test]
async fn a_handler_that_fails_after_asking_for_login_gets_no_session() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    let r = c.post("/login-then-fail").await;
    assert_eq!(r.status(), 500);
    assert!(!set_cookies(&r).iter().any(|v| v.starts_with(SESSION)));
    assert!(c.session().is_none());
}

#[tokio::test]
async fn session_debug_shows_neither_the_session_token_nor_the_csrf_token() {
    let app = start(Options::default()).await;
    let mut c = Client::new(&app);
    c.login("alice", PASSWORD).await;
    let token = c.csrf().await;
    let dump = c.get("/debug").await.text().await.unwrap();
    assert!(dump.contains("alice"), "{dump}");
    assert!(!dump.contains(&token));
    assert!(!dump.contains(&c.session().unwrap()));
    let web = format!("{:?}", app.web);
    assert!(!web.contains(&c.session().unwrap()) && !web.contains(&token));
}
