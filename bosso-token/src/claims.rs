//! What a token grants (scope), what a verifier demands (expectation), and what a consumed
//! token proves (claims).

use crate::{Audience, ChatId, KeyId, Permission, SessionId, TokenId, UnixTime, UserId};

/// The (user, session, chat) a token is locked to, and what it permits there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The user the token was issued to.
    pub user: UserId,
    /// The session on that user's daemon.
    pub session: SessionId,
    /// The chat inside that session.
    pub chat: ChatId,
    /// Viewer or editor; there is no unspecified permission.
    pub permission: Permission,
}

impl Scope {
    /// A scope for one chat.
    pub fn new(user: UserId, session: SessionId, chat: ChatId, permission: Permission) -> Self {
        Self {
            user,
            session,
            chat,
            permission,
        }
    }
}

/// What the verifier requires of a token's scope beyond a valid signature and lifetime.
///
/// At a WebSocket upgrade the server knows which session and chat the URL names: demand them
/// with [`Expected::chat`], so a token minted for another chat is refused even though it is
/// genuine. [`Expected::any_scope`] exists for callers that check the scope themselves right
/// after (its name is the warning).
#[derive(Debug, Clone)]
pub struct Expected {
    pub(crate) user: Option<UserId>,
    pub(crate) session: Option<SessionId>,
    pub(crate) chat: Option<ChatId>,
    pub(crate) permission: Option<Permission>,
}

impl Expected {
    /// The token must be scoped to exactly this session and chat.
    pub fn chat(session: SessionId, chat: ChatId) -> Self {
        Self {
            user: None,
            session: Some(session),
            chat: Some(chat),
            permission: None,
        }
    }

    /// No scope requirement: the caller must check [`AttachClaims`] itself.
    pub fn any_scope() -> Self {
        // Deliberately no `Default` impl: "no requirement" must be asked for by this name.
        Self {
            user: None,
            session: None,
            chat: None,
            permission: None,
        }
    }

    /// The token must also be issued to this user.
    #[must_use]
    pub fn user(mut self, user: UserId) -> Self {
        self.user = Some(user);
        self
    }

    /// The token must permit at least `permission` (an editor token satisfies viewer).
    #[must_use]
    pub fn permission(mut self, permission: Permission) -> Self {
        self.permission = Some(permission);
        self
    }

    pub(crate) fn matches(&self, c: &crate::format::WireClaims<'_>) -> bool {
        self.user
            .as_ref()
            .is_none_or(|u| u.as_str().as_bytes() == c.user)
            && self
                .session
                .as_ref()
                .is_none_or(|s| s.as_str().as_bytes() == c.session)
            && self
                .chat
                .as_ref()
                .is_none_or(|ch| ch.as_str().as_bytes() == c.chat)
            && self.permission.is_none_or(|p| c.permission.satisfies(p))
    }
}

/// The claims of a token that verified and was consumed: the proof an attach may proceed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachClaims {
    pub(crate) scope: Scope,
    pub(crate) audience: Audience,
    pub(crate) key_id: KeyId,
    pub(crate) token_id: TokenId,
    pub(crate) issued_at: UnixTime,
    pub(crate) expires_at: UnixTime,
}

impl AttachClaims {
    /// The (user, session, chat, permission) the token grants.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
    /// The user the token was issued to.
    pub fn user(&self) -> &UserId {
        &self.scope.user
    }
    /// The session.
    pub fn session(&self) -> &SessionId {
        &self.scope.session
    }
    /// The chat.
    pub fn chat(&self) -> &ChatId {
        &self.scope.chat
    }
    /// Viewer or editor.
    pub fn permission(&self) -> Permission {
        self.scope.permission
    }
    /// The audience (already checked against the verifier's).
    pub fn audience(&self) -> &Audience {
        &self.audience
    }
    /// The key that signed the token.
    pub fn key_id(&self) -> &KeyId {
        &self.key_id
    }
    /// The token's unique id (for audit logs; it cannot be turned back into the token).
    pub fn token_id(&self) -> TokenId {
        self.token_id
    }
    /// When the token was issued.
    pub fn issued_at(&self) -> UnixTime {
        self.issued_at
    }
    /// When the token expires.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }
}
