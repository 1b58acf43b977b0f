//! The whole attach story in one command: `cargo run --example attach_demo`.
//!
//! A stand-in OIDC identity provider, the web service (HTTPS/WSS, axum over rustls) with the
//! attach gate and an untrusted relay, and a daemon reached through end-to-end encryption,
//! all on loopback. Each step prints PASS or FAIL; the exit code is non-zero if any failed.
//!
//! `cargo run --example attach_demo -- --serve` keeps the services running for a browser
//! instead (`serve.rs`): a page on loopback that runs the same story with `@bosso/client`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// The scripted scenario and the serve mode each include the shared files (idp.rs, web.rs, ...)
// so that tests/attach_demo.rs and tests/browser_attach.rs can each include one of them alone.
#![allow(clippy::duplicate_mod)]

mod scenario;
mod serve;

#[tokio::main]
async fn main() {
    let log = scenario::logs::install(std::env::var_os("DEMO_QUIET").is_none());
    if std::env::args().any(|a| a == "--serve") {
        std::process::exit(serve::run_forever().await);
    }
    let ok = scenario::run(log).await;
    std::process::exit(if ok { 0 } else { 1 });
}
