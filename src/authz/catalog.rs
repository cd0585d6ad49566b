//! The role and permission catalog: every permission key and every role (the built-in
//! catalogs of the presets and the organizations' custom roles), held in memory. A
//! `CatalogCell` (`cell.rs`) swaps in a fresh copy when `catalog_versions` moves (every
//! change to the roles raises it, by trigger; its stamp tells a database that went
//! back), so every instance converges.

pub use super::cell::CatalogCell;
use super::keys::{Enforcement, Key};
use crate::error::{AppError, AppResult};
use foldhash::{HashMap, HashMapExt};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::BTreeSet;
use std::sync::Arc;
use uuid::Uuid;

/// The three membership scopes; also the levels a role's grant targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Organization,
    Team,
    Project,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Organization => "organization",
            Scope::Team => "team",
            Scope::Project => "project",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "organization" => Some(Scope::Organization),
            "team" => Some(Scope::Team),
            "project" => Some(Scope::Project),
            _ => None,
        }
    }
}

/// The catalog namespace of a preset's built-in roles (`roles.catalog`).
pub fn preset_namespace(preset: &str) -> &str {
    if preset == "DEFAULT" { "builtin" } else { preset }
}

/// A role with its grants: (target level, permission key).
#[derive(Debug)]
pub struct RoleInfo {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub scope: Scope,
    /// The stored order (0 = most powerful); custom roles sort after the built-in ones.
    pub rank: i32,
    /// The rank the role counts as in the hierarchy (RULES.md §9.3): a built-in role's
    /// own rank; a custom role's is the rank of the weakest built-in role of its scope, in
    /// its organization's preset, whose keys cover it, or 0 (the top of the scope: the
    /// owner, the team admin, the project lead) when no role below the top covers it.
    pub level: i32,
    pub built_in: bool,
    /// "builtin" (DEFAULT), a preset's name, or the owning organization's id (custom).
    pub catalog: String,
    pub organization_id: Option<Uuid>,
    pub grants: BTreeSet<(Scope, String)>,
}

impl RoleInfo {
    pub fn grants_on(&self, target: Scope, key: &str) -> bool {
        self.grants.iter().any(|(t, k)| *t == target && k == key)
    }
    /// Whether the role holds the organization's built-in `owner` role (rank 0).
    pub fn is_owner(&self) -> bool {
        self.built_in && self.scope == Scope::Organization && self.rank == 0
    }
    /// Distinct keys, sorted.
    pub fn permission_keys(&self) -> Vec<String> {
        let keys: BTreeSet<&String> = self.grants.iter().map(|(_, k)| k).collect();
        keys.into_iter().cloned().collect()
    }
}

/// Whether `held` grants cover every grant of `wanted`: the same key at the same target,
/// where a team-target grant covers the key at project target and a key covers its
/// `.own` restriction.
pub fn grants_cover<'a>(held: impl Iterator<Item = &'a (Scope, String)> + Clone, wanted: &BTreeSet<(Scope, String)>) -> bool {
    wanted.iter().all(|(target, key)| {
        let unrestricted = key.strip_suffix(".own");
        held.clone().any(|(t, k)| {
            (k == key || unrestricted == Some(k.as_str())) && (t == target || (*t == Scope::Team && *target == Scope::Project))
        })
    })
}

/// The hierarchy rank of grants `wanted` at `scope` among `built_ins` (the built-in roles
/// of one namespace): see `RoleInfo::level`.
fn level_among<'a>(built_ins: impl Iterator<Item = &'a RoleInfo>, scope: Scope, wanted: &BTreeSet<(Scope, String)>) -> i32 {
    built_ins.filter(|b| b.scope == scope && grants_cover(b.grants.iter(), wanted)).map(|b| b.rank).max().unwrap_or(0)
}

