//! JSON documents that must be objects.
//!
//! serde's derived `Deserialize` for a struct also accepts a JSON array of the fields in
//! declaration order, so `["RS256"]` would parse as a header whose `alg` is RS256. The JWS
//! header (RFC 7515 section 4), the claims set (RFC 7519 section 7.2), a JWK set (RFC 7517
//! section 5) and a discovery document (OIDC Discovery 1.0 section 4.2) are all defined as
//! JSON objects, so every one of them is read through [`from_object`].

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};

/// A `T` that deserializes only from a map (a JSON object), never from a sequence.
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                // The derived visitor still sees every member, so unknown-field handling and
                // duplicate-member refusal are unchanged.
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }

        // `deserialize_map` makes serde_json refuse anything but `{`; `deserialize_struct`,
        // what the derive calls, would also take `[`.
        deserializer
            .deserialize_map(ObjectVisitor(PhantomData))
            .map(Object)
    }
}

/// Parses `bytes` as exactly one JSON object holding a `T`.
pub(crate) fn from_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice::<Object<T>>(bytes).map(|o| o.0)
}

/// A JSON object's members whose names are all distinct (RFC 7519 section 4 requires unique
/// claim names; serde_json's own `Map` would keep the last of two silently).
struct UniqueMembers(serde_json::Map<String, serde_json::Value>);

impl<'de> Deserialize<'de> for UniqueMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;

        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = UniqueMembers;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object with distinct member names")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    if out.insert(k, v).is_some() {
                        return Err(serde::de::Error::custom("duplicate member"));
                    }
                }
                Ok(UniqueMembers(out))
            }
        }

        deserializer.deserialize_map(MembersVisitor)
    }
}

/// Parses `bytes` as exactly one JSON object with distinct top-level member names.
pub(crate) fn unique_members(
    bytes: &[u8],
) -> Result<serde_json::Map<String, serde_json::Value>, serde_json::Error> {
    serde_json::from_slice::<UniqueMembers>(bytes).map(|m| m.0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Two {
        a: u8,
        #[serde(default)]
        b: Option<String>,
    }

    #[test]
    fn objects_parse_and_arrays_do_not() {
        // The premise: the derive alone takes an array.
        assert!(serde_json::from_slice::<Two>(br#"[1,"x"]"#).is_ok());
        assert_eq!(
            from_object::<Two>(br#" {"a":1,"b":"x"} "#).unwrap(),
            Two {
                a: 1,
                b: Some("x".into())
            }
        );
        for bad in [
            &br#"[1,"x"]"#[..],
            b"[1]",
            b"[]",
            b"null",
            b"1",
            b"\"a\"",
            br#"{"a":1,"a":2}"#,
            br#"{"a":1} {"a":1}"#,
        ] {
            assert!(
                from_object::<Two>(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
