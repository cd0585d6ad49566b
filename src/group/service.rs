//! Group rules. A group is seen by holders of `group.read` or `group.manage` on its
//! organization and by its own members; every change needs `group.manage` there. Members must be active
//! members of the organization; a project assignment needs a project-scope role of the
//! organization that the actor holds in full on that project (no escalation). Every
//! change of an organization's groups locks the organization row, as removing a member
//! from the organization does, so a group never keeps a member who left.

use crate::audit::{self, AuditAction, Change, Within};
use crate::authz::keys;
use crate::authz::{Grants, Resource, RoleInfo, Scope};
use crate::db::sibling_name_taken;
use crate::domain::{Description, Name, RoleKey};
use crate::error::{AppError, AppResult};
use crate::request::RequestCtx;
use entity::{group, group_member, group_project, project};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;

pub const READ: &str = keys::GROUP_READ.as_str();
pub const MANAGE: &str = keys::GROUP_MANAGE.as_str();

fn org(id: Uuid) -> Resource {
    Resource::Organization { org: id }
}

async fn is_member<C: ConnectionTrait>(db: &C, group: Uuid, user: Uuid) -> AppResult<bool> {
    Ok(member_row(db, group, user).await?.is_some())
}

async fn member_row<C: ConnectionTrait>(db: &C, group: Uuid, user: Uuid) -> AppResult<Option<group_member::Model>> {
    Ok(group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(group))
        .filter(group_member::Column::UserId.eq(user))
        .one(db)
        .await?)
}

/// The group if it exists and the viewer sees it (`group.read` or `group.manage` on its organization, or
/// being one of its members, within an organization they belong to); else `NOT_FOUND`.
pub async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<group::Model> {
    crate::authz::find_visible::<group::Entity, _>(db, grants, id).await
}

fn require_manage(grants: &Grants, org_id: Uuid) -> AppResult<()> {
    if !grants.can(&org(org_id), MANAGE) {
        return Err(AppError::forbidden("requires group.manage on the organization"));
    }
    Ok(())
}

/// A visible group the viewer may change (`group.manage`, else `FORBIDDEN`).
async fn find_manageable<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<group::Model> {
    let g = find_visible(db, grants, id).await?;
    require_manage(grants, g.organization_id)?;
    Ok(g)
}

/// Locks the group's organization (PostgreSQL `FOR UPDATE`) and re-reads the group,
/// which a concurrent request may have deleted.
async fn lock<C: ConnectionTrait>(db: &C, g: &group::Model) -> AppResult<group::Model> {
    crate::organization::repo::lock(db, g.organization_id).await?;
    group::Entity::find_by_id(g.id).one(db).await?.ok_or(AppError::NotFound)
}

fn state(g: &group::Model) -> Value {
    json!({ "name": g.name, "description": g.description })
}

fn assignment_state(project: Uuid, role: &str) -> Value {
    json!({ "projectId": project, "role": role })
}

/// Records a change to group `g`; `within`: the project an assignment is about.
async fn record<C: ConnectionTrait>(
    db: &C,
    actor: Uuid,
    g: &group::Model,
    action: AuditAction,
    (before, after): (Option<Value>, Option<Value>),
    within: Option<Within>,
) -> AppResult<()> {
    let change = Change {
        organization: g.organization_id,
        within,
        actor: Some(actor),
        action,
        target_kind: "Group",
        target_id: Some(g.id),
        before,
        after,
    };
    audit::record(db, change).await
}

fn name_conflict() -> AppError {
    AppError::conflict("name", "a group with this name exists in the organization")
}

