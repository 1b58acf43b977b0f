//! The mandatory associated data of an envelope ciphertext.

use crate::Error;

/// The longest tenant id or context field, in bytes.
pub const MAX_FIELD_LEN: usize = 255;

fn check(field: &str, what: &'static str) -> Result<(), Error> {
    if field.is_empty() {
        return Err(Error::InvalidName(what));
    }
    if field.len() > MAX_FIELD_LEN {
        return Err(Error::InvalidName("context field longer than 255 bytes"));
    }
    Ok(())
}

/// A tenant: the unit of key isolation. 1 to 255 bytes of UTF-8.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(String);

impl TenantId {
    /// Checks the length rules.
    pub fn new(id: impl Into<String>) -> Result<Self, Error> {
        let id = id.into();
        check(&id, "empty tenant id")?;
        Ok(Self(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TenantId({:?})", self.0)
    }
}

/// Where a ciphertext lives: tenant, table, column, row id. Bound to the ciphertext as
/// associated data, so decrypting it anywhere else fails.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Context {
    tenant: TenantId,
    table: String,
    column: String,
    row: String,
}

impl Context {
    /// All four fields are required (1 to 255 bytes each).
    pub fn new(
        tenant: TenantId,
        table: impl Into<String>,
        column: impl Into<String>,
        row: impl Into<String>,
    ) -> Result<Self, Error> {
        let (table, column, row) = (table.into(), column.into(), row.into());
        check(&table, "empty table name")?;
        check(&column, "empty column name")?;
        check(&row, "empty row id")?;
        Ok(Self {
            tenant,
            table,
            column,
            row,
        })
    }

    /// The tenant.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// Unambiguous encoding: each field length-prefixed, after a domain label.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = b"bosso-vault/envelope/v1/context".to_vec();
        for f in [self.tenant.as_str(), &self.table, &self.column, &self.row] {
            crate::bytes::put_u16_prefixed(&mut out, f.as_bytes());
        }
        out
    }
}
