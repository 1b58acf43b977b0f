//! Who may ask the gate for an attach token: a principal whose identity was verified.
//!
//! [`Authenticated`] is sealed: only the types below implement it, so a host cannot hand the
//! gate a plain struct naming a user. A host has three ways to get one:
//!
//! | principal | made by | what vouches for the user |
//! |---|---|---|
//! | [`VerifiedAccessToken`] | [`crate::oidc`] verification | the identity provider's signature, issuer, audience and lifetime |
//! | [`ValidSession`] | [`SessionManager::validate`] (login sessions of [`crate::accounts`]) | a live, unrevoked login session token of this server |
//! | [`TrustedPrincipal`] | [`TrustedPrincipal::assert_verified`] | the host itself, explicitly |
//!
//! When the account layer moves to its own crate (which may depend on this one, never the
//! reverse), its verified login session reaches the gate the same way: the sealed impl for
//! [`ValidSession`] here is replaced by a conversion in that crate that goes through
//! [`TrustedPrincipal::assert_verified`], which is the one public door into [`Authenticated`].
//!
//! [`SessionManager::validate`]: crate::accounts::session::SessionManager::validate

use bosso_token::UserId;

use crate::accounts::session::ValidSession;
use crate::oidc::VerifiedAccessToken;

mod sealed {
    /// Private supertrait: names outside this crate cannot implement it.
    pub trait Sealed {}
}

/// A principal whose identity has been verified. Sealed: implemented only by
/// [`VerifiedAccessToken`], [`ValidSession`] and [`TrustedPrincipal`], so the gate cannot be
/// handed an identity nobody verified.
///
/// A type outside this crate cannot implement it:
///
/// ```compile_fail,E0277
/// use bosso_auth::gate::Authenticated;
/// use bosso_token::UserId;
///
/// struct Claimed(UserId);
/// impl Authenticated for Claimed {
///     fn user(&self) -> &UserId { &self.0 }
/// }
/// ```
///
/// An identity the host verified by other means goes through [`TrustedPrincipal`]:
///
/// ```
/// use bosso_auth::gate::{Authenticated, TrustedPrincipal};
/// use bosso_token::UserId;
///
/// let p = TrustedPrincipal::assert_verified(UserId::new("alice")?);
/// assert_eq!(p.user().as_str(), "alice");
/// # Ok::<(), bosso_token::Error>(())
/// ```
pub trait Authenticated: sealed::Sealed {
    /// The verified user.
    fn user(&self) -> &UserId;
}

impl sealed::Sealed for VerifiedAccessToken {}
impl Authenticated for VerifiedAccessToken {
    fn user(&self) -> &UserId {
        self.subject()
    }
}

impl sealed::Sealed for ValidSession {}
impl Authenticated for ValidSession {
    fn user(&self) -> &UserId {
        ValidSession::user(self)
    }
}

/// A user the host authenticated itself, by a mechanism this crate does not see (an mTLS
/// client certificate, an authenticating proxy whose header the host validated, its own
/// session store).
///
/// The only way to make one is [`TrustedPrincipal::assert_verified`], so every place a host
/// vouches for a user is one searchable call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedPrincipal {
    user: UserId,
}

impl TrustedPrincipal {
    /// The host asserts that `user` proved who they are, to the host's satisfaction, for the
    /// request now being served: the credential was checked for authenticity, lifetime and
    /// revocation, and the account may act now. This crate checks nothing about that
    /// assertion; it still checks ownership of the session and chat for `user`.
    ///
    /// Never build one from request data that was not itself verified (a user name in a
    /// query string, an unsigned header, a cookie the host did not check).
    pub fn assert_verified(user: UserId) -> Self {
        Self { user }
    }
}

impl sealed::Sealed for TrustedPrincipal {}
impl Authenticated for TrustedPrincipal {
    fn user(&self) -> &UserId {
        &self.user
    }
}