#[derive(Debug)]
pub struct PermissionInfo {
    /// "organization", "team", "project" or "any".
    pub scope: String,
    pub description: String,
    /// Whether an owner may grant it to one member as a capability.
    pub grantable: bool,
    /// Who enforces it (`keys`): orgraph, or the client through `viewerCan`. A key the
    /// constants do not know is the client's.
    pub enforcement: Enforcement,
}

impl PermissionInfo {
    /// The grant target a role of `role_scope` uses for this key, or `None` when the key
    /// cannot be granted by a role of that scope (e.g. an organization key in a team role).
    pub fn target_for(&self, role_scope: Scope) -> Option<Scope> {
        match (self.scope.as_str(), role_scope) {
            ("any", s) => Some(s),
            ("organization", Scope::Organization) => Some(Scope::Organization),
            ("team", Scope::Organization | Scope::Team) => Some(Scope::Team),
            ("project", Scope::Project) => Some(Scope::Project),
            ("project", _) => Some(Scope::Team),
            _ => None,
        }
    }
}

/// A version number with the stamp drawn anew at each raise: the row of `catalog_versions`
/// (raised with every change to the roles) or of `access_versions` (`authz::memo`). A
/// number seen again after the database went back (a restore, a failover that lost
/// commits) comes with another stamp: not the same catalog, not the same grants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stamped {
    pub version: i64,
    pub stamp: i64,
}

#[derive(Debug, Default)]
pub struct Catalog {
    pub permissions: HashMap<String, PermissionInfo>,
    /// The row of `catalog_versions` this copy was read at.
    pub version: Stamped,
    roles_by_id: HashMap<Uuid, Arc<RoleInfo>>,
    roles_by_key: HashMap<(String, Scope, String), Arc<RoleInfo>>,
}

