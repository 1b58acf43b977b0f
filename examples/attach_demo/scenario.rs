//! The whole attach story, on loopback, in one process. Shared by `cargo run --example
//! attach_demo` and the integration test `tests/attach_demo.rs`.

#[path = "client.rs"]
mod client;
#[path = "daemon.rs"]
mod daemon;
#[path = "idp.rs"]
mod idp;
#[path = "logs.rs"]
pub mod logs;
#[path = "report.rs"]
mod report;
#[path = "sqlite.rs"]
mod sqlite;
#[path = "tls.rs"]
mod tls;
#[path = "web.rs"]
mod web;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bosso::auth::gate::AttachGate;
use bosso::auth::host::{HostPolicy, OriginPolicy};
use bosso::auth::oidc::{AccessTokenVerifierConfig, Alg, HttpsJwksSource, HttpsOptions, JwksCache};
use bosso::e2ee::DaemonKeyPair;
use bosso::token::{
    AttachMinter, AttachVerifier, Audience, Clock, DaemonId, KeyId, KeyRing, MemoryReplayStore,
    Permission, Scope, SigningKey, SystemClock, UnixTime,
};
use tokio::sync::mpsc;

/// The web service's clock: real time plus an offset the demo moves to show expiry.
#[derive(Default)]
struct DemoClock(AtomicU64);

impl Clock for DemoClock {
    fn now(&self) -> UnixTime {
        SystemClock
            .now()
            .saturating_add(self.0.load(Ordering::SeqCst))
    }
}

/// Runs every step; returns true when all passed. Log lines go through bosso-redact into
/// `log` (and stderr).
pub async fn run(log: logs::Captured) -> bool {
    let mut r = report::Report::new();
    match scenario(&mut r, &log).await {
        Ok(()) => {}
        Err(e) => {
            r.step(0, "demo setup", false, &e);
        }
    }
    r.heading(&format!("\n{} passed, {} failed", r.passed, r.failed));
    r.failed == 0 && r.passed == 7
}

