//! Users as services lock and see them inside a transaction.

use crate::authz::Scope;
use crate::error::{AppError, AppResult};
use entity::{membership, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// Locks the user's row (PostgreSQL `FOR UPDATE`): serializes the changes that depend on
/// the user's own memberships and tokens (their last team, their live token count).
pub async fn lock_user<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<()> {
    user::Entity::find_by_id(id).lock_exclusive().one(db).await?.ok_or(AppError::NotFound).map(|_| ())
}

/// Whether the viewer sees `user` (RULES.md §3.1): themself, or someone sharing an
/// organization with them. A user who does not exist is not seen either.
pub async fn sees_user<C: ConnectionTrait>(db: &C, grants: &crate::authz::Grants, user: Uuid) -> AppResult<bool> {
    if user == grants.user_id {
        return Ok(true);
    }
    Ok(membership::Entity::find()
        .filter(membership::Column::UserId.eq(user))
        .filter(membership::Column::ScopeKind.eq(Scope::Organization.as_str()))
        .filter(membership::Column::ScopeId.is_in(grants.organization_ids()))
        .one(db)
        .await?
        .is_some())
}
