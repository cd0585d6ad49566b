//! One visibility rule per kind (RULES.md §3.1, §9.1) as the SQL filter every lookup of
//! that kind applies (so an invisible row is never read into memory). The same rules on
//! loaded rows are `Grants::sees_*`; `tests/api/authz_property.rs` keeps the two
//! renderings equal, kind by kind, on random graphs.
//!
//! `find_visible` is the one by-id lookup of services: the row if it exists and the
//! viewer sees it, otherwise `NOT_FOUND` (never telling hidden from missing).

use super::grants::Grants;
use super::visibility::{ProjectFilter, TeamFilter};
use crate::error::{AppError, AppResult};
use entity::{
    dataset, invitation, item, labeling_job, organization, project, project_version, published_project, team, workspace,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// A kind whose rows the viewer sees or not, by one rule.
pub trait Visible: EntityTrait<Model: crate::db::positional::Positional> {
    /// The primary-key column.
    fn id_column() -> Self::Column;
    /// The primary key of a row.
    fn id_of(row: &Self::Model) -> Uuid;
    /// The rule as a SQL condition on this entity's table; the in-memory rendering is
    /// `Grants::sees_org`, `sees_team` and `sees_project` on the row's ancestors.
    fn condition(grants: &Grants) -> Condition;
    /// The rule for reaching a row as the parent, place or source of another the viewer
    /// sees: `condition`, widened where RULES.md §9.1 opens a kind to more viewers (a
    /// published project with its datasets and the identity of its workspace, team and
    /// organization; an invitation's organization for whoever sees the invitation). The
    /// fields such a reader may not see stay null (`Grants::sees_*` on the same row).
    fn reach(grants: &Grants) -> Condition {
        Self::condition(grants)
    }
}

/// Ids of published projects.
fn published_projects() -> sea_orm::sea_query::SelectStatement {
    Query::select().column(published_project::Column::ProjectId).from(published_project::Entity).to_owned()
}

/// `column` of the published projects (their organization, team or workspace).
fn of_published_projects(column: project::Column) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(column)
        .from(project::Entity)
        .and_where(Expr::col(project::Column::Id).in_subquery(published_projects()))
        .to_owned()
}

impl TeamFilter {
    pub(super) fn condition<C: ColumnTrait>(&self, org: C, team: C) -> Condition {
        let mut c = Condition::any().add(org.is_in(self.full_orgs.clone())).add(team.is_in(self.team_ids.clone()));
        if !self.project_orgs.is_empty() {
            let holding = Query::select()
                .column(project::Column::TeamId)
                .from(project::Entity)
                .and_where(project::Column::OrganizationId.is_in(self.project_orgs.clone()))
                .to_owned();
            c = c.add(team.in_subquery(holding));
        }
        c
    }

    /// As `condition`, with the teams of `project_orgs` also when they hold no project, as
    /// `Grants::sees_team` answers from the grants: a deleted project's trash entry stays
    /// with the organization-wide project reader who emptied its team.
    pub(super) fn condition_empty_too<C: ColumnTrait>(&self, org: C, team: C) -> Condition {
        let orgs: Vec<Uuid> = self.full_orgs.iter().chain(&self.project_orgs).copied().collect();
        Condition::any().add(org.is_in(orgs)).add(team.is_in(self.team_ids.clone()))
    }
}

impl ProjectFilter {
    pub(super) fn condition<C: ColumnTrait>(&self, org: C, team: C, project: C) -> Condition {
        Condition::any()
            .add(org.is_in(self.full_orgs.clone()))
            .add(team.is_in(self.full_teams.clone()))
            .add(project.is_in(self.project_ids.clone()))
    }
}

impl Visible for organization::Entity {
    fn id_column() -> Self::Column {
        organization::Column::Id
    }
    fn id_of(row: &organization::Model) -> Uuid {
        row.id
    }
    fn condition(grants: &Grants) -> Condition {
        Condition::all().add(organization::Column::Id.is_in(grants.organization_ids()))
    }
    /// Also the organization of a published project, of an invitation the viewer sees, and
    /// of a labeling job assigned to the viewer.
    fn reach(grants: &Grants) -> Condition {
        let invited = Query::select()
            .column(invitation::Column::OrganizationId)
            .from(invitation::Entity)
            .cond_where(<invitation::Entity as Visible>::condition(grants))
            .to_owned();
        Condition::any()
            .add(Self::condition(grants))
            .add(organization::Column::Id.in_subquery(of_published_projects(project::Column::OrganizationId)))
            .add(organization::Column::Id.in_subquery(invited))
            .add(organization::Column::Id.is_in(grants.assigned_places(|a| a.organization)))
    }
}

impl Visible for team::Entity {
    fn id_column() -> Self::Column {
        team::Column::Id
    }
    fn id_of(row: &team::Model) -> Uuid {
        row.id
    }
    fn condition(grants: &Grants) -> Condition {
        grants.team_filter().condition(team::Column::OrganizationId, team::Column::Id)
    }
    /// Also the team of a published project, and of a labeling job assigned to the viewer.
    fn reach(grants: &Grants) -> Condition {
        Condition::any()
            .add(Self::condition(grants))
            .add(team::Column::Id.in_subquery(of_published_projects(project::Column::TeamId)))
            .add(team::Column::Id.is_in(grants.assigned_places(|a| a.team)))
    }
}

