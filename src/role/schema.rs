//! `Permission`, `Query.permissionCatalog` and the custom role mutations `createRole`,
//! `updateRole`, `deleteRole`.

use super::service::{self, NewRole, RoleChanges, RoleRef, parse_key, parse_permissions};
use crate::authz::{RoleInfo, Scope};
use crate::domain::{Description, Name, RoleKey};
use crate::error::AppError;
use crate::graphql::context::CtxExt;
use crate::graphql::ids::{Kind, decode_as};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use std::sync::Arc;

/// The three kinds of scope a membership or invitation lives in.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ScopeKind {
    /// An organization.
    Organization,
    /// A team.
    Team,
    /// A project.
    Project,
}

impl From<ScopeKind> for Scope {
    fn from(k: ScopeKind) -> Self {
        match k {
            ScopeKind::Organization => Scope::Organization,
            ScopeKind::Team => Scope::Team,
            ScopeKind::Project => Scope::Project,
        }
    }
}

impl From<Scope> for ScopeKind {
    fn from(s: Scope) -> Self {
        match s {
            Scope::Organization => ScopeKind::Organization,
            Scope::Team => ScopeKind::Team,
            Scope::Project => ScopeKind::Project,
        }
    }
}

/// A role: a named set of permission keys valid at one scope kind.
#[derive(Clone)]
pub struct Role(pub Arc<RoleInfo>);

/// A role: a named set of permission keys valid at one scope kind.
#[Object]
impl Role {
    /// Stable identifier used in every mutation, e.g. "maintainer".
    async fn key(&self) -> &str {
        &self.0.key
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the role is for, as its creator described it; null when none was given.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The scope kind this role is assigned at.
    async fn scope_kind(&self) -> ScopeKind {
        self.0.scope.into()
    }
    /// Permission keys the role grants (at its scope and, for organization roles, on every team).
    async fn permissions(&self) -> Vec<String> {
        self.0.permission_keys()
    }
    /// True for the built-in catalog; built-in roles are immutable.
    async fn built_in(&self) -> bool {
        self.0.built_in
    }
}

/// The role with id `id`, from the catalog. One it lacks was made since this process
/// read it (on another instance: an invitation delivered here with a custom role created
/// there a moment before, its event resolved without grants): reading the grants brings
/// the catalog up to date first.
pub async fn role_by_id(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Role> {
    let req = ctx.req()?;
    if let Some(role) = req.catalog().role(id) {
        return Ok(Role(role.clone()));
    }
    req.load_grants(req.db()).await?;
    let role = req.catalog().role(id).cloned();
    Ok(Role(role.ok_or_else(|| AppError::internal("unknown role id"))?))
}

/// The scope kind stored as text.
pub fn scope_kind_of(text: &str) -> ScopeKind {
    Scope::parse(text).map_or(ScopeKind::Organization, Into::into)
}

/// Which objects a permission key applies to.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PermissionScope {
    /// Organizations only; grantable by organization roles.
    Organization,
    /// Teams (and, through organization roles, every team of the organization).
    Team,
    /// Projects; organization and team roles grant it on every project in reach.
    Project,
    /// Any scope: granted at whichever scope the role has.
    Any,
}

impl PermissionScope {
    fn parse(text: &str) -> Self {
        match text {
            "organization" => PermissionScope::Organization,
            "team" => PermissionScope::Team,
            "project" => PermissionScope::Project,
            _ => PermissionScope::Any,
        }
    }
}

/// Who enforces a permission key.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PermissionEnforcement {
    /// orgraph itself refuses or hides what the key does not allow.
    Orgraph,
    /// orgraph stores the key and answers `viewerCan` / `viewerPermissions` for it; the
    /// client gates the feature (labels, reviews, exports… that orgraph does not own).
    Client,
}

impl From<crate::authz::Enforcement> for PermissionEnforcement {
    fn from(e: crate::authz::Enforcement) -> Self {
        match e {
            crate::authz::Enforcement::Orgraph => PermissionEnforcement::Orgraph,
            crate::authz::Enforcement::Client => PermissionEnforcement::Client,
        }
    }
}

