//! Users as services lock them inside a transaction (whom the viewer sees:
//! `Grants::sees_user`).

use crate::error::{AppError, AppResult};
use entity::user;
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use uuid::Uuid;

/// Locks the user's row (PostgreSQL `FOR UPDATE`): serializes the changes that depend on
/// the user's own memberships and tokens (their last team, their live token count).
pub async fn lock_user<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<()> {
    user::Entity::find_by_id(id).lock_exclusive().one(db).await?.ok_or(AppError::NotFound).map(|_| ())
}
