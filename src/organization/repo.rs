//! Organizations as services read and lock them inside a transaction: only when the
//! viewer sees them (otherwise `NOT_FOUND`).

use crate::authz::Grants;
use crate::error::{AppError, AppResult};
use entity::organization;
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use uuid::Uuid;

/// The organization if it exists and the viewer sees it; otherwise `NOT_FOUND`.
pub async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<organization::Model> {
    crate::authz::find_visible::<organization::Entity, _>(db, grants, id).await
}

/// Locks the organization row (PostgreSQL `FOR UPDATE`) and returns it fresh.
pub async fn lock<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<organization::Model> {
    organization::Entity::find_by_id(id).lock_exclusive().one(db).await?.ok_or(AppError::NotFound)
}
