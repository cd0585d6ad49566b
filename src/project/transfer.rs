//! Transfers (seed 002 "Transferring Resources", Supervisely): a project moves to another
//! workspace of its team, or to a workspace of another team or organization. It needs
//! delete rights on the project at the source and create rights at the destination.
//! Project memberships of users who are not members of the destination organization
//! would be invalid there (RULES.md §5): they are detached and reported. Roles follow as
//! the destination's built-in project role of the same key; custom roles and roles the
//! destination's preset lacks do not (memberships detached, pending invitations revoked).

use super::schema::Project;
use super::service::{find_visible, lock, resource};
use crate::activity::{self, Action, Subject};
use crate::authz::Resource;
use crate::db::{begin_write, sibling_name_taken};
use crate::error::{AppError, AppResult};
use crate::graphql::ids::{Kind, decode_as};
use crate::graphql::{CtxExt, RequestCtx};
use crate::membership::schema::{Role, role_by_id};
use crate::user::schema::{User, visible_user};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::{dataset, invitation, item, membership, project};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

/// The outcome of a transfer: the moved project and the memberships that could not follow.
pub struct Transferred {
    pub project: project::Model,
    pub detached: Vec<membership::Model>,
}

pub async fn transfer_project(req: &RequestCtx, id: Uuid, to_workspace: Uuid) -> AppResult<Transferred> {
    let viewer = req.viewer()?;
    let txn = begin_write(&req.db).await?;
    let grants = req.load_grants(&txn).await?;
    let p = find_visible(&txn, &grants, id).await?;
    let w = crate::workspace::service::find_visible(&txn, &grants, to_workspace).await?;
    if !grants.can(&resource(&p, viewer.id), "project.delete") {
        return Err(AppError::forbidden("a transfer requires project.delete (or .own) on the project"));
    }
    if !grants.can(&Resource::Team { org: w.organization_id, team: w.team_id }, "project.create") {
        return Err(AppError::forbidden("a transfer requires project.create at the destination"));
    }
    if sibling_name_taken::<project::Entity, _>(&txn, project::Column::WorkspaceId, w.id, &p.name, Some(p.id)).await? {
        return Err(AppError::conflict("workspaceId", "a project with this name exists in the destination workspace"));
    }
    if w.id == p.workspace_id {
        return Err(AppError::precondition("the project is already in that workspace"));
    }
    let p = lock(&txn, p.id).await?;
    activity::record(&txn, viewer.id, Action::Transferred, Subject::project(&p)).await?;

    // Memberships of users outside the destination organization cannot follow; nor can
    // roles the destination does not have (another organization's custom roles, another
    // preset's roles): a role follows as the destination's built-in role of the same key.
    let roles = RoleMap::new(req, &txn, &p, w.organization_id).await?;
    let members = membership::Entity::find().filter(membership::Column::ScopeId.eq(p.id)).all(&txn).await?;
    let mut detached = Vec::new();
    for m in members {
        let Some(role) = roles.map(m.role_id) else {
            detached.push(m);
            continue;
        };
        if !crate::invitation::service::is_org_member(&txn, w.organization_id, m.user_id).await? {
            detached.push(m);
        } else if role != m.role_id {
            let mut am = m.into_active_model();
            am.role_id = Set(role);
            am.update(&txn).await?;
        }
    }
    let detached_ids: Vec<Uuid> = detached.iter().map(|m| m.id).collect();
    membership::Entity::delete_many().filter(membership::Column::Id.is_in(detached_ids)).exec(&txn).await?;
    crate::audit::record_removals(&txn, &req.catalog(), viewer.id, &detached).await?;
    for inv in invitation::Entity::find().filter(invitation::Column::ScopeId.eq(p.id)).all(&txn).await? {
        let mut am = inv.clone().into_active_model();
        match roles.map(inv.role_id) {
            Some(role) if role == inv.role_id => continue,
            Some(role) => am.role_id = Set(role),
            None if inv.status == "PENDING" => {
                am.status = Set("REVOKED".into());
                am.responded_at = Set(Some(chrono::Utc::now()));
            }
            // A decided invitation keeps its history; it cannot hold another
            // organization's custom role, so it loses the project instead.
            None => {
                invitation::Entity::delete_by_id(inv.id).exec(&txn).await?;
                continue;
            }
        }
        am.update(&txn).await?;
    }
    let (team, org) = (w.team_id, w.organization_id);
    // Groups belong to an organization: their assignments stay behind.
    crate::group::service::detach_project(&txn, &grants, p.id, org).await?;
    membership::Entity::update_many()
        .col_expr(membership::Column::TeamId, Expr::value(Some(team)))
        .col_expr(membership::Column::OrganizationId, Expr::value(org))
        .filter(membership::Column::ScopeId.eq(p.id))
        .exec(&txn)
        .await?;
    // Pending invitations to the project follow it; the inviter's authority is checked
    // again at acceptance, so an invitation that no longer makes sense is refused then.
    invitation::Entity::update_many()
        .col_expr(invitation::Column::TeamId, Expr::value(Some(team)))
        .col_expr(invitation::Column::OrganizationId, Expr::value(org))
        .filter(invitation::Column::ScopeId.eq(p.id))
        .exec(&txn)
        .await?;
    dataset::Entity::update_many()
        .col_expr(dataset::Column::TeamId, Expr::value(team))
        .col_expr(dataset::Column::OrganizationId, Expr::value(org))
        .filter(dataset::Column::ProjectId.eq(p.id))
        .exec(&txn)
        .await?;
    item::Entity::update_many()
        .col_expr(item::Column::TeamId, Expr::value(team))
        .col_expr(item::Column::OrganizationId, Expr::value(org))
        .filter(item::Column::ProjectId.eq(p.id))
        .exec(&txn)
        .await?;
    let mut am = p.into_active_model();
    am.workspace_id = Set(w.id);
    am.team_id = Set(team);
    am.organization_id = Set(org);
    let p = am.update(&txn).await?;
    activity::record(&txn, viewer.id, Action::Transferred, Subject::project(&p)).await?;
    txn.commit().await?;
    Ok(Transferred { project: p, detached })
}

