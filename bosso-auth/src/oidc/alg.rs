//! The JWS algorithms this verifier knows, and nothing else.

use std::fmt;

/// A JWS signature algorithm this verifier can check (RFC 7518 section 3).
///
/// There is deliberately no `none` and no HMAC (`HS*`) variant: an access token from an
/// identity provider is always signed with an asymmetric key, and a verifier that cannot
/// compute an HMAC cannot be tricked into using a public key as an HMAC secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (the OIDC default).
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// ECDSA on P-521 with SHA-512 (RustCrypto `p521`: ring has no P-521).
    ES512,
    /// EdDSA; only the Ed25519 curve is accepted.
    EdDSA,
}

impl Alg {
    /// Every algorithm, for callers that want to allow all of them explicitly.
    pub const ALL: [Alg; 10] = [
        Alg::RS256,
        Alg::RS384,
        Alg::RS512,
        Alg::PS256,
        Alg::PS384,
        Alg::PS512,
        Alg::ES256,
        Alg::ES384,
        Alg::ES512,
        Alg::EdDSA,
    ];

    /// Parses the exact, case-sensitive JOSE name (`"RS256"`). Anything else, including
    /// `none`, `None`, `HS256` or `rs256`, is `None`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "RS256" => Alg::RS256,
            "RS384" => Alg::RS384,
            "RS512" => Alg::RS512,
            "PS256" => Alg::PS256,
            "PS384" => Alg::PS384,
            "PS512" => Alg::PS512,
            "ES256" => Alg::ES256,
            "ES384" => Alg::ES384,
            "ES512" => Alg::ES512,
            "EdDSA" => Alg::EdDSA,
            _ => return None,
        })
    }

    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::RS384 => "RS384",
            Alg::RS512 => "RS512",
            Alg::PS256 => "PS256",
            Alg::PS384 => "PS384",
            Alg::PS512 => "PS512",
            Alg::ES256 => "ES256",
            Alg::ES384 => "ES384",
            Alg::ES512 => "ES512",
            Alg::EdDSA => "EdDSA",
        }
    }

    pub(crate) fn is_rsa(self) -> bool {
        matches!(
            self,
            Alg::RS256 | Alg::RS384 | Alg::RS512 | Alg::PS256 | Alg::PS384 | Alg::PS512
        )
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
