//! The reference evaluator: the DEFAULT roles and the documented rules, written from
//! the tables (RULES.md §5, README "Roles"), not from the engine.

use orgraph::authz::Resource;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

// ---------------------------------------------------------------- the reference tables

/// Where a key applies, by its family (RULES.md §5 and the catalog's descriptions).
pub(super) fn key_scope(key: &str) -> &'static str {
    const ORG: &[&str] = &[
        "org.read",
        "org.update",
        "org.delete",
        "org.transfer",
        "team.create",
        "role.manage",
        "group.read",
        "group.manage",
        "capability.manage",
        "sdk_token.generate",
        "sdk_token.view",
        "data_catalog.read",
        "data_catalog.write",
        "labeling_service.request",
    ];
    const TEAM: &[&str] = &[
        "team.read",
        "team.update",
        "team.delete",
        "workspace.create",
        "workspace.update",
        "workspace.delete",
        "project.create",
        "neural_network.access",
        "model.view",
        "model.train",
        "orchestrate.access",
    ];
    if ORG.contains(&key) {
        "organization"
    } else if TEAM.contains(&key) {
        "team"
    } else if key.starts_with("member.") {
        "any"
    } else {
        "project"
    }
}

/// The keys RULES.md §5 names: the first 27 of `ALL_KEYS`.
pub const RULES_KEYS: &[&str] = ALL_KEYS.split_at(27).0;

/// Every key of the catalog (the test asserts the engine's catalog has exactly these):
/// RULES.md §5's, then issue 5's.
pub(super) const ALL_KEYS: &[&str] = &[
    "org.read",
    "org.update",
    "org.delete",
    "org.transfer",
    "member.read",
    "member.invite",
    "member.manage",
    "team.create",
    "team.read",
    "team.update",
    "team.delete",
    "workspace.create",
    "workspace.update",
    "workspace.delete",
    "project.create",
    "project.read",
    "project.update",
    "project.delete",
    "project.delete.own",
    "dataset.read",
    "dataset.create",
    "dataset.update",
    "dataset.move",
    "dataset.delete",
    "dataset.delete.own",
    "labeling_job.access",
    "neural_network.access",
    "role.manage",
    "group.read",
    "group.manage",
    "capability.manage",
    "sdk_token.generate",
    "sdk_token.view",
    "data_catalog.read",
    "data_catalog.write",
    "labeling_service.request",
    "model.view",
    "model.train",
    "orchestrate.access",
    "labeling_job.create",
    "label.read",
    "label.read.own",
    "label.create",
    "label.create.own",
    "label.review",
    "label.review.own",
    "label.delete",
    "batch.manage",
    "ontology.manage",
    "benchmark.manage",
    "metrics.view",
    "metrics.view.own",
    "issue.create",
    "issue.create.own",
    "issue.update",
    "issue.update.own",
    "issue.resolve",
    "issue.resolve.own",
    "comment.create",
    "comment.create.own",
    "export.create",
    "export.create.own",
    "workflow.access",
    "explore.datasets",
    "labeling_job.manage",
    "labeling_job.review",
];
pub(super) const GRANTABLE: &[&str] = &["sdk_token.view", "model.train", "orchestrate.access", "explore.datasets"];

/// A role as the reference sees it: the keys it grants on the organization, on every
/// team (and the team's projects) in reach, and on the project of a project membership.
#[derive(Clone, Debug, Default)]
pub(super) struct RefRole {
    pub(super) on_org: BTreeSet<String>,
    pub(super) on_teams: BTreeSet<String>,
    pub(super) on_project: BTreeSet<String>,
}

pub(super) fn set(keys: &[&[&str]]) -> BTreeSet<String> {
    keys.iter().flat_map(|k| k.iter()).map(|k| k.to_string()).collect()
}

