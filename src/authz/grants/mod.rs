//! A viewer's memberships, group assignments and capability grants with their roles, and
//! the decisions computed from them.

mod statement;

pub use statement::GrantRow;
pub(super) use statement::Who;
pub(in crate::authz) use statement::catalog_version;

use super::catalog::{Catalog, RoleInfo, Scope};
use super::keys;
use foldhash::HashMap;
use std::collections::BTreeSet;
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

/// A viewer's grants: who, for which credential, and what they hold (`HeldGrants`,
/// shared: a request's copy of grants this process kept costs no copy of the maps).
#[derive(Clone, Debug)]
pub struct Grants {
    pub user_id: Uuid,
    /// Set for a personal access token restricted to one organization: the grants hold
    /// that organization's memberships only, as if the user belonged to no other.
    pub only_org: Option<Uuid>,
    pub catalog: Arc<Catalog>,
    /// The viewer's e-mail when it is verified: they are the invitee of invitations to it
    /// (RULES.md §2, §3.1). Set by the request from the signed-in user.
    pub invitee_email: Option<String>,
    held: Arc<HeldGrants>,
}

/// What a viewer holds, by scope (read through `Grants`, which dereferences to it).
#[derive(Clone, Debug, Default)]
pub struct HeldGrants {
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
    /// Labeling-job assignments that open a job and its datasets (issue 15, `assigned.rs`).
    pub assigned: crate::authz::assigned::Assigned,
}

impl std::ops::Deref for Grants {
    type Target = HeldGrants;
    fn deref(&self) -> &HeldGrants {
        &self.held
    }
}

/// Whether an organization or team role reads every project below its scope.
pub(in crate::authz) fn reads_projects(held: &Held) -> bool {
    held.role.grants_on(Scope::Team, keys::PROJECT_READ.as_str())
        || held.role.grants_on(Scope::Project, keys::PROJECT_READ.as_str())
}

impl Grants {
    /// What the viewer holds, to change (copied first when shared).
    pub(in crate::authz) fn held_mut(&mut self) -> &mut HeldGrants {
        Arc::make_mut(&mut self.held)
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
    /// member alone, not for passing on through roles. The organization's owner, who
    /// stands above every role (RULES.md §9.3), covers every role of it: a preset may
    /// leave a key to no built-in role, for the owner to give through a custom one
    /// (SUPERANNOTATE's "needs permission" cells, seed 004: `explore.datasets`).
    pub fn covers(&self, r: &Resource, role: &RoleInfo) -> bool {
        if self.org_rank(r.org()) == Some(-1) {
            return true;
        }
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
        let held = self.held_mut();
        held.orgs.retain(|_, h| reached(h));
        held.capabilities.retain(|_, h| reached(h));
        held.teams.retain(|_, h| reached(h));
        held.projects.retain(|_, h| reached(h));
        held.group_projects.retain(|_, hs| {
            hs.retain(|h| reached(h));
            !hs.is_empty()
        });
        held.unreached = unreached;
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

    /// RULES.md §3.1: whoever sees a project of the team sees the team, also through an
    /// organization or team role that reads every project below it without `team.read`
    /// (a custom role; `Project.team` is non-null). For a team already reached (its rows
    /// are found through `team_filter`, which asks an organization-wide reader's team to
    /// hold a project: an empty team stays hidden; this answers from the grants alone).
    pub fn sees_team(&self, org: Uuid, team: Uuid) -> bool {
        self.can(&Resource::Team { org, team }, keys::TEAM_READ)
            || self.orgs.get(&org).is_some_and(reads_projects)
            || self.teams.get(&team).is_some_and(reads_projects)
            || self.reads_project_in(team)
    }

    pub fn sees_project(&self, org: Uuid, team: Uuid, project: Uuid) -> bool {
        self.can(&Resource::Project { org, team, project, owned: false }, keys::PROJECT_READ)
    }

    /// Whether the viewer sees the scope `r` names (`sees_org`, `sees_team`,
    /// `sees_project`): not only its identity, reached through a publication or a job.
    pub fn sees(&self, r: &Resource) -> bool {
        match *r {
            Resource::Organization { org } => self.sees_org(org),
            Resource::Team { org, team } => self.sees_team(org, team),
            Resource::Project { org, team, project, .. } => self.sees_project(org, team, project),
        }
    }

    /// Whether the viewer holds `key` on a scope they see (`sees`): a key of a custom role
    /// that gives no sight of its team or project acts on nothing there, and one held
    /// where the scope is only reached (a publication, a job) does not open it (README,
    /// custom roles; RULES.md §9.1). Lists of a scope's members and invitations, and what
    /// is done to them, ask this.
    pub fn can_in_view(&self, r: &Resource, key: impl AsRef<str>) -> bool {
        self.sees(r) && self.can(r, key)
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