impl Catalog {
    pub async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Self> {
        let row = entity::catalog_version::Entity::find().all(db).await?;
        let version = row.first().map_or_else(Stamped::default, |v| Stamped { version: v.version, stamp: v.stamp });
        let permissions = entity::permission::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| {
                let enforcement = Key::find(&p.key).map_or(Enforcement::Client, Key::enforcement);
                (p.key, PermissionInfo { scope: p.scope_kind, description: p.description, grantable: p.grantable, enforcement })
            })
            .collect();
        let roles = entity::role::Entity::find().all(db).await?;
        let grants = entity::role_permission::Entity::find().all(db).await?;
        let mut by_role: HashMap<Uuid, BTreeSet<(Scope, String)>> = HashMap::new();
        for g in grants {
            if let Some(target) = Scope::parse(&g.target) {
                by_role.entry(g.role_id).or_default().insert((target, g.permission));
            }
        }
        let mut catalog = Catalog { permissions, version, ..Default::default() };
        let mut infos = Vec::with_capacity(roles.len());
        for r in roles {
            let scope = Scope::parse(&r.scope_kind).ok_or_else(|| AppError::internal("role with unknown scope"))?;
            infos.push(RoleInfo {
                id: r.id,
                key: r.key,
                name: r.name,
                description: r.description,
                scope,
                rank: r.rank,
                level: r.rank,
                built_in: r.built_in,
                catalog: r.catalog,
                organization_id: r.organization_id,
                grants: by_role.remove(&r.id).unwrap_or_default(),
            });
        }
        // Custom roles rank among the built-in roles of their organization's preset.
        let orgs: Vec<Uuid> = infos.iter().filter(|r| !r.built_in).filter_map(|r| r.organization_id).collect();
        let namespaces: HashMap<Uuid, String> = entity::organization::Entity::find()
            .filter(entity::organization::Column::Id.is_in(orgs))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, preset_namespace(&o.role_preset).to_string()))
            .collect();
        let levels: Vec<i32> = infos
            .iter()
            .map(|r| match r.organization_id.and_then(|o| namespaces.get(&o)).filter(|_| !r.built_in) {
                Some(ns) => level_among(infos.iter().filter(|b| b.built_in && &b.catalog == ns), r.scope, &r.grants),
                None => r.rank,
            })
            .collect();
        for (mut info, level) in infos.into_iter().zip(levels) {
            info.level = level;
            let info = Arc::new(info);
            catalog.roles_by_id.insert(info.id, info.clone());
            catalog.roles_by_key.insert((info.catalog.clone(), info.scope, info.key.clone()), info);
        }
        Ok(catalog)
    }

    pub fn role(&self, id: Uuid) -> Option<&Arc<RoleInfo>> {
        self.roles_by_id.get(&id)
    }

    /// The hierarchy rank a custom role of `scope` with `grants` would have in an
    /// organization of catalog `roles` (see `RoleInfo::level`).
    pub fn level_for(&self, roles: &OrgRoles, scope: Scope, grants: &BTreeSet<(Scope, String)>) -> i32 {
        level_among(self.roles_by_id.values().filter(|b| b.built_in && b.catalog == roles.namespace).map(|b| &**b), scope, grants)
    }

    /// A built-in role of a catalog namespace (see `preset_namespace`).
    pub fn builtin(&self, namespace: &str, scope: Scope, key: &str) -> AppResult<Arc<RoleInfo>> {
        self.roles_by_key
            .get(&(namespace.to_string(), scope, key.to_string()))
            .cloned()
            .ok_or_else(|| AppError::internal(format!("built-in role {namespace}/{}/{key} missing", scope.as_str())))
    }

    /// The roles assignable in an organization of catalog `roles`: its preset's built-in
    /// roles and its custom ones, ordered by scope, then rank, then key.
    pub fn roles(&self, roles: &OrgRoles, scope: Option<Scope>) -> Vec<Arc<RoleInfo>> {
        let custom = roles.org.to_string();
        let mut list: Vec<_> = self
            .roles_by_id
            .values()
            .filter(|r| r.catalog == roles.namespace || r.catalog == custom)
            .filter(|r| scope.is_none_or(|s| r.scope == s))
            .cloned()
            .collect();
        list.sort_by(|a, b| (a.scope, a.rank, &a.key).cmp(&(b.scope, b.rank, &b.key)));
        list
    }

    /// A role key valid at `scope` in the organization, or `BAD_USER_INPUT` naming `field`.
    pub fn parse_role(
        &self,
        roles: &OrgRoles,
        scope: Scope,
        key: &crate::domain::RoleKey,
        field: &str,
    ) -> AppResult<Arc<RoleInfo>> {
        let key = key.as_str();
        let found = self
            .roles_by_key
            .get(&(roles.namespace.clone(), scope, key.to_string()))
            .or_else(|| self.roles_by_key.get(&(roles.org.to_string(), scope, key.to_string())));
        found.cloned().ok_or_else(|| {
            let valid: Vec<String> = self.roles(roles, Some(scope)).iter().map(|r| r.key.clone()).collect();
            AppError::bad_input(field, format!("unknown role '{key}' at {} scope (valid: {})", scope.as_str(), valid.join(", ")))
        })
    }

    /// The ids of every built-in role (any preset) and every custom role of `org` with `key`
    /// at `scope`: a member-list filter, where the scope's own organization narrows the
    /// rows. `BAD_USER_INPUT` when none; other organizations' custom roles are never
    /// consulted, so the answer tells nothing about them (RULES.md §9.8).
    pub fn role_ids_with_key(&self, org: Uuid, scope: Scope, key: &str, field: &str) -> AppResult<Vec<Uuid>> {
        let ids: Vec<Uuid> = self
            .roles_by_id
            .values()
            .filter(|r| r.scope == scope && r.key == key && (r.built_in || r.organization_id == Some(org)))
            .map(|r| r.id)
            .collect();
        if ids.is_empty() {
            return Err(AppError::bad_input(field, format!("unknown role '{key}' at {} scope", scope.as_str())));
        }
        Ok(ids)
    }

    /// Whether a custom role of one of `orgs`, at `scope`, has this key.
    pub fn has_custom_role_key_in(&self, orgs: &[Uuid], scope: Scope, key: &str) -> bool {
        self.roles_by_id
            .values()
            .any(|r| r.scope == scope && r.key == key && r.organization_id.is_some_and(|o| orgs.contains(&o)))
    }

    /// Whether any role of any catalog has this key.
    pub fn knows_role_key(&self, key: &str) -> bool {
        self.roles_by_id.values().any(|r| r.key == key)
    }

    /// Every team role at rank 0 (the team-admin role of each preset).
    pub fn team_admin_ids(&self) -> Vec<Uuid> {
        self.roles_by_id.values().filter(|r| r.built_in && r.scope == Scope::Team && r.rank == 0).map(|r| r.id).collect()
    }

    /// The built-in organization role at `rank` of a namespace; `None` for the
    /// highest-ranked (least powerful) one.
    fn org_role_at(&self, namespace: &str, rank: Option<i32>) -> AppResult<Arc<RoleInfo>> {
        let org_roles = self.roles_by_id.values().filter(|r| r.catalog == namespace && r.scope == Scope::Organization);
        let found = match rank {
            Some(rank) => org_roles.into_iter().find(|r| r.rank == rank),
            None => org_roles.into_iter().max_by_key(|r| r.rank),
        };
        found.cloned().ok_or_else(|| AppError::internal(format!("catalog {namespace} lacks an organization role")))
    }

    /// The role a former owner gets (rank 1 of the organization roles).
    pub fn former_owner(&self, namespace: &str) -> AppResult<Arc<RoleInfo>> {
        self.org_role_at(namespace, Some(1))
    }

    /// The organization role an accepted team or project invitation gives a newcomer:
    /// the least powerful built-in organization role.
    pub fn newcomer(&self, namespace: &str) -> AppResult<Arc<RoleInfo>> {
        self.org_role_at(namespace, None)
    }

    pub fn is_known_permission(&self, key: &str) -> bool {
        self.permissions.contains_key(key)
    }

    /// Whether `key` is shown on an object of `level`: organization-only keys on
    /// organizations, team keys on teams, project keys on teams and projects.
    pub fn applies_at(&self, key: &str, level: Scope) -> bool {
        let Some(p) = self.permissions.get(key) else { return false };
        match (p.scope.as_str(), level) {
            ("any", _) => true,
            ("organization", l) => l == Scope::Organization,
            ("team", l) => l == Scope::Team,
            ("project", l) => l != Scope::Organization,
            _ => false,
        }
    }
}

