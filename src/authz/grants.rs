//! A viewer's memberships, group assignments and capability grants with their roles, and
//! the decisions computed from them.

use super::catalog::{Catalog, CatalogCell, RoleInfo, Scope};
use super::keys;
use crate::db::Sql;
use crate::error::AppResult;
use sea_orm::{ConnectionTrait, FromQueryResult};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

static ALLOWED: AtomicU64 = AtomicU64::new(0);
static DENIED: AtomicU64 = AtomicU64::new(0);

/// Permission decisions of this process so far: (allowed, denied).
pub fn decision_counts() -> (u64, u64) {
    (ALLOWED.load(Ordering::Relaxed), DENIED.load(Ordering::Relaxed))
}

/// One source of roles for the viewer: a membership, a group's project assignment, or
/// the viewer's capability grants in one organization (a synthetic role).
#[derive(Clone, Debug)]
pub struct Held {
    /// The membership, the group assignment, or nil for capabilities.
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
    /// The organization the object belongs to.
    pub fn org(&self) -> Uuid {
        match *self {
            Resource::Organization { org } | Resource::Team { org, .. } | Resource::Project { org, .. } => org,
        }
    }
    pub fn level(&self) -> Scope {
        match self {
            Resource::Organization { .. } => Scope::Organization,
            Resource::Team { .. } => Scope::Team,
            Resource::Project { .. } => Scope::Project,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Grants {
    pub user_id: Uuid,
    /// Set for a personal access token restricted to one organization: the grants hold
    /// that organization's memberships only, as if the user belonged to no other.
    pub only_org: Option<Uuid>,
    pub catalog: Arc<Catalog>,
    pub orgs: HashMap<Uuid, Held>,
    pub teams: HashMap<Uuid, Held>,
    pub projects: HashMap<Uuid, Held>,
    /// Project roles through the groups the viewer belongs to, by project.
    pub group_projects: HashMap<Uuid, Vec<Held>>,
    /// Capability grants by organization, as a synthetic role.
    pub capabilities: HashMap<Uuid, Held>,
    /// Organizations out of a personal access token's reach (its owner does not hold
    /// `sdk_token.generate` there): nothing of them is granted or admitted.
    pub unreached: BTreeSet<Uuid>,
    /// The viewer's e-mail when it is verified: they are the invitee of invitations to it
    /// (RULES.md §2, §3.1). Set by the request from the signed-in user.
    pub invitee_email: Option<String>,
    /// Labeling-job assignments that open a job and its datasets (issue 15, `assigned.rs`).
    pub assigned: super::assigned::Assigned,
}

/// A row of the one grants statement (see `Grants::load`).
#[derive(Debug)]
pub struct GrantRow {
    /// "m" membership, "g" group assignment, "c" capability, "v" catalog version.
    pub src: String,
    pub id: Option<Uuid>,
    pub org_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub scope_kind: Option<String>,
    pub scope_id: Option<Uuid>,
    pub role_id: Option<Uuid>,
    pub perm: Option<String>,
    pub version: Option<i64>,
}

/// Read by position, in the statement's column order (`push_branches`): a user's every
/// grant is read on every request, and by name sea-orm formats and looks up each column
/// name of each row (a tenth of a lookup's time for a member of 20 organizations).
impl FromQueryResult for GrantRow {
    fn from_query_result(row: &sea_orm::QueryResult, _prefix: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            src: row.try_get_by_index(0)?,
            id: row.try_get_by_index(1)?,
            org_id: row.try_get_by_index(2)?,
            team_id: row.try_get_by_index(3)?,
            scope_kind: row.try_get_by_index(4)?,
            scope_id: row.try_get_by_index(5)?,
            role_id: row.try_get_by_index(6)?,
            perm: row.try_get_by_index(7)?,
            version: row.try_get_by_index(8)?,
        })
    }
}

/// Whose grants a statement reads: a user id, or the user a token's `sub` names.
pub(super) enum Who<'a> {
    Id(Uuid),
    Sub(&'a str),
}

impl Who<'_> {
    pub(super) fn push(&self, sql: &mut Sql) {
        match self {
            Who::Id(id) => {
                sql.bind(*id);
            }
            Who::Sub(sub) => {
                sql.push("(SELECT u.id FROM users u WHERE u.sub = ").bind(sub.to_string()).push(")");
            }
        }
    }
}

