//! Client authentication inside the channel: an attach token bound to the channel.
#![cfg(feature = "attach-token")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::sync::Arc;

use bosso_e2ee::attach::{AwaitingAttach, channel_audience, seal_attach};
use bosso_e2ee::{Channel, ClientHandshake, DaemonHandshake, DaemonKeyPair, Error};
use bosso_token::*;

fn pair(keys: &DaemonKeyPair) -> (Channel, Channel) {
    let (hs, hello) = ClientHandshake::start(keys.public()).unwrap();
    let (pending, ready) = DaemonHandshake::new(keys).respond(&hello).unwrap();
    let (client, confirm) = hs.read_ready(&ready).unwrap();
    let daemon = pending.read_confirm(&confirm).unwrap();
    (client, daemon)
}

struct Web {
    ring: KeyRing,
}

impl Web {
    /// The web app mints, after its ownership check, for the channel the client names.
    fn mint_for(&self, channel: &Channel) -> AttachToken {
        let minter = AttachMinter::new(
            self.ring.active().clone(),
            channel_audience(&channel.channel_binding()).unwrap(),
        );
        minter.mint(&scope()).unwrap()
    }
}

fn scope() -> Scope {
    Scope::new(
        UserId::new("alice").unwrap(),
        SessionId::new("s1").unwrap(),
        ChatId::new("c1").unwrap(),
        Permission::Editor,
    )
}

fn expected() -> Expected {
    Expected::chat(SessionId::new("s1").unwrap(), ChatId::new("c1").unwrap())
}

fn web() -> Web {
    Web {
        ring: KeyRing::new(SigningKey::generate_ed25519(KeyId::new("web-1").unwrap()).unwrap()),
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn token_bound_to_the_channel_authenticates_the_client_once() {
    let keys = DaemonKeyPair::generate();
    let web = web();
    let replay = MemoryReplayStore::new();
    let (mut client, daemon) = pair(&keys);
    let token = web.mint_for(&client);
    let frame = seal_attach(&mut client, &token).unwrap();
    // The relay sees only ciphertext: the token is not in the frame.
    let body = &token.expose_secret()[6..40];
    assert!(!frame.windows(body.len()).any(|w| w == body.as_bytes()));
    let pending = AwaitingAttach::new(daemon, web.ring.verification_keys()).unwrap();
    let (mut daemon, claims) = block_on(pending.open_first(&frame, &expected(), &replay)).unwrap();
    assert_eq!(claims.user().as_str(), "alice");
    // The channel goes on carrying data.
    let data = client.seal(b"ls -la").unwrap();
    assert_eq!(daemon.open(&data).unwrap(), b"ls -la");
}

#[test]
fn a_token_lifted_into_another_channel_is_refused() {
    let keys = DaemonKeyPair::generate();
    let web = web();
    let replay = MemoryReplayStore::new();
    let (victim, _) = pair(&keys);
    let stolen = web.mint_for(&victim);
    // The thief opens its own channel to the same daemon and presents the stolen token.
    let (mut thief, daemon) = pair(&keys);
    let frame = seal_attach(&mut thief, &stolen).unwrap();
    let pending = AwaitingAttach::new(daemon, web.ring.verification_keys()).unwrap();
    let err = block_on(pending.open_first(&frame, &expected(), &replay)).unwrap_err();
    assert!(
        matches!(err, Error::Attach(bosso_token::Error::WrongAudience)),
        "{err:?}"
    );
}

#[test]
fn replay_plain_audience_wrong_scope_and_data_first_are_refused() {
    let keys = DaemonKeyPair::generate();
    let web = web();
    let replay = Arc::new(MemoryReplayStore::new());
    // Replay: the authenticated channel is wrapped again and the same token is presented a
    // second time on it; the replay store refuses it.
    let (mut client, daemon) = pair(&keys);
    let token = web.mint_for(&client);
    let f1 = seal_attach(&mut client, &token).unwrap();
    let pending = AwaitingAttach::new(daemon, web.ring.verification_keys()).unwrap();
    let (daemon, _) = block_on(pending.open_first(&f1, &expected(), &replay)).unwrap();
    let f2 = seal_attach(&mut client, &token).unwrap();
    let pending = AwaitingAttach::new(daemon, web.ring.verification_keys()).unwrap();
    let e = block_on(pending.open_first(&f2, &expected(), &replay)).unwrap_err();
    assert!(
        matches!(e, Error::Attach(bosso_token::Error::Replayed)),
        "{e:?}"
    );

    // A genuine token for the web service's audience, not for this channel.
    let (mut client, daemon) = pair(&keys);
    let plain = AttachMinter::new(web.ring.active().clone(), Audience::new("bosso").unwrap())
        .mint(&scope())
        .unwrap();
    let f = seal_attach(&mut client, &plain).unwrap();
    let pending = AwaitingAttach::new(daemon, web.ring.verification_keys()).unwrap();
    let e = block_on(pending.open_first(&f, &expected(), &replay)).unwrap_err();
    assert!(
        matches!(e, Error::Attach(bosso_token::Error::WrongAudience)),
        "{e:?}"
    );

    // Bound to the channel but for another chat.
    let (mut client, daemon) = pair(&keys);
    let token = web.mint_for(&client);
    let f = seal_attach(&mut client, &token).unwrap();
    let pending = AwaitingAttach::new(daemon, web.ring.verification_keys()).unwrap();
    let other = Expected::chat(SessionId::new("s1").unwrap(), ChatId::new("c2").unwrap());
    let e = block_on(pending.open_first(&f, &other, &replay)).unwrap_err();
    assert!(
        matches!(e, Error::Attach(bosso_token::Error::WrongScope)),
        "{e:?}"
    );

    // Application data before authentication: refused, and the channel is gone (consumed),
    // so the next frame cannot be opened by anyone on the daemon side.
    let (mut client, daemon) = pair(&keys);
    let f = client.seal(b"hello").unwrap();
    let pending = AwaitingAttach::new(daemon, web.ring.verification_keys()).unwrap();
    let e = block_on(pending.open_first(&f, &expected(), &replay)).unwrap_err();
    assert!(matches!(e, Error::AttachRequired), "{e:?}");
}

#[test]
fn channel_audience_is_a_valid_distinct_audience() {
    let keys = DaemonKeyPair::generate();
    let (a, _) = pair(&keys);
    let (b, _) = pair(&keys);
    let (aa, ab) = (
        channel_audience(&a.channel_binding()).unwrap(),
        channel_audience(&b.channel_binding()).unwrap(),
    );
    assert_ne!(aa, ab);
    assert!(aa.as_str().starts_with("e2ee.") && aa.as_str().len() == 48);
}
