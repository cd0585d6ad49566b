//! Visibility through assignment (issue 15; README "Labeling jobs", extending RULES.md
//! §3.1). A user assigned to a labeling job (as assignee or reviewer) sees the job, the
//! datasets it covers with everything below them, and their items — read only — while
//! the assignment exists and the user holds `labeling_job.access` on the job's project
//! (which needs a membership of its organization). Of the project, team and organization
//! they learn only the identity (`LabelingJob.scopePath`).
//!
//! The assignments come with the grants (one statement, `Grants::load`); the rule is
//! rendered twice from them, like every other rule: in memory (`Grants::sees_job`,
//! `sees_dataset`, `sees_item`) and as SQL (`job_condition`, `dataset_condition`,
//! `item_condition`). `tests/api/visibility_property.rs` keeps the two equal.

use super::grants::{GrantRow, Grants, Resource, Who};
use super::keys;
use entity::{dataset, item, labeling_job};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// One assignment of the viewer, with its job's ancestors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub organization: Uuid,
    pub team: Uuid,
    pub project: Uuid,
    /// `ASSIGNEE` or `REVIEWER`.
    pub role: String,
}

/// The viewer's assignments that open something: only those on projects where the
/// viewer holds `labeling_job.access`.
#[derive(Clone, Debug, Default)]
pub struct Assigned {
    /// By job id.
    pub jobs: BTreeMap<Uuid, Assignment>,
    /// (job, dataset) for every dataset (not in the trash) those jobs cover.
    pub covered: BTreeSet<(Uuid, Uuid)>,
}

impl Assigned {
    /// Rows "j" (an assignment) and "jd" (a dataset its job covers) of the grants statement;
    /// `extra` ends each select list (see `Grants::push_branches`).
    pub(super) fn push_statement(sql: &mut crate::db::Sql, who: &Who<'_>, only_org: Option<Uuid>, extra: &str) {
        sql.push(&format!(
            " UNION ALL SELECT 'j', j.id, j.organization_id, j.team_id, a.role, j.project_id, NULL, NULL, 0{extra} \
             FROM labeling_job_assignees a JOIN labeling_jobs j ON j.id = a.job_id WHERE a.user_id = "
        ));
        who.push(sql);
        if let Some(org) = only_org {
            sql.push(" AND j.organization_id = ").bind(org);
        }
        sql.push(&format!(
            " UNION ALL SELECT 'jd', d.id, j.organization_id, j.team_id, NULL, j.id, NULL, NULL, 0{extra} \
             FROM labeling_job_assignees a JOIN labeling_jobs j ON j.id = a.job_id \
             JOIN labeling_job_datasets jd ON jd.job_id = j.id JOIN datasets d ON d.id = jd.dataset_id WHERE a.user_id = "
        ));
        who.push(sql);
        if let Some(org) = only_org {
            sql.push(" AND j.organization_id = ").bind(org);
        }
    }

    /// Takes a "j" or "jd" row; false for any other row.
    pub(super) fn take(&mut self, row: &GrantRow) -> bool {
        let (Some(id), Some(org), Some(team), Some(scope)) = (row.id, row.org_id, row.team_id, row.scope_id) else {
            return matches!(row.src.as_str(), "j" | "jd");
        };
        match row.src.as_str() {
            "j" => {
                let role = row.scope_kind.clone().unwrap_or_default();
                self.jobs.insert(id, Assignment { organization: org, team, project: scope, role });
                true
            }
            "jd" => {
                self.covered.insert((scope, id));
                true
            }
            _ => false,
        }
    }

    /// Keeps the assignments `keep` accepts, and the datasets of the jobs kept.
    pub(super) fn retain(&mut self, keep: impl Fn(&Assignment) -> bool) {
        self.jobs.retain(|_, a| keep(a));
        let jobs = &self.jobs;
        self.covered.retain(|(job, _)| jobs.contains_key(job));
    }

    /// The covered datasets (each stands for its subtree).
    pub fn roots(&self) -> BTreeSet<Uuid> {
        self.covered.iter().map(|(_, d)| *d).collect()
    }

