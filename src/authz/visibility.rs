//! Visibility as query filters (STYLE.md habit 2): the same rules as `Grants::sees_*`,
//! rendered as SQL so lists and loaders never read past what the viewer may see.

use super::catalog::Scope;
use super::grants::{Grants, reads_projects};
use super::keys;
use crate::db::Sql;
use crate::error::AppResult;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// Teams the viewer sees: every team of `full_orgs`, the teams of `project_orgs` that hold
/// a project, plus `team_ids`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TeamFilter {
    pub full_orgs: Vec<Uuid>,
    pub team_ids: Vec<Uuid>,
    /// Organizations whose role reads every project without `team.read` (a custom role):
    /// whoever sees a project of a team sees the team (RULES.md §3.1), an empty one not.
    pub project_orgs: Vec<Uuid>,
}

/// Projects the viewer sees: every project of `full_orgs` and `full_teams`, plus `project_ids`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectFilter {
    pub full_orgs: Vec<Uuid>,
    pub full_teams: Vec<Uuid>,
    pub project_ids: Vec<Uuid>,
}

/// Where the viewer holds one permission key (`Grants::can` without `.own`), per level
/// of the scope a row names: organizations; teams; projects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HoldsFilter {
    pub orgs: Vec<Uuid>,
    pub teams: TeamFilter,
    pub projects: ProjectFilter,
}

/// Groups the viewer sees: every group of `read_orgs` (`group.read` or `group.manage` there), and in
/// `member_orgs` (organizations the viewer belongs to) the groups they are a member of.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupFilter {
    pub read_orgs: Vec<Uuid>,
    pub member_orgs: Vec<Uuid>,
    pub viewer: Uuid,
}

/// Users the viewer sees (RULES.md §3.1): themself, and whoever shares an organization with
/// them (holds an organization-level membership in one the viewer belongs to).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserFilter {
    pub viewer: Uuid,
    pub orgs: Vec<Uuid>,
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids.dedup();
    ids
}

impl Grants {
    pub fn user_filter(&self) -> UserFilter {
        UserFilter { viewer: self.user_id, orgs: self.organization_ids() }
    }

    /// Whether the viewer sees `user` (`UserFilter`), read through `db` (a write's
    /// transaction too). A user who does not exist is not seen either.
    pub async fn sees_user<C: ConnectionTrait>(&self, db: &C, user: Uuid) -> AppResult<bool> {
        if user == self.user_id {
            return Ok(true);
        }
        let mut sql = Sql::new(crate::db::backend(db));
        sql.push("SELECT u.id FROM users u WHERE u.id = ").bind(user).push(" AND ");
        self.user_filter().push_sql(&mut sql, "u.id");
        Ok(db.query_one_raw(sql.build()).await?.is_some())
    }

    /// `sees_user` as a check: a user the viewer does not see is `NOT_FOUND`, existing or
    /// not (RULES.md §9.8), before any permission is decided on the object the user is
    /// named for (§3: visibility, then permission).
    pub async fn require_sees_user<C: ConnectionTrait>(&self, db: &C, user: Uuid) -> AppResult<()> {
        if self.sees_user(db, user).await? { Ok(()) } else { Err(crate::error::AppError::NotFound) }
    }

    pub fn team_filter(&self) -> TeamFilter {
        // `Grants::sees_team`: `team.read`, or reading the projects below (whoever sees a
        // project of a team sees the team; an explicit member reading them, the team).
        let reads_teams = |h: &super::Held| h.role.grants_on(Scope::Team, keys::TEAM_READ.as_str());
        let full_orgs = self.orgs.iter().filter(|(_, h)| reads_teams(h)).map(|(id, _)| *id);
        let project_orgs = self.orgs.iter().filter(|(_, h)| !reads_teams(h) && reads_projects(h)).map(|(id, _)| *id);
        let explicit = self.teams.iter().filter(|(_, h)| reads_teams(h) || reads_projects(h)).map(|(id, _)| *id);
        let via_projects = self
            .projects
            .values()
            .chain(self.group_projects.values().flatten())
            .filter(|h| h.role.grants_on(Scope::Project, keys::PROJECT_READ.as_str()))
            .filter_map(|h| h.team_id);
        TeamFilter {
            full_orgs: sorted(full_orgs.collect()),
            team_ids: sorted(explicit.chain(via_projects).collect()),
            project_orgs: sorted(project_orgs.collect()),
        }
    }

