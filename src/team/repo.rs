//! Teams as services read and lock them inside a transaction: only when the viewer
//! sees them (otherwise `NOT_FOUND`).

use crate::authz::{Grants, Resource};
use crate::error::{AppError, AppResult};
use entity::team;
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use uuid::Uuid;

/// The team if the viewer sees it (`authz`'s rule, in SQL); otherwise `NOT_FOUND`.
pub async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<team::Model> {
    crate::authz::find_visible::<team::Entity, _>(db, grants, id).await
}

pub async fn lock<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<team::Model> {
    team::Entity::find_by_id(id).lock_exclusive().one(db).await?.ok_or(AppError::NotFound)
}

pub fn resource(t: &team::Model) -> Resource {
    Resource::Team { org: t.organization_id, team: t.id }
}
