//! Seeds the permission catalog and the built-in DEFAULT roles (RULES.md §5) as data.
//! The authorization engine reads these rows; no role is compared in code.

use crate::ddl::{grant, insert_builtin_role};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_seed_default_catalog"
    }
}

/// (key, scope, description). `any`: the key applies at the scope of the membership
/// or object it is checked on (organization, team or project).
const PERMISSIONS: &[(&str, &str, &str)] = &[
    ("org.read", "organization", "See the organization and its identity."),
    ("org.update", "organization", "Change the organization's slug, name and contact details."),
    ("org.delete", "organization", "Delete the organization and everything in it."),
    ("org.transfer", "organization", "Transfer ownership to another member."),
    ("member.read", "any", "List the memberships of the scope."),
    ("member.invite", "any", "Invite people to the scope."),
    ("member.manage", "any", "Add, change and remove memberships of the scope."),
    ("team.create", "organization", "Create teams in the organization."),
    ("team.read", "team", "See the team."),
    ("team.update", "team", "Rename the team."),
    ("team.delete", "team", "Delete the team and everything in it."),
    ("workspace.create", "team", "Create workspaces in the team."),
    ("workspace.update", "team", "Rename and describe workspaces."),
    ("workspace.delete", "team", "Delete workspaces (never the team's last one)."),
    ("project.create", "team", "Create projects."),
    ("project.read", "project", "See projects and their members."),
    ("project.update", "project", "Rename and describe projects."),
    ("project.delete", "project", "Delete any project."),
    ("project.delete.own", "project", "Delete projects the viewer created."),
    ("dataset.read", "project", "See datasets."),
    ("dataset.create", "project", "Create datasets."),
    ("dataset.update", "project", "Rename and describe datasets."),
    ("dataset.move", "project", "Move datasets inside their project."),
    ("dataset.delete", "project", "Delete any dataset."),
    ("dataset.delete.own", "project", "Delete datasets in a subtree the viewer created."),
    ("labeling_job.access", "project", "Work on labeling jobs."),
    ("neural_network.access", "team", "Use neural networks and notebooks."),
];

const TEAM_ADMIN: &[&str] = &[
    "team.read",
    "member.read",
    "team.update",
    "team.delete",
    "member.invite",
    "member.manage",
    "workspace.create",
    "workspace.update",
    "workspace.delete",
    "project.create",
    "project.read",
    "dataset.read",
    "project.update",
    "dataset.create",
    "dataset.update",
    "dataset.move",
    "project.delete",
    "dataset.delete",
    "project.delete.own",
    "dataset.delete.own",
    "labeling_job.access",
    "neural_network.access",
];

struct RoleSeed {
    scope: &'static str,
    key: &'static str,
    name: &'static str,
    rank: i32,
    /// (target, keys)
    grants: &'static [(&'static str, &'static [&'static str])],
}

const ROLES: &[RoleSeed] = &[
    RoleSeed {
        scope: "organization",
        key: "owner",
        name: "Owner",
        rank: 0,
        grants: &[
            (
                "organization",
                &[
                    "org.read",
                    "member.read",
                    "org.update",
                    "member.invite",
                    "member.manage",
                    "org.delete",
                    "org.transfer",
                    "team.create",
                ],
            ),
            ("team", TEAM_ADMIN),
        ],
    },
    RoleSeed {
        scope: "organization",
        key: "maintainer",
        name: "Maintainer",
        rank: 1,
        grants: &[
            ("organization", &["org.read", "member.read", "org.update", "member.invite", "member.manage", "team.create"]),
            ("team", TEAM_ADMIN),
        ],
    },
    RoleSeed {
        scope: "organization",
        key: "supervisor",
        name: "Supervisor",
        rank: 2,
        grants: &[("organization", &["org.read", "member.read", "team.create"])],
    },
    RoleSeed {
        scope: "organization",
        key: "worker",
        name: "Worker",
        rank: 3,
        grants: &[("organization", &["org.read", "member.read"])],
    },
    RoleSeed { scope: "team", key: "admin", name: "Admin", rank: 0, grants: &[("team", TEAM_ADMIN)] },
    RoleSeed {
        scope: "team",
        key: "developer",
        name: "Developer",
        rank: 1,
        grants: &[(
            "team",
            &[
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
            ],
        )],
    },
    RoleSeed {
        scope: "team",
        key: "manager",
        name: "Manager",
        rank: 2,
        grants: &[(
            "team",
            &[
                "team.read",
                "member.read",
                "project.read",
                "dataset.read",
                "project.update",
                "dataset.create",
                "dataset.update",
                "dataset.move",
                "labeling_job.access",
            ],
        )],
    },
    RoleSeed {
        scope: "team",
        key: "annotator",
        name: "Annotator",
        rank: 3,
        grants: &[("team", &["team.read", "member.read", "labeling_job.access"])],
    },
    RoleSeed {
        scope: "team",
        key: "viewer",
        name: "Viewer",
        rank: 4,
        grants: &[("team", &["team.read", "member.read", "project.read", "dataset.read"])],
    },
    RoleSeed {
        scope: "project",
        key: "lead",
        name: "Project lead",
        rank: 0,
        grants: &[(
            "project",
            &[
                "project.read",
                "dataset.read",
                "member.read",
                "labeling_job.access",
                "project.update",
                "dataset.delete",
                "dataset.create",
                "dataset.update",
                "dataset.move",
                "member.invite",
                "member.manage",
            ],
        )],
    },
    RoleSeed {
        scope: "project",
        key: "manager",
        name: "Project manager",
        rank: 1,
        grants: &[(
            "project",
            &[
                "project.read",
                "dataset.read",
                "member.read",
                "labeling_job.access",
                "dataset.create",
                "dataset.update",
                "dataset.move",
                "member.invite",
                "member.manage",
            ],
        )],
    },
    RoleSeed {
        scope: "project",
        key: "reviewer",
        name: "Reviewer",
        rank: 2,
        grants: &[("project", &["project.read", "dataset.read", "member.read", "labeling_job.access"])],
    },
    RoleSeed {
        scope: "project",
        key: "labeler",
        name: "Labeler",
        rank: 3,
        grants: &[("project", &["project.read", "dataset.read", "member.read", "labeling_job.access"])],
    },
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut insert = Query::insert()
            .into_table(Alias::new("permissions"))
            .columns([Alias::new("key"), Alias::new("scope_kind"), Alias::new("description")])
            .take();
        for (key, scope, description) in PERMISSIONS {
            insert.values_panic([(*key).into(), (*scope).into(), (*description).into()]);
        }
        m.exec_stmt(insert).await?;

        for role in ROLES {
            let id = insert_builtin_role(m, "builtin", role.scope, role.key, role.name, role.rank).await?;
            let pairs = role.grants.iter().flat_map(|(target, keys)| keys.iter().map(|k| (*target, *k))).collect();
            grant(m, id, &pairs).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.exec_stmt(Query::delete().from_table(Alias::new("role_permissions")).take()).await?;
        m.exec_stmt(Query::delete().from_table(Alias::new("roles")).take()).await?;
        m.exec_stmt(Query::delete().from_table(Alias::new("permissions")).take()).await?;
        Ok(())
    }
}
