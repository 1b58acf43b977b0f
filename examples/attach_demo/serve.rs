//! `cargo run --example attach_demo -- --serve`: the demo's services kept running for a
//! browser. The web service (HTTPS on loopback) serves a page that uses the bundled
//! `@bosso/client` package (clients/js) to log in as alice or bob, get an attach token, open
//! `wss://` through the untrusted relay to that user's daemon, and watch the refusals. Also
//! what `tests/browser_attach.rs` starts before driving Chromium at it.

#[path = "idp.rs"]
mod idp;
#[path = "serve_api.rs"]
mod serve_api;
#[path = "serve_daemon.rs"]
pub mod serve_daemon;
#[path = "sqlite.rs"]
mod sqlite;
// The rustls client config is the scripted demo's.
#[allow(dead_code)]
#[path = "tls.rs"]
mod tls;
// The relay's tamper modes beyond REPLAY are the scripted demo's.
#[allow(dead_code)]
#[path = "web.rs"]
mod web;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use bosso::auth::gate::AttachGate;
use bosso::auth::host::{HostPolicy, OriginPolicy};
use bosso::auth::oidc::{AccessTokenVerifierConfig, Alg, HttpsJwksSource, HttpsOptions, JwksCache};
use bosso::e2ee::{DaemonKeyPair, PairingOffer, ServerId};
use bosso::token::{
    AttachMinter, AttachVerifier, Audience, DaemonId, KeyId, KeyRing, MemoryReplayStore, SigningKey,
};
use tokio::sync::mpsc;

pub use serve_api::spki_sha256_b64;
pub use serve_daemon::Events;

/// The application subprotocol the page offers beside its attach token.
pub const APP_PROTOCOL: &str = "bosso-term.v1";

/// The running services.
pub struct Demo {
    /// `https://localhost:<port>`: the web service (page, attach tokens, WSS relay).
    pub base: String,
    /// The self-signed certificate every endpoint uses (DER).
    pub cert_der: Vec<u8>,
    /// Each user's pairing offer URL (`<base>/#offer=...`): what the daemon would show.
    pub offers: Vec<(String, String)>,
    /// What the daemons saw (read by tests/browser_attach.rs; `--serve` logs it).
    #[allow(dead_code)]
    pub events: Events,
}

/// The packaged client, built by `npm run build` in clients/js (esbuild).
pub fn bundle_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/clients/js/dist"))
}

