//! The role catalogs as data: the permission keys added for issue 5 and the built-in
//! roles of the four per-system presets (seeds 000, 002, 003, 004). Each role lists its
//! keys by grant target: `org` keys hold on the organization, `team` keys on every team
//! in reach (and, for project keys, on the team's projects), `project` keys on the
//! project. Decisions taken where a seed's table lost its checkmarks are recorded in the
//! preset tables under `tests/api/presets/`.

/// (key, scope, description, grantable as an individual capability).
pub const NEW_PERMISSIONS: &[(&str, &str, &str, bool)] = &[
    ("role.manage", "organization", "Create, change and delete the organization's custom roles.", false),
    ("group.read", "organization", "See the organization's user groups, their members and project assignments.", false),
    ("group.manage", "organization", "Create, change and delete user groups and assign them to projects.", false),
    ("capability.manage", "organization", "Grant and revoke individual capabilities to members.", false),
    ("sdk_token.generate", "organization", "Generate an SDK / API token restricted to the organization.", false),
    ("sdk_token.view", "organization", "View the organization's SDK tokens.", true),
    ("data_catalog.read", "organization", "View datasets in the organization's data catalog.", false),
    ("data_catalog.write", "organization", "Import data and create datasets, filters and slices in the data catalog.", false),
    ("labeling_service.request", "organization", "Request external labeling services.", false),
    ("model.view", "team", "View models and every training session of the team.", false),
    ("model.train", "team", "Run model training: start, change and stop training sessions.", true),
    ("orchestrate.access", "team", "Use Orchestrate (pipelines).", true),
    ("labeling_job.create", "project", "Create and assign labeling jobs (tasks).", false),
    ("label.read", "project", "View every label.", false),
    ("label.read.own", "project", "View labels the viewer created.", false),
    ("label.create", "project", "Create and modify labels.", false),
    ("label.create.own", "project", "Create labels and modify the viewer's own labels.", false),
    ("label.review", "project", "Review labels.", false),
    ("label.review.own", "project", "Review labels on assets assigned to the viewer.", false),
    ("label.delete", "project", "Delete labels.", false),
    ("batch.manage", "project", "Create, rename and delete batches; remove labels from a batch.", false),
    ("ontology.manage", "project", "Create and modify ontologies.", false),
    ("benchmark.manage", "project", "Add data rows as benchmarks and receive benchmark rows.", false),
    ("metrics.view", "project", "View own and the team's performance metrics.", false),
    ("metrics.view.own", "project", "View the viewer's own performance metrics.", false),
    ("issue.create", "project", "Create issues.", false),
    ("issue.create.own", "project", "Create issues on the viewer's own assets.", false),
    ("issue.update", "project", "Update and delete any issue.", false),
    ("issue.update.own", "project", "Update and delete issues the viewer created.", false),
    ("issue.resolve", "project", "Resolve and reopen any issue.", false),
    ("issue.resolve.own", "project", "Resolve and reopen issues the viewer created.", false),
    ("comment.create", "project", "Create, update and delete comments.", false),
    ("comment.create.own", "project", "Comment on the viewer's own assets.", false),
    ("export.create", "project", "Create exports of any data.", false),
    ("export.create.own", "project", "Export the viewer's own labels.", false),
    ("workflow.access", "project", "Open the workflow tab and move data rows between steps.", false),
    ("explore.datasets", "project", "Explore (search and browse) datasets.", true),
];

