//! Custom role rules and transactions: create, update, delete. Check order (RULES.md §3):
//! input (parsed by the caller, see `parse_permissions`) → the organization is visible →
//! `role.manage` there → the role grants nothing the viewer lacks → key uniqueness →
//! invariants under the organization's lock (limit, built-in roles, role in use).

use crate::audit::{self, AuditAction, Change};
use crate::authz::keys;
use crate::authz::{Catalog, Grants, OrgRoles, Resource, RoleInfo, Scope};
use crate::domain::{Description, Name, RoleKey};
use crate::error::{AppError, AppResult};
use crate::organization::repo::{find_visible, lock};
use crate::request::{RequestCtx, Write};
use entity::{group_project, invitation, membership, role, role_permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use uuid::Uuid;

/// Custom roles sort after every built-in role of their scope.
const CUSTOM_RANK: i32 = 100;

/// A parsed custom role key: a `RoleKey` that is also 1–64 of `[a-z0-9_.-]`, starting
/// with a letter, so that it reads like the built-in keys it sits beside.
pub fn parse_key(raw: &str) -> AppResult<RoleKey> {
    let key = RoleKey::parse("key", raw)?;
    let text = key.as_str();
    let ok = text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.'));
    if !ok {
        return Err(AppError::bad_input("key", "a role key is 1-64 of a-z, 0-9, '_', '-', '.', starting with a letter"));
    }
    Ok(key)
}

/// Keys no custom role grants: a transfer of the organization makes its owner a
/// maintainer, and nobody below the owner demotes the owner (RULES.md §5: nobody assigns
/// `owner`; §9.3). The owner may still delegate `org.delete`.
const OWNER_ALONE: [&str; 1] = [keys::ORG_TRANSFER.as_str()];

/// The grants of a role of `scope` made of `keys`: every key must be in the catalog and
/// valid at that scope; at least one is required. Duplicates collapse.
pub fn parse_permissions(catalog: &Catalog, scope: Scope, keys: &[String]) -> AppResult<BTreeSet<(Scope, String)>> {
    if keys.is_empty() {
        return Err(AppError::bad_input("permissions", "a role grants at least one permission key"));
    }
    let mut grants = BTreeSet::new();
    for key in keys {
        let info = catalog
            .permissions
            .get(key)
            .ok_or_else(|| AppError::bad_input("permissions", format!("unknown permission key '{key}'")))?;
        let target = info.target_for(scope).ok_or_else(|| {
            AppError::bad_input(
                "permissions",
                format!(
                    "'{key}' is {} permission and cannot be granted by {} role",
                    crate::error::with_article(&info.scope.to_string()),
                    crate::error::with_article(scope.as_str())
                ),
            )
        })?;
        if OWNER_ALONE.contains(&key.as_str()) {
            return Err(AppError::bad_input(
                "permissions",
                format!("'{key}' belongs to the organization's owner alone and cannot be granted by a custom role"),
            ));
        }
        grants.insert((target, key.clone()));
    }
    Ok(grants)
}

pub struct NewRole {
    pub organization: Uuid,
    pub scope: Scope,
    pub key: RoleKey,
    pub name: Name,
    pub description: Description,
    pub grants: BTreeSet<(Scope, String)>,
}

/// Which custom role: an organization's role `key` at `scope`.
pub struct RoleRef {
    pub organization: Uuid,
    pub scope: Scope,
    pub key: RoleKey,
}

#[derive(Default)]
pub struct RoleChanges {
    pub name: Option<Name>,
    pub description: Option<Description>,
    pub grants: Option<BTreeSet<(Scope, String)>>,
}

/// The audit state of a role.
fn state(key: &str, name: &str, description: Option<&str>, scope: Scope, grants: &BTreeSet<(Scope, String)>) -> Value {
    let keys: BTreeSet<&String> = grants.iter().map(|(_, k)| k).collect();
    json!({ "key": key, "name": name, "description": description, "scopeKind": scope.as_str(), "permissions": keys })
}

/// A role not yet stored, for the no-escalation check.
fn candidate(org: Uuid, scope: Scope, key: &str, grants: BTreeSet<(Scope, String)>) -> RoleInfo {
    RoleInfo {
        id: Uuid::nil(),
        key: key.to_string(),
        name: String::new(),
        description: None,
        scope,
        rank: CUSTOM_RANK,
        level: CUSTOM_RANK,
        built_in: false,
        catalog: org.to_string(),
        organization_id: Some(org),
        grants,
    }
}

/// Visibility, then `role.manage` on the organization; returns the organization's roles.
async fn authorize(txn: &Write, grants: &Grants, org: Uuid) -> AppResult<OrgRoles> {
    let roles = visible_roles(txn, grants, org).await?;
    require_role_manage(grants, org)?;
    Ok(roles)
}

/// The organization's roles, if the viewer sees it (`NOT_FOUND`).
async fn visible_roles(txn: &Write, grants: &Grants, org: Uuid) -> AppResult<OrgRoles> {
    Ok(OrgRoles::from_model(&find_visible(txn, grants, org).await?))
}

fn require_role_manage(grants: &Grants, org: Uuid) -> AppResult<()> {
    if grants.can(&Resource::Organization { org }, keys::ROLE_MANAGE) {
        Ok(())
    } else {
        Err(AppError::forbidden("requires role.manage"))
    }
}

fn no_escalation(grants: &Grants, org: Uuid, role: &RoleInfo) -> AppResult<()> {
    if grants.covers(&Resource::Organization { org }, role) {
        Ok(())
    } else {
        Err(AppError::forbidden("a role may not grant more than you hold yourself"))
    }
}

/// RULES.md §9.3: nobody creates, changes or deletes a custom organization role that
/// ranks at or above their own (the owner stands above every one). Team and project roles
/// rank below every organization role, so for them `no_escalation` is the bound.
fn below_own_rank(grants: &Grants, roles: &OrgRoles, org: Uuid, scope: Scope, role: &BTreeSet<(Scope, String)>) -> AppResult<()> {
    if scope != Scope::Organization {
        return Ok(());
    }
    let level = grants.catalog.level_for(roles, scope, role);
    if grants.org_rank(org).is_some_and(|own| level > own) {
        Ok(())
    } else {
        Err(AppError::forbidden("a custom organization role must rank below your own (it would count as your rank or above)"))
    }
}

fn is_built_in(catalog: &Catalog, roles: &OrgRoles, scope: Scope, key: &RoleKey) -> bool {
    catalog.parse_role(roles, scope, key, "key").is_ok_and(|r| r.built_in)
}

/// The stored custom role (read from the database, not the possibly older in-memory
/// catalog); `lock` takes its row `FOR UPDATE` on PostgreSQL.
async fn find_custom<C: ConnectionTrait>(db: &C, r: &RoleRef, lock: bool) -> AppResult<Option<role::Model>> {
    let mut query = role::Entity::find()
        .filter(role::Column::Catalog.eq(r.organization.to_string()))
        .filter(role::Column::ScopeKind.eq(r.scope.as_str()))
        .filter(role::Column::Key.eq(r.key.as_str()))
        .filter(role::Column::BuiltIn.eq(false));
    if lock {
        query = query.lock_exclusive();
    }
    Ok(query.one(db).await?)
}

/// The role to change or delete, locked with its organization: `None` for a built-in role
/// of the preset (the caller refuses it once permission is settled), `NOT_FOUND` for a key
/// that is neither.
async fn existing(txn: &Write, catalog: &Catalog, roles: &OrgRoles, r: &RoleRef) -> AppResult<Option<role::Model>> {
    if is_built_in(catalog, roles, r.scope, &r.key) {
        return Ok(None);
    }
    lock(txn, r.organization).await?;
    Ok(Some(find_custom(txn, r, true).await?.ok_or(AppError::NotFound)?))
}

fn mutable(role: Option<role::Model>) -> AppResult<role::Model> {
    role.ok_or_else(|| AppError::precondition("built-in roles are immutable"))
}

async fn stored_grants<C: ConnectionTrait>(db: &C, role: Uuid) -> AppResult<BTreeSet<(Scope, String)>> {
    let rows = role_permission::Entity::find().filter(role_permission::Column::RoleId.eq(role)).all(db).await?;
    Ok(rows.into_iter().filter_map(|p| Scope::parse(&p.target).map(|t| (t, p.permission))).collect())
}

async fn insert_grants<C: ConnectionTrait>(db: &C, role: Uuid, grants: &BTreeSet<(Scope, String)>) -> AppResult<()> {
    let rows = grants.iter().map(|(target, key)| {
        role_permission::Model { role_id: role, target: target.as_str().into(), permission: key.clone() }.into_active_model()
    });
    role_permission::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

/// Reads the changed catalog through `txn` (the change raised the catalog version and drew
/// its stamp, by trigger: migrations 18 and 20) and commits; then this instance puts that
/// catalog in place and forgets the request's grants, so the change holds from the next
/// statement on (other instances notice the version in their grants statement). Returns
/// the role `id` as the new catalog has it.
async fn commit(req: &RequestCtx, txn: Write, id: Option<Uuid>) -> AppResult<Option<Arc<RoleInfo>>> {
    let fresh = Catalog::load(&txn).await?;
    txn.commit().await?;
    let catalog = req.catalogs().install(fresh);
    Ok(id.and_then(|id| catalog.role(id).cloned()))
}

pub async fn create_role(req: &RequestCtx, input: NewRole) -> AppResult<Arc<RoleInfo>> {
    let viewer = req.user()?;
    let org = input.organization;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let roles = authorize(&txn, &grants, org).await?;
    no_escalation(&grants, org, &candidate(org, input.scope, input.key.as_str(), input.grants.clone()))?;
    below_own_rank(&grants, &roles, org, input.scope, &input.grants)?;
    let r = RoleRef { organization: org, scope: input.scope, key: input.key.clone() };
    if is_built_in(&grants.catalog, &roles, input.scope, &input.key) || find_custom(&txn, &r, false).await?.is_some() {
        return Err(AppError::conflict(
            "key",
            format!("{} role '{}' already exists", crate::error::with_article(input.scope.as_str()), input.key.as_str()),
        ));
    }
    // Under the organization's lock concurrent creations count one after another.
    lock(&txn, org).await?;
    let count = role::Entity::find()
        .filter(role::Column::OrganizationId.eq(org))
        .filter(role::Column::BuiltIn.eq(false))
        .count(&txn)
        .await?;
    let max = req.settings.max_custom_roles;
    if count >= max {
        return Err(AppError::LimitReached {
            limit: "customRoles",
            message: format!("an organization may define at most {max} custom roles"),
        });
    }
    let model = role::Model {
        id: Uuid::now_v7(),
        organization_id: Some(org),
        catalog: org.to_string(),
        scope_kind: input.scope.as_str().into(),
        key: input.key.as_str().into(),
        name: input.name.into_string(),
        built_in: false,
        rank: CUSTOM_RANK,
        description: input.description.into_inner(),
    };
    role::Entity::insert(model.clone().into_active_model()).exec_without_returning(&txn).await?;
    insert_grants(&txn, model.id, &input.grants).await?;
    let after = state(&model.key, &model.name, model.description.as_deref(), input.scope, &input.grants);
    let change = Change {
        organization: org,
        within: None,
        actor: Some(viewer.id),
        action: AuditAction::RoleCreated,
        target_kind: "Role",
        target_id: Some(model.id),
        before: None,
        after: Some(after),
    };
    audit::record(&txn, change).await?;
    commit(req, txn, Some(model.id)).await?.ok_or_else(|| AppError::internal("created role missing from the catalog"))
}

pub async fn update_role(req: &RequestCtx, r: RoleRef, changes: RoleChanges) -> AppResult<Arc<RoleInfo>> {
    let viewer = req.user()?;
    let org = r.organization;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    // The role's existence before the permission (RULES.md §3): its members see the
    // organization's roles anyway (`Organization.roles`).
    let roles = visible_roles(&txn, &grants, org).await?;
    let current = existing(&txn, &grants.catalog, &roles, &r).await?;
    require_role_manage(&grants, org)?;
    if let Some(new) = &changes.grants {
        no_escalation(&grants, org, &candidate(org, r.scope, r.key.as_str(), new.clone()))?;
        below_own_rank(&grants, &roles, org, r.scope, new)?;
    }
    let current = mutable(current)?;
    let old_grants = stored_grants(&txn, current.id).await?;
    // The role as stored (read under its lock) must rank below the viewer too.
    below_own_rank(&grants, &roles, org, r.scope, &old_grants)?;
    let before = state(&current.key, &current.name, current.description.as_deref(), r.scope, &old_grants);
    let mut am = current.clone().into_active_model();
    if let Some(name) = changes.name {
        am.name = Set(name.into_string());
    }
    if let Some(description) = changes.description {
        am.description = Set(description.into_inner());
    }
    let updated = am.update(&txn).await?;
    let new_grants = match changes.grants {
        Some(new) if new != old_grants => {
            role_permission::Entity::delete_many().filter(role_permission::Column::RoleId.eq(current.id)).exec(&txn).await?;
            insert_grants(&txn, current.id, &new).await?;
            new
        }
        _ => old_grants,
    };
    let after = state(&updated.key, &updated.name, updated.description.as_deref(), r.scope, &new_grants);
    let change = Change {
        organization: org,
        within: None,
        actor: Some(viewer.id),
        action: AuditAction::RoleUpdated,
        target_kind: "Role",
        target_id: Some(current.id),
        before: Some(before),
        after: Some(after),
    };
    audit::record(&txn, change).await?;
    commit(req, txn, Some(current.id)).await?.ok_or_else(|| AppError::internal("updated role missing from the catalog"))
}

pub async fn delete_role(req: &RequestCtx, r: RoleRef) -> AppResult<()> {
    let viewer = req.user()?;
    let org = r.organization;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let roles = visible_roles(&txn, &grants, org).await?;
    // The role's row is locked: an assignment racing this delete waits for it (foreign key).
    let current = existing(&txn, &grants.catalog, &roles, &r).await?;
    require_role_manage(&grants, org)?;
    let current = mutable(current)?;
    below_own_rank(&grants, &roles, org, r.scope, &stored_grants(&txn, current.id).await?)?;
    // Whether, not how often: the counts would tell a custom role holding `role.manage`
    // without `member.read` about memberships it cannot list (RULES.md §9.8).
    // An invitation still open (PENDING, or EXPIRED and so resendable) would grant the role.
    let open = invitation::Column::Status.is_in(["PENDING", "EXPIRED"]);
    let in_use = membership::Entity::find().filter(membership::Column::RoleId.eq(current.id)).one(&txn).await?.is_some()
        || invitation::Entity::find().filter(invitation::Column::RoleId.eq(current.id)).filter(open).one(&txn).await?.is_some()
        || group_project::Entity::find().filter(group_project::Column::RoleId.eq(current.id)).one(&txn).await?.is_some();
    if in_use {
        return Err(AppError::precondition(
            "the role is in use by memberships, open invitations or group project assignments; assign another role or revoke the invitations first",
        ));
    }
    // Settled invitations (accepted, declined, revoked) grant nothing any more and name a
    // role that is going: they go with it (an accepted one's membership is in the audit
    // trail). Kept, one mistyped invitation would have kept the role for good.
    invitation::Entity::delete_many().filter(invitation::Column::RoleId.eq(current.id)).exec(&txn).await?;
    let before =
        state(&current.key, &current.name, current.description.as_deref(), r.scope, &stored_grants(&txn, current.id).await?);
    role::Entity::delete_by_id(current.id).exec(&txn).await?;
    let change = Change {
        organization: org,
        within: None,
        actor: Some(viewer.id),
        action: AuditAction::RoleDeleted,
        target_kind: "Role",
        target_id: Some(current.id),
        before: Some(before),
        after: None,
    };
    audit::record(&txn, change).await?;
    commit(req, txn, None).await?;
    Ok(())
}
