//! Ancestor copies in one place (RULES §9.5). Many tables keep a copy of a project's
//! organization and team next to the project id, so that authorization reads one row
//! instead of walking up the tree. When a project moves (`transferProject`) or comes back
//! (`restoreFromTrash`), `rewrite` puts every copy in the project's new place, inside the
//! caller's transaction. `COPIES` lists the tables it rewrites; `NOT_COPIES` lists the
//! tables whose organization or team columns are something else, and why. A test reads
//! the database catalog and fails when a table with such a column is in neither list.

use crate::authz::Grants;
use crate::db::Sql;
use crate::error::AppResult;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// Where a project is: its workspace, team and organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub organization: Uuid,
    pub team: Uuid,
    pub workspace: Uuid,
}

impl Place {
    pub fn of(p: &entity::project::Model) -> Self {
        Self { organization: p.organization_id, team: p.team_id, workspace: p.workspace_id }
    }

    fn value(&self, column: &str) -> Uuid {
        match column {
            ORGANIZATION => self.organization,
            TEAM => self.team,
            _ => self.workspace,
        }
    }
}

pub const ORGANIZATION: &str = "organization_id";
pub const TEAM: &str = "team_id";
pub const WORKSPACE: &str = "workspace_id";

/// A table whose rows tied to a project (by `project_id`) copy the project's ancestors in
/// `columns`.
pub struct Copy {
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

/// Every stored copy of a project's ancestors, besides the project row itself
/// (`projects`: `workspace_id`, `team_id`, `organization_id` by `id`).
pub const COPIES: &[Copy] = &[
    // Its log follows the project: the old team's members no longer read it.
    Copy { table: "activity", columns: &[ORGANIZATION, TEAM] },
    Copy { table: "datasets", columns: &[ORGANIZATION, TEAM] },
    // Groups belong to an organization: assignments to another one's groups are removed
    // (and audited) first, so the rows left are already in the new organization.
    Copy { table: "group_projects", columns: &[ORGANIZATION] },
    Copy { table: "invitations", columns: &[ORGANIZATION, TEAM] },
    Copy { table: "items", columns: &[ORGANIZATION, TEAM] },
    // Its labeling jobs follow it; assignees are handled by `labeling::assignees::follow_project`.
    Copy { table: "labeling_jobs", columns: &[ORGANIZATION, TEAM] },
    Copy { table: "memberships", columns: &[ORGANIZATION, TEAM] },
    // Dataset subtrees deleted from the project: their payloads are rebased too.
    Copy { table: "trash_entries", columns: &[ORGANIZATION, TEAM] },
];

/// Tables with an organization, team or workspace column that is not a copy of a
/// project's ancestors, with the reason.
pub const NOT_COPIES: &[(&str, &str)] = &[
    ("api_tokens", "the organization a token is restricted to"),
    (
        "audit_entries",
        "the organization's own security record of what happened in it; it never moves (an entry about a project is shown by where the project is now, `AboutFilter::push_sql_following`)",
    ),
    ("capability_grants", "a grant to a member of the organization"),
    ("group_members", "a user's place in a group of the organization"),
    ("groups", "a group belongs to its organization"),
    (
        "labeling_job_assignees",
        "the organization the assignee belongs to, keyed by job: `labeling::assignees::follow_project` removes those who cannot follow a move and rewrites the rest",
    ),
    ("roles", "a custom role belongs to its organization"),
    ("teams", "a team belongs to its organization; teams do not move"),
    ("training_runs", "a team-level object, not in a project"),
    ("workspaces", "a workspace belongs to its team; workspaces do not move"),
];

/// Puts every stored copy of `project`'s ancestors in `to`: the project row, each table
/// of `COPIES` and the payloads of trash entries of its deleted datasets. Group
/// assignments to groups of another organization are removed first (audited as
/// `grants.user_id`'s).
pub async fn rewrite<C: ConnectionTrait>(db: &C, grants: &Grants, project: Uuid, to: &Place) -> AppResult<()> {
    crate::group::service::detach_project(db, grants, project, to.organization).await?;
    crate::labeling::assignees::follow_project(db, grants.user_id, project, to.organization).await?;
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("UPDATE projects SET workspace_id = ")
        .bind(to.workspace)
        .push(", team_id = ")
        .bind(to.team)
        .push(", organization_id = ")
        .bind(to.organization)
        .push(" WHERE id = ")
        .bind(project);
    db.execute_raw(sql.build()).await?;
    for copy in COPIES {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("UPDATE ").push(copy.table).push(" SET ");
        for (i, column) in copy.columns.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push(column).push(" = ").bind(to.value(column));
        }
        sql.push(" WHERE project_id = ").bind(project);
        db.execute_raw(sql.build()).await?;
    }
    crate::trash::service::rebase_payloads(db, project, to).await
}
