//! Who may ask the gate for an attach token: a principal whose identity was verified.
//!
//! [`Authenticated`] is sealed: only the types below implement it, so a host cannot hand the
//! gate a plain struct naming a user. A host has three ways to get one:
//!
//! | principal | made by | what vouches for the user |
//! |---|---|---|
//! | [`VerifiedAccessToken`] | [`crate::oidc`] verification | the identity provider's signature, issuer, audience and lifetime |
//! | [`TrustedPrincipal`] | `bosso_accounts::login_session::ValidLoginSession::principal` | a live, unrevoked login session token of this server, validated by bosso-accounts |
//! | [`TrustedPrincipal`] | [`TrustedPrincipal::assert_verified`] in the host | the host itself, explicitly |
//!
//! bosso-accounts depends on this crate, never the reverse, so its login session cannot
//! implement the sealed trait; it goes through [`TrustedPrincipal::assert_verified`], the one
//! public door into [`Authenticated`], and only from a session it has just validated.

use bosso_token::UserId;

use crate::oidc::VerifiedAccessToken;

mod sealed {
    /// Private supertrait: names outside this crate cannot implement it.
    pub trait Sealed {}
}

/// A principal whose identity has been verified. Sealed: implemented only by
/// [`VerifiedAccessToken`] and [`TrustedPrincipal`], so the gate cannot be handed an identity
/// nobody verified.
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

/// A user authenticated by a mechanism this crate does not see: a login session bosso-accounts
/// validated (`ValidLoginSession::principal`), an mTLS client certificate, an authenticating
/// proxy whose header the host validated, the host's own session store.
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
