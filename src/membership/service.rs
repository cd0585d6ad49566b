//! Membership rules (RULES.md §5): add, change role, remove, leave — with the team
//! invariant (≥ 1 explicit admin), the owner rule and "a user keeps their own last team",
//! guarded under row locks of the scope (and the user) inside one transaction.

use super::repo::{ScopeRef, find_visible_scope_locked, lock_scope};
use crate::audit::AuditAction;
use crate::authz::keys;
use crate::authz::{Grants, MemberChange, RoleInfo, Scope, check_member_change};
use crate::domain::RoleKey;
use crate::error::{AppError, AppResult};
use crate::request::RequestCtx;
use crate::user::repo::lock_user;
use entity::{membership, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set};
use std::sync::Arc;
use uuid::Uuid;

/// The role `key` for a membership or invitation at scope `s`, which the viewer sees:
/// checked after visibility (RULES.md §9.8), so a hidden scope answers `NOT_FOUND`
/// whatever the key, and an error lists only the roles of an organization the viewer sees.
pub async fn role_for<C: ConnectionTrait>(req: &RequestCtx, db: &C, s: &ScopeRef, role: &RoleKey) -> AppResult<Arc<RoleInfo>> {
    crate::authz::role_at_scope(db, &req.catalog(), s.org, s.scope, role).await
}

/// Whether `addMember` may name `user_id` (RULES.md §9.8): a user the viewer sees (§3.1:
/// themself, or someone sharing an organization with them) — anyone else is `NOT_FOUND`,
/// existing or not. The one exception: holders of `member.manage` on the organization
/// itself name any existing user (§5: Supervisely admins add existing users directly, so
/// they learn that the user exists; a team or project membership then still needs an
/// organization membership, `FAILED_PRECONDITION`).
async fn user_reachable<C: ConnectionTrait>(db: &C, grants: &Grants, s: &ScopeRef, user_id: Uuid) -> AppResult<()> {
    if grants.sees_user(db, user_id).await? {
        return Ok(());
    }
    let org_manager = grants.can_via_org(s.org, Scope::Organization, keys::MEMBER_MANAGE.as_str());
    if org_manager && user::Entity::find_by_id(user_id).one(db).await?.is_some() {
        return Ok(());
    }
    Err(AppError::NotFound)
}

/// Whether the viewer sees a membership: their own, or `member.read` on a scope they
/// see. (A team role's `member.read` also reaches the team's projects, but an
/// `annotator` does not see them, nor, therefore, their memberships.)
pub fn sees(grants: &Grants, m: &membership::Model) -> bool {
    (m.user_id == grants.user_id && grants.admits(m.organization_id))
        || ScopeRef::of_membership(m).is_ok_and(|s| {
            let visible = match (s.scope, s.team) {
                (Scope::Organization, _) => grants.sees_org(s.org),
                (Scope::Team, _) => grants.sees_team(s.org, s.id),
                (Scope::Project, Some(team)) => grants.sees_project(s.org, team, s.id),
                (Scope::Project, None) => false,
            };
            visible && grants.can(&s.resource(), keys::MEMBER_READ)
        })
}

fn role_of(req: &RequestCtx, m: &membership::Model) -> AppResult<Arc<RoleInfo>> {
    req.catalog().role(m.role_id).cloned().ok_or_else(|| AppError::internal("membership with unknown role"))
}

/// Team memberships holding the team's head role (explicit admins), minus `except`.
async fn other_admins<C: ConnectionTrait>(db: &C, req: &RequestCtx, team: Uuid, except: Uuid) -> AppResult<u64> {
    let heads = req.catalog().team_admin_ids();
    Ok(membership::Entity::find()
        .filter(membership::Column::ScopeId.eq(team))
        .filter(membership::Column::RoleId.is_in(heads))
        .filter(membership::Column::UserId.ne(except))
        .count(db)
        .await?)
}

/// The built-in team-admin role (the team invariant counts these only).
fn is_team_admin(role: &RoleInfo) -> bool {
    role.built_in && role.scope == Scope::Team && role.rank == 0
}