/// One permission key of the catalog: the building block of roles.
#[derive(SimpleObject)]
pub struct Permission {
    /// The key, e.g. "project.update"; `.own` keys apply only to objects the holder created.
    pub key: String,
    /// Which objects the key applies to; a role may grant it only if its scope reaches them.
    pub scope_kind: PermissionScope,
    /// What the key allows.
    pub description: String,
    /// Whether an organization owner may grant it to one member as an individual capability
    /// (only keys orgraph enforces are grantable).
    pub grantable: bool,
    /// Who enforces the key: orgraph, or the client through `viewerCan`.
    pub enforcement: PermissionEnforcement,
}

#[derive(Default)]
pub struct RoleQuery;

#[Object]
impl RoleQuery {
    /// Every permission key roles can be built from, sorted by key.
    async fn permission_catalog(&self, ctx: &Context<'_>) -> Result<Vec<Permission>> {
        let req = ctx.req()?;
        req.user()?;
        let catalog = req.catalog();
        let mut list: Vec<Permission> = catalog
            .permissions
            .iter()
            .map(|(key, p)| Permission {
                key: key.clone(),
                scope_kind: PermissionScope::parse(&p.scope),
                description: p.description.clone(),
                grantable: p.grantable,
                enforcement: p.enforcement.into(),
            })
            .collect();
        list.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(list)
    }
}

/// Input of `createRole`.
#[derive(InputObject)]
pub struct CreateRoleInput {
    /// The organization the role belongs to.
    pub organization_id: ID,
    /// Stable key used when assigning the role: 1-64 of a-z, 0-9, '_', '-', '.', starting with a letter; unique per scope kind among the organization's roles, built-in included.
    pub key: String,
    /// Display name, 1-128 characters.
    pub name: String,
    /// What the role is for.
    pub description: Option<String>,
    /// The scope kind the role is assigned at.
    pub scope_kind: ScopeKind,
    /// Permission keys from `permissionCatalog` valid at that scope kind; at least one, none you do not hold yourself.
    pub permissions: Vec<String>,
}

/// Result of `createRole`.
#[derive(SimpleObject)]
pub struct CreateRolePayload {
    /// The new custom role.
    pub role: Role,
}

/// Input of `updateRole`. Omitted fields stay unchanged.
#[derive(InputObject)]
pub struct UpdateRoleInput {
    /// The organization the role belongs to.
    pub organization_id: ID,
    /// The scope kind of the role.
    pub scope_kind: ScopeKind,
    /// The key of the custom role (keys do not change).
    pub key: String,
    /// New display name.
    pub name: Option<String>,
    /// New description; an empty string clears it.
    pub description: Option<String>,
    /// The complete new set of permission keys (replaces the old set).
    pub permissions: Option<Vec<String>>,
}

/// Result of `updateRole`.
#[derive(SimpleObject)]
pub struct UpdateRolePayload {
    /// The role after the change; it holds for its members from their next request.
    pub role: Role,
}

/// Input of `deleteRole`.
#[derive(InputObject)]
pub struct DeleteRoleInput {
    /// The organization the role belongs to.
    pub organization_id: ID,
    /// The scope kind of the role.
    pub scope_kind: ScopeKind,
    /// The key of the custom role.
    pub key: String,
}

/// Result of `deleteRole`.
#[derive(SimpleObject)]
pub struct DeleteRolePayload {
    /// The key of the deleted role.
    pub key: String,
    /// The scope kind of the deleted role.
    pub scope_kind: ScopeKind,
}

/// An existing role (any key the catalog could hold; only new keys get `parse_key`'s rules).
fn role_ref(organization_id: &ID, scope_kind: ScopeKind, key: &str) -> Result<RoleRef> {
    let organization = decode_as(organization_id, Kind::Organization, "organizationId")?;
    Ok(RoleRef { organization, scope: scope_kind.into(), key: RoleKey::parse("key", key)? })
}