impl Grants {
    /// One statement: the user's memberships, group assignments and capability grants
    /// (of `only_org` alone when set) and the catalog's version. A stale in-memory
    /// catalog is refreshed first; a role still unknown grants nothing (fail closed).
    /// Unrestricted grants this process holds a copy of are read with the copy's guard
    /// (`memo`): the same statement, whose grants rows come only when they changed.
    pub async fn load<C: ConnectionTrait>(db: &C, cell: &CatalogCell, user_id: Uuid, only_org: Option<Uuid>) -> AppResult<Self> {
        if only_org.is_none()
            && let Some(grants) = Self::load_checked(db, cell, user_id).await?
        {
            return Ok(grants);
        }
        let stmt = Self::statement(crate::db::backend(db), &Who::Id(user_id), only_org);
        let rows = GrantRow::find_by_statement(stmt).all(db).await?;
        Self::finish(db, cell, user_id, only_org, rows).await
    }

    pub(super) async fn finish<C: ConnectionTrait>(
        db: &C,
        cell: &CatalogCell,
        user_id: Uuid,
        only_org: Option<Uuid>,
        rows: Vec<GrantRow>,
    ) -> AppResult<Self> {
        let seen = rows.iter().find(|r| r.src == "v").and_then(|r| r.version);
        let mut catalog = cell.get();
        if seen.is_some_and(|v| v > catalog.version) {
            catalog = cell.refresh(db, seen).await?;
        }
        Ok(Self::from_rows(catalog, user_id, only_org, rows))
    }

    fn statement(backend: sea_orm::DbBackend, who: &Who<'_>, only_org: Option<Uuid>) -> sea_orm::Statement {
        let mut sql = Sql::new(backend);
        Self::push_branches(&mut sql, who, only_org, "");
        Self::push_catalog_version(&mut sql, "");
        sql.build()
    }

    /// ` UNION ALL` the catalog's version (row "v"); `extra` as in `push_branches`.
    pub(super) fn push_catalog_version(sql: &mut Sql, extra: &str) {
        sql.push(&format!(
            " UNION ALL SELECT 'v', NULL, NULL, NULL, NULL, NULL, NULL, NULL, v.version{extra} FROM catalog_versions v WHERE v.id = 1"
        ));
    }

    /// The grants branches of the statement; `extra` ends each select list (the
    /// authentication statement's user columns, as NULLs).
    pub(super) fn push_branches(sql: &mut Sql, who: &Who<'_>, only_org: Option<Uuid>, extra: &str) {
        let restrict = |sql: &mut Sql, col: &str| {
            if let Some(org) = only_org {
                sql.push(&format!(" AND {col} = ")).bind(org);
            }
        };
        sql.push(&format!(
            "SELECT 'm' AS src, m.id AS id, m.organization_id AS org_id, m.team_id AS team_id, m.scope_kind AS scope_kind, \
             m.scope_id AS scope_id, m.role_id AS role_id, m.scope_kind AS perm, 0 AS version{extra} FROM memberships m WHERE m.user_id = "
        ));
        who.push(sql);
        restrict(sql, "m.organization_id");
        sql.push(&format!(
            " UNION ALL SELECT 'g', gp.id, gp.organization_id, p.team_id, 'project', gp.project_id, gp.role_id, NULL, 0{extra} \
             FROM group_members gm JOIN group_projects gp ON gp.group_id = gm.group_id JOIN projects p ON p.id = gp.project_id \
             WHERE gm.user_id = "
        ));
        who.push(sql);
        restrict(sql, "gp.organization_id");
        sql.push(&format!(
            " UNION ALL SELECT 'c', c.id, c.organization_id, NULL, 'organization', c.organization_id, NULL, c.permission, 0{extra} \
             FROM capability_grants c WHERE c.user_id = "
        ));
        who.push(sql);
        restrict(sql, "c.organization_id");
        super::assigned::Assigned::push_statement(sql, who, only_org, extra);
    }

