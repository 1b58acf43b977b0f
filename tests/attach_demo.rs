//! The end-to-end demo as an integration test: every step must pass.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../examples/attach_demo/scenario.rs"]
mod scenario;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_demo_passes_every_step() {
    let log = scenario::logs::install(false);
    assert!(
        scenario::run(log).await,
        "a demo step failed (see the PASS/FAIL lines above)"
    );
}