/// Deletes `m` (and, for an organization membership, every membership of that user in
/// the organization) after checking that no team loses its last explicit admin.
async fn remove_cascading<C: ConnectionTrait>(db: &C, req: &RequestCtx, m: &membership::Model) -> AppResult<()> {
    let affected: Vec<membership::Model> = if m.scope_kind == Scope::Organization.as_str() {
        membership::Entity::find()
            .filter(membership::Column::UserId.eq(m.user_id))
            .filter(membership::Column::OrganizationId.eq(m.organization_id))
            .order_by_id_asc()
            .all(db)
            .await?
    } else {
        vec![m.clone()]
    };
    for a in &affected {
        let role = role_of(req, a)?;
        if a.scope_kind == Scope::Team.as_str() && is_team_admin(&role) {
            crate::team::repo::lock(db, a.scope_id).await?;
            if other_admins(db, req, a.scope_id, a.user_id).await? == 0 {
                return Err(AppError::precondition("a team keeps at least one explicit admin"));
            }
        }
    }
    let ids: Vec<Uuid> = affected.iter().map(|a| a.id).collect();
    membership::Entity::delete_many().filter(membership::Column::Id.is_in(ids)).exec(db).await?;
    crate::audit::record_removals(db, &req.catalog(), req.user()?.id, &affected).await?;
    if m.scope_kind == Scope::Organization.as_str() {
        crate::group::service::remove_from_organization(db, req.user()?.id, m.organization_id, m.user_id).await?;
        crate::capability::service::remove_for_member(db, Some(req.user()?.id), m.organization_id, m.user_id).await?;
        crate::labeling::assignees::remove_from_organization(db, Some(req.user()?.id), m.organization_id, m.user_id).await?;
    }
    Ok(())
}

pub async fn add_member(
    req: &RequestCtx,
    scope: Scope,
    scope_id: Uuid,
    user_id: Uuid,
    role: &RoleKey,
) -> AppResult<membership::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let s = find_visible_scope_locked(&txn, &grants, scope, scope_id).await?;
    let role = role_for(req, &txn, &s, role).await?;
    user_reachable(&txn, &grants, &s, user_id).await?;
    check_member_change(&grants, &s.resource(), user_id, &MemberChange::Add { new: &role }, keys::MEMBER_MANAGE.as_str())?;
    let existing = |scope_id: Uuid| {
        membership::Entity::find()
            .filter(membership::Column::ScopeId.eq(scope_id))
            .filter(membership::Column::UserId.eq(user_id))
            .one(&txn)
    };
    if existing(s.id).await?.is_some() {
        return Err(AppError::conflict("userId", "already a member"));
    }
    if scope != Scope::Organization && existing(s.org).await?.is_none() {
        return Err(AppError::precondition("a team or project membership requires an organization membership"));
    }
    let project = (scope == Scope::Project).then_some(s.id);
    let m = membership::Model {
        id: Uuid::now_v7(),
        user_id,
        scope_kind: scope.as_str().into(),
        scope_id: s.id,
        organization_id: s.org,
        team_id: s.team,
        project_id: project,
        role_id: role.id,
        created_at: crate::db::now(),
    };
    membership::Entity::insert(m.clone().into_active_model()).exec_without_returning(&txn).await?;
    let actor = req.user()?.id;
    crate::audit::record_membership(&txn, &req.catalog(), actor, AuditAction::MembershipCreated, None, Some(&m)).await?;
    txn.commit().await?;
    Ok(m)
}

/// Loads a membership the viewer sees (the rule of `authz`, in SQL), inside `txn`.
async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<membership::Model> {
    crate::authz::find_visible::<membership::Entity, _>(db, grants, id).await
}