/// RULES.md §5 with the issue-5 additions, by (scope, key): owners, maintainers and team
/// admins ("full access") hold every key within their reach; the others hold RULES.md's
/// keys, developers also the model keys, every organization role `sdk_token.generate`.
pub(super) fn default_roles() -> Vec<(&'static str, &'static str, RefRole)> {
    let r = |on_org: &[&[&str]], on_teams: &[&[&str]], on_project: &[&[&str]]| RefRole {
        on_org: set(on_org),
        on_teams: set(on_teams),
        on_project: set(on_project),
    };
    let everything_below: Vec<&str> = ALL_KEYS.iter().copied().filter(|k| key_scope(k) != "organization").collect();
    let everything_below: &[&str] = &everything_below;
    let owner_org: Vec<&str> = ALL_KEYS.iter().copied().filter(|k| matches!(key_scope(k), "organization" | "any")).collect();
    let owner_org: &[&str] = &owner_org;
    let maint_org: Vec<&str> = owner_org
        .iter()
        .copied()
        .filter(|k| !["org.delete", "org.transfer", "capability.manage", "sdk_token.view"].contains(k))
        .collect();
    let maint_org: &[&str] = &maint_org;
    let dev: &[&str] = &[
        "team.read",
        "member.read",
        "project.create",
        "project.read",
        "dataset.read",
        "project.update",
        "dataset.create",
        "dataset.update",
        "dataset.move",
        "project.delete.own",
        "dataset.delete.own",
        "labeling_job.access",
        "neural_network.access",
        // Issue 15 (migration 000015): Supervisely's developer and manager run labeling jobs.
        "labeling_job.manage",
        "labeling_job.review",
    ];
    let manager: &[&str] = &[
        "team.read",
        "member.read",
        "project.read",
        "dataset.read",
        "project.update",
        "dataset.create",
        "dataset.update",
        "dataset.move",
        "labeling_job.access",
        "labeling_job.manage",
        "labeling_job.review",
    ];
    let proj_base: &[&str] = &["project.read", "dataset.read", "member.read", "labeling_job.access"];
    vec![
        ("organization", "owner", r(&[owner_org], &[everything_below], &[])),
        ("organization", "maintainer", r(&[maint_org], &[everything_below], &[])),
        (
            "organization",
            "supervisor",
            r(&[&["org.read", "member.read", "team.create", "group.read", "sdk_token.generate"]], &[], &[]),
        ),
        ("organization", "worker", r(&[&["org.read", "member.read", "sdk_token.generate"]], &[], &[])),
        ("team", "admin", r(&[], &[everything_below], &[])),
        ("team", "developer", r(&[], &[dev, &["model.view", "model.train", "orchestrate.access"]], &[])),
        ("team", "manager", r(&[], &[manager], &[])),
        ("team", "annotator", r(&[], &[&["team.read", "member.read", "labeling_job.access"]], &[])),
        ("team", "viewer", r(&[], &[&["team.read", "member.read", "project.read", "dataset.read"]], &[])),
        (
            "project",
            "lead",
            r(
                &[],
                &[],
                &[
                    proj_base,
                    &[
                        "project.update",
                        "dataset.delete",
                        "dataset.create",
                        "dataset.update",
                        "dataset.move",
                        "member.invite",
                        "member.manage",
                        "labeling_job.manage",
                        "labeling_job.review",
                    ],
                ],
            ),
        ),
        (
            "project",
            "manager",
            r(
                &[],
                &[],
                &[
                    proj_base,
                    &[
                        "dataset.create",
                        "dataset.update",
                        "dataset.move",
                        "member.invite",
                        "member.manage",
                        "labeling_job.manage",
                        "labeling_job.review",
                    ],
                ],
            ),
        ),
        ("project", "reviewer", r(&[], &[], &[proj_base, &["labeling_job.review"]])),
        ("project", "labeler", r(&[], &[], &[proj_base])),
    ]
}

/// A custom role of `scope` built from `keys` (README "Custom roles"): organization keys
/// hold on the organization; team keys on teams; project keys on projects (through
/// teams for organization and team roles); `member.*` at the role's own scope.
pub(super) fn custom_role(scope: &str, keys: &[String]) -> RefRole {
    let mut role = RefRole::default();
    for k in keys {
        let slot = match (key_scope(k), scope) {
            ("any", "organization") | ("organization", _) => &mut role.on_org,
            ("any", "team") | ("team", _) => &mut role.on_teams,
            ("any", _) | ("project", "project") => &mut role.on_project,
            ("project", _) => &mut role.on_teams,
            _ => continue,
        };
        slot.insert(k.clone());
    }
    role
}

/// Whether a key is listed on an object of `level`.
pub(super) fn shown_at(key: &str, level: &str) -> bool {
    match key_scope(key) {
        "any" => true,
        "organization" => level == "organization",
        "team" => level == "team",
        _ => level != "organization",
    }
}

/// One random graph, as the reference holds it.
#[derive(Default)]
pub(super) struct Graph {
    pub(super) org: Uuid,
    pub(super) teams: Vec<Uuid>,
    /// (project, team, created_by)
    pub(super) projects: Vec<(Uuid, Uuid, Uuid)>,
    pub(super) users: Vec<Uuid>,
    pub(super) org_role: HashMap<Uuid, RefRole>,
    pub(super) team_role: HashMap<(Uuid, Uuid), RefRole>,
    pub(super) project_role: HashMap<(Uuid, Uuid), RefRole>,
    /// (user, project) → roles through groups
    pub(super) group_roles: HashMap<(Uuid, Uuid), Vec<RefRole>>,
    pub(super) capabilities: HashMap<Uuid, BTreeSet<String>>,
    /// (dataset, project, team, parent)
    pub(super) datasets: Vec<(Uuid, Uuid, Uuid, Option<Uuid>)>,
    /// (job, project, team, covered dataset)
    pub(super) jobs: Vec<(Uuid, Uuid, Uuid, Uuid)>,
    /// (user, job)
    pub(super) assigned: BTreeSet<(Uuid, Uuid)>,
}

