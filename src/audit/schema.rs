//! `AuditEntry` and `Organization.auditLog`.

use super::AuditAction;
use super::loader::AuditOfOrganization;
use crate::connection;
use crate::db::page::Page;
use crate::error::AppError;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::ids::{Kind, encode};
use crate::graphql::pagination::page_args;
use crate::user::schema::User;
use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// One change to a membership, role, group or capability grant: who made it, to what,
/// the state before and after, and when.
#[derive(Clone)]
pub struct AuditEntry(pub entity::audit_entry::Model);

connection!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntry,
    "A page of audit entries, newest first.",
    "An audit entry with its cursor."
);

fn json(text: Option<&str>) -> Option<Json<Value>> {
    text.map(|t| Json(serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.into()))))
}

/// One change to a membership, role, group or capability grant: who made it, to what,
/// the state before and after, and when.
#[Object]
impl AuditEntry {
    /// Opaque id of the entry (not a node id; entries are read only through `auditLog`).
    async fn id(&self) -> ID {
        ID(self.0.id.simple().to_string())
    }
    /// What changed, e.g. "membership.created", "membership.role_changed",
    /// "membership.removed", "organization.ownership_transferred", "role.created",
    /// "group.member_added", "capability.granted".
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// Who made the change (for an accepted invitation: the invitee); null when unknown
    /// or when the viewer no longer shares an organization with them (RULES.md §3.1).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        crate::user::schema::visible_user(ctx, self.0.actor_id).await
    }
    /// The kind of the changed thing: "Membership", "Organization", "Role", "Group",
    /// "CapabilityGrant" or "LabelingJob".
    async fn target_kind(&self) -> &str {
        &self.0.target_kind
    }
    /// Global id of the changed thing (it may no longer exist); null for kinds without
    /// global ids (a "Role": its key is in `before`/`after`).
    async fn target_id(&self) -> Option<ID> {
        let kind = Kind::parse(&self.0.target_kind)?;
        self.0.target_id.map(|id| encode(kind, id))
    }
    /// The state before the change, as recorded: the thing's fields by name, with ids as
    /// plain UUIDs (not global ids) and scope kinds in lower case ("team"); null when the
    /// thing did not exist before.
    async fn before(&self) -> Option<Json<Value>> {
        json(self.0.before.as_deref())
    }
    /// The state after the change, recorded as `before` is; null when the thing no longer
    /// exists.
    async fn after(&self) -> Option<Json<Value>> {
        json(self.0.after.as_deref())
    }
    /// When the change was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// `Organization.auditLog`: input is checked first (page arguments, action name), then
/// the entries are read only for holders of `member.manage` (others get an empty page);
/// capability entries only for holders of `capability.manage`.
pub async fn of_organization(
    ctx: &Context<'_>,
    org: Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    action: Option<String>,
) -> Result<AuditEntryConnection> {
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let action = action
        .map(|a| AuditAction::parse(a.trim()).ok_or_else(|| AppError::bad_input("action", format!("unknown audit action '{a}'"))))
        .transpose()?;
    let page = ctx.req()?.loader.load_one(AuditOfOrganization(org, args, action)).await.map_err(gql)?;
    Ok(AuditEntryConnection::from_page(page.unwrap_or_else(Page::empty), AuditEntry))
}