/// Whoever sees its team.
impl Visible for workspace::Entity {
    fn id_column() -> Self::Column {
        workspace::Column::Id
    }
    fn id_of(row: &workspace::Model) -> Uuid {
        row.id
    }
    fn condition(grants: &Grants) -> Condition {
        grants.team_filter().condition(workspace::Column::OrganizationId, workspace::Column::TeamId)
    }
    /// Also the workspace of a published project, and of a labeling job assigned to the viewer.
    fn reach(grants: &Grants) -> Condition {
        let assigned = Query::select()
            .column(project::Column::WorkspaceId)
            .from(project::Entity)
            .and_where(project::Column::Id.is_in(grants.assigned_places(|a| a.project)))
            .to_owned();
        Condition::any()
            .add(Self::condition(grants))
            .add(workspace::Column::Id.in_subquery(of_published_projects(project::Column::WorkspaceId)))
            .add(workspace::Column::Id.in_subquery(assigned))
    }
}

impl Visible for project::Entity {
    fn id_column() -> Self::Column {
        project::Column::Id
    }
    fn id_of(row: &project::Model) -> Uuid {
        row.id
    }
    fn condition(grants: &Grants) -> Condition {
        grants.project_filter().condition(project::Column::OrganizationId, project::Column::TeamId, project::Column::Id)
    }
    /// Also a published project, and the project of a labeling job assigned to the viewer
    /// (its identity: `Project` answers an assignee nothing of its content).
    fn reach(grants: &Grants) -> Condition {
        Condition::any()
            .add(Self::condition(grants))
            .add(project::Column::Id.in_subquery(published_projects()))
            .add(project::Column::Id.is_in(grants.assigned_places(|a| a.project)))
    }
}

/// Whoever sees its project; and an assignee of a labeling job covering it (issue 15).
impl Visible for dataset::Entity {
    fn id_column() -> Self::Column {
        dataset::Column::Id
    }
    fn id_of(row: &dataset::Model) -> Uuid {
        row.id
    }
    fn condition(grants: &Grants) -> Condition {
        let by_project = grants.project_filter().condition(
            dataset::Column::OrganizationId,
            dataset::Column::TeamId,
            dataset::Column::ProjectId,
        );
        Condition::any().add(by_project).add(grants.assigned_dataset_condition())
    }
    /// Also a dataset of a published project.
    fn reach(grants: &Grants) -> Condition {
        Condition::any().add(Self::condition(grants)).add(dataset::Column::ProjectId.in_subquery(published_projects()))
    }
}

/// Whoever sees its project; and an assignee of a labeling job covering its dataset.
impl Visible for item::Entity {
    fn id_column() -> Self::Column {
        item::Column::Id
    }
    fn id_of(row: &item::Model) -> Uuid {
        row.id
    }
    fn condition(grants: &Grants) -> Condition {
        let by_project =
            grants.project_filter().condition(item::Column::OrganizationId, item::Column::TeamId, item::Column::ProjectId);
        Condition::any().add(by_project).add(grants.assigned_item_condition())
    }
}

/// Whoever sees its project (a version row carries no ancestors: the rule reads them
/// from the project).
impl Visible for project_version::Entity {
    fn id_column() -> Self::Column {
        project_version::Column::Id
    }
    fn id_of(row: &project_version::Model) -> Uuid {
        row.id
    }
    fn condition(grants: &Grants) -> Condition {
        let visible_projects = Query::select()
            .column(project::Column::Id)
            .from(project::Entity)
            .cond_where(<project::Entity as Visible>::condition(grants))
            .to_owned();
        Condition::all()
            .add(Expr::col((project_version::Entity, project_version::Column::ProjectId)).in_subquery(visible_projects))
    }
}

/// Whoever sees its project; and its assignees and reviewers (issue 15, `assigned.rs`).
impl Visible for labeling_job::Entity {
    fn id_column() -> Self::Column {
        labeling_job::Column::Id
    }
    fn id_of(row: &labeling_job::Model) -> Uuid {
        row.id
    }
    fn condition(grants: &Grants) -> Condition {
        let by_project = grants.project_filter().condition(
            labeling_job::Column::OrganizationId,
            labeling_job::Column::TeamId,
            labeling_job::Column::ProjectId,
        );
        Condition::any().add(by_project).add(grants.assigned_job_condition())
    }
}

/// The row of kind `E` with this id if the viewer sees it; otherwise `NOT_FOUND`.
pub async fn find_visible<E: Visible, C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<E::Model> {
    find_visible_row::<E, C>(db, grants, id, false).await
}

/// `find_visible` that also locks the row it finds (PostgreSQL `FOR UPDATE`; SQLite's
/// write transaction holds the database already), in the same statement: a write that
/// serializes on a parent's row finds and locks it in one round trip.
pub async fn find_visible_locked<E: Visible, C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<E::Model> {
    find_visible_row::<E, C>(db, grants, id, true).await
}

/// `find_visible`, or `find_visible_locked` when `lock`.
pub async fn find_visible_row<E: Visible, C: ConnectionTrait>(
    db: &C,
    grants: &Grants,
    id: Uuid,
    lock: bool,
) -> AppResult<E::Model> {
    use sea_orm::QuerySelect;
    let query = E::find().filter(E::id_column().eq(id)).filter(E::condition(grants));
    let query = if lock { query.lock_exclusive() } else { query };
    query.one(db).await?.ok_or(AppError::NotFound)
}

/// The rows of kind `E` among `ids` that satisfy `rule` (`Visible::condition` or
/// `Visible::reach`), in any order.
pub async fn load_where<E: Visible, C: ConnectionTrait>(db: &C, rule: Condition, ids: Vec<Uuid>) -> AppResult<Vec<E::Model>> {
    Ok(crate::db::positional::select(db, E::find().filter(E::id_column().is_in(ids)).filter(rule)).await?)
}
