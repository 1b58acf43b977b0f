//! Validated identifier newtypes.
//!
//! Identifiers travel inside tokens and end up in logs and audit events, so their alphabet is
//! restricted to visible ASCII: no spaces, no control characters, nothing that could forge a log
//! line or confuse a parser. Length is bounded so the token size is bounded.

use std::fmt;

/// Longest user, session or chat id, in bytes.
pub const MAX_ID_LEN: usize = 64;
/// Longest key id, in bytes.
pub const MAX_KEY_ID_LEN: usize = 32;

pub(crate) fn is_visible_ascii(b: u8) -> bool {
    (0x21..=0x7e).contains(&b)
}

fn is_key_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

pub(crate) fn check_id(s: &str, max: usize, what: &'static str) -> Result<(), crate::Error> {
    if s.is_empty() || s.len() > max || !s.bytes().all(is_visible_ascii) {
        return Err(crate::Error::InvalidId(what));
    }
    Ok(())
}

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:expr, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Box<str>);

        impl $name {
            /// Validates and wraps `s`.
            pub fn new(s: impl Into<String>) -> Result<Self, crate::Error> {
                let s: String = s.into();
                $check(&s, $max, $what)?;
                Ok(Self(s.into_boxed_str()))
            }

            /// The identifier as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Builds the id from bytes already checked by the token parser.
            #[allow(dead_code)] // not every id type travels inside a token
            pub(crate) fn from_checked(s: &str) -> Self {
                Self(Box::from(s))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), &*self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        /// As its string (feature `serde`).
        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        /// From a string, through the same check as `new` (feature `serde`): an invalid id is a
        /// deserialization error that names the id kind, never the input.
        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

fn check_key_id(s: &str, max: usize, what: &'static str) -> Result<(), crate::Error> {
    if s.is_empty() || s.len() > max || !s.bytes().all(is_key_id_byte) {
        return Err(crate::Error::InvalidId(what));
    }
    Ok(())
}

id_newtype!(
    /// The user a token is issued to (1 to 64 visible ASCII bytes).
    UserId, "user id", MAX_ID_LEN, check_id
);
id_newtype!(
    /// A session on a daemon (1 to 64 visible ASCII bytes).
    SessionId, "session id", MAX_ID_LEN, check_id
);
id_newtype!(
    /// A chat inside a session (1 to 64 visible ASCII bytes).
    ChatId, "chat id", MAX_ID_LEN, check_id
);
id_newtype!(
    /// A daemon (the long-running process that hosts sessions) owned by one user.
    DaemonId, "daemon id", MAX_ID_LEN, check_id
);
id_newtype!(
    /// One run of a daemon: a restarted or replaced daemon gets a new instance id, which cuts
    /// every live view attached to the previous one.
    InstanceId, "instance id", MAX_ID_LEN, check_id
);
id_newtype!(
    /// The service a token is meant for (1 to 64 visible ASCII bytes).
    Audience, "audience", MAX_ID_LEN, check_id
);
id_newtype!(
    /// Names a key in a key ring (1 to 32 bytes of `[A-Za-z0-9._-]`).
    KeyId, "key id", MAX_KEY_ID_LEN, check_key_id
);

/// What an attached connection may do. There is no "unspecified": a token always says which.
///
/// With feature `serde`: `"viewer"` / `"editor"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
#[non_exhaustive]
pub enum Permission {
    /// May watch the session.
    Viewer,
    /// May watch and type into the session. Implies [`Permission::Viewer`].
    Editor,
}

impl Permission {
    pub(crate) fn to_byte(self) -> u8 {
        match self {
            Permission::Viewer => 1,
            Permission::Editor => 2,
        }
    }

    pub(crate) fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(Permission::Viewer),
            2 => Some(Permission::Editor),
            _ => None,
        }
    }

    /// Whether a holder of `self` may do what `required` allows.
    pub fn satisfies(self, required: Permission) -> bool {
        self >= required
    }
}

/// The 128-bit random identifier of one token, the key of the replay store.
///
/// Not secret on its own (it cannot be turned into a token), but unique per token.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenId([u8; 16]);

impl TokenId {
    /// Wraps 16 bytes.
    pub const fn from_bytes(b: [u8; 16]) -> Self {
        Self(b)
    }

    /// The 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Debug for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenId({self})")
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_empty_long_and_invisible() {
        assert!(UserId::new("").is_err());
        assert!(UserId::new("a".repeat(65)).is_err());
        assert!(UserId::new("a".repeat(64)).is_ok());
        assert!(SessionId::new("a b").is_err());
        assert!(ChatId::new("a\nb").is_err());
        assert!(ChatId::new("é").is_err());
        assert!(KeyId::new("k/1").is_err());
        assert!(KeyId::new("k-1.a_B").is_ok());
        assert!(KeyId::new("k".repeat(33)).is_err());
    }

    #[test]
    fn permission_order() {
        assert!(Permission::Editor.satisfies(Permission::Viewer));
        assert!(!Permission::Viewer.satisfies(Permission::Editor));
        assert_eq!(Permission::from_byte(0), None);
        assert_eq!(Permission::from_byte(3), None);
    }

    #[test]
    fn token_id_displays_hex() {
        let id = TokenId::from_bytes([0xab; 16]);
        assert_eq!(id.to_string(), "ab".repeat(16));
    }
}
