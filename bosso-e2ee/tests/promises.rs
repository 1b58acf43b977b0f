//! SPEC.md promises no other test file shows: a key file with a field the format does not
//! have is corrupt (and left as it is), not silently accepted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(missing_docs)]

use bosso_e2ee::{Error, load_or_create_key_file};

#[test]
fn a_key_file_with_an_unknown_field_is_corrupt_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.json");
    let keys = load_or_create_key_file(&path).unwrap();
    let genuine = std::fs::read_to_string(&path).unwrap();
    assert!(genuine.starts_with("{\n  \"v\": 2,"), "{genuine}");

    let extra = genuine.replacen("{\n", "{\n  \"extra\": 1,\n", 1);
    std::fs::remove_file(&path).unwrap();
    bosso_fs::write_new(&path, extra.as_bytes()).unwrap();
    let err = load_or_create_key_file(&path).unwrap_err();
    assert!(matches!(err, Error::KeyFileCorrupt { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), extra);

    // The same bytes without the field load, so the field alone was the reason.
    std::fs::remove_file(&path).unwrap();
    bosso_fs::write_new(&path, genuine.as_bytes()).unwrap();
    assert_eq!(
        load_or_create_key_file(&path).unwrap().public(),
        keys.public()
    );
}
