//! Capability rules: the key must be a grantable catalog permission; the viewer must see
//! the organization and hold `capability.manage` there (and, unless they own it, hold
//! the key through their organization role: no escalation); the grantee must be an active
//! member; one grant per (organization, user, permission). Every change is audited. Only
//! keys orgraph enforces are grantable (`model.train` today): a capability gates
//! something real.

use super::loader::GrantsOfOrganization;
use crate::audit::{self, AuditAction, Change};
use crate::authz::{Catalog, Enforcement, Grants, Key, Resource, Scope, keys};
use crate::error::{AppError, AppResult};
use crate::organization::repo as org_repo;
use crate::request::RequestCtx;
use entity::capability_grant;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

/// Who holds which capability where: the input of `grantCapability` / `revokeCapability`.
pub struct CapabilityRef {
    pub organization: Uuid,
    pub user: Uuid,
    pub permission: String,
}

const MANAGE: Key = keys::CAPABILITY_MANAGE;

/// Input validation: a known permission key that an owner may grant individually.
pub fn parse_permission(catalog: &Catalog, key: &str) -> AppResult<String> {
    let key = key.trim();
    let Some(info) = catalog.permissions.get(key) else {
        return Err(AppError::bad_input("permission", format!("unknown permission key '{key}'")));
    };
    // A capability must gate something orgraph decides (issue 11, finding 17).
    if !info.grantable || info.enforcement != Enforcement::Orgraph {
        return Err(AppError::bad_input("permission", format!("'{key}' is not a grantable capability")));
    }
    Ok(key.to_string())
}

/// Whether the viewer may list and change every grant of `org`.
pub fn manages(grants: &Grants, org: Uuid) -> bool {
    grants.can_in_view(&Resource::Organization { org }, MANAGE)
}

/// Whether the viewer sees a grant: their own, or any of an organization they manage.
pub fn sees(grants: &Grants, g: &capability_grant::Model) -> bool {
    grants.sees_org(g.organization_id) && (g.user_id == grants.user_id || manages(grants, g.organization_id))
}

fn state(g: &CapabilityRef) -> serde_json::Value {
    serde_json::json!({ "userId": g.user, "permission": g.permission })
}

/// Visibility of the organization (NOT_FOUND), then `capability.manage` (FORBIDDEN). A
/// grantee who is no member, seen or not, is FAILED_PRECONDITION: a user the viewer does
/// not see is never a member, so the answer tells nothing (RULES.md §9.8).
async fn authorize<C: ConnectionTrait>(db: &C, grants: &Grants, org: Uuid) -> AppResult<()> {
    org_repo::find_visible(db, grants, org).await?;
    if !grants.can(&Resource::Organization { org }, MANAGE) {
        return Err(AppError::forbidden(format!("requires {MANAGE}")));
    }
    Ok(())
}

/// No escalation: the organization's owner hands out any grantable key (even to
/// themself); any other holder of `capability.manage` only a key their organization role
/// grants them (not one they hold through a capability grant themself).
fn check_grantable_by(grants: &Grants, g: &CapabilityRef) -> AppResult<()> {
    if grants.orgs.get(&g.organization).map(|h| h.role.rank) == Some(0) {
        return Ok(());
    }
    let target = grants.catalog.permissions.get(&g.permission).and_then(|p| p.target_for(Scope::Organization));
    if target.is_some_and(|t| grants.can_via_org(g.organization, t, &g.permission)) {
        return Ok(());
    }
    Err(AppError::forbidden("you may only grant capabilities you hold"))
}

async fn find_grant<C: ConnectionTrait>(db: &C, g: &CapabilityRef) -> AppResult<Option<capability_grant::Model>> {
    Ok(capability_grant::Entity::find()
        .filter(capability_grant::Column::OrganizationId.eq(g.organization))
        .filter(capability_grant::Column::UserId.eq(g.user))
        .filter(capability_grant::Column::Permission.eq(g.permission.as_str()))
        .one(db)
        .await?)
}

