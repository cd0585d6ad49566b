//! Team rules: create (the creator becomes `admin`, with `First Workspace`), rename,
//! delete (never the viewer's own last team).

use super::repo::{find_visible, lock, resource};
use crate::authz::keys;
use crate::authz::{OrgRoles, Resource, RoleInfo, Scope};
use crate::db::sibling_name_taken;
use crate::domain::Name;
use crate::error::{AppError, AppResult};
use crate::membership::repo::add_membership;
use crate::request::RequestCtx;
use entity::{membership, team, workspace};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

/// Inserts a team with `creator` as explicit admin (`admin`, the preset's team-admin
/// role) and its `First Workspace`.
pub async fn insert_team<C: ConnectionTrait>(
    db: &C,
    admin: &RoleInfo,
    organization_id: Uuid,
    name: Name,
    creator: Uuid,
) -> AppResult<team::Model> {
    let now = crate::db::now();
    let t =
        team::Model { id: Uuid::now_v7(), organization_id, name: name.into_string(), created_by: Some(creator), created_at: now };
    team::Entity::insert(t.clone().into_active_model()).exec_without_returning(db).await?;
    add_membership(db, creator, Scope::Team, t.id, organization_id, Some(t.id), None, admin).await?;
    let w = workspace::Model {
        id: Uuid::now_v7(),
        team_id: t.id,
        organization_id,
        name: FIRST_WORKSPACE.into(),
        description: None,
        created_at: now,
    };
    workspace::Entity::insert(w.into_active_model()).exec_without_returning(db).await?;
    Ok(t)
}

pub async fn create_team(req: &RequestCtx, org: Uuid, name: Name) -> AppResult<team::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    crate::organization::repo::find_visible(&txn, &grants, org).await?;
    if !grants.can(&Resource::Organization { org }, keys::TEAM_CREATE) {
        return Err(AppError::forbidden("requires team.create"));
    }
    if sibling_name_taken::<team::Entity, _>(&txn, team::Column::OrganizationId, org, name.as_str(), None).await? {
        return Err(AppError::conflict("name", "a team with this name exists in the organization"));
    }
    let roles = OrgRoles::of(&txn, org).await?;
    let admin = req.catalog().builtin(&roles.namespace, Scope::Team, "admin")?;
    let t = insert_team(&txn, &admin, org, name, viewer.id).await?;
    txn.commit().await?;
    Ok(t)
}

pub async fn update_team(req: &RequestCtx, id: Uuid, name: Option<Name>) -> AppResult<team::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let t = find_visible(&txn, &grants, id).await?;
    if !grants.can(&resource(&t), keys::TEAM_UPDATE) {
        return Err(AppError::forbidden("requires team.update"));
    }
    let Some(name) = name else { return Ok(t) };
    if sibling_name_taken::<team::Entity, _>(&txn, team::Column::OrganizationId, t.organization_id, name.as_str(), Some(t.id))
        .await?
    {
        return Err(AppError::conflict("name", "a team with this name exists in the organization"));
    }
    let mut am = t.into_active_model();
    am.name = Set(name.into_string());
    let t = am.update(&txn).await?;
    txn.commit().await?;
    Ok(t)
}

pub async fn delete_team(req: &RequestCtx, id: Uuid) -> AppResult<()> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let t = find_visible(&txn, &grants, id).await?;
    if !grants.can(&resource(&t), keys::TEAM_DELETE) {
        return Err(AppError::forbidden("requires team.delete"));
    }
    lock(&txn, id).await?;
    crate::user::repo::lock_user(&txn, viewer.id).await?;
    let my_teams: Vec<Uuid> = membership::Entity::find()
        .filter(membership::Column::UserId.eq(viewer.id))
        .filter(membership::Column::ScopeKind.eq("team"))
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| m.scope_id)
        .collect();
    if my_teams == [id] {
        return Err(AppError::precondition("you may not delete your own last team"));
    }
    // The team's and its projects' memberships go with it (cascade): audited here.
    let gone = membership::Entity::find().filter(membership::Column::TeamId.eq(id)).all(&txn).await?;
    crate::audit::record_removals(&txn, &req.catalog(), viewer.id, &gone).await?;
    // Under the lock a concurrent delete may have won: the row is gone.
    if team::Entity::delete_by_id(id).exec(&txn).await?.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    txn.commit().await?;
    Ok(())
}

pub const FIRST_WORKSPACE: &str = "First Workspace";
