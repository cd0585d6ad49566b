//! Workspace rules: team admins create, rename and delete them; a team keeps at least one.

use super::repo::find_visible;
use crate::activity::{self, Action, Subject};
use crate::authz::keys;
use crate::db::sibling_name_taken;
use crate::domain::{Description, Name};
use crate::error::{AppError, AppResult};
use crate::request::RequestCtx;
use crate::team::repo as team_repo;
use entity::workspace;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

fn team_resource(w: &workspace::Model) -> crate::authz::Resource {
    crate::authz::Resource::Team { org: w.organization_id, team: w.team_id }
}

fn name_conflict() -> AppError {
    AppError::conflict("name", "a workspace with this name exists in the team")
}

pub async fn create_workspace(req: &RequestCtx, team: Uuid, name: Name, description: Description) -> AppResult<workspace::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let t = team_repo::find_visible(&txn, &grants, team).await?;
    if !grants.can(&team_repo::resource(&t), keys::WORKSPACE_CREATE) {
        return Err(AppError::forbidden("requires workspace.create"));
    }
    if sibling_name_taken::<workspace::Entity, _>(&txn, workspace::Column::TeamId, t.id, name.as_str(), None).await? {
        return Err(name_conflict());
    }
    let w = workspace::Model {
        id: Uuid::now_v7(),
        team_id: t.id,
        organization_id: t.organization_id,
        name: name.into_string(),
        description: description.into_inner(),
        created_at: crate::db::now(),
    };
    workspace::Entity::insert(w.clone().into_active_model()).exec_without_returning(&txn).await?;
    activity::record(&txn, req.user()?.id, Action::Created, Subject::workspace(&w)).await?;
    txn.commit().await?;
    Ok(w)
}

pub async fn update_workspace(
    req: &RequestCtx,
    id: Uuid,
    name: Option<Name>,
    description: Option<Description>,
) -> AppResult<workspace::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let w = find_visible(&txn, &grants, id).await?;
    if !grants.can(&team_resource(&w), keys::WORKSPACE_UPDATE) {
        return Err(AppError::forbidden("requires workspace.update"));
    }
    if let Some(name) = &name
        && sibling_name_taken::<workspace::Entity, _>(&txn, workspace::Column::TeamId, w.team_id, name.as_str(), Some(w.id))
            .await?
    {
        return Err(name_conflict());
    }
    let mut am = w.into_active_model();
    if let Some(name) = name {
        am.name = Set(name.into_string());
    }
    if let Some(d) = description {
        am.description = Set(d.into_inner());
    }
    let w = am.update(&txn).await?;
    txn.commit().await?;
    Ok(w)
}

pub async fn delete_workspace(req: &RequestCtx, id: Uuid) -> AppResult<()> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let w = find_visible(&txn, &grants, id).await?;
    if !grants.can(&team_resource(&w), keys::WORKSPACE_DELETE) {
        return Err(AppError::forbidden("requires workspace.delete"));
    }
    // The team row lock serializes deletes of its workspaces: the count below is exact.
    team_repo::lock(&txn, w.team_id).await?;
    let count = workspace::Entity::find().filter(workspace::Column::TeamId.eq(w.team_id)).count(&txn).await?;
    if count <= 1 {
        return Err(AppError::precondition("a team keeps at least one workspace"));
    }
    // Under the lock a concurrent delete may have won: the row is gone.
    let viewer = req.user()?.id;
    activity::record(&txn, viewer, Action::Deleted, Subject::workspace(&w)).await?;
    // Its projects' memberships go with them (cascade): audited here, as for a team. What
    // it left in the trash goes too.
    let projects = crate::project::repo::ids_in_workspace(id);
    let gone =
        entity::membership::Entity::find().filter(entity::membership::Column::ProjectId.in_subquery(projects)).all(&txn).await?;
    crate::audit::record_removals(&txn, &req.catalog(), viewer, &gone).await?;
    crate::trash::service::drop_of_workspace(&txn, id).await?;
    if workspace::Entity::delete_by_id(id).exec(&txn).await?.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    txn.commit().await?;
    Ok(())
}
