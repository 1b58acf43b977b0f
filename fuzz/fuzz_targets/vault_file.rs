//! Vault files from untrusted bytes. Invariants checked on every input:
//!
//! 1. `inspect_vault_file` never panics; a file that parses lists strictly sorted names, and
//!    has exactly one length: the same bytes with one byte appended, or the last byte removed,
//!    do not parse (the format has no slack, so one file has one meaning).
//! 2. Authentication, through the real store on a real file: a genuine vault (made once per
//!    process, three entries) is replaced by the input itself or by the input applied to the
//!    genuine bytes as a mutation (byte flips, truncation/extension, a splice). The store
//!    opens it if and only if the bytes are exactly the genuine ones, and then reads back every
//!    value exactly: any other bytes are refused by `open`, never a partial or silent read.
//! 3. The plaintext-store and keyset parsers never panic; a keyset that parses has a primary.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use bosso_vault::secrecy::ExposeSecret;
use bosso_vault::{EncryptedFileStore, EntryName, KeySource, SecretBytes, inspect_vault_file};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    vault: PathBuf,
    key: PathBuf,
    genuine: Vec<u8>,
    values: Vec<(EntryName, Vec<u8>)>,
}

/// A genuine key-file vault in a private (0700) directory of this process.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("bosso-fuzz-vault-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut b = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(&dir).expect("fuzz dir");
        let (vault, key) = (dir.join("v"), dir.join("k"));
        let store = EncryptedFileStore::create(&vault, KeySource::KeyFile(key.clone()))
            .expect("genuine vault");
        let values: Vec<(EntryName, Vec<u8>)> = [
            ("a", b"alpha".to_vec()),
            ("svc/b", (0u8..100).collect()),
            ("z", Vec::new()),
        ]
        .into_iter()
        .map(|(n, v)| (EntryName::new(n).expect("name"), v))
        .collect();
        for (n, v) in &values {
            store
                .put_blocking(n, &SecretBytes::from(v.clone()))
                .expect("put");
        }
        let genuine = std::fs::read(&vault).expect("read genuine");
        Fixture {
            vault,
            key,
            genuine,
            values,
        }
    })
}

fn structural(data: &[u8]) {
    if let Ok(info) = inspect_vault_file(data) {
        assert!(info.names.windows(2).all(|w| w[0] < w[1]));
        let mut longer = data.to_vec();
        longer.push(0);
        assert!(
            inspect_vault_file(&longer).is_err(),
            "parses with a trailing byte"
        );
        assert!(
            inspect_vault_file(&data[..data.len() - 1]).is_err(),
            "parses without its last byte"
        );
    }
    let _ = bosso_vault::inspect_plaintext_file(data);
    if let Ok(ks) = bosso_vault::EnvelopeKeyset::from_bytes(data) {
        assert!(ks.keys().iter().any(|k| k.primary));
    }
}

/// The candidate file: the input as a whole file, or the input applied to the genuine bytes.
fn candidate(genuine: &[u8], data: &[u8]) -> Vec<u8> {
    let Some((&mode, rest)) = data.split_first() else {
        return genuine.to_vec();
    };
    let len = genuine.len();
    match mode % 4 {
        0 => rest.to_vec(),
        // Pairs of (position, xor mask); a zero mask leaves the byte as it is.
        1 => {
            let mut out = genuine.to_vec();
            for pair in rest.chunks_exact(3) {
                let at = usize::from(u16::from_be_bytes([pair[0], pair[1]])) % len;
                out[at] ^= pair[2];
            }
            out
        }
        // Cut at a position, then append the rest of the input.
        2 => {
            let cut = rest
                .first()
                .map_or(len, |&b| len.saturating_sub(usize::from(b)));
            let mut out = genuine[..cut].to_vec();
            out.extend_from_slice(rest.get(1..).unwrap_or_default());
            out
        }
        // Replace a range with the rest of the input.
        _ => {
            let (Some(&a), Some(&n)) = (rest.first(), rest.get(1)) else {
                return genuine.to_vec();
            };
            let start = (usize::from(a) * 7) % len;
            let end = (start + usize::from(n)).min(len);
            let mut out = genuine[..start].to_vec();
            out.extend_from_slice(rest.get(2..).unwrap_or_default());
            out.extend_from_slice(&genuine[end..]);
            out
        }
    }
}

fuzz_target!(|data: &[u8]| {
    structural(data);
    let f = fixture();
    let bytes = candidate(&f.genuine, data);
    structural(&bytes);
    // Rewritten in place: the existing 0600 file keeps its mode and owner.
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&f.vault)
        .and_then(|mut file| std::io::Write::write_all(&mut file, &bytes))
        .expect("write candidate");
    match EncryptedFileStore::open(&f.vault, KeySource::KeyFile(f.key.clone())) {
        Ok(store) => {
            assert!(
                bytes == f.genuine,
                "a file other than the genuine one opened"
            );
            let names = store.list_blocking().expect("list");
            assert_eq!(names.len(), f.values.len());
            for (n, v) in &f.values {
                let got = store.get_blocking(n).expect("get").expect("present");
                assert_eq!(got.expose_secret(), v.as_slice());
            }
        }
        Err(e) => assert!(bytes != f.genuine, "the genuine vault was refused: {e}"),
    }
});
