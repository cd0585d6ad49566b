//! Transfers (seed 002 "Transferring Resources", Supervisely): a project moves to another
//! workspace of its team, or to a workspace of another team or organization. It needs
//! delete rights on the project at the source and create rights at the destination.
//! Project memberships of users who are not members of the destination organization
//! would be invalid there (RULES.md §5): they are detached and reported. Within one
//! organization every role follows (it is the same role). Into another organization
//! (RULES §9.5) a membership follows only when its role is built-in, the destination's
//! preset has a built-in project role with that key, and the mover could assign that role
//! there through their organization or team role; otherwise it is detached. Invitations
//! to the project do not leave its organization (they are deleted). Every stored copy of
//! the project's ancestors, trash entries included, is rewritten in the same transaction
//! (`ancestors::rewrite`).

use super::ancestors::{self, Place};
use super::repo::{find_visible, lock};
use crate::activity::{self, Action, Subject};
use crate::authz::keys;
use crate::authz::{Grants, Resource};
use crate::db::sibling_name_taken;
use crate::error::{AppError, AppResult};
use crate::request::RequestCtx;
use entity::{invitation, membership, project};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// The outcome of a transfer: the moved project and the memberships that could not follow.
pub struct Transferred {
    pub project: project::Model,
    pub detached: Vec<membership::Model>,
    /// Labeling-job assignments of users outside the destination organization (issue 15).
    pub detached_assignments: Vec<entity::labeling_job_assignee::Model>,
}

pub async fn transfer_project(req: &RequestCtx, id: Uuid, to_workspace: Uuid) -> AppResult<Transferred> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let p = find_visible(&txn, &grants, id).await?;
    let w = crate::workspace::repo::find_visible(&txn, &grants, to_workspace).await?;
    if !grants.can(&super::service::transfer_resource(&txn, &p, viewer.id).await?, keys::PROJECT_DELETE) {
        return Err(AppError::forbidden(
            "a transfer requires project.delete (or project.delete.own on a project you created entirely)",
        ));
    }
    if !grants.can(&Resource::Team { org: w.organization_id, team: w.team_id }, keys::PROJECT_CREATE) {
        return Err(AppError::forbidden("a transfer requires project.create at the destination"));
    }
    if sibling_name_taken::<project::Entity, _>(&txn, project::Column::WorkspaceId, w.id, &p.name, Some(p.id)).await? {
        return Err(AppError::conflict("workspaceId", "a project with this name exists in the destination workspace"));
    }
    if w.id == p.workspace_id {
        return Err(AppError::precondition("the project is already in that workspace"));
    }
    let p = lock(&txn, p.id).await?;

    // Memberships of users outside the destination organization cannot follow; nor can
    // roles that `RoleMap` does not carry over.
    let roles = RoleMap::new(req, &txn, &grants, &p, (w.organization_id, w.team_id)).await?;
    // In id order: the audit entries and the payload's lists follow it (not the scan's).
    let members = membership::Entity::find()
        .filter(membership::Column::ScopeId.eq(p.id))
        .order_by_asc(membership::Column::Id)
        .all(&txn)
        .await?;
    let mut detached = Vec::new();
    for m in members {
        let Some(role) = roles.map(m.role_id) else {
            detached.push(m);
            continue;
        };
        if !crate::membership::repo::is_member(&txn, w.organization_id, m.user_id).await? {
            detached.push(m);
        } else if role != m.role_id {
            let mut am = m.clone().into_active_model();
            am.role_id = Set(role);
            let after = am.update(&txn).await?;
            let changed = crate::audit::AuditAction::MembershipRoleChanged;
            crate::audit::record_membership(&txn, &roles.catalog, viewer.id, changed, Some(&m), Some(&after)).await?;
        }
    }
    let detached_ids: Vec<Uuid> = detached.iter().map(|m| m.id).collect();
    membership::Entity::delete_many().filter(membership::Column::Id.is_in(detached_ids)).exec(&txn).await?;
    crate::audit::record_removals(&txn, &req.catalog(), viewer.id, &detached).await?;
    // Invitations were issued in the organization the project leaves, by its members and
    // under its rights: they do not follow it out (the invitee would be shown a place
    // nobody there invited them to, its new organization another one's history, RULES.md
    // §9.1). Within one organization they follow, as memberships do.
    if !roles.same_org {
        invitation::Entity::delete_many().filter(invitation::Column::ScopeId.eq(p.id)).exec(&txn).await?;
    }
    let detached_assignments = crate::labeling::assignees::follow_project(&txn, viewer.id, p.id, w.organization_id).await?;
    let to = Place { organization: w.organization_id, team: w.team_id, workspace: w.id };
    ancestors::rewrite(&txn, &grants, p.id, &to).await?;
    // Both logs record the transfer: the old team's (after the rewrite moved the
    // project's log, so this entry stays behind) and the new one's.
    activity::record(&txn, viewer.id, Action::Transferred, Subject::project(&p)).await?;
    let mut moved = p.clone();
    (moved.workspace_id, moved.team_id, moved.organization_id) = (to.workspace, to.team, to.organization);
    let p = moved;
    activity::record(&txn, viewer.id, Action::Transferred, Subject::project(&p)).await?;
    txn.commit().await?;
    Ok(Transferred { project: p, detached, detached_assignments })
}

/// How project roles follow a project to its destination.
struct RoleMap<'g> {
    catalog: std::sync::Arc<crate::authz::Catalog>,
    same_org: bool,
    namespace: String,
    /// The destination team, where the mover's authority to assign is judged.
    destination: Resource,
    /// Whether the mover manages project members at the destination above the project.
    manages: bool,
    grants: &'g Grants,
}

impl<'g> RoleMap<'g> {
    async fn new<C: sea_orm::ConnectionTrait>(
        req: &RequestCtx,
        db: &C,
        grants: &'g Grants,
        p: &project::Model,
        (org, team): (Uuid, Uuid),
    ) -> AppResult<Self> {
        let namespace = crate::authz::OrgRoles::of(db, org).await?.namespace;
        let destination = Resource::Team { org, team };
        Ok(Self {
            catalog: req.catalog(),
            same_org: p.organization_id == org,
            namespace,
            manages: grants.can(&destination, keys::MEMBER_MANAGE),
            destination,
            grants,
        })
    }

    /// The role `role` becomes at the destination, or `None` when it cannot follow.
    fn map(&self, role: Uuid) -> Option<Uuid> {
        if self.same_org {
            return Some(role);
        }
        let r = self.catalog.role(role)?;
        // A custom role never follows, whatever its key: its key means nothing elsewhere.
        if !r.built_in || r.organization_id.is_some() {
            return None;
        }
        let to = self.catalog.builtin(&self.namespace, crate::authz::Scope::Project, &r.key).ok()?;
        // The mover brings along only what they could have assigned there themselves.
        (self.manages && self.grants.covers(&self.destination, &to)).then_some(to.id)
    }
}
