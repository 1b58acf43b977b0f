#![allow(dead_code)]

use bosso_vault::{EntryName, Error, SecretBytes, SecretStore};
use secrecy::{ExposeSecret, SecretSlice};

pub fn secret(b: &[u8]) -> SecretBytes {
    SecretSlice::from(b.to_vec())
}

pub fn name(s: &str) -> EntryName {
    EntryName::new(s).unwrap()
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

/// The behaviour every backend must have.
pub async fn exercise<S: SecretStore>(store: &S) -> Result<(), Error> {
    let (a, b) = (name("svc/a"), name("svc/b"));
    assert!(store.get(&a).await?.is_none());
    store.put(&a, &secret(b"alpha")).await?;
    store.put(&b, &secret(b"")).await?;
    assert_eq!(store.get(&a).await?.unwrap().expose_secret(), b"alpha");
    assert_eq!(store.get(&b).await?.unwrap().expose_secret(), b"");
    store.put(&a, &secret(&[0u8, 255, 1, 2])).await?;
    assert_eq!(
        store.get(&a).await?.unwrap().expose_secret(),
        &[0u8, 255, 1, 2]
    );
    assert_eq!(store.list().await?, vec![a.clone(), b.clone()]);
    assert!(store.delete(&a).await?);
    assert!(!store.delete(&a).await?);
    assert!(store.get(&a).await?.is_none());
    assert_eq!(store.list().await?, vec![b.clone()]);
    assert!(store.delete(&b).await?);
    assert!(store.list().await?.is_empty());
    Ok(())
}
