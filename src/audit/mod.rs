//! The audit trail (issue 5 item 7): every change to memberships, roles, groups and
//! capability grants is recorded in the transaction that makes it — actor, target,
//! the state before and after (JSON), time — and read newest first through
//! `Organization.auditLog` by those who may manage the organization's members.

pub mod loader;
pub mod schema;

use crate::authz::Catalog;
use crate::error::{AppError, AppResult};
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel};
use serde_json::Value;
use uuid::Uuid;

/// What changed; stored as the dotted action name (e.g. "membership.created").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    MembershipCreated,
    MembershipRoleChanged,
    MembershipRemoved,
    OwnershipTransferred,
    RoleCreated,
    RoleUpdated,
    RoleDeleted,
    GroupCreated,
    GroupUpdated,
    GroupDeleted,
    GroupMemberAdded,
    GroupMemberRemoved,
    GroupProjectAssigned,
    GroupProjectUnassigned,
    CapabilityGranted,
    CapabilityRevoked,
    LabelingJobCreated,
    LabelingJobDeleted,
    LabelingJobAssigned,
    LabelingJobUnassigned,
    LabelingJobStatusChanged,
}

impl AuditAction {
    pub const ALL: [AuditAction; 21] = [
        AuditAction::MembershipCreated,
        AuditAction::MembershipRoleChanged,
        AuditAction::MembershipRemoved,
        AuditAction::OwnershipTransferred,
        AuditAction::RoleCreated,
        AuditAction::RoleUpdated,
        AuditAction::RoleDeleted,
        AuditAction::GroupCreated,
        AuditAction::GroupUpdated,
        AuditAction::GroupDeleted,
        AuditAction::GroupMemberAdded,
        AuditAction::GroupMemberRemoved,
        AuditAction::GroupProjectAssigned,
        AuditAction::GroupProjectUnassigned,
        AuditAction::CapabilityGranted,
        AuditAction::CapabilityRevoked,
        AuditAction::LabelingJobCreated,
        AuditAction::LabelingJobDeleted,
        AuditAction::LabelingJobAssigned,
        AuditAction::LabelingJobUnassigned,
        AuditAction::LabelingJobStatusChanged,
    ];

    /// The action of a stored name; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::MembershipCreated => "membership.created",
            AuditAction::MembershipRoleChanged => "membership.role_changed",
            AuditAction::MembershipRemoved => "membership.removed",
            AuditAction::OwnershipTransferred => "organization.ownership_transferred",
            AuditAction::RoleCreated => "role.created",
            AuditAction::RoleUpdated => "role.updated",
            AuditAction::RoleDeleted => "role.deleted",
            AuditAction::GroupCreated => "group.created",
            AuditAction::GroupUpdated => "group.updated",
            AuditAction::GroupDeleted => "group.deleted",
            AuditAction::GroupMemberAdded => "group.member_added",
            AuditAction::GroupMemberRemoved => "group.member_removed",
            AuditAction::GroupProjectAssigned => "group.project_assigned",
            AuditAction::GroupProjectUnassigned => "group.project_unassigned",
            AuditAction::CapabilityGranted => "capability.granted",
            AuditAction::CapabilityRevoked => "capability.revoked",
            AuditAction::LabelingJobCreated => "labeling_job.created",
            AuditAction::LabelingJobDeleted => "labeling_job.deleted",
            AuditAction::LabelingJobAssigned => "labeling_job.assigned",
            AuditAction::LabelingJobUnassigned => "labeling_job.unassigned",
            AuditAction::LabelingJobStatusChanged => "labeling_job.status_changed",
        }
    }
}

/// One audit entry: `target_kind` names the changed thing ("Membership", "Role",
/// "Group", "CapabilityGrant", "Organization"), `before`/`after` its state as JSON
/// (`None` when it did not exist before, or no longer exists after).
pub struct Change {
    pub organization: Uuid,
    /// What the entry is about, when that is below the organization: only viewers who see
    /// it see the entry (RULES.md §9.1).
    pub within: Option<Within>,
    pub actor: Option<Uuid>,
    pub action: AuditAction,
    pub target_kind: &'static str,
    pub target_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The team, and the project if any, an entry is about.
#[derive(Clone, Copy, Debug)]
pub struct Within {
    pub team: Uuid,
    pub project: Option<Uuid>,
}

impl Within {
    pub fn project(team: Uuid, project: Uuid) -> Self {
        Self { team, project: Some(project) }
    }

    /// Where membership `m` is: nothing below the organization for an organization's.
    pub fn membership(m: &entity::membership::Model) -> Option<Self> {
        m.team_id.map(|team| Self { team, project: m.project_id })
    }
}

/// Records one entry inside the caller's transaction.
pub async fn record<C: ConnectionTrait>(db: &C, change: Change) -> AppResult<()> {
    let entry = entity::audit_entry::Model {
        id: Uuid::now_v7(),
        organization_id: change.organization,
        actor_id: change.actor,
        action: change.action.as_str().into(),
        target_kind: change.target_kind.into(),
        target_id: change.target_id,
        team_id: change.within.map(|w| w.team),
        project_id: change.within.and_then(|w| w.project),
        before: change.before.map(|v| v.to_string()),
        after: change.after.map(|v| v.to_string()),
        created_at: crate::db::now(),
    };
    entity::audit_entry::Entity::insert(entry.into_active_model()).exec_without_returning(db).await?;
    Ok(())
}

/// The JSON state of a membership as audit entries show it.
pub fn membership_state(m: &entity::membership::Model, role_key: &str) -> Value {
    serde_json::json!({
        "userId": m.user_id,
        "scopeKind": m.scope_kind,
        "scopeId": m.scope_id,
        "role": role_key,
    })
}

/// Records a membership change: `before`/`after` are the membership as it was and as it
/// is (`None` when created or removed); their role keys come from `catalog`.
pub async fn record_membership<C: ConnectionTrait>(
    db: &C,
    catalog: &Catalog,
    actor: Uuid,
    action: AuditAction,
    before: Option<&entity::membership::Model>,
    after: Option<&entity::membership::Model>,
) -> AppResult<()> {
    let Some(m) = after.or(before) else { return Ok(()) };
    let state = |m: &entity::membership::Model| {
        let role = catalog.role(m.role_id).ok_or_else(|| AppError::internal("membership with unknown role"))?;
        Ok::<_, AppError>(membership_state(m, &role.key))
    };
    record(db, membership_change(m, actor, action, before.map(state).transpose()?, after.map(state).transpose()?)).await
}

/// The entry of a change to membership `m` (as it is after, or was before, the change).
pub fn membership_change(
    m: &entity::membership::Model,
    actor: Uuid,
    action: AuditAction,
    before: Option<Value>,
    after: Option<Value>,
) -> Change {
    Change {
        organization: m.organization_id,
        within: Within::membership(m),
        actor: Some(actor),
        action,
        target_kind: "Membership",
        target_id: Some(m.id),
        before,
        after,
    }
}

/// Records the removal of each of `removed` (one entry per membership, cascades included),
/// in the order of their ids: the rows come in each database's scan order, and the log's
/// order (and so its pages) must not depend on which database it is.
pub async fn record_removals<C: ConnectionTrait>(
    db: &C,
    catalog: &Catalog,
    actor: Uuid,
    removed: &[entity::membership::Model],
) -> AppResult<()> {
    let mut removed: Vec<&entity::membership::Model> = removed.iter().collect();
    removed.sort_unstable_by_key(|m| m.id);
    for m in removed {
        record_membership(db, catalog, actor, AuditAction::MembershipRemoved, Some(m), None).await?;
    }
    Ok(())
}