    /// Whether a dataset with this id and materialized path is in a covered subtree.
    pub fn covers(&self, id: Uuid, path: &str) -> bool {
        self.covered.iter().any(|(_, root)| *root == id || path.contains(&format!("/{root}/")))
    }

    /// The rule on a dataset table (`id`, `path` columns) as SQL.
    fn covered_condition(&self, id: Expr, path: impl Fn() -> Expr) -> Condition {
        let roots: Vec<Uuid> = self.roots().into_iter().collect();
        let mut c = Condition::any().add(id.is_in(roots.clone()));
        for root in roots {
            c = c.add(path().like(format!("%/{root}/%")));
        }
        c
    }
}

impl Grants {
    /// Drops the assignments on projects where the viewer does not hold
    /// `labeling_job.access` (after the roles are read).
    pub(super) fn settle_assignments(&mut self) {
        let mut assigned = std::mem::take(&mut self.held_mut().assigned);
        assigned.retain(|a| {
            let r = Resource::Project { org: a.organization, team: a.team, project: a.project, owned: false };
            self.admits(a.organization) && self.holds(&r, keys::LABELING_JOB_ACCESS.as_str())
        });
        self.held_mut().assigned = assigned;
    }

    /// Whether the viewer may change things under a project at all: what only an
    /// assignment opens (its datasets and items) is read only, whatever keys a role holds;
    /// a write there is refused by permission (`FORBIDDEN`: the viewer sees it).
    pub fn writes_under(&self, org: Uuid, team: Uuid, project: Uuid) -> bool {
        self.sees_project(org, team, project)
    }

    /// The viewer's assignment to `job`, if it opens the job (see the module).
    pub fn assignment(&self, job: Uuid) -> Option<&Assignment> {
        self.assigned.jobs.get(&job)
    }

    /// A labeling job: seen by whoever sees its project, and through assignment.
    pub fn sees_job(&self, j: &labeling_job::Model) -> bool {
        self.sees_project(j.organization_id, j.team_id, j.project_id) || self.assigned.jobs.contains_key(&j.id)
    }

    /// A dataset: seen by whoever sees its project, and when an assignment covers it.
    pub fn sees_dataset(&self, d: &dataset::Model) -> bool {
        self.sees_project(d.organization_id, d.team_id, d.project_id) || self.assigned.covers(d.id, &d.path)
    }

    /// An item, given its dataset's row: as the dataset.
    pub fn sees_item(&self, i: &item::Model, in_dataset: &dataset::Model) -> bool {
        in_dataset.id == i.dataset_id && self.sees_dataset(in_dataset)
    }

    /// Jobs opened by assignment, as SQL on `labeling_jobs`.
    pub fn assigned_job_condition(&self) -> Condition {
        Condition::all().add(labeling_job::Column::Id.is_in(self.assigned.jobs.keys().copied().collect::<Vec<_>>()))
    }

    /// Datasets opened by assignment, as SQL on `datasets`.
    pub fn assigned_dataset_condition(&self) -> Condition {
        self.assigned.covered_condition(Expr::col((dataset::Entity, dataset::Column::Id)), || {
            Expr::col((dataset::Entity, dataset::Column::Path))
        })
    }

    /// Items opened by assignment, as SQL on `items`: their dataset is covered.
    pub fn assigned_item_condition(&self) -> Condition {
        let covered = Query::select()
            .column((dataset::Entity, dataset::Column::Id))
            .from(dataset::Entity)
            .cond_where(self.assigned_dataset_condition())
            .to_owned();
        Condition::all().add(Expr::col((item::Entity, item::Column::DatasetId)).in_subquery(covered))
    }

    /// The projects, teams and organizations of the viewer's assignments, whose identity an
    /// assignee reaches (`Visible::reach`; their content stays behind the visible rule).
    pub fn assigned_places(&self, of: impl Fn(&Assignment) -> Uuid) -> Vec<Uuid> {
        self.assigned.jobs.values().map(of).collect::<BTreeSet<_>>().into_iter().collect()
    }

    /// The job ids opened by assignment (for list filters rendered as raw SQL).
    pub fn assigned_job_ids(&self) -> Vec<Uuid> {
        self.assigned.jobs.keys().copied().collect()
    }
}
