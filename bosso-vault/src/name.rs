//! Validated names: entry names in a store.

use crate::Error;

/// The longest entry name, in bytes.
pub const MAX_NAME_LEN: usize = 128;

/// The name of a secret in a [`SecretStore`](crate::SecretStore).
///
/// 1 to [`MAX_NAME_LEN`] bytes of `A-Z a-z 0-9 . _ - / : @`, not starting with `.`. The
/// alphabet keeps names safe as OS-keychain account names and in logs; names are not secret.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryName(String);

impl EntryName {
    /// Checks `name` against the rules above.
    pub fn new(name: impl Into<String>) -> Result<Self, Error> {
        let name = name.into();
        validate(name.as_bytes())?;
        Ok(Self(name))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses a name read from a file (bytes that may be hostile).
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        validate(bytes)?;
        let s = std::str::from_utf8(bytes).map_err(|_| Error::InvalidName("not UTF-8"))?;
        Ok(Self(s.to_owned()))
    }
}

fn validate(b: &[u8]) -> Result<(), Error> {
    if b.is_empty() {
        return Err(Error::InvalidName("empty"));
    }
    if b.len() > MAX_NAME_LEN {
        return Err(Error::InvalidName("longer than 128 bytes"));
    }
    if b.first() == Some(&b'.') {
        return Err(Error::InvalidName("starts with '.'"));
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || b"._-/:@".contains(c))
    {
        return Err(Error::InvalidName(
            "character outside A-Z a-z 0-9 . _ - / : @",
        ));
    }
    Ok(())
}

impl std::fmt::Debug for EntryName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EntryName({:?})", self.0)
    }
}

impl std::fmt::Display for EntryName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for EntryName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(EntryName::new("github/token").is_ok());
        assert!(EntryName::new("a").is_ok());
        assert!(EntryName::new("x".repeat(128)).is_ok());
        assert!(EntryName::new("x".repeat(129)).is_err());
        assert!(EntryName::new("").is_err());
        assert!(EntryName::new(".hidden").is_err());
        assert!(EntryName::new("a b").is_err());
        assert!(EntryName::new("é").is_err());
        assert!(EntryName::from_bytes(&[0xff]).is_err());
    }
}
