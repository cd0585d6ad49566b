//! Projects as services read and lock them inside a transaction: only when the viewer
//! sees them (otherwise `NOT_FOUND`).

use crate::authz::{Grants, Resource};
use crate::error::{AppError, AppResult};
use entity::project;
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use uuid::Uuid;

pub fn resource(p: &project::Model, viewer: Uuid) -> Resource {
    Resource::Project { org: p.organization_id, team: p.team_id, project: p.id, owned: p.created_by == Some(viewer) }
}

pub async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<project::Model> {
    let p = project::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound)?;
    if !grants.sees_project(p.organization_id, p.team_id, p.id) {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

pub async fn lock<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<project::Model> {
    project::Entity::find_by_id(id).lock_exclusive().one(db).await?.ok_or(AppError::NotFound)
}