/// How project roles follow a project into another organization.
struct RoleMap {
    catalog: std::sync::Arc<crate::authz::Catalog>,
    same_org: bool,
    namespace: String,
}

impl RoleMap {
    async fn new<C: sea_orm::ConnectionTrait>(req: &RequestCtx, db: &C, p: &project::Model, to_org: Uuid) -> AppResult<Self> {
        let namespace = crate::authz::OrgRoles::of(db, to_org).await?.namespace;
        Ok(Self { catalog: req.catalog(), same_org: p.organization_id == to_org, namespace })
    }

    /// The role `role` becomes at the destination, or `None` when it cannot follow.
    fn map(&self, role: Uuid) -> Option<Uuid> {
        if self.same_org {
            return Some(role);
        }
        let r = self.catalog.role(role)?;
        self.catalog.builtin(&self.namespace, crate::authz::Scope::Project, &r.key).ok().map(|r| r.id)
    }
}

/// Input of `transferProject`.
#[derive(InputObject)]
pub struct TransferProjectInput {
    /// The project to move (`project.delete`, or `.own`, on it).
    pub project_id: ID,
    /// The destination workspace (`project.create` on its team); may be in another team or organization.
    pub workspace_id: ID,
}

/// A project membership that could not follow a transfer: its user is not a member of
/// the destination organization, or its role does not exist there.
pub struct DetachedMembership {
    pub user_id: Uuid,
    pub role_id: Uuid,
}

/// A project membership that could not follow a transfer: its user is not a member of
/// the destination organization, or its role (a custom role of the source organization,
/// or a role of another preset with no same-named project role) does not exist there.
#[Object]
impl DetachedMembership {
    /// The member; null when the viewer may no longer see them.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, Some(self.user_id)).await
    }
    /// The project role they held.
    async fn role(&self, ctx: &Context<'_>) -> Result<Role> {
        role_by_id(ctx, self.role_id)
    }
}

/// Detached memberships a payload lists (the rest are counted, and all are in the audit log).
pub const MAX_DETACHED_LISTED: usize = 100;

/// Result of `transferProject`.
#[derive(SimpleObject)]
pub struct TransferProjectPayload {
    /// The project at its destination.
    pub project: Project,
    /// Project memberships removed because their users are not in the destination organization or their roles do not exist there: the first 100 (by id); `detachedMembershipCount` counts them all.
    pub detached_memberships: Vec<DetachedMembership>,
    /// How many project memberships were removed.
    pub detached_membership_count: i32,
}

#[derive(Default)]
pub struct TransferMutation;

#[Object]
impl TransferMutation {
    /// Moves a project (with its datasets, items and memberships) to another workspace, team or organization.
    async fn transfer_project(&self, ctx: &Context<'_>, input: TransferProjectInput) -> Result<TransferProjectPayload> {
        let req = ctx.req()?;
        req.viewer()?;
        let id = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let to = decode_as(&input.workspace_id, Kind::Workspace, "workspaceId")?;
        let t = transfer_project(req, id, to).await?;
        req.authz.refresh().await;
        let mut detached = t.detached;
        let count = i32::try_from(detached.len()).unwrap_or(i32::MAX);
        detached.sort_by_key(|m| m.id);
        detached.truncate(MAX_DETACHED_LISTED);
        let detached = detached.into_iter().map(|m| DetachedMembership { user_id: m.user_id, role_id: m.role_id }).collect();
        Ok(TransferProjectPayload {
            project: Project(t.project),
            detached_memberships: detached,
            detached_membership_count: count,
        })
    }
}