/// Builds the bundle from the package's sources when its tools are installed (so the page
/// never runs a stale build); otherwise uses an existing build.
fn ensure_bundle() -> Result<(), String> {
    let js = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/clients/js"));
    if js.join("node_modules/esbuild").is_dir() {
        let built = std::process::Command::new("node")
            .arg("scripts/build.mjs")
            .current_dir(&js)
            .stdout(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !built {
            return Err("`node scripts/build.mjs` in clients/js failed".into());
        }
    }
    if bundle_dir().join("bosso-client.js").is_file() {
        Ok(())
    } else {
        Err("the page needs the client bundle: run `npm ci && npm run build` in clients/js".into())
    }
}

/// Starts the IdP, the web service with the gate and relay, and alice's and bob's daemons.
pub async fn start() -> Result<Demo, String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    ensure_bundle()?;
    let tls = tls::self_signed()?;
    let idp = idp::Idp::start(&tls)?;
    let db = Arc::new(sqlite::SqliteOwnership::open_in_memory()?);
    let owners = [
        ("d-alice", "alice", "s-alice", &["c-1", "c-2"][..]),
        ("d-bob", "bob", "s-bob", &["c-b"][..]),
    ];
    for (daemon, user, session, chats) in owners {
        db.exec(
            "INSERT INTO daemons VALUES (?1, ?2, ?3)",
            &[daemon, user, "run-1"],
        )?;
        db.exec("INSERT INTO sessions VALUES (?1, ?2)", &[session, daemon])?;
        for c in chats {
            db.exec("INSERT INTO chats VALUES (?1, ?2)", &[c, session])?;
        }
    }
    let ring = KeyRing::new(
        SigningKey::generate_ed25519(KeyId::new("web-1").map_err(|x| e(&x))?).map_err(|x| e(&x))?,
    );
    let aud = Audience::new("bosso").map_err(|x| e(&x))?;
    let gate_minter = AttachMinter::new(ring.active().clone(), aud.clone());
    let verifier = AttachVerifier::new(ring.verification_keys(), aud);
    let options = HttpsOptions {
        extra_roots_der: vec![tls.cert_der.clone()],
        ..HttpsOptions::default()
    };
    let source = HttpsJwksSource::discover(&idp.issuer, options)
        .await
        .map_err(|x| format!("discovery: {x}"))?;
    let config = AccessTokenVerifierConfig::new(idp.issuer.clone(), ["bosso"])
        .and_then(|c| c.with_algorithms([Alg::EdDSA]))
        .and_then(|c| c.with_required_typ("at+jwt"))
        .map_err(|x| e(&x))?;
    let relay = Arc::new(web::Relay::default());
    let (listener, port) = tls::listener()?;
    let base = format!("https://localhost:{port}");
    let gate = AttachGate::builder(gate_minter, verifier, db.clone(), MemoryReplayStore::new())
        .hosts(HostPolicy::local())
        .origins(OriginPolicy::exact([base.clone()]).map_err(|x| e(&x))?)
        .protocols([APP_PROTOCOL])
        .build()
        .map_err(|x| e(&x))?;
    let web = Arc::new(web::Web {
        gate,
        oidc: JwksCache::new(config, source),
        relay: relay.clone(),
    });

    let events = Events::default();
    let link = Arc::new(serve_daemon::Link::default());
    let mut offers = Vec::new();
    for (daemon, user, session, chats) in owners {
        let keys = DaemonKeyPair::generate();
        let offer = PairingOffer::new(
            ServerId::parse(daemon).map_err(|x| e(&x))?,
            *keys.public(),
            &format!("localhost:{port}"),
        )
        .and_then(|o| o.to_url(&base))
        .map_err(|x| e(&x))?;
        offers.push((user.to_owned(), offer));
        let served = HashMap::from([(
            session.to_owned(),
            chats.iter().map(|c| (*c).to_owned()).collect(),
        )]);
        let d = Arc::new(serve_daemon::Daemon {
            name: daemon.to_owned(),
            owner: user.to_owned(),
            keys,
            chats: served,
            token_keys: ring.verification_keys(),
            replay: MemoryReplayStore::new(),
        });
        let (pipes_tx, pipes_rx) = mpsc::unbounded_channel();
        relay.register_daemon(DaemonId::new(daemon).map_err(|x| e(&x))?, pipes_tx);
        tokio::spawn(serve_daemon::run(d, link.clone(), pipes_rx, events.clone()));
    }
    let api = Arc::new(serve_api::Api {
        web: web.clone(),
        idp,
        db,
        minter_key: ring.active().clone(),
        link,
        events: events.clone(),
        owners: owners
            .iter()
            .map(|(d, u, s, c)| serve_api::Owned {
                daemon: (*d).to_owned(),
                user: (*u).to_owned(),
                session: (*s).to_owned(),
                chats: c.iter().map(|c| (*c).to_owned()).collect(),
            })
            .collect(),
    });
    let app = web::router(web).merge(serve_api::router(api));
    tls::serve(listener, app, &tls);
    Ok(Demo {
        base,
        cert_der: tls.cert_der,
        offers,
        events,
    })
}

/// `--serve`: start, print where to go, run until Ctrl-C. Returns the exit code.
pub async fn run_forever() -> i32 {
    let demo = match start().await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("attach demo --serve: {e}");
            return 1;
        }
    };
    let spki = spki_sha256_b64(&demo.cert_der).unwrap_or_default();
    println!("Bosso attach demo, serving on loopback (Ctrl-C to stop).\n");
    for (user, offer) in &demo.offers {
        println!("  {user}'s daemon: {offer}");
    }
    println!(
        "\nOpen one of these URLs (the fragment is the daemon's pairing offer; it never reaches the server),\n\
         log in as the matching user, pick a chat. The certificate is self-signed for localhost: accept\n\
         the warning, or start a throwaway Chromium that trusts exactly this key:\n\n  \
         chromium --user-data-dir=$(mktemp -d) --ignore-certificate-errors-spki-list={spki} '{}'\n",
        demo.offers
            .first()
            .map(|o| o.1.as_str())
            .unwrap_or(&demo.base)
    );
    // Runs until the process is interrupted (Ctrl-C ends it).
    std::future::pending::<i32>().await
}
