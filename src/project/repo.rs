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

/// `SELECT id FROM projects WHERE workspace_id = …`: the live projects of workspace `w`,
/// as a subquery.
pub fn ids_in_workspace(w: Uuid) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::ColumnTrait;
    sea_orm::sea_query::Query::select()
        .column(project::Column::Id)
        .from(project::Entity)
        .and_where(project::Column::WorkspaceId.eq(w))
        .to_owned()
}

/// The project if the viewer sees it (`authz`'s rule, in SQL); otherwise `NOT_FOUND`.
pub async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<project::Model> {
    crate::authz::find_visible::<project::Entity, _>(db, grants, id).await
}

/// The project if the viewer sees it, locked (`lock`) in the same statement.
pub async fn find_visible_locked<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<project::Model> {
    crate::authz::find_visible_locked::<project::Entity, _>(db, grants, id).await
}

/// The project of a row the viewer sees (a dataset), without a rule of its own: a dataset
/// seen through a labeling job does not open its project, yet a change to the dataset is
/// then refused by permission (`FORBIDDEN`: the viewer sees it, RULES.md §3), not hidden.
pub async fn of_visible<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<project::Model> {
    project::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound)
}

pub async fn lock<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<project::Model> {
    project::Entity::find_by_id(id).lock_exclusive().one(db).await?.ok_or(AppError::NotFound)
}