pub async fn create_group(req: &RequestCtx, org_id: Uuid, name: Name, description: Description) -> AppResult<group::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let o = crate::organization::repo::find_visible(&txn, &grants, org_id).await?;
    require_manage(&grants, o.id)?;
    if sibling_name_taken::<group::Entity, _>(&txn, group::Column::OrganizationId, o.id, name.as_str(), None).await? {
        return Err(name_conflict());
    }
    crate::organization::repo::lock(&txn, o.id).await?;
    let g = group::Model {
        id: Uuid::now_v7(),
        organization_id: o.id,
        name: name.into_string(),
        description: description.into_inner(),
        created_by: Some(viewer.id),
        created_at: crate::db::now(),
    };
    group::Entity::insert(g.clone().into_active_model()).exec_without_returning(&txn).await?;
    record(&txn, viewer.id, &g, AuditAction::GroupCreated, (None, Some(state(&g))), None).await?;
    txn.commit().await?;
    Ok(g)
}

/// Changes of `updateGroup`; `None` keeps the field, an empty description clears it.
pub struct GroupChanges {
    pub name: Option<Name>,
    pub description: Option<Description>,
}

pub async fn update_group(req: &RequestCtx, id: Uuid, changes: GroupChanges) -> AppResult<group::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let g = find_manageable(&txn, &grants, id).await?;
    if let Some(name) = &changes.name
        && sibling_name_taken::<group::Entity, _>(
            &txn,
            group::Column::OrganizationId,
            g.organization_id,
            name.as_str(),
            Some(g.id),
        )
        .await?
    {
        return Err(name_conflict());
    }
    let g = lock(&txn, &g).await?;
    let before = state(&g);
    let mut am = g.into_active_model();
    if let Some(name) = changes.name {
        am.name = Set(name.into_string());
    }
    if let Some(description) = changes.description {
        am.description = Set(description.into_inner());
    }
    let g = am.update(&txn).await?;
    let after = state(&g);
    if before != after {
        record(&txn, viewer.id, &g, AuditAction::GroupUpdated, (Some(before), Some(after)), None).await?;
    }
    txn.commit().await?;
    Ok(g)
}

/// Deletes a group with its memberships and assignments: its members lose the access it
/// gave at once.
pub async fn delete_group(req: &RequestCtx, id: Uuid) -> AppResult<Uuid> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let g = find_manageable(&txn, &grants, id).await?;
    let g = lock(&txn, &g).await?;
    group_member::Entity::delete_many().filter(group_member::Column::GroupId.eq(g.id)).exec(&txn).await?;
    group_project::Entity::delete_many().filter(group_project::Column::GroupId.eq(g.id)).exec(&txn).await?;
    group::Entity::delete_by_id(g.id).exec(&txn).await?;
    record(&txn, viewer.id, &g, AuditAction::GroupDeleted, (Some(state(&g)), None), None).await?;
    txn.commit().await?;
    Ok(g.id)
}

fn role_of(grants: &Grants, id: Uuid) -> AppResult<Arc<RoleInfo>> {
    grants.catalog.role(id).cloned().ok_or_else(|| AppError::internal("group assignment with unknown role"))
}

/// Nobody grants more than they hold: adding a member hands them every project role of
/// the group, so the actor must hold each of them in full on its project.
async fn check_covers_assignments<C: ConnectionTrait>(db: &C, grants: &Grants, g: &group::Model) -> AppResult<()> {
    let assignments = group_project::Entity::find().filter(group_project::Column::GroupId.eq(g.id)).all(db).await?;
    let ids: Vec<Uuid> = assignments.iter().map(|a| a.project_id).collect();
    let projects = project::Entity::find().filter(project::Column::Id.is_in(ids)).all(db).await?;
    for a in &assignments {
        let role = role_of(grants, a.role_id)?;
        let covered = projects
            .iter()
            .find(|p| p.id == a.project_id)
            .is_some_and(|p| grants.covers(&crate::project::repo::resource(p, grants.user_id), &role));
        if !covered {
            return Err(AppError::forbidden("the group grants project roles you do not hold yourself"));
        }
    }
    Ok(())
}

/// A visible group the viewer may change, for a change naming `user`: the group, then
/// the user (`NOT_FOUND` for one the viewer does not see, RULES.md §9.8), then
/// `group.manage` (`FORBIDDEN`), in the order of RULES.md §3.
async fn find_manageable_for<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid, user: Uuid) -> AppResult<group::Model> {
    let g = find_visible(db, grants, id).await?;
    grants.require_sees_user(db, user).await?;
    require_manage(grants, g.organization_id)?;
    Ok(g)
}

