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
        user: user::Model,
        /// Set when the credential is a personal access token restricted to one
        /// organization: the request acts as if the user belonged to no other
        /// (`authz::Grants::only_org`).
        only_org: Option<Uuid>,
    },
}

impl Viewer {
    /// A signed-in user; `only_org` is the restriction of their credential, if any.
    pub fn signed_in(user: user::Model, only_org: Option<Uuid>) -> Self {
        Self::User { user, only_org }
    }

    /// The signed-in user; `UNAUTHENTICATED` for an anonymous request (fail closed).
    pub fn user(&self) -> AppResult<&user::Model> {
        match self {
            Self::User { user, .. } => Ok(user),
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