/// Which roles an organization can assign: its preset's namespace and its custom roles.
#[derive(Clone, Debug)]
pub struct OrgRoles {
    pub org: Uuid,
    pub namespace: String,
}

impl OrgRoles {
    /// Reads the organization's preset (one statement).
    pub async fn of<C: ConnectionTrait>(db: &C, org: Uuid) -> AppResult<Self> {
        let row = entity::organization::Entity::find_by_id(org).one(db).await?.ok_or(AppError::NotFound)?;
        Ok(Self::from_model(&row))
    }
    pub fn from_model(org: &entity::organization::Model) -> Self {
        Self { org: org.id, namespace: preset_namespace(&org.role_preset).to_string() }
    }
}

/// The role `key` at `scope` in organization `org` (its preset's and its custom roles),
/// else `BAD_USER_INPUT` listing the valid keys. Only for a scope the viewer sees (RULES.md
/// §9.8): validity depends on the organization, so on a hidden scope it must not answer
/// before visibility does (`NOT_FOUND`), nor list that organization's roles.
pub async fn role_at_scope<C: ConnectionTrait>(
    db: &C,
    catalog: &Catalog,
    org: Uuid,
    scope: Scope,
    key: &crate::domain::RoleKey,
) -> AppResult<Arc<RoleInfo>> {
    catalog.parse_role(&OrgRoles::of(db, org).await?, scope, key, "role")
}