    /// The grants of `rows` (as read by `load`).
    fn from_rows(catalog: Arc<Catalog>, user_id: Uuid, only_org: Option<Uuid>, rows: Vec<GrantRow>) -> Self {
        let mut g = Grants {
            user_id,
            only_org,
            catalog: catalog.clone(),
            orgs: HashMap::new(),
            teams: HashMap::new(),
            projects: HashMap::new(),
            group_projects: HashMap::new(),
            capabilities: HashMap::new(),
            unreached: BTreeSet::new(),
            invitee_email: None,
            assigned: Default::default(),
        };
        let mut capabilities: HashMap<Uuid, BTreeSet<(Scope, String)>> = HashMap::new();
        for row in rows {
            if g.assigned.take(&row) {
                continue;
            }
            let (Some(id), Some(org), Some(scope_id)) = (row.id, row.org_id, row.scope_id) else { continue };
            if row.src == "c" {
                let key = row.perm.unwrap_or_default();
                if let Some(target) = catalog.permissions.get(&key).and_then(|p| p.target_for(Scope::Organization)) {
                    capabilities.entry(org).or_default().insert((target, key));
                }
                continue;
            }
            let Some(role) = row.role_id.and_then(|r| catalog.role(r)).cloned() else { continue };
            let held = Held { membership_id: id, organization_id: org, team_id: row.team_id, role };
            match (row.src.as_str(), row.scope_kind.as_deref().and_then(Scope::parse)) {
                ("g", _) => g.group_projects.entry(scope_id).or_default().push(held),
                (_, Some(Scope::Organization)) => _ = g.orgs.insert(scope_id, held),
                (_, Some(Scope::Team)) => _ = g.teams.insert(scope_id, held),
                (_, Some(Scope::Project)) => _ = g.projects.insert(scope_id, held),
                _ => {}
            }
        }
        for (org, grants) in capabilities {
            let role = RoleInfo {
                id: Uuid::nil(),
                key: "capabilities".into(),
                name: "Capabilities".into(),
                description: None,
                scope: Scope::Organization,
                rank: i32::MAX,
                level: i32::MAX,
                built_in: false,
                catalog: String::new(),
                organization_id: Some(org),
                grants,
            };
            g.capabilities
                .insert(org, Held { membership_id: Uuid::nil(), organization_id: org, team_id: None, role: Arc::new(role) });
        }
        g.settle_assignments();
        g
    }

