//! Issue 19: connecting refuses a Redis whose settings would silently break single use,
//! sessions or lockout (no AOF, an fsync policy of `no`, an evicting memory policy), unless the
//! host opts out explicitly. Each case runs against a real redis-server started with (or
//! without) the setting.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]
#![cfg(feature = "redis")]

mod redis_support;

use std::time::Duration;

use bosso_auth::Error;
use bosso_auth::redis::{DEFAULT_TIMEOUT, RedisConn, ServerChecks};
use bosso_testkit::RedisServer;
use redis_support::rt;

/// The outcome of connecting to a fresh server started with `args`, or `None` (skip).
fn connect(args: &[&str], checks: ServerChecks) -> Option<Result<(), Error>> {
    let server = RedisServer::start_with(args).unwrap()?;
    Some(rt().block_on(async {
        RedisConn::connect_checked(&server.url(), DEFAULT_TIMEOUT, checks)
            .await
            .map(drop)
    }))
}

fn refused_naming(r: Option<Result<(), Error>>, setting: &str) {
    let Some(r) = r else { return };
    match r {
        Err(Error::InvalidConfig(msg)) => assert!(msg.contains(setting), "{msg}"),
        other => panic!("expected a refusal naming {setting}, got {other:?}"),
    }
}

#[test]
fn a_server_with_aof_and_noeviction_is_accepted() {
    if let Some(r) = connect(&[], ServerChecks::Full) {
        r.unwrap();
    }
    if let Some(r) = connect(&["--appendfsync", "always"], ServerChecks::Full) {
        r.unwrap();
    }
}

#[test]
fn a_server_without_aof_is_refused_unless_the_host_opts_out() {
    refused_naming(
        connect(&["--appendonly", "no"], ServerChecks::Full),
        "appendonly",
    );
    if let Some(r) = connect(&["--appendonly", "no"], ServerChecks::WithoutPersistence) {
        r.unwrap();
    }
    // The default constructor checks too.
    let Some(server) = RedisServer::start_with(&["--appendonly", "no"]).unwrap() else {
        return;
    };
    let e = rt()
        .block_on(RedisConn::connect_with_timeout(
            &server.url(),
            Duration::from_secs(1),
        ))
        .unwrap_err();
    assert!(matches!(e, Error::InvalidConfig(m) if m.contains("appendonly")));
}

#[test]
fn an_fsync_policy_of_no_is_refused() {
    refused_naming(
        connect(&["--appendfsync", "no"], ServerChecks::Full),
        "appendfsync",
    );
}

#[test]
fn an_evicting_policy_is_refused_even_without_persistence() {
    for policy in ["allkeys-lru", "volatile-ttl"] {
        let args = ["--maxmemory-policy", policy];
        refused_naming(connect(&args, ServerChecks::Full), "maxmemory-policy");
        refused_naming(
            connect(&args, ServerChecks::WithoutPersistence),
            "maxmemory-policy",
        );
    }
}

#[test]
fn a_host_that_vouches_for_its_server_skips_every_check() {
    // CONFIG renamed away, as some managed services do: checks cannot run, and say so.
    let args = ["--rename-command", "CONFIG", "\"\""];
    refused_naming(connect(&args, ServerChecks::Full), "CONFIG GET");
    if let Some(r) = connect(&args, ServerChecks::Off) {
        r.unwrap();
    }
    if let Some(r) = connect(&["--maxmemory-policy", "allkeys-lru"], ServerChecks::Off) {
        r.unwrap();
    }
}

/// The README says TLS is not built in: a `rediss://` URL is refused at connect, never
/// silently downgraded to plain text.
#[test]
fn a_tls_url_is_refused_because_tls_is_not_compiled_in() {
    let e = rt()
        .block_on(RedisConn::connect("rediss://127.0.0.1:1/"))
        .unwrap_err();
    assert_eq!(e, Error::StoreUnavailable("redis: invalid URL".into()));
}
