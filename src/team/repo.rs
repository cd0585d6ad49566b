//! Teams as services read and lock them inside a transaction: only when the viewer
//! sees them (otherwise `NOT_FOUND`).

use crate::authz::{Grants, Resource};
use crate::error::{AppError, AppResult};
use entity::team;
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use uuid::Uuid;

pub async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<team::Model> {
    let t = team::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound)?;
    if !grants.sees_team(t.organization_id, t.id) {
        return Err(AppError::NotFound);
    }
    Ok(t)
}

pub async fn lock<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<team::Model> {
    team::Entity::find_by_id(id).lock_exclusive().one(db).await?.ok_or(AppError::NotFound)
}

pub fn resource(t: &team::Model) -> Resource {
    Resource::Team { org: t.organization_id, team: t.id }
}