    /// The sources that bear on `r`, with the grant targets each contributes.
    fn sources(&self, r: &Resource) -> Vec<(&Held, &'static [Scope])> {
        const ORG: &[Scope] = &[Scope::Organization];
        const TEAM: &[Scope] = &[Scope::Team];
        const PROJECT: &[Scope] = &[Scope::Team, Scope::Project];
        let mut out = Vec::new();
        match *r {
            Resource::Organization { org } => {
                out.extend(self.orgs.get(&org).map(|h| (h, ORG)));
                out.extend(self.capabilities.get(&org).map(|h| (h, ORG)));
            }
            Resource::Team { org, team } => {
                out.extend(self.orgs.get(&org).map(|h| (h, TEAM)));
                out.extend(self.capabilities.get(&org).map(|h| (h, TEAM)));
                out.extend(self.teams.get(&team).map(|h| (h, TEAM)));
            }
            Resource::Project { org, team, project, .. } => {
                out.extend(self.orgs.get(&org).map(|h| (h, PROJECT)));
                out.extend(self.capabilities.get(&org).map(|h| (h, PROJECT)));
                out.extend(self.teams.get(&team).map(|h| (h, PROJECT)));
                out.extend(self.projects.get(&project).map(|h| (h, PROJECT)));
                out.extend(self.group_projects.get(&project).into_iter().flatten().map(|h| (h, PROJECT)));
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
    pub(super) fn holds(&self, r: &Resource, key: &str) -> bool {
        self.catalog.applies_at(key, r.level())
            && self.sources(r).iter().any(|(held, targets)| targets.iter().any(|t| held.role.grants_on(*t, key)))
    }

    /// The decision: does the viewer hold `key` on `r`? A check of `k` also passes with
    /// `k.own` on an object the viewer owns.
    pub fn can(&self, r: &Resource, key: impl AsRef<str>) -> bool {
        let key = key.as_ref();
        let allowed = self.holds(r, key)
            || match r {
                Resource::Project { owned: true, .. } => self.holds(r, &format!("{key}.own")),
                _ => false,
            };
        // Two process-wide atomics, read by `/metrics`: no lookup per decision.
        let counter = if allowed { &ALLOWED } else { &DENIED };
        counter.fetch_add(1, Ordering::Relaxed);
        allowed
    }

    /// Whether everything `role` grants is held by the viewer at `r` (from any source
    /// bearing on it): nobody creates or assigns a role granting more than they hold.
    /// A team-target grant covers the same key at project target, and a key covers its
    /// `.own` restriction. Capability grants do not count: the owner gave them to this
    /// member alone, not for passing on through roles.
    pub fn covers(&self, r: &Resource, role: &RoleInfo) -> bool {
        let sources = self.sources(r);
        let held = sources.iter().filter(|(h, _)| h.membership_id != Uuid::nil()).flat_map(|(h, _)| h.role.grants.iter());
        super::catalog::grants_cover(held, &role.grants)
    }

    /// Whether the permission is granted to `r` through an organization or team role
    /// (not only a project role): team admins' authority over project memberships.
    pub fn can_above_project(&self, r: &Resource, key: &str) -> bool {
        match *r {
            Resource::Project { org, team, .. } => self.can(&Resource::Team { org, team }, key),
            _ => self.can(r, key),
        }
    }

    /// Through the organization role alone, at grant target `target`.
    pub fn can_via_org(&self, org: Uuid, target: Scope, key: &str) -> bool {
        self.orgs.get(&org).is_some_and(|h| h.role.grants_on(target, key))
    }

    /// Whether objects of `org` are within reach at all: always, unless the grants are
    /// restricted to another organization or are a personal access token's and its owner
    /// may not generate one there. For rules that do not go through memberships (the
    /// viewer's own memberships and invitations).
    pub fn admits(&self, org: Uuid) -> bool {
        self.only_org.is_none_or(|only| only == org) && !self.unreached.contains(&org)
    }

    /// The grants of a personal access token (RULES.md §9.6): it acts in an organization
    /// only while its owner holds `sdk_token.generate` there, read with the grants (so at
    /// each use). Every other organization's memberships, group assignments and
    /// capabilities are dropped, as if the user belonged to it no more.
    pub fn within_api_token_reach(mut self) -> Self {
        let orgs: BTreeSet<Uuid> = self
            .orgs
            .keys()
            .copied()
            .chain(self.capabilities.keys().copied())
            .chain(self.teams.values().map(|h| h.organization_id))
            .chain(self.projects.values().map(|h| h.organization_id))
            .chain(self.group_projects.values().flatten().map(|h| h.organization_id))
            .collect();
        let unreached: BTreeSet<Uuid> = orgs
            .into_iter()
            .filter(|org| !self.holds(&Resource::Organization { org: *org }, keys::SDK_TOKEN_GENERATE.as_str()))
            .collect();
        let reached = |h: &Held| !unreached.contains(&h.organization_id);
        self.orgs.retain(|_, h| reached(h));
        self.capabilities.retain(|_, h| reached(h));
        self.teams.retain(|_, h| reached(h));
        self.projects.retain(|_, h| reached(h));
        self.group_projects.retain(|_, hs| {
            hs.retain(|h| reached(h));
            !hs.is_empty()
        });
        self.unreached = unreached;
        self.settle_assignments();
        self
    }

    pub fn sees_org(&self, org: Uuid) -> bool {
        self.orgs.contains_key(&org)
    }

    /// Project roles (direct and through groups) that let the viewer read a project of `team`.
    fn reads_project_in(&self, team: Uuid) -> bool {
        let reads = |h: &Held| h.team_id == Some(team) && h.role.grants_on(Scope::Project, keys::PROJECT_READ.as_str());
        self.projects.values().any(reads) || self.group_projects.values().flatten().any(reads)
    }

    pub fn sees_team(&self, org: Uuid, team: Uuid) -> bool {
        self.can(&Resource::Team { org, team }, keys::TEAM_READ) || self.reads_project_in(team)
    }

    pub fn sees_project(&self, org: Uuid, team: Uuid, project: Uuid) -> bool {
        self.can(&Resource::Project { org, team, project, owned: false }, keys::PROJECT_READ)
    }

    /// The viewer's own role at a scope id, if any (memberships only).
    pub fn role_at(&self, scope: Scope, id: Uuid) -> Option<&Held> {
        match scope {
            Scope::Organization => self.orgs.get(&id),
            Scope::Team => self.teams.get(&id),
            Scope::Project => self.projects.get(&id),
        }
    }

    /// The hierarchy rank (`RoleInfo::level`) of the viewer's most powerful project role
    /// on `project`, direct or through a group.
    pub fn best_project_rank(&self, project: Uuid) -> Option<i32> {
        let direct = self.projects.get(&project).map(|h| h.role.level);
        let groups = self.group_projects.get(&project).into_iter().flatten().map(|h| h.role.level);
        direct.into_iter().chain(groups).min()
    }

    /// The viewer's hierarchy rank in `org` (RULES.md §9.3): their organization role's
    /// `level`, except that the owner (-1) stands above every role, owner-ranked custom
    /// roles included; `None` without an organization membership.
    pub fn org_rank(&self, org: Uuid) -> Option<i32> {
        self.orgs.get(&org).map(|h| if h.role.is_owner() { -1 } else { h.role.level })
    }

    pub fn organization_ids(&self) -> Vec<Uuid> {
        self.orgs.keys().copied().collect()
    }
}
