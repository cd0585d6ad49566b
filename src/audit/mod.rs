//! The audit trail (issue 5 item 7): every change to memberships, roles, groups and
//! capability grants is recorded in the transaction that makes it — actor, target,
//! the state before and after (JSON), time — and read newest first through
//! `Organization.auditLog` by those who may manage the organization's members.

use crate::error::AppResult;
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel};
use serde_json::Value;
use uuid::Uuid;

/// What changed; stored as the dotted action name (e.g. "membership.created").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

impl AuditAction {
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
        }
    }
}

/// One audit entry: `target_kind` names the changed thing ("Membership", "Role",
/// "Group", "CapabilityGrant", "Organization"), `before`/`after` its state as JSON
/// (`None` when it did not exist before, or no longer exists after).
pub struct Change {
    pub organization: Uuid,
    pub actor: Option<Uuid>,
    pub action: AuditAction,
    pub target_kind: &'static str,
    pub target_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
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
        before: change.before.map(|v| v.to_string()),
        after: change.after.map(|v| v.to_string()),
        created_at: chrono::Utc::now(),
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