async fn scenario(r: &mut report::Report, log: &logs::Captured) -> Result<(), String> {
    r.heading("Bosso attach demo: IdP, web service, untrusted relay and daemon on loopback (TLS everywhere)");
    let tls = tls::self_signed()?;
    let idp = idp::Idp::start(&tls)?;

    // Ownership data: alice owns daemon d-alice running session s-alice with chats c-1, c-2.
    let db = Arc::new(sqlite::SqliteOwnership::open_in_memory()?);
    db.exec(
        "INSERT INTO daemons VALUES (?1, ?2, ?3)",
        &["d-alice", "alice", "run-1"],
    )?;
    db.exec(
        "INSERT INTO daemons VALUES (?1, ?2, ?3)",
        &["d-bob", "bob", "run-7"],
    )?;
    db.exec(
        "INSERT INTO sessions VALUES (?1, ?2)",
        &["s-alice", "d-alice"],
    )?;
    db.exec("INSERT INTO sessions VALUES (?1, ?2)", &["s-bob", "d-bob"])?;
    for (c, s) in [("c-1", "s-alice"), ("c-2", "s-alice"), ("c-b", "s-bob")] {
        db.exec("INSERT INTO chats VALUES (?1, ?2)", &[c, s])?;
    }

    // The web service: attach tokens (Ed25519, generated at start), the gate, OIDC via HTTPS.
    let clock = Arc::new(DemoClock::default());
    let ring = KeyRing::new(
        SigningKey::generate_ed25519(KeyId::new("web-1").map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?,
    );
    let aud = Audience::new("bosso").map_err(|e| e.to_string())?;
    let minter = AttachMinter::new(ring.active().clone(), aud.clone()).with_clock(clock.clone());
    let verifier =
        AttachVerifier::new(ring.verification_keys(), aud.clone()).with_clock(clock.clone());
    let replay = MemoryReplayStore::new().with_clock(clock.clone());
    let options = HttpsOptions {
        extra_roots_der: vec![tls.cert_der.clone()],
        ..HttpsOptions::default()
    };
    let source = HttpsJwksSource::discover(&idp.issuer, options)
        .await
        .map_err(|e| format!("discovery: {e}"))?;
    let config = AccessTokenVerifierConfig::new(idp.issuer.clone(), ["bosso"])
        .and_then(|c| c.with_algorithms([Alg::EdDSA]))
        .and_then(|c| c.with_required_typ("at+jwt"))
        .map_err(|e| e.to_string())?;
    let relay = Arc::new(web::Relay::default());
    let (listener, port) = tls::listener()?;
    let origin =
        OriginPolicy::exact([format!("https://localhost:{port}")]).map_err(|e| e.to_string())?;
    let gate = AttachGate::builder(minter, verifier, db.clone(), replay)
        .hosts(HostPolicy::local())
        .origins(origin)
        .protocols([client::APP_PROTOCOL])
        .build()
        .map_err(|e| e.to_string())?;
    let web = Arc::new(web::Web {
        gate,
        oidc: JwksCache::new(config, source),
        relay: relay.clone(),
    });
    tls::serve(listener, web::router(web.clone()), &tls);

    // The daemon and its long-term key (shared with the client out of band: the pairing offer).
    let daemon_keys = Arc::new(DaemonKeyPair::generate());
    let daemon_public = *daemon_keys.public();
    let (pipes_tx, pipes_rx) = mpsc::unbounded_channel();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    relay.register_daemon(
        DaemonId::new("d-alice").map_err(|e| e.to_string())?,
        pipes_tx,
    );
    tokio::spawn(daemon::run(daemon_keys, pipes_rx, events_tx));

    let http = reqwest::Client::builder()
        .use_preconfigured_tls((*tls.client).clone())
        .build()
        .map_err(|e| e.to_string())?;
    let browser = client::Browser {
        http,
        tls: tls.client.clone(),
        web: port.to_string(),
    };
    let jwt_alice = idp.access_token("alice")?;
    let jwt_bob = idp.access_token("bob")?;
    let mut secrets = vec![
        jwt_alice.clone(),
        jwt_bob.clone(),
        "alice@example.com".to_string(),
        "bob@example.com".to_string(),
    ];
    tracing::info!("demo: alice (alice@example.com) logs in and gets access token {jwt_alice}");

    // 1. Alice attaches and exchanges encrypted messages with the daemon.
    let token = browser
        .attach_token(&jwt_alice, "s-alice", "c-1")
        .await
        .map_err(|e| format!("{e:?}"))?;
    secrets.push(token.clone());
    let mut ws_alice = browser
        .upgrade("s-alice", "c-1", &token, None)
        .await
        .map_err(|s| format!("upgrade refused: {s}"))?;
    let mut chan = client::handshake(&mut ws_alice, &daemon_public).await?;
    client::send(&mut ws_alice, &mut chan, "hello from alice").await?;
    let reply = client::recv(&mut ws_alice).await.ok_or("no reply")?;
    let text = chan
        .open(&reply)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| e.to_string())?;
    r.step(
        1,
        "alice attaches to her chat and talks to the daemon end to end",
        text == "daemon got: hello from alice",
        &format!("daemon replied {text:?} through the relay"),
    );

    // 2. The same attach token again.
    let again = browser.upgrade("s-alice", "c-1", &token, None).await;
    r.step(
        2,
        "the same attach token used again is refused",
        matches!(again, Err(401)),
        &format!("upgrade -> {:?}", again.err()),
    );

    // 3. Bob asks for a token to alice's chat; compare with a chat that does not exist.
    let to_alices = browser.attach_token(&jwt_bob, "s-alice", "c-1").await;
    let to_nothing = browser.attach_token(&jwt_bob, "s-nope", "c-nope").await;
    let same = matches!((&to_alices, &to_nothing), (Err((403, a)), Err((403, b))) if a == b);
    r.step(
        3,
        "bob is refused alice's chat, indistinguishably from a chat that does not exist",
        same,
        &format!(
            "alice's chat -> {:?}; no such chat -> {:?}",
            to_alices.err(),
            to_nothing.err()
        ),
    );

    // 4. Expired, another chat, forged, foreign Host.
    let t = browser
        .attach_token(&jwt_alice, "s-alice", "c-1")
        .await
        .map_err(|e| format!("{e:?}"))?;
    secrets.push(t.clone());
    clock.0.store(6 * 60, Ordering::SeqCst);
    let expired = browser.upgrade("s-alice", "c-1", &t, None).await.err();
    clock.0.store(0, Ordering::SeqCst);
    let t = browser
        .attach_token(&jwt_alice, "s-alice", "c-1")
        .await
        .map_err(|e| format!("{e:?}"))?;
    secrets.push(t.clone());
    let other_chat = browser.upgrade("s-alice", "c-2", &t, None).await.err();
    let rogue = AttachMinter::new(
        Arc::new(
            SigningKey::generate_ed25519(KeyId::new("web-1").map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?,
        ),
        aud,
    );
    let scope = Scope::new(
        "alice".parse().map_err(|_| "id")?,
        "s-alice".parse().map_err(|_| "id")?,
        "c-1".parse().map_err(|_| "id")?,
        Permission::Editor,
    );
    let forged = rogue.mint(&scope).map_err(|e| e.to_string())?;
    secrets.push(forged.expose_secret().to_string());
    let forged = browser
        .upgrade("s-alice", "c-1", forged.expose_secret(), None)
        .await
        .err();
    let t = browser
        .attach_token(&jwt_alice, "s-alice", "c-1")
        .await
        .map_err(|e| format!("{e:?}"))?;
    secrets.push(t.clone());
    let foreign = browser
        .upgrade("s-alice", "c-1", &t, Some("attacker.example"))
        .await
        .err();
    let ok4 = expired == Some(401)
        && other_chat == Some(401)
        && forged == Some(401)
        && foreign == Some(403);
    r.step(4, "expired, other-chat, forged tokens and a foreign Host are refused", ok4, &format!("expired {expired:?}, other chat {other_chat:?}, forged {forged:?}, foreign Host {foreign:?}"));

    // 5. The relay replays, then reorders, a frame.
    let mut rejected = Vec::new();
    let mut all_rejected = true;
    for (mode, name) in [(web::REPLAY, "replay"), (web::REORDER, "reorder")] {
        let t = browser
            .attach_token(&jwt_alice, "s-alice", "c-2")
            .await
            .map_err(|e| format!("{e:?}"))?;
        secrets.push(t.clone());
        let mut ws = browser
            .upgrade("s-alice", "c-2", &t, None)
            .await
            .map_err(|s| format!("upgrade refused: {s}"))?;
        let mut ch = client::handshake(&mut ws, &daemon_public).await?;
        // One round trip first, so the relay has passed the handshake's last record on before
        // it starts tampering (otherwise it could tamper with the key confirmation instead).
        client::send(&mut ws, &mut ch, "warm-up").await?;
        let warm = client::recv(&mut ws).await.ok_or("no warm-up reply")?;
        ch.open(&warm).map_err(|e| e.to_string())?;
        relay.tamper.store(mode, Ordering::SeqCst);
        client::send(&mut ws, &mut ch, "first").await?;
        client::send(&mut ws, &mut ch, "second").await?;
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), events.recv())
            .await
            .ok()
            .flatten();
        let closed = client::closed(&mut ws).await;
        let ok = event.as_deref().is_some_and(|e| e.starts_with("rejected")) && closed;
        rejected.push(format!(
            "{name}: {}{}",
            event.unwrap_or_else(|| "no rejection".into()),
            if closed { ", closed" } else { ", still open" }
        ));
        all_rejected &= ok;
    }
    r.step(
        5,
        "a replayed and a reordered frame are rejected and the channel closes",
        all_rejected,
        &rejected.join("; "),
    );

    // 6. The daemon goes offline: alice's live view is cut at once.
    db.exec(
        "UPDATE daemons SET instance_id = NULL WHERE id = ?1",
        &["d-alice"],
    )?;
    let start = Instant::now();
    let cut = web
        .gate
        .daemon_offline(&DaemonId::new("d-alice").map_err(|e| e.to_string())?);
    let closed = client::closed(&mut ws_alice).await;
    r.step(
        6,
        "the daemon goes offline and alice's live view is cut",
        cut >= 1 && closed,
        &format!(
            "{cut} view(s) cut, socket closed after {:?}",
            start.elapsed()
        ),
    );

    // 7. The captured log holds none of the secrets that went through it.
    let text = log.text();
    let leaked: Vec<_> = secrets
        .iter()
        .filter(|s| text.contains(s.as_str()))
        .map(|s| s.chars().take(12).collect::<String>())
        .collect();
    let redactions = text.matches("[REDACTED").count();
    r.step(
        7,
        "the log contains no token, JWT, secret or email in clear",
        leaked.is_empty() && redactions > 0,
        &format!(
            "{} log bytes, {redactions} redactions, leaked: {leaked:?}",
            text.len()
        ),
    );
    Ok(())
}