pub async fn add_group_member(req: &RequestCtx, id: Uuid, user: Uuid) -> AppResult<group::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let g = find_manageable_for(&txn, &grants, id, user).await?;
    check_covers_assignments(&txn, &grants, &g).await?;
    let already = || AppError::conflict("userId", "already a member of the group");
    if is_member(&txn, g.id, user).await? {
        return Err(already());
    }
    let g = lock(&txn, &g).await?;
    if is_member(&txn, g.id, user).await? {
        return Err(already());
    }
    if !crate::membership::repo::is_member(&txn, g.organization_id, user).await? {
        return Err(AppError::precondition("a group member must be a member of the group's organization"));
    }
    let row = group_member::Model {
        id: Uuid::now_v7(),
        group_id: g.id,
        user_id: user,
        organization_id: g.organization_id,
        created_at: crate::db::now(),
    };
    group_member::Entity::insert(row.into_active_model()).exec_without_returning(&txn).await?;
    record(&txn, viewer.id, &g, AuditAction::GroupMemberAdded, (None, Some(json!({ "userId": user }))), None).await?;
    txn.commit().await?;
    Ok(g)
}

pub async fn remove_group_member(req: &RequestCtx, id: Uuid, user: Uuid) -> AppResult<group::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let g = find_manageable_for(&txn, &grants, id, user).await?;
    let g = lock(&txn, &g).await?;
    let Some(row) = member_row(&txn, g.id, user).await? else {
        return Err(AppError::precondition("the user is not a member of the group"));
    };
    group_member::Entity::delete_by_id(row.id).exec(&txn).await?;
    record(&txn, viewer.id, &g, AuditAction::GroupMemberRemoved, (Some(json!({ "userId": user })), None), None).await?;
    txn.commit().await?;
    Ok(g)
}

/// A project of the group's organization that the viewer sees; otherwise `NOT_FOUND`.
async fn find_project<C: ConnectionTrait>(db: &C, grants: &Grants, g: &group::Model, id: Uuid) -> AppResult<project::Model> {
    let p = crate::project::repo::find_visible(db, grants, id).await?;
    if p.organization_id != g.organization_id {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

/// The project-scope role `key` of the group's organization, checked once the group is
/// seen (RULES.md §9.8: a hidden organization's roles are never listed).
async fn parse_role<C: ConnectionTrait>(req: &RequestCtx, db: &C, g: &group::Model, key: &RoleKey) -> AppResult<Arc<RoleInfo>> {
    crate::authz::role_at_scope(db, &req.catalog(), g.organization_id, Scope::Project, key).await
}

/// Assigns the group to a project with `role`, or changes the role of an existing assignment.
pub async fn assign_project(req: &RequestCtx, id: Uuid, project_id: Uuid, key: &RoleKey) -> AppResult<group::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let g = find_visible(&txn, &grants, id).await?;
    // The project before the role key (RULES.md §9.8: an unknown key on a project the
    // viewer cannot see is NOT_FOUND, as for addMember).
    let p = find_project(&txn, &grants, &g, project_id).await?;
    let role = parse_role(req, &txn, &g, key).await?;
    require_manage(&grants, g.organization_id)?;
    if !grants.covers(&crate::project::repo::resource(&p, viewer.id), &role) {
        return Err(AppError::forbidden("you may not assign a role that grants more than you hold on the project"));
    }
    let g = lock(&txn, &g).await?;
    let existing = group_project::Entity::find()
        .filter(group_project::Column::GroupId.eq(g.id))
        .filter(group_project::Column::ProjectId.eq(p.id))
        .one(&txn)
        .await?;
    let after = Some(assignment_state(p.id, &role.key));
    let within = Some(Within::project(p.team_id, p.id));
    match existing {
        Some(a) if a.role_id == role.id => {}
        Some(a) => {
            let before = Some(assignment_state(p.id, &role_of(&grants, a.role_id)?.key));
            let mut am = a.into_active_model();
            am.role_id = Set(role.id);
            am.update(&txn).await?;
            record(&txn, viewer.id, &g, AuditAction::GroupProjectAssigned, (before, after), within).await?;
        }
        None => {
            let row = group_project::Model {
                id: Uuid::now_v7(),
                group_id: g.id,
                project_id: p.id,
                role_id: role.id,
                organization_id: g.organization_id,
                created_at: crate::db::now(),
            };
            group_project::Entity::insert(row.into_active_model()).exec_without_returning(&txn).await?;
            record(&txn, viewer.id, &g, AuditAction::GroupProjectAssigned, (None, after), within).await?;
        }
    }
    txn.commit().await?;
    Ok(g)
}

pub async fn unassign_project(req: &RequestCtx, id: Uuid, project_id: Uuid) -> AppResult<group::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let g = find_visible(&txn, &grants, id).await?;
    let p = find_project(&txn, &grants, &g, project_id).await?;
    require_manage(&grants, g.organization_id)?;
    let g = lock(&txn, &g).await?;
    let Some(a) = group_project::Entity::find()
        .filter(group_project::Column::GroupId.eq(g.id))
        .filter(group_project::Column::ProjectId.eq(p.id))
        .one(&txn)
        .await?
    else {
        return Err(AppError::precondition("the group is not assigned to this project"));
    };
    let before = Some(assignment_state(p.id, &role_of(&grants, a.role_id)?.key));
    group_project::Entity::delete_by_id(a.id).exec(&txn).await?;
    record(&txn, viewer.id, &g, AuditAction::GroupProjectUnassigned, (before, None), Some(Within::project(p.team_id, p.id)))
        .await?;
    txn.commit().await?;
    Ok(g)
}

