//! Store and read a secret in the default backend, then rotate an envelope keyset and
//! re-encrypt the data under the new primary.
//!
//! `cargo run --example vault --no-default-features --features vault`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use bosso::vault::envelope::{Context, StoreKek, TenantId};
use bosso::vault::{DefaultOptions, EntryName, EnvelopeKeyset, SecretStore, open_default};
use secrecy::{ExposeSecret, SecretSlice};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), bosso::vault::Error> {
    // A throwaway directory so the example leaves nothing behind; an app would keep the
    // default (`$XDG_DATA_HOME/<service>`).
    let dir = tempfile::tempdir().expect("temp dir");
    let mut opts = DefaultOptions::new("bosso-example");
    opts.dir = Some(dir.path().to_owned());
    opts.skip_os_store = std::env::var_os("BOSSO_EXAMPLE_USE_OS_STORE").is_none();
    let (store, choice) = open_default(opts)?;
    println!("backend: {:?} ({})", choice.backend, choice.reason);

    let name = EntryName::new("github/token")?;
    store
        .put(&name, &SecretSlice::from(b"ghp_example_token".to_vec()))
        .await?;
    let back = store.get(&name).await?.expect("just stored");
    println!("read back {} bytes for {name}", back.expose_secret().len());

    // Envelope encryption: the keyset is sealed under a KEK kept in the same store.
    let kek = StoreKek::new(store, EntryName::new("keyset-kek")?);
    // Creates the KEK once (kept if it exists); seal/open never create one.
    kek.init().await?;
    let mut keyset = EnvelopeKeyset::generate()?;
    let rows: Vec<Context> = (1..=5)
        .map(|i| {
            Context::new(
                TenantId::new("acme").unwrap(),
                "integrations",
                "api_key",
                i.to_string(),
            )
            .unwrap()
        })
        .collect();
    let mut cts: Vec<Vec<u8>> = rows
        .iter()
        .map(|c| keyset.encrypt(c, b"sk_live_example"))
        .collect::<Result<_, _>>()?;
    let sealed = keyset.seal(&kek, "main").await?;
    println!(
        "sealed keyset: {} bytes, primary key {}",
        sealed.as_bytes().len(),
        keyset.primary()
    );

    let old = keyset.primary();
    let new = keyset.rotate()?;
    println!("rotated: new primary {new}");
    let progress = keyset.reencrypt_all(rows.iter().zip(cts.iter_mut()), |p| {
        println!("  re-encrypted {}/{}", p.done, p.total);
    })?;
    println!(
        "re-encryption done: {} moved, {} already current",
        progress.reencrypted, progress.unchanged
    );
    keyset.disable(old)?;
    keyset.destroy(old)?;
    for (c, ct) in rows.iter().zip(&cts) {
        assert_eq!(keyset.decrypt(c, ct)?.as_slice(), b"sk_live_example");
    }
    let sealed = keyset.seal(&kek, "main").await?;
    let reopened = sealed.open(&kek, "main").await?;
    println!(
        "old key {old} destroyed; reopened keyset: {:?}",
        reopened.keys()
    );
    Ok(())
}