    /// Where the viewer holds `key`, as `Grants::can` decides it from the same sources:
    /// organization and capability roles at the grant targets of each level, team roles
    /// below, project and group roles on their project.
    pub fn holds_filter(&self, key: &str) -> HoldsFilter {
        const ORG: &[Scope] = &[Scope::Organization];
        const TEAM: &[Scope] = &[Scope::Team];
        const PROJECT: &[Scope] = &[Scope::Team, Scope::Project];
        let grant = |h: &super::Held, targets: &[Scope]| targets.iter().any(|t| h.role.grants_on(*t, key));
        let applies = |level| self.catalog.applies_at(key, level);
        let orgs_granting = |targets: &[Scope]| {
            sorted(self.orgs.iter().chain(&self.capabilities).filter(|(_, h)| grant(h, targets)).map(|(id, _)| *id).collect())
        };
        let teams_granting =
            |targets: &[Scope]| sorted(self.teams.iter().filter(|(_, h)| grant(h, targets)).map(|(id, _)| *id).collect());
        let mut out = HoldsFilter {
            orgs: vec![],
            teams: TeamFilter { full_orgs: vec![], team_ids: vec![], project_orgs: vec![] },
            projects: ProjectFilter { full_orgs: vec![], full_teams: vec![], project_ids: vec![] },
        };
        if applies(Scope::Organization) {
            out.orgs = orgs_granting(ORG);
        }
        if applies(Scope::Team) {
            out.teams = TeamFilter { full_orgs: orgs_granting(TEAM), team_ids: teams_granting(TEAM), project_orgs: vec![] };
        }
        if applies(Scope::Project) {
            let direct = self.projects.iter().filter(|(_, h)| grant(h, PROJECT)).map(|(id, _)| *id);
            let groups = self.group_projects.iter().filter(|(_, hs)| hs.iter().any(|h| grant(h, PROJECT))).map(|(id, _)| *id);
            out.projects = ProjectFilter {
                full_orgs: orgs_granting(PROJECT),
                full_teams: teams_granting(PROJECT),
                project_ids: sorted(direct.chain(groups).collect()),
            };
        }
        out
    }

    pub fn group_filter(&self) -> GroupFilter {
        let member_orgs = sorted(self.organization_ids());
        // Whoever manages the organization's groups sees them too (a custom role may hold
        // `group.manage` without `group.read`: it created groups it could never reach).
        let read: Vec<Uuid> =
            [keys::GROUP_READ, keys::GROUP_MANAGE].iter().flat_map(|k| self.holds_filter(k.as_str()).orgs).collect();
        let read_orgs = member_orgs.iter().copied().filter(|o| read.contains(o)).collect();
        GroupFilter { read_orgs, member_orgs, viewer: self.user_id }
    }

    pub fn project_filter(&self) -> ProjectFilter {
        let reads = |h: &&super::Held| reads_projects(h);
        ProjectFilter {
            full_orgs: sorted(self.orgs.iter().filter(|(_, h)| reads(h)).map(|(id, _)| *id).collect()),
            full_teams: sorted(self.teams.iter().filter(|(_, h)| reads(h)).map(|(id, _)| *id).collect()),
            project_ids: sorted(
                self.projects
                    .iter()
                    .filter(|(_, h)| reads(h))
                    .map(|(id, _)| *id)
                    .chain(self.group_projects.iter().filter(|(_, hs)| hs.iter().any(|h| reads(&h))).map(|(id, _)| *id))
                    .collect(),
            ),
        }
    }
}

/// Which rows about a team or a project in it the viewer sees (activity, audit entries):
/// one about the team itself (`project_col` null) if they see the team, one about a
/// project if they see the project; a row about neither (`team_col` null) is about the
/// organization itself. Built once per statement from the viewer's grants.
pub struct AboutFilter {
    teams: TeamFilter,
    projects: ProjectFilter,
}

impl Grants {
    pub fn about_filter(&self) -> AboutFilter {
        AboutFilter { teams: self.team_filter(), projects: self.project_filter() }
    }

    /// As `about_filter`, for rows about a team or project where the viewer holds `key`
    /// (audit entries about memberships: where the viewer may list the members).
    pub fn about_filter_holding(&self, key: &str) -> AboutFilter {
        let held = self.holds_filter(key);
        AboutFilter { teams: held.teams, projects: held.projects }
    }
}

impl AboutFilter {
    /// Appends the filter for rows of alias `t` with `t.organization_id`, `t.team_id` and
    /// `t.project_id`.
    pub fn push_sql(&self, sql: &mut Sql) {
        sql.push("(t.team_id IS NULL OR (t.project_id IS NULL AND ");
        self.teams.push_sql_on(sql, "t.organization_id", "t.team_id");
        sql.push(") OR (t.project_id IS NOT NULL AND ");
        self.projects.push_sql_on(sql, "t.project_id");
        sql.push("))");
    }

    /// As `push_sql`, for a team's own feed (`Team.activity`): nothing unless the viewer
    /// sees the team itself. An entry about a project that has left the team (a
    /// transfer's, kept in the old team) is not shown to whoever sees only the project, or
    /// reaches the team's identity through a publication (RULES.md §9.1).
    pub fn push_sql_in_seen_team(&self, sql: &mut Sql) {
        sql.push("(");
        self.teams.push_sql_on(sql, "t.organization_id", "t.team_id");
        sql.push(" AND ");
        self.push_sql(sql);
        sql.push(")");
    }

