//! The role and permission catalog, loaded from the database (seeded by migration) once
//! at startup. Built-in roles are immutable, so an in-memory copy is exact.

use crate::error::{AppError, AppResult};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::{BTreeSet, HashMap};
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

/// A role with its grants: (target level, permission key).
#[derive(Debug)]
pub struct RoleInfo {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub scope: Scope,
    pub rank: i32,
    pub built_in: bool,
    pub grants: BTreeSet<(Scope, String)>,
}

impl RoleInfo {
    pub fn grants_on(&self, target: Scope, key: &str) -> bool {
        self.grants.iter().any(|(t, k)| *t == target && k == key)
    }
    /// Distinct keys, in catalog order of their names.
    pub fn permission_keys(&self) -> Vec<String> {
        let keys: BTreeSet<&String> = self.grants.iter().map(|(_, k)| k).collect();
        keys.into_iter().cloned().collect()
    }
}

#[derive(Debug)]
pub struct PermissionInfo {
    /// "organization", "team", "project" or "any".
    pub scope: String,
    pub description: String,
}

#[derive(Debug, Default)]
pub struct Catalog {
    pub permissions: HashMap<String, PermissionInfo>,
    roles_by_id: HashMap<Uuid, Arc<RoleInfo>>,
    roles_by_key: HashMap<(Scope, String), Arc<RoleInfo>>,
}

impl Catalog {
    pub async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Self> {
        let permissions = entity::permission::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.key, PermissionInfo { scope: p.scope_kind, description: p.description }))
            .collect();
        let roles = entity::role::Entity::find().all(db).await?;
        let grants = entity::role_permission::Entity::find().all(db).await?;
        let mut by_role: HashMap<Uuid, BTreeSet<(Scope, String)>> = HashMap::new();
        for g in grants {
            if let Some(target) = Scope::parse(&g.target) {
                by_role.entry(g.role_id).or_default().insert((target, g.permission));
            }
        }
        let mut catalog = Catalog { permissions, ..Default::default() };
        for r in roles.into_iter().filter(|r| r.built_in) {
            let scope = Scope::parse(&r.scope_kind).ok_or_else(|| AppError::internal("role with unknown scope"))?;
            let info = Arc::new(RoleInfo {
                id: r.id,
                key: r.key.clone(),
                name: r.name,
                scope,
                rank: r.rank,
                built_in: r.built_in,
                grants: by_role.remove(&r.id).unwrap_or_default(),
            });
            catalog.roles_by_id.insert(r.id, info.clone());
            catalog.roles_by_key.insert((scope, r.key), info);
        }
        Ok(catalog)
    }

    pub fn role(&self, id: Uuid) -> Option<&Arc<RoleInfo>> {
        self.roles_by_id.get(&id)
    }

    pub fn role_by_key(&self, scope: Scope, key: &str) -> Option<&Arc<RoleInfo>> {
        self.roles_by_key.get(&(scope, key.to_string()))
    }

    /// A role key valid at `scope`, or `BAD_USER_INPUT` naming `field`.
    pub fn parse_role(&self, scope: Scope, key: &crate::domain::RoleKey, field: &str) -> AppResult<Arc<RoleInfo>> {
        self.role_by_key(scope, key.as_str()).cloned().ok_or_else(|| {
            let roles = self.roles(Some(scope));
            let valid: Vec<&str> = roles.iter().map(|r| r.key.as_str()).collect();
            AppError::bad_input(
                field,
                format!("unknown role '{}' for a {} (valid: {})", key.as_str(), scope.as_str(), valid.join(", ")),
            )
        })
    }

    /// Roles ordered by scope, then rank.
    pub fn roles(&self, scope: Option<Scope>) -> Vec<Arc<RoleInfo>> {
        let mut roles: Vec<_> = self.roles_by_id.values().filter(|r| scope.is_none_or(|s| r.scope == s)).cloned().collect();
        roles.sort_by_key(|r| (r.scope, r.rank));
        roles
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