pub struct RoleSeed {
    pub scope: &'static str,
    pub key: &'static str,
    pub name: &'static str,
    pub rank: i32,
    pub org: &'static [&'static [&'static str]],
    pub team: &'static [&'static [&'static str]],
    pub project: &'static [&'static [&'static str]],
}

const fn role(
    scope: &'static str,
    key: &'static str,
    name: &'static str,
    rank: i32,
    org: &'static [&'static [&'static str]],
    team: &'static [&'static [&'static str]],
    project: &'static [&'static [&'static str]],
) -> RoleSeed {
    RoleSeed { scope, key, name, rank, org, team, project }
}

// Key groups, so each role reads as a short list.
const ORG_READ: &[&str] = &["org.read", "member.read"];
const ORG_MEMBERS: &[&str] = &["member.invite", "member.manage"];
const ORG_ADMIN: &[&str] = &[
    "org.update",
    "team.create",
    "role.manage",
    "group.read",
    "group.manage",
    "sdk_token.generate",
    "data_catalog.read",
    "data_catalog.write",
    "labeling_service.request",
];
const ORG_OWNER: &[&str] = &["org.delete", "org.transfer", "capability.manage", "sdk_token.view"];
const TEAM_READ: &[&str] = &["team.read", "member.read"];
const TEAM_MANAGE: &[&str] =
    &["team.update", "team.delete", "member.invite", "member.manage", "workspace.create", "workspace.update", "workspace.delete"];
const PROJECT_READ: &[&str] = &["project.read", "dataset.read"];
const PROJECT_EDIT: &[&str] = &["project.update", "dataset.create", "dataset.update", "dataset.move"];
const PROJECT_ALL: &[&str] = &["project.create", "project.delete", "dataset.delete", "project.delete.own", "dataset.delete.own"];
const PROJECT_OWN: &[&str] = &["project.create", "project.delete.own", "dataset.delete.own"];
const MODELS: &[&str] = &["neural_network.access", "model.view", "model.train", "orchestrate.access"];
/// Full annotation work on a project: labels, reviews, issues, exports, workflow. The
/// `.own` variants are listed too: whoever holds a key holds its restricted form, so a
/// holder of WORK_ALL may assign the reviewer and labeler roles (no-escalation check).
const WORK_ALL: &[&str] = &[
    "label.read.own",
    "label.create.own",
    "label.review.own",
    "metrics.view.own",
    "issue.create.own",
    "issue.update.own",
    "issue.resolve.own",
    "comment.create.own",
    "export.create.own",
    "labeling_job.access",
    "labeling_job.create",
    "label.read",
    "label.create",
    "label.review",
    "label.delete",
    "batch.manage",
    "ontology.manage",
    "benchmark.manage",
    "metrics.view",
    "issue.create",
    "issue.update",
    "issue.resolve",
    "comment.create",
    "export.create",
    "workflow.access",
];
const EXPLORE: &[&str] = &["explore.datasets"];
/// Reviewing: everything on labels short of deleting and managing the project.
const WORK_REVIEW: &[&str] = &[
    "labeling_job.access",
    "label.read",
    "label.create",
    "label.review",
    "metrics.view.own",
    "issue.create",
    "issue.update.own",
    "issue.resolve",
    "comment.create",
    "workflow.access",
];
/// Labeling one's own assets.
const WORK_LABEL: &[&str] = &[
    "labeling_job.access",
    "label.read.own",
    "label.create.own",
    "metrics.view.own",
    "issue.create.own",
    "issue.update.own",
    "comment.create.own",
];
const LABEL_READ: &[&str] = &["label.read"];
const MEMBER_READ: &[&str] = &["member.read"];
const PROJECT_MEMBERS: &[&str] = &["member.invite", "member.manage"];

/// Extra grants for the DEFAULT roles of migration 000002: (scope, role key, target,
/// key groups). RULES.md §5 stays the DEFAULT table for its keys; of the keys issue 5
/// adds, owners, maintainers and team admins (who have "full access") hold every one —
/// so they can build custom roles from the whole catalog — developers the model keys
/// that `neural_network.access` already implied, and every organization role may
/// generate an SDK token, as every member could create a personal access token before.
pub const DEFAULT_ADDITIONS: &[(&str, &str, &str, &[&[&str]])] = &[
    ("organization", "owner", "organization", &[ORG_ADMIN, ORG_OWNER]),
    ("organization", "owner", "team", &[MODELS, WORK_ALL, EXPLORE]),
    ("organization", "maintainer", "organization", &[ORG_ADMIN]),
    ("organization", "maintainer", "team", &[MODELS, WORK_ALL, EXPLORE]),
    ("organization", "supervisor", "organization", &[&["group.read", "sdk_token.generate"]]),
    ("organization", "worker", "organization", &[&["sdk_token.generate"]]),
    ("team", "admin", "team", &[MODELS, WORK_ALL, EXPLORE]),
    ("team", "developer", "team", &[&["model.view", "model.train", "orchestrate.access"]]),
];

/// Every preset has an organization `owner` (rank 0, the one owner), a team `admin`
/// (rank 0, the team invariant) and, as its highest-ranked organization role, the role
/// an accepted team or project invitation gives a newcomer to the organization. The
/// rank-1 organization role is what a former owner becomes.
pub const PRESETS: &[(&str, &[RoleSeed])] =
    &[("SUPERVISELY", SUPERVISELY), ("CVAT", CVAT), ("LABELBOX", LABELBOX), ("SUPERANNOTATE", SUPERANNOTATE)];

/// Seed 000: Supervisely has teams and no organization roles; an instance "owner" and
/// plain "member"s stand in for them. Team roles are the five of the seed.
const SUPERVISELY: &[RoleSeed] = &[
    role(
        "organization",
        "owner",
        "Owner",
        0,
        &[ORG_READ, ORG_MEMBERS, ORG_ADMIN, ORG_OWNER],
        &[TEAM_READ, TEAM_MANAGE, PROJECT_READ, PROJECT_EDIT, PROJECT_ALL, MODELS, WORK_ALL, EXPLORE],
        &[],
    ),
    role("organization", "member", "Member", 1, &[ORG_READ, &["team.create", "sdk_token.generate"]], &[], &[]),
    role(
        "team",
        "admin",
        "Admin",
        0,
        &[],
        &[TEAM_READ, TEAM_MANAGE, PROJECT_READ, PROJECT_EDIT, PROJECT_ALL, MODELS, WORK_ALL, EXPLORE],
        &[],
    ),
    role(
        "team",
        "developer",
        "Developer",
        1,
        &[],
        &[TEAM_READ, PROJECT_READ, PROJECT_EDIT, PROJECT_OWN, MODELS, WORK_ALL, EXPLORE],
        &[],
    ),
    role("team", "manager", "Manager", 2, &[], &[TEAM_READ, PROJECT_READ, PROJECT_EDIT, WORK_ALL, EXPLORE], &[]),
    role("team", "annotator", "Annotator", 3, &[], &[TEAM_READ, WORK_LABEL], &[]),
    role("team", "viewer", "Viewer", 4, &[], &[TEAM_READ, PROJECT_READ, LABEL_READ], &[]),
];

/// Seed 002: CVAT's organization roles. Tasks are projects; a worker reaches only the
/// projects (tasks) assigned to them through a project membership.
const CVAT: &[RoleSeed] = &[
    role(
        "organization",
        "owner",
        "Owner",
        0,
        &[ORG_READ, ORG_MEMBERS, ORG_ADMIN, ORG_OWNER],
        &[TEAM_READ, TEAM_MANAGE, PROJECT_READ, PROJECT_EDIT, PROJECT_ALL, MODELS, WORK_ALL, EXPLORE],
        &[],
    ),
    role(
        "organization",
        "maintainer",
        "Maintainer",
        1,
        &[ORG_READ, ORG_MEMBERS, ORG_ADMIN],
        &[TEAM_READ, TEAM_MANAGE, PROJECT_READ, PROJECT_EDIT, PROJECT_ALL, MODELS, WORK_ALL, EXPLORE],
        &[],
    ),
    role(
        "organization",
        "supervisor",
        "Supervisor",
        2,
        &[ORG_READ, &["team.create", "group.read", "sdk_token.generate"]],
        &[TEAM_READ, PROJECT_READ, PROJECT_EDIT, PROJECT_OWN, PROJECT_MEMBERS, WORK_ALL, EXPLORE],
        &[],
    ),
    role("organization", "worker", "Worker", 3, &[ORG_READ, &["sdk_token.generate"]], &[], &[]),
    role(
        "team",
        "admin",
        "Admin",
        0,
        &[],
        &[TEAM_READ, TEAM_MANAGE, PROJECT_READ, PROJECT_EDIT, PROJECT_ALL, MODELS, WORK_ALL, EXPLORE],
        &[],
    ),
    role("team", "member", "Member", 1, &[], &[TEAM_READ, PROJECT_READ], &[]),
    role(
        "project",
        "supervisor",
        "Task supervisor",
        0,
        &[],
        &[],
        &[MEMBER_READ, PROJECT_READ, PROJECT_EDIT, PROJECT_MEMBERS, WORK_ALL, EXPLORE],
    ),
    role("project", "assignee", "Assignee", 1, &[], &[], &[MEMBER_READ, PROJECT_READ, WORK_REVIEW]),
];

/// Seed 003: Labelbox's workspace-wide roles are organization roles here (they reach
/// every project and a project role cannot lower them); project-based roles are project
/// roles; `member` is Labelbox's "None" default for project-based users.
const LABELBOX: &[RoleSeed] = &[
    role(
        "organization",
        "owner",
        "Owner (Admin)",
        0,
        &[ORG_READ, ORG_MEMBERS, ORG_ADMIN, ORG_OWNER],
        &[TEAM_READ, TEAM_MANAGE, PROJECT_READ, PROJECT_EDIT, PROJECT_ALL, MODELS, WORK_ALL, EXPLORE],
        &[],
    ),
    role(
        "organization",
        "admin",
        "Admin",
        1,
        &[ORG_READ, ORG_MEMBERS, ORG_ADMIN],
        &[TEAM_READ, TEAM_MANAGE, PROJECT_READ, PROJECT_EDIT, PROJECT_ALL, MODELS, WORK_ALL, EXPLORE],
        &[],
    ),
    role(
        "organization",
        "read_only_admin",
        "Read-only Admin",
        2,
        &[ORG_READ, &["group.read", "data_catalog.read"]],
        &[TEAM_READ, PROJECT_READ, &["label.read", "metrics.view", "model.view", "workflow.access"]],
        &[],
    ),
    role(
        "organization",
        "data_admin",
        "Data Admin",
        3,
        &[ORG_READ, &["data_catalog.read", "data_catalog.write", "team.create"]],
        &[TEAM_READ, PROJECT_READ, PROJECT_EDIT, PROJECT_ALL, PROJECT_MEMBERS, MODELS, WORK_ALL, EXPLORE],
        &[],
    ),
    role(
        "organization",
        "project_lead",
        "Project Lead",
        4,
        &[ORG_READ, &["data_catalog.read"]],
        &[
            TEAM_READ,
            PROJECT_READ,
            &["project.update", "dataset.create", "dataset.update", "dataset.move"],
            PROJECT_MEMBERS,
            WORK_ALL,
            EXPLORE,
            &["model.view"],
        ],
        &[],
    ),
    role(
        "organization",
        "team_manager",
        "Team Manager",
        5,
        &[ORG_READ],
        &[TEAM_READ, PROJECT_READ, PROJECT_MEMBERS, WORK_ALL, EXPLORE],
        &[],
    ),
    role("organization", "reviewer", "Reviewer", 6, &[ORG_READ], &[TEAM_READ, PROJECT_READ, WORK_REVIEW], &[]),
    role("organization", "labeler", "Labeler", 7, &[ORG_READ], &[TEAM_READ, PROJECT_READ, WORK_LABEL], &[]),
    role("organization", "member", "None (project-based)", 8, &[ORG_READ], &[], &[]),
    role(
        "team",
        "admin",
        "Admin",
        0,
        &[],
        &[TEAM_READ, TEAM_MANAGE, PROJECT_READ, PROJECT_EDIT, PROJECT_ALL, WORK_ALL, EXPLORE],
        &[],
    ),
    role("team", "member", "Member", 1, &[], &[TEAM_READ], &[]),
    role(
        "project",
        "project_lead",
        "Project-based project lead",
        0,
        &[],
        &[],
        &[MEMBER_READ, PROJECT_READ, PROJECT_EDIT, PROJECT_MEMBERS, WORK_ALL, EXPLORE],
    ),
    role(
        "project",
        "team_manager",
        "Project-based team manager",
        1,
        &[],
        &[],
        &[MEMBER_READ, PROJECT_READ, PROJECT_MEMBERS, WORK_ALL, EXPLORE],
    ),
    role("project", "reviewer", "Project-based reviewer", 2, &[], &[], &[MEMBER_READ, PROJECT_READ, WORK_REVIEW]),
    role("project", "labeler", "Project-based labeler", 3, &[], &[], &[MEMBER_READ, PROJECT_READ, WORK_LABEL]),
];

/// Seed 004: SuperAnnotate's team is an organization here: Team Owner, Team Admin and
/// Contributor. "Needs permission" entries are capabilities (`capability.manage`) the
/// owner grants to individual members.
const SUPERANNOTATE: &[RoleSeed] = &[
    role(
        "organization",
        "owner",
        "Team Owner",
        0,
        &[ORG_READ, ORG_MEMBERS, ORG_ADMIN, ORG_OWNER],
        &[TEAM_READ, TEAM_MANAGE, PROJECT_READ, PROJECT_EDIT, PROJECT_ALL, MODELS, WORK_ALL],
        &[],
    ),
    // No `model.view`: a Team Admin sees every training session only while holding the
    // `model.train` capability; without it, only their own earlier ones (seed 004).
    role(
        "organization",
        "admin",
        "Team Admin",
        1,
        &[ORG_READ, ORG_MEMBERS, &["team.create", "group.read", "group.manage", "data_catalog.read", "data_catalog.write"]],
        &[TEAM_READ, TEAM_MANAGE, PROJECT_READ, PROJECT_EDIT, PROJECT_ALL, &["neural_network.access"], WORK_ALL],
        &[],
    ),
    role("organization", "contributor", "Contributor", 2, &[ORG_READ], &[], &[]),
    role("team", "admin", "Admin", 0, &[], &[TEAM_READ, TEAM_MANAGE, PROJECT_READ, PROJECT_EDIT, PROJECT_ALL, WORK_ALL], &[]),
    role("team", "member", "Member", 1, &[], &[TEAM_READ, PROJECT_READ], &[]),
    role("project", "admin", "Project Admin", 0, &[], &[], &[MEMBER_READ, PROJECT_READ, PROJECT_EDIT, PROJECT_MEMBERS, WORK_ALL]),
    role("project", "qa", "QA", 1, &[], &[], &[MEMBER_READ, PROJECT_READ, WORK_REVIEW]),
    role("project", "annotator", "Annotator", 2, &[], &[], &[MEMBER_READ, PROJECT_READ, WORK_LABEL]),
    role("project", "customer", "Customer", 3, &[], &[], &[MEMBER_READ, PROJECT_READ, LABEL_READ]),
    role("project", "viewer", "Viewer", 4, &[], &[], &[MEMBER_READ, PROJECT_READ]),
];