/// A user removed from an organization leaves its groups, in the caller's transaction
/// (which holds the organization row lock).
pub async fn remove_from_organization<C: ConnectionTrait>(db: &C, actor: Uuid, org_id: Uuid, user: Uuid) -> AppResult<()> {
    let rows = group_member::Entity::find()
        .filter(group_member::Column::OrganizationId.eq(org_id))
        .filter(group_member::Column::UserId.eq(user))
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    group_member::Entity::delete_many().filter(group_member::Column::Id.is_in(ids)).exec(db).await?;
    // In id order: the audit log's order must not be the database's scan order.
    let groups = group::Entity::find()
        .filter(group::Column::Id.is_in(rows.iter().map(|r| r.group_id)))
        .order_by_asc(group::Column::Id)
        .all(db)
        .await?;
    for g in &groups {
        record(db, actor, g, AuditAction::GroupMemberRemoved, (Some(json!({ "userId": user })), None), None).await?;
    }
    Ok(())
}

/// A project moving to another organization leaves the groups of its old one.
pub async fn detach_project<C: ConnectionTrait>(db: &C, grants: &Grants, project: Uuid, new_org: Uuid) -> AppResult<()> {
    let rows = group_project::Entity::find()
        .filter(group_project::Column::ProjectId.eq(project))
        .filter(group_project::Column::OrganizationId.ne(new_org))
        .all(db)
        .await?;
    // The project's place before the move (its row is rewritten after this).
    let within = match rows.is_empty() {
        true => None,
        false => entity::project::Entity::find_by_id(project).one(db).await?.map(|p| Within::project(p.team_id, p.id)),
    };
    for a in rows {
        let before = Some(assignment_state(project, &role_of(grants, a.role_id)?.key));
        group_project::Entity::delete_by_id(a.id).exec(db).await?;
        if let Some(g) = group::Entity::find_by_id(a.group_id).one(db).await? {
            record(db, grants.user_id, &g, AuditAction::GroupProjectUnassigned, (before, None), within).await?;
        }
    }
    Ok(())
}
