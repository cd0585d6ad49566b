//! Who is asking: nobody, or a signed-in user with the reach of the credential they
//! signed in with.

use crate::error::{AppError, AppResult};
use entity::{api_token, user};
use sea_orm::{ConnectionTrait, EntityTrait};
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
        /// The personal access token the credential is, if it is one (RULES.md §9.6: it
        /// acts only in organizations where its owner holds `sdk_token.generate`, and
        /// never creates or revokes tokens).
        api_token: Option<Uuid>,
    },
}

impl Viewer {
    /// A user signed in with an identity-provider token.
    pub fn signed_in(user: user::Model) -> Self {
        Self::User { user: user.into(), only_org: None, api_token: None }
    }

    /// A user signed in with a personal access token.
    pub fn with_api_token(user: user::Model, token: &api_token::Model) -> Self {
        Self::User { user: user.into(), only_org: token.organization_id, api_token: Some(token.id) }
    }

    /// The same credential as it stands now, for what outlives the request that signed
    /// in (each operation and each event of a socket): the user's row read again (their
    /// e-mail and its verification decide whose invitations they see), and a personal
    /// access token checked again (revoked or expired ends it). `None` when the credential
    /// no longer stands; an anonymous viewer stays anonymous.
    pub async fn current<C: ConnectionTrait>(&self, db: &C) -> AppResult<Option<Viewer>> {
        let Self::User { user, only_org, api_token } = self else { return Ok(Some(Self::Anonymous)) };
        if let Some(token) = api_token
            && !crate::api_token::service::is_live_by_id(db, *token, user.id).await?
        {
            return Ok(None);
        }
        let Some(row) = user::Entity::find_by_id(user.id).one(db).await? else { return Ok(None) };
        Ok(Some(Self::User { user: row.into(), only_org: *only_org, api_token: *api_token }))
    }

    /// The personal access token of the credential, if it is one.
    pub fn api_token(&self) -> Option<Uuid> {
        match self {
            Self::User { api_token, .. } => *api_token,
            Self::Anonymous => None,
        }
    }

    /// The viewer's grants as loaded, shaped by the credential: a personal access token's
    /// reach (RULES.md §9.6), and the verified e-mail that makes the viewer the invitee
    /// of invitations to it (§2, §3.1).
    pub fn shape(&self, grants: crate::authz::Grants) -> crate::authz::Grants {
        let Self::User { user, api_token, .. } = self else { return grants };
        let mut grants = if api_token.is_some() { grants.within_api_token_reach() } else { grants };
        grants.invitee_email = user.email_verified.then(|| user.email.clone());
        grants
    }

    /// Whether the credential is a personal access token.
    pub fn is_api_token(&self) -> bool {
        self.api_token().is_some()
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