pub async fn grant_capability(req: &RequestCtx, g: CapabilityRef) -> AppResult<capability_grant::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    authorize(&txn, &grants, g.organization).await?;
    check_grantable_by(&grants, &g)?;
    // The organization row lock serializes grants with member removals (which lock it
    // too): the membership read below stays true until commit.
    org_repo::lock(&txn, g.organization).await?;
    if find_grant(&txn, &g).await?.is_some() {
        return Err(AppError::conflict("permission", "the member already holds this capability"));
    }
    if !crate::membership::repo::is_member(&txn, g.organization, g.user).await? {
        return Err(AppError::precondition("capabilities are granted to active members of the organization only"));
    }
    let row = capability_grant::Model {
        id: Uuid::now_v7(),
        organization_id: g.organization,
        user_id: g.user,
        permission: g.permission.clone(),
        granted_by: Some(viewer.id),
        created_at: crate::db::now(),
    };
    // The unique index answers CONFLICT should a concurrent grant slip past the check.
    capability_grant::Entity::insert(row.clone().into_active_model()).exec_without_returning(&txn).await?;
    let change = Change {
        organization: g.organization,
        within: None,
        actor: Some(viewer.id),
        action: AuditAction::CapabilityGranted,
        target_kind: "CapabilityGrant",
        target_id: Some(row.id),
        before: None,
        after: Some(state(&g)),
    };
    audit::record(&txn, change).await?;
    txn.commit().await?;
    Ok(row)
}

/// Revokes a grant; returns its id. No such grant → NOT_FOUND.
pub async fn revoke_capability(req: &RequestCtx, g: CapabilityRef) -> AppResult<Uuid> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    authorize(&txn, &grants, g.organization).await?;
    let row = find_grant(&txn, &g).await?.ok_or(AppError::NotFound)?;
    // Conditional on the row: of two concurrent revokes, exactly one deletes it.
    let deleted = capability_grant::Entity::delete_by_id(row.id).exec(&txn).await?.rows_affected;
    if deleted == 0 {
        return Err(AppError::NotFound);
    }
    let change = Change {
        organization: g.organization,
        within: None,
        actor: Some(viewer.id),
        action: AuditAction::CapabilityRevoked,
        target_kind: "CapabilityGrant",
        target_id: Some(row.id),
        before: Some(state(&g)),
        after: None,
    };
    audit::record(&txn, change).await?;
    txn.commit().await?;
    Ok(row.id)
}

/// `Organization.capabilityGrants`: which grants the viewer may list — every grant
/// (optionally of one user) for managers, otherwise their own; `None` (nothing) for
/// non-members. `schema.rs` loads them batched across organizations.
pub async fn grants_of(
    req: &RequestCtx,
    org: Uuid,
    user: Option<Uuid>,
    args: crate::db::page::PageArgs,
) -> AppResult<Option<GrantsOfOrganization>> {
    let grants = req.grants().await?;
    if !grants.sees_org(org) {
        return Ok(None);
    }
    let user = match (manages(&grants, org), user) {
        (true, user) => user,
        (false, Some(u)) if u != grants.user_id => return Ok(None),
        (false, _) => Some(grants.user_id),
    };
    Ok(Some(GrantsOfOrganization(org, user, args)))
}

/// Drops a user's grants in an organization they leave or are removed from (inside the
/// removal's transaction, audited as revocations by `actor`): a later re-invitation
/// starts without them.
pub async fn remove_for_member<C: ConnectionTrait>(db: &C, actor: Option<Uuid>, org: Uuid, user: Uuid) -> AppResult<()> {
    let rows = capability_grant::Entity::find()
        .filter(capability_grant::Column::OrganizationId.eq(org))
        .filter(capability_grant::Column::UserId.eq(user))
        .order_by_asc(capability_grant::Column::Id) // the audit log's order, on both databases
        .all(db)
        .await?;
    for row in rows {
        capability_grant::Entity::delete_by_id(row.id).exec(db).await?;
        let g = CapabilityRef { organization: org, user, permission: row.permission };
        let change = Change {
            organization: org,
            within: None,
            actor,
            action: AuditAction::CapabilityRevoked,
            target_kind: "CapabilityGrant",
            target_id: Some(row.id),
            before: Some(state(&g)),
            after: None,
        };
        audit::record(db, change).await?;
    }
    Ok(())
}