pub async fn change_member_role(req: &RequestCtx, id: Uuid, role: &RoleKey) -> AppResult<membership::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    // Loading the grants first brings this instance's catalog up to date (a custom role
    // created through another instance), so the key check sees it. The key is checked
    // after visibility (RULES.md §9.8).
    let grants = req.load_grants(&txn).await?;
    let m = find_visible(&txn, &grants, id).await?;
    let s = ScopeRef::of_membership(&m)?;
    let new = role_for(req, &txn, &s, role).await?;
    let current = role_of(req, &m)?;
    check_member_change(
        &grants,
        &s.resource(),
        m.user_id,
        &MemberChange::Change { current: &current, new: &new },
        keys::MEMBER_MANAGE.as_str(),
    )?;
    lock_scope(&txn, &s).await?;
    let m = membership::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::NotFound)?;
    let current = role_of(req, &m)?;
    // Again on the row read under the lock: a concurrent change may have promoted the member.
    let change = MemberChange::Change { current: &current, new: &new };
    check_member_change(&grants, &s.resource(), m.user_id, &change, keys::MEMBER_MANAGE.as_str())?;
    if is_team_admin(&current) && !is_team_admin(&new) && other_admins(&txn, req, m.scope_id, m.user_id).await? == 0 {
        return Err(AppError::precondition("a team keeps at least one explicit admin"));
    }
    let before = m.clone();
    let mut am = m.into_active_model();
    am.role_id = Set(new.id);
    let m = am.update(&txn).await?;
    if before.role_id != m.role_id {
        let actor = req.user()?.id;
        let changed = AuditAction::MembershipRoleChanged;
        crate::audit::record_membership(&txn, &req.catalog(), actor, changed, Some(&before), Some(&m)).await?;
    }
    txn.commit().await?;
    Ok(m)
}

pub async fn remove_member(req: &RequestCtx, id: Uuid) -> AppResult<()> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let m = find_visible(&txn, &grants, id).await?;
    let s = ScopeRef::of_membership(&m)?;
    let current = role_of(req, &m)?;
    check_member_change(
        &grants,
        &s.resource(),
        m.user_id,
        &MemberChange::Remove { current: &current },
        keys::MEMBER_MANAGE.as_str(),
    )?;
    lock_scope(&txn, &s).await?;
    let m = membership::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::NotFound)?;
    // Again on the row read under the lock: a concurrent change may have promoted the member.
    let current = role_of(req, &m)?;
    check_member_change(
        &grants,
        &s.resource(),
        m.user_id,
        &MemberChange::Remove { current: &current },
        keys::MEMBER_MANAGE.as_str(),
    )?;
    remove_cascading(&txn, req, &m).await?;
    txn.commit().await?;
    Ok(())
}

/// A scope the viewer holds a membership at without seeing it (a custom role without the
/// scope's read key), locked as `find_visible_scope_locked` locks: its member may still
/// leave it (RULES.md §5 `leaveScope`: anyone, except …). `NOT_FOUND` for anyone else,
/// and where a personal access token may not act.
async fn own_scope_locked<C: ConnectionTrait>(db: &C, grants: &Grants, scope: Scope, id: Uuid) -> AppResult<ScopeRef> {
    let m = membership::Entity::find()
        .filter(membership::Column::UserId.eq(grants.user_id))
        .filter(membership::Column::ScopeKind.eq(scope.as_str()))
        .filter(membership::Column::ScopeId.eq(id))
        .one(db)
        .await?
        .filter(|m| grants.admits(m.organization_id))
        .ok_or(AppError::NotFound)?;
    let s = ScopeRef { scope, id, org: m.organization_id, team: m.team_id };
    lock_scope(db, &s).await?;
    Ok(s)
}

pub async fn leave_scope(req: &RequestCtx, scope: Scope, scope_id: Uuid) -> AppResult<()> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let s = match find_visible_scope_locked(&txn, &grants, scope, scope_id).await {
        Err(AppError::NotFound) => own_scope_locked(&txn, &grants, scope, scope_id).await?,
        found => found?,
    };
    lock_user(&txn, viewer.id).await?;
    let mine = membership::Entity::find().filter(membership::Column::UserId.eq(viewer.id)).all(&txn).await?;
    let Some(m) = mine.iter().find(|m| m.scope_id == s.id).cloned() else {
        return Err(AppError::precondition("you are not a member here"));
    };
    let role = role_of(req, &m)?;
    if scope == Scope::Organization && role.is_owner() {
        return Err(AppError::precondition("the owner cannot leave; transfer ownership first"));
    }
    let leaves_team = |t: &membership::Model| {
        t.scope_kind == Scope::Team.as_str()
            && (t.scope_id == s.id || (scope == Scope::Organization && t.organization_id == s.id))
    };
    let teams = mine.iter().filter(|t| t.scope_kind == Scope::Team.as_str()).count();
    let leaving = mine.iter().filter(|t| leaves_team(t)).count();
    if leaving > 0 && leaving == teams {
        return Err(AppError::precondition("you may not leave your own last team"));
    }
    remove_cascading(&txn, req, &m).await?;
    txn.commit().await?;
    Ok(())
}