#[derive(Default)]
pub struct RoleMutation;

#[Object]
impl RoleMutation {
    /// Creates a custom role of an organization (requires `role.manage`; at most the configured number per organization).
    async fn create_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CreateRoleInput`).")] input: CreateRoleInput,
    ) -> Result<CreateRolePayload> {
        let req = ctx.req()?;
        req.user()?;
        let organization = decode_as(&input.organization_id, Kind::Organization, "organizationId")?;
        let scope: Scope = input.scope_kind.into();
        let new = NewRole {
            organization,
            scope,
            key: parse_key(&input.key)?,
            name: Name::parse("name", &input.name)?,
            description: Description::parse("description", input.description.as_deref())?,
            grants: parse_permissions(&req.catalog(), scope, &input.permissions)?,
        };
        let role = service::create_role(req, new).await?;
        Ok(CreateRolePayload { role: Role(role) })
    }

    /// Changes a custom role's name, description or permission keys; built-in roles are immutable.
    async fn update_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`UpdateRoleInput`).")] input: UpdateRoleInput,
    ) -> Result<UpdateRolePayload> {
        let req = ctx.req()?;
        req.user()?;
        let r = role_ref(&input.organization_id, input.scope_kind, &input.key)?;
        let changes = RoleChanges {
            name: input.name.as_deref().map(|n| Name::parse("name", n)).transpose()?,
            description: match input.description.as_deref() {
                Some(d) => Some(Description::parse("description", Some(d))?),
                None => None,
            },
            grants: input.permissions.as_deref().map(|p| parse_permissions(&req.catalog(), r.scope, p)).transpose()?,
        };
        let role = service::update_role(req, r, changes).await?;
        Ok(UpdateRolePayload { role: Role(role) })
    }

    /// Deletes a custom role no membership, open invitation (PENDING or EXPIRED) or group
    /// assignment uses; settled invitations with the role (accepted, declined, revoked) go
    /// with it.
    async fn delete_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`DeleteRoleInput`).")] input: DeleteRoleInput,
    ) -> Result<DeleteRolePayload> {
        let req = ctx.req()?;
        req.user()?;
        let r = role_ref(&input.organization_id, input.scope_kind, &input.key)?;
        let key = r.key.as_str().to_string();
        service::delete_role(req, r).await?;
        Ok(DeleteRolePayload { key, scope_kind: input.scope_kind })
    }
}

/// `Organization.assignableRoles`: the roles of `org`'s catalog the viewer may give a new
/// member at `scope_id` (the organization itself when absent, else one of its teams or
/// projects), of that scope's kind. Empty without `scope_id` for a viewer outside the
/// organization; `NOT_FOUND` for a scope the viewer does not see or one of another
/// organization.
pub async fn assignable_roles(ctx: &Context<'_>, org: &entity::organization::Model, scope_id: Option<&ID>) -> Result<Vec<Role>> {
    let req = ctx.req()?;
    let grants = req.grants().await?;
    let (scope, id) = match scope_id {
        None => (Scope::Organization, org.id),
        Some(id) => {
            let (kind, id) = crate::graphql::ids::decode(id, "scopeId")?;
            (crate::graphql::ids::scope_of_kind(kind)?, id)
        }
    };
    // Where the viewer belongs to no such place, nothing: an organization is also reached by
    // readers of its published projects and by invitees (`assignableRoles` is non-null).
    if scope_id.is_none() && !grants.sees_org(org.id) {
        return Ok(Vec::new());
    }
    let place = crate::membership::repo::find_visible_scope(req.db(), &grants, scope, id).await?;
    if place.org != org.id {
        return Err(AppError::NotFound.into());
    }
    let roles = req.catalog().roles(&crate::authz::OrgRoles::from_model(org), Some(scope));
    Ok(crate::authz::assignable(&grants, &place.resource(), roles).into_iter().map(Role).collect())
}
