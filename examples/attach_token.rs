//! The attach-token flow end to end, in one process:
//! mint (web app) -> `Sec-WebSocket-Protocol` (browser) -> parse + verify + consume (server),
//! then the same token again, refused as a replay.
//!
//! Run: `cargo run --example attach_token`

use bosso::token::subprotocol::{client_header_value, parse_attach_offer};
use bosso::token::{
    AttachMinter, AttachVerifier, Audience, ChatId, Error, Expected, KeyId, KeyRing,
    MemoryReplayStore, Permission, Scope, SessionId, SigningKey, UserId,
};
use secrecy::ExposeSecret;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // Startup: one Ed25519 key (generated here; a real service loads it from its vault).
    let ring = KeyRing::new(SigningKey::generate_ed25519(KeyId::new("demo-key-1")?)?);
    let audience = Audience::new("bosso")?;
    let minter = AttachMinter::new(ring.active().clone(), audience.clone());
    let verifier = AttachVerifier::new(ring.verification_keys(), audience);
    let replay = MemoryReplayStore::new();
    println!(
        "public verification keys (JWK set): {}",
        ring.verification_keys().to_jwks_json()
    );

    // 1. The web app has checked that alice owns session s-42 and chat c-7; it mints.
    let scope = Scope::new(
        UserId::new("alice")?,
        SessionId::new("s-42")?,
        ChatId::new("c-7")?,
        Permission::Editor,
    );
    let token = minter.mint(&scope)?;
    println!("minted {token:?}"); // Debug never shows the token itself

    // 2. The browser offers its app protocol plus the token entry.
    let header = client_header_value("bosso-term.v1", &token)?;
    println!(
        "Sec-WebSocket-Protocol: {} chars (app protocol + bosso.attach.<token>)",
        header.expose_secret().len()
    );

    // 3. The server, at the upgrade: parse, verify for the chat in the URL, consume.
    let expected = Expected::chat(SessionId::new("s-42")?, ChatId::new("c-7")?);
    let offer = parse_attach_offer([header.expose_secret()], &["bosso-term.v1"])?;
    let echo = offer.echo;
    let claims = verifier
        .verify(offer.token, &expected)?
        .consume(&replay)
        .await?;
    println!(
        "admitted user={} session={} chat={} permission={:?}; echo Sec-WebSocket-Protocol: {echo}",
        claims.user(),
        claims.session(),
        claims.chat(),
        claims.permission()
    );

    // 4. The same token again (a replay) is refused.
    let offer = parse_attach_offer([header.expose_secret()], &["bosso-term.v1"])?;
    match verifier
        .verify(offer.token, &expected)?
        .consume(&replay)
        .await
    {
        Err(Error::Replayed) => println!("second use refused: {}", Error::Replayed),
        other => {
            eprintln!("FAIL: a replayed token was not refused: {other:?}");
            std::process::exit(1);
        }
    }

    // 5. A token for another chat is refused even though it is genuine.
    let other = minter.mint(&Scope::new(
        UserId::new("alice")?,
        SessionId::new("s-42")?,
        ChatId::new("c-8")?,
        Permission::Viewer,
    ))?;
    match verifier.verify_str(other.expose_secret(), &expected) {
        Err(refused) => println!("token for another chat refused: {refused}"),
        Ok(_) => {
            eprintln!("FAIL: a token for another chat was accepted");
            std::process::exit(1);
        }
    }
    Ok(())
}
