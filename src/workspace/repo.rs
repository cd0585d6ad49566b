//! Workspaces as services read them inside a transaction: only when the viewer sees
//! them (otherwise `NOT_FOUND`).

use crate::authz::Grants;
use crate::error::{AppError, AppResult};
use entity::workspace;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

pub async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<workspace::Model> {
    let w = workspace::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound)?;
    if !grants.sees_team(w.organization_id, w.team_id) {
        return Err(AppError::NotFound);
    }
    Ok(w)
}
