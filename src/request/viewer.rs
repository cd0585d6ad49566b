//! Who is asking: nobody, or a signed-in user with the reach of the credential they
//! signed in with.

use crate::error::{AppError, AppResult};
use entity::user;
use uuid::Uuid;

/// The principal of a request, resolved once by `http` from its credential.
#[derive(Clone, Debug)]
pub enum Viewer {
    /// No credential was sent: every root field except introspection answers
    /// `UNAUTHENTICATED` (RULES.md §2).
    Anonymous,
    /// A signed-in user (provisioned from an identity-provider token, or the owner of a
    /// personal access token).
    User {
        /// Shared: a viewer is cloned into every operation of a socket and every
        /// subscription's filter, and lives as long as they do.
        user: std::sync::Arc<user::Model>,
        /// Set when the credential is a personal access token restricted to one
        /// organization: the request acts as if the user belonged to no other
        /// (`authz::Grants::only_org`).
        only_org: Option<Uuid>,
        /// Whether the credential is a personal access token (RULES.md §9.6: it acts only
        /// in organizations where its owner holds `sdk_token.generate`, and never creates
        /// or revokes tokens).
        api_token: bool,
    },
}

impl Viewer {
    /// A user signed in with an identity-provider token.
    pub fn signed_in(user: user::Model) -> Self {
        Self::User { user: user.into(), only_org: None, api_token: false }
    }

    /// A user signed in with a personal access token; `only_org` is its restriction.
    pub fn with_api_token(user: user::Model, only_org: Option<Uuid>) -> Self {
        Self::User { user: user.into(), only_org, api_token: true }
    }

    /// The viewer's grants as loaded, shaped by the credential: a personal access token's
    /// reach (RULES.md §9.6), and the verified e-mail that makes the viewer the invitee
    /// of invitations to it (§2, §3.1).
    pub fn shape(&self, grants: crate::authz::Grants) -> crate::authz::Grants {
        let Self::User { user, api_token, .. } = self else { return grants };
        let mut grants = if *api_token { grants.within_api_token_reach() } else { grants };
        grants.invitee_email = user.email_verified.then(|| user.email.clone());
        grants
    }

    /// Whether the credential is a personal access token.
    pub fn is_api_token(&self) -> bool {
        matches!(self, Self::User { api_token: true, .. })
    }

    /// The signed-in user; `UNAUTHENTICATED` for an anonymous request (fail closed).
    pub fn user(&self) -> AppResult<&user::Model> {
        match self {
            Self::User { user, .. } => Ok(user.as_ref()),
            Self::Anonymous => Err(AppError::unauthenticated()),
        }
    }

    /// The signed-in user's id, if any.
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Self::User { user, .. } => Some(user.id),
            Self::Anonymous => None,
        }
    }

    /// Whether `user` is the signed-in user.
    pub fn is(&self, user: Uuid) -> bool {
        self.user_id() == Some(user)
    }

    /// The organization the credential is restricted to, if any.
    pub fn only_org(&self) -> Option<Uuid> {
        match self {
            Self::User { only_org, .. } => *only_org,
            Self::Anonymous => None,
        }
    }

    /// Whether the credential is restricted to one organization.
    pub fn is_restricted(&self) -> bool {
        self.only_org().is_some()
    }

    /// Whether the credential reaches objects of `org`: always, unless it is restricted
    /// to another organization.
    pub fn reaches(&self, org: Uuid) -> bool {
        self.only_org().is_none_or(|only| only == org)
    }
}
