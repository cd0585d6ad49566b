//! A viewer's memberships with their roles, and the decisions computed from them.

use super::catalog::{Catalog, RoleInfo, Scope};
use crate::error::AppResult;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use uuid::Uuid;

/// One membership of the viewer.
#[derive(Clone, Debug)]
pub struct Held {
    pub membership_id: Uuid,
    pub organization_id: Uuid,
    pub team_id: Option<Uuid>,
    pub role: Arc<RoleInfo>,
}

/// The object a decision is about, with its ancestors. `owned` is true when the viewer
/// created the object or one of its ancestors below the team (`.own` keys).
#[derive(Clone, Copy, Debug)]
pub enum Resource {
    Organization { org: Uuid },
    Team { org: Uuid, team: Uuid },
    Project { org: Uuid, team: Uuid, project: Uuid, owned: bool },
}

impl Resource {
    pub fn level(&self) -> Scope {
        match self {
            Resource::Organization { .. } => Scope::Organization,
            Resource::Team { .. } => Scope::Team,
            Resource::Project { .. } => Scope::Project,
        }
    }
}

#[derive(Debug)]
pub struct Grants {
    pub user_id: Uuid,
    /// Set for a personal access token restricted to one organization: the grants hold
    /// that organization's memberships only, as if the user belonged to no other.
    pub only_org: Option<Uuid>,
    catalog: Arc<Catalog>,
    pub orgs: HashMap<Uuid, Held>,
    pub teams: HashMap<Uuid, Held>,
    pub projects: HashMap<Uuid, Held>,
}

impl Grants {
    /// One statement: every membership of the user (of `only_org` alone when set). Roles
    /// come from the catalog; a role the catalog does not know grants nothing (fail closed).
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        catalog: &Arc<Catalog>,
        user_id: Uuid,
        only_org: Option<Uuid>,
    ) -> AppResult<Self> {
        use entity::membership::{Column, Entity};
        let mut query = Entity::find().filter(Column::UserId.eq(user_id));
        if let Some(org) = only_org {
            query = query.filter(Column::OrganizationId.eq(org));
        }
        let rows = query.all(db).await?;
        let mut g = Grants {
            user_id,
            only_org,
            catalog: catalog.clone(),
            orgs: HashMap::new(),
            teams: HashMap::new(),
            projects: HashMap::new(),
        };
        for m in rows {
            let Some(role) = catalog.role(m.role_id).cloned() else { continue };
            let held = Held { membership_id: m.id, organization_id: m.organization_id, team_id: m.team_id, role };
            match Scope::parse(&m.scope_kind) {
                Some(Scope::Organization) => g.orgs.insert(m.scope_id, held),
                Some(Scope::Team) => g.teams.insert(m.scope_id, held),
                Some(Scope::Project) => g.projects.insert(m.scope_id, held),
                None => None,
            };
        }
        Ok(g)
    }

    /// The memberships that bear on `r`, with the grant targets each contributes.
    fn sources(&self, r: &Resource) -> Vec<(&Held, &'static [Scope])> {
        const ORG: &[Scope] = &[Scope::Organization];
        const TEAM: &[Scope] = &[Scope::Team];
        const PROJECT: &[Scope] = &[Scope::Team, Scope::Project];
        let mut out = Vec::new();
        match *r {
            Resource::Organization { org } => out.extend(self.orgs.get(&org).map(|h| (h, ORG))),
            Resource::Team { org, team } => {
                out.extend(self.orgs.get(&org).map(|h| (h, TEAM)));
                out.extend(self.teams.get(&team).map(|h| (h, TEAM)));
            }
            Resource::Project { org, team, project, .. } => {
                out.extend(self.orgs.get(&org).map(|h| (h, PROJECT)));
                out.extend(self.teams.get(&team).map(|h| (h, PROJECT)));
                out.extend(self.projects.get(&project).map(|h| (h, PROJECT)));
            }
        }
        out
    }

    /// Effective permission keys on `r` (the union of every source), as listed by
    /// `viewerPermissions`.
    pub fn permissions(&self, r: &Resource) -> BTreeSet<String> {
        let level = r.level();
        let mut keys = BTreeSet::new();
        for (held, targets) in self.sources(r) {
            for (target, key) in &held.role.grants {
                if targets.contains(target) && self.catalog.applies_at(key, level) {
                    keys.insert(key.clone());
                }
            }
        }
        keys
    }

    /// Only keys shown at `r`'s level count, so `can` agrees with `permissions`
    /// (e.g. a team role's `team.read` is not held on the team's projects).
    fn holds(&self, r: &Resource, key: &str) -> bool {
        self.catalog.applies_at(key, r.level())
            && self.sources(r).iter().any(|(held, targets)| targets.iter().any(|t| held.role.grants_on(*t, key)))
    }

    /// The decision: does the viewer hold `key` on `r`? A `x.delete` check also passes
    /// with `x.delete.own` on an object the viewer owns.
    pub fn can(&self, r: &Resource, key: &str) -> bool {
        if self.holds(r, key) {
            return true;
        }
        match r {
            Resource::Project { owned: true, .. } => self.holds(r, &format!("{key}.own")),
            _ => false,
        }
    }

    /// Whether the permission is granted to `r` through an organization or team role
    /// (not only a project role): team admins' authority over project memberships.
    pub fn can_above_project(&self, r: &Resource, key: &str) -> bool {
        match *r {
            Resource::Project { org, team, .. } => self.can(&Resource::Team { org, team }, key),
            _ => self.can(r, key),
        }
    }

    /// Through the organization role alone (e.g. demoting a team admin).
    pub fn can_via_org(&self, org: Uuid, target: Scope, key: &str) -> bool {
        self.orgs.get(&org).is_some_and(|h| h.role.grants_on(target, key))
    }

    /// Whether objects of `org` are within reach at all: always, unless the grants are
    /// restricted to another organization. For rules that do not go through memberships
    /// (the viewer's own memberships and invitations).
    pub fn admits(&self, org: Uuid) -> bool {
        self.only_org.is_none_or(|only| only == org)
    }

    pub fn sees_org(&self, org: Uuid) -> bool {
        self.orgs.contains_key(&org)
    }

    pub fn sees_team(&self, org: Uuid, team: Uuid) -> bool {
        self.can(&Resource::Team { org, team }, "team.read")
            || self.projects.values().any(|h| h.team_id == Some(team) && h.role.grants_on(Scope::Project, "project.read"))
    }

    pub fn sees_project(&self, org: Uuid, team: Uuid, project: Uuid) -> bool {
        self.can(&Resource::Project { org, team, project, owned: false }, "project.read")
    }

    /// The viewer's own role at a scope id, if any.
    pub fn role_at(&self, scope: Scope, id: Uuid) -> Option<&Held> {
        match scope {
            Scope::Organization => self.orgs.get(&id),
            Scope::Team => self.teams.get(&id),
            Scope::Project => self.projects.get(&id),
        }
    }

    pub fn organization_ids(&self) -> Vec<Uuid> {
        self.orgs.keys().copied().collect()
    }
}
