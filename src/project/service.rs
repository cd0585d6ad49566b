//! Project rules: developers and admins create; managers edit; admins delete any,
//! developers only their own (`project.delete.own`).

use super::repo::{find_visible, resource};
use crate::activity::{self, Action, Subject};
use crate::authz::keys;
use crate::authz::{Grants, Resource};
use crate::db::sibling_name_taken;
use crate::domain::{Description, Name};
use crate::error::{AppError, AppResult};
use crate::request::RequestCtx;
use entity::project;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

fn name_conflict() -> AppError {
    AppError::conflict("name", "a project with this name exists in the workspace")
}

pub async fn create_project(
    req: &RequestCtx,
    workspace: Uuid,
    name: Name,
    description: Description,
) -> AppResult<project::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let p = insert_new(&txn, &grants, viewer.id, workspace, name, description.into_inner()).await?;
    activity::record(&txn, viewer.id, Action::Created, Subject::project(&p)).await?;
    txn.commit().await?;
    Ok(p)
}

/// Inserts an empty project created by `viewer` in `workspace`, after the checks every
/// new project passes: the workspace is visible (`NOT_FOUND`), `project.create` on its
/// team (`FORBIDDEN`), a free name (`CONFLICT`). Creating, cloning and restoring share it.
pub async fn insert_new<C: ConnectionTrait>(
    txn: &C,
    grants: &Grants,
    viewer: Uuid,
    workspace: Uuid,
    name: Name,
    description: Option<String>,
) -> AppResult<project::Model> {
    let w = crate::workspace::repo::find_visible(txn, grants, workspace).await?;
    if !grants.can(&Resource::Team { org: w.organization_id, team: w.team_id }, keys::PROJECT_CREATE) {
        return Err(AppError::forbidden("requires project.create"));
    }
    if sibling_name_taken::<project::Entity, _>(txn, project::Column::WorkspaceId, w.id, name.as_str(), None).await? {
        return Err(name_conflict());
    }
    let p = project::Model {
        id: Uuid::now_v7(),
        workspace_id: w.id,
        team_id: w.team_id,
        organization_id: w.organization_id,
        name: name.into_string(),
        description,
        created_by: Some(viewer),
        created_at: crate::db::now(),
    };
    project::Entity::insert(p.clone().into_active_model()).exec_without_returning(txn).await?;
    Ok(p)
}

pub async fn update_project(
    req: &RequestCtx,
    id: Uuid,
    name: Option<Name>,
    description: Option<Description>,
) -> AppResult<project::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let p = find_visible(&txn, &grants, id).await?;
    if !grants.can(&resource(&p, viewer.id), keys::PROJECT_UPDATE) {
        return Err(AppError::forbidden("requires project.update"));
    }
    if let Some(name) = &name
        && sibling_name_taken::<project::Entity, _>(&txn, project::Column::WorkspaceId, p.workspace_id, name.as_str(), Some(p.id))
            .await?
    {
        return Err(name_conflict());
    }
    let mut am = p.into_active_model();
    if let Some(name) = name {
        am.name = Set(name.into_string());
    }
    if let Some(d) = description {
        am.description = Set(d.into_inner());
    }
    let p = am.update(&txn).await?;
    txn.commit().await?;
    Ok(p)
}

/// The resource deleting project `p` is decided on: owned, for RULES.md §5 `.own`, only
/// when `viewer` created the project and everything in it (`has_others_content`).
pub(crate) async fn delete_resource<C: ConnectionTrait>(db: &C, p: &project::Model, viewer: Uuid) -> AppResult<Resource> {
    let owned = p.created_by == Some(viewer) && !has_others_content(db, p.id, viewer).await?;
    Ok(Resource::Project { org: p.organization_id, team: p.team_id, project: p.id, owned })
}

/// The resource moving project `p` out (a transfer) is decided on: as deleting it, and the
/// datasets deleted from it count too, since their trash entries move with it (§9.5) —
/// where the mover may restore them. (Deleting the project leaves them in the team's
/// trash, where they were.)
pub(crate) async fn transfer_resource<C: ConnectionTrait>(db: &C, p: &project::Model, viewer: Uuid) -> AppResult<Resource> {
    let mut r = delete_resource(db, p, viewer).await?;
    if let Resource::Project { owned: owned @ true, .. } = &mut r {
        *owned = !crate::trash::service::holds_others_content(db, p.id, viewer).await?;
    }
    Ok(r)
}

/// Whether anything in project `p` was created by someone other than `viewer` (or by a
/// user since deleted): a dataset, an item, a labeling job, a version or a share link —
/// every object in its subtree (RULES.md §5 `.own`; jobs and share links went with the
/// project for good, versions with its purge).
async fn has_others_content<C: ConnectionTrait>(db: &C, p: Uuid, viewer: Uuid) -> AppResult<bool> {
    use entity::{dataset, item, labeling_job, project_version, share_link};
    Ok(others_in::<dataset::Entity, _>(db, dataset::Column::ProjectId, dataset::Column::CreatedBy, p, viewer).await?
        || others_in::<item::Entity, _>(db, item::Column::ProjectId, item::Column::CreatedBy, p, viewer).await?
        || others_in::<labeling_job::Entity, _>(db, labeling_job::Column::ProjectId, labeling_job::Column::CreatedBy, p, viewer)
            .await?
        || others_in::<project_version::Entity, _>(
            db,
            project_version::Column::ProjectId,
            project_version::Column::CreatedBy,
            p,
            viewer,
        )
        .await?
        || others_in::<share_link::Entity, _>(db, share_link::Column::ProjectId, share_link::Column::CreatedBy, p, viewer)
            .await?)
}

/// Whether a row of `E` in project `p` (`project`) was created by someone other than
/// `viewer` (`creator`).
async fn others_in<E: sea_orm::EntityTrait, C: ConnectionTrait>(
    db: &C,
    project: E::Column,
    creator: E::Column,
    p: Uuid,
    viewer: Uuid,
) -> AppResult<bool> {
    Ok(E::find().filter(project.eq(p)).filter(crate::db::created_by_other(creator, viewer)).one(db).await?.is_some())
}

/// Moves a project to its team's trash; the trash entry's id.
pub async fn delete_project(req: &RequestCtx, id: Uuid) -> AppResult<Uuid> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let p = find_visible(&txn, &grants, id).await?;
    if !grants.can(&delete_resource(&txn, &p, viewer.id).await?, keys::PROJECT_DELETE) {
        return Err(AppError::forbidden("requires project.delete (or project.delete.own on a project you created entirely)"));
    }
    // Under the lock a concurrent delete may have won: the row is gone.
    activity::record(&txn, viewer.id, Action::Deleted, Subject::project(&p)).await?;
    let entry = crate::trash::service::trash_project(&txn, viewer.id, &p).await?;
    // The project's memberships leave with it (kept in the trash entry for a restore).
    let gone = entity::membership::Entity::find().filter(entity::membership::Column::ScopeId.eq(id)).all(&txn).await?;
    crate::audit::record_removals(&txn, &req.catalog(), viewer.id, &gone).await?;
    if project::Entity::delete_by_id(id).exec(&txn).await?.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    txn.commit().await?;
    Ok(entry)
}