impl Graph {
    /// An organization or team role that reads every project below it.
    pub(super) fn reads_below(&self, r: &RefRole) -> bool {
        r.on_teams.contains("project.read")
    }

    pub(super) fn expected(&self, user: Uuid, r: &Resource) -> BTreeSet<String> {
        let none = RefRole::default();
        let org = self.org_role.get(&user).unwrap_or(&none);
        let caps = self.capabilities.get(&user).cloned().unwrap_or_default();
        let (cap_org, cap_teams): (BTreeSet<String>, BTreeSet<String>) =
            caps.into_iter().partition(|k| matches!(key_scope(k), "organization" | "any"));
        let mut keys: BTreeSet<String> = BTreeSet::new();
        let level = match *r {
            Resource::Organization { .. } => {
                keys.extend(org.on_org.iter().cloned());
                keys.extend(cap_org);
                "organization"
            }
            Resource::Team { team, .. } => {
                keys.extend(org.on_teams.iter().cloned());
                keys.extend(cap_teams);
                if let Some(t) = self.team_role.get(&(user, team)) {
                    keys.extend(t.on_teams.iter().cloned());
                }
                "team"
            }
            Resource::Project { team, project, .. } => {
                keys.extend(org.on_teams.iter().cloned());
                keys.extend(cap_teams);
                if let Some(t) = self.team_role.get(&(user, team)) {
                    keys.extend(t.on_teams.iter().cloned());
                }
                if let Some(p) = self.project_role.get(&(user, project)) {
                    keys.extend(p.on_project.iter().cloned());
                }
                for g in self.group_roles.get(&(user, project)).into_iter().flatten() {
                    keys.extend(g.on_project.iter().cloned());
                }
                "project"
            }
        };
        keys.into_iter().filter(|k| shown_at(k, level)).collect()
    }

    /// `keys` = `expected(user, r)`: a check of `k` also passes with `k.own` on an owned project.
    pub(super) fn expected_can(keys: &BTreeSet<String>, r: &Resource, key: &str) -> bool {
        keys.contains(key) || matches!(r, Resource::Project { owned: true, .. }) && keys.contains(&format!("{key}.own"))
    }

    pub(super) fn expected_sees_project(&self, user: Uuid, team: Uuid, project: Uuid) -> bool {
        self.expected(user, &Resource::Project { org: self.org, team, project, owned: false }).contains("project.read")
    }

    /// Issue 15: an assignment opens its job while the user holds `labeling_job.access`
    /// on the job's project.
    pub(super) fn opens(&self, user: Uuid, job: &(Uuid, Uuid, Uuid, Uuid)) -> bool {
        self.assigned.contains(&(user, job.0))
            && self
                .expected(user, &Resource::Project { org: self.org, team: job.2, project: job.1, owned: false })
                .contains("labeling_job.access")
    }

    /// A job: whoever sees its project, and its assignees while the assignment opens it.
    pub fn expected_sees_job(&self, user: Uuid, job: Uuid) -> bool {
        let j = self.jobs.iter().find(|j| j.0 == job).expect("a job of the graph");
        self.expected_sees_project(user, j.2, j.1) || self.opens(user, j)
    }

    /// A dataset: whoever sees its project, and the assignees of an open job covering it
    /// or one of its ancestors.
    pub fn expected_sees_dataset(&self, user: Uuid, dataset: Uuid) -> bool {
        let d = self.datasets.iter().find(|d| d.0 == dataset).expect("a dataset of the graph");
        let mut line = vec![d.0];
        let mut parent = d.3;
        while let Some(p) = parent {
            line.push(p);
            parent = self.datasets.iter().find(|x| x.0 == p).and_then(|x| x.3);
        }
        self.expected_sees_project(user, d.2, d.1) || self.jobs.iter().any(|j| line.contains(&j.3) && self.opens(user, j))
    }

    /// A team is seen with `team.read` there, or through a project role that reads one of its projects.
    /// RULES.md §3.1: `team.read`, an explicit member reading its projects, or seeing a
    /// project in the team (an organization role reading every project: only a team that
    /// holds one).
    pub(super) fn expected_sees_team(&self, user: Uuid, team: Uuid) -> bool {
        let reads = |r: &RefRole| r.on_project.contains("project.read");
        self.expected(user, &Resource::Team { org: self.org, team }).contains("team.read")
            || self.team_role.get(&(user, team)).is_some_and(|r| self.reads_below(r))
            || (self.org_role.get(&user).is_some_and(|r| self.reads_below(r)) && self.projects.iter().any(|p| p.1 == team))
            || self.projects.iter().filter(|p| p.1 == team).any(|p| {
                self.project_role.get(&(user, p.0)).is_some_and(reads)
                    || self.group_roles.get(&(user, p.0)).into_iter().flatten().any(reads)
            })
    }
}
