//! serde for the id types and `Permission` (feature `serde`): strings out, validated strings
//! in, errors that never echo the input.
#![cfg(feature = "serde")]
#![allow(clippy::unwrap_used, missing_docs)]

use bosso_token::{ChatId, KeyId, Permission, SessionId, UserId};

#[test]
fn ids_round_trip_as_strings_and_are_validated_on_the_way_in() {
    let user = UserId::new("alice").unwrap();
    assert_eq!(serde_json::to_string(&user).unwrap(), r#""alice""#);
    let back: UserId = serde_json::from_str(r#""alice""#).unwrap();
    assert_eq!(back, user);
    let chat: ChatId = serde_json::from_str(r#""c-1""#).unwrap();
    assert_eq!(chat.as_str(), "c-1");

    // The same rules as `new`: empty, too long, invisible bytes, a key id's alphabet.
    let long = format!(r#""{}""#, "a".repeat(65));
    for bad in [r#""""#, long.as_str(), r#""a b""#, r#""a\nb""#] {
        assert!(serde_json::from_str::<SessionId>(bad).is_err(), "{bad}");
    }
    let e = serde_json::from_str::<KeyId>(r#""k/secret-ish""#).unwrap_err();
    assert!(!e.to_string().contains("secret-ish"), "{e}");
    assert!(serde_json::from_str::<UserId>("42").is_err());
}

#[test]
fn permission_is_a_lowercase_word() {
    assert_eq!(
        serde_json::to_string(&Permission::Editor).unwrap(),
        r#""editor""#
    );
    let p: Permission = serde_json::from_str(r#""viewer""#).unwrap();
    assert_eq!(p, Permission::Viewer);
    assert!(serde_json::from_str::<Permission>(r#""admin""#).is_err());
}