    /// As `push_sql`, for rows a project's move does not rewrite (audit entries, the
    /// organization's record): a row about a project follows the project where it is now
    /// (RULES.md §9.5), and stays with whoever sees every project of the row's organization.
    /// A row about a project that no longer exists stays with the team it was written
    /// under, for whoever sees every project of that team (as the activity feed): deleting
    /// a project shows its trail to nobody who could not read it before.
    pub fn push_sql_following(&self, sql: &mut Sql) {
        sql.push("(t.team_id IS NULL OR (t.project_id IS NULL AND ");
        self.teams.push_sql_on(sql, "t.organization_id", "t.team_id");
        sql.push(") OR (t.project_id IS NOT NULL AND (t.organization_id IN ").bind_list(&self.projects.full_orgs).push(" OR ");
        self.projects.push_sql_project_in(sql, "t.project_id");
        sql.push(" OR (NOT EXISTS (SELECT 1 FROM projects gone WHERE gone.id = t.project_id) AND t.team_id IN ")
            .bind_list(&self.projects.full_teams)
            .push("))))");
    }
}

impl UserFilter {
    /// Appends the filter for rows that name a user in `user_col`.
    pub fn push_sql(&self, sql: &mut Sql, user_col: &str) {
        sql.push(&format!("({user_col} = "))
            .bind(self.viewer)
            .push(&format!(
                " OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = {user_col} AND m.scope_kind = 'organization' \
                 AND m.organization_id IN "
            ))
            .bind_list(&self.orgs)
            .push("))");
    }
}

impl TeamFilter {
    /// Appends `(organization_id IN … OR id IN …)` for table alias `t`.
    pub fn push_sql(&self, sql: &mut Sql) {
        self.push_sql_on(sql, "t.organization_id", "t.id");
    }

    /// Appends the filter for rows that name a team in `team_col` and its organization
    /// in `org_col` (a workspace, a team-level activity entry).
    pub fn push_sql_on(&self, sql: &mut Sql, org_col: &str, team_col: &str) {
        sql.push(&format!("({org_col} IN "))
            .bind_list(&self.full_orgs)
            .push(&format!(" OR {team_col} IN "))
            .bind_list(&self.team_ids);
        if !self.project_orgs.is_empty() {
            sql.push(&format!(" OR {team_col} IN (SELECT tp.team_id FROM projects tp WHERE tp.organization_id IN "))
                .bind_list(&self.project_orgs)
                .push(")");
        }
        sql.push(")");
    }
}

impl ProjectFilter {
    /// Appends the filter for the `projects` table (alias `t`).
    pub fn push_sql(&self, sql: &mut Sql) {
        self.push_sql_on(sql, "t.id");
    }

    /// Appends the filter for rows of alias `t` that carry a project's ancestors in
    /// `t.organization_id` and `t.team_id` and the project's id in `project_col`.
    pub fn push_sql_on(&self, sql: &mut Sql, project_col: &str) {
        self.push_sql_cols(sql, "t.organization_id", "t.team_id", project_col);
    }

    /// Appends the filter for rows that carry a project's ancestors in `org_col` and
    /// `team_col` and the project's id in `project_col`.
    pub fn push_sql_cols(&self, sql: &mut Sql, org_col: &str, team_col: &str, project_col: &str) {
        sql.push(&format!("({org_col} IN "))
            .bind_list(&self.full_orgs)
            .push(&format!(" OR {team_col} IN "))
            .bind_list(&self.full_teams)
            .push(&format!(" OR {project_col} IN "))
            .bind_list(&self.project_ids)
            .push(")");
    }

    /// As `push_sql_on`, for a project's own feed (`Project.activity`): nothing unless the
    /// viewer sees the project where it is now (a published project reached through
    /// `explore` opens no history, RULES.md §9.1); then the entries the viewer may read
    /// where they were written (a transfer's entry left in the old team's log stays with
    /// whoever sees that team's projects).
    pub fn push_sql_in_seen_project(&self, sql: &mut Sql, project_col: &str) {
        sql.push("(");
        self.push_sql_project_in(sql, project_col);
        sql.push(" AND ");
        self.push_sql_on(sql, project_col);
        sql.push(")");
    }

    /// Appends `{project_col} IN (the projects the viewer sees)`, for rows that carry only
    /// a project id (versions).
    pub fn push_sql_project_in(&self, sql: &mut Sql, project_col: &str) {
        sql.push(&format!("{project_col} IN (SELECT vp.id FROM projects vp WHERE "));
        self.push_sql_cols(sql, "vp.organization_id", "vp.team_id", "vp.id");
        sql.push(")");
    }
}

impl GroupFilter {
    /// Appends the filter for the `groups` table (alias `t`).
    pub fn push_sql(&self, sql: &mut Sql) {
        sql.push("(t.organization_id IN ")
            .bind_list(&self.read_orgs)
            .push(" OR (t.organization_id IN ")
            .bind_list(&self.member_orgs)
            .push(" AND EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = t.id AND gm.user_id = ")
            .bind(self.viewer)
            .push(")))");
    }
}
