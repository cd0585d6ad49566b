//! Labeling-job rules. Managing (create, change, delete, assign, unassign, reopen) needs
//! `labeling_job.manage` on the project; an assignee must be a member of the project's
//! organization holding `labeling_job.access` there (a reviewer also
//! `labeling_job.review`); assignees start, submit and resume their job, reviewers accept
//! or reject it. Every mutation is one write transaction: the grants it decides on are
//! read after the write lock (RULES.md §9.2).

use super::status::{AssigneeRole, Mover, Status};
use crate::activity::{self, Action, Subject};
use crate::audit::{self, AuditAction, Change};
use crate::authz::{Grants, Resource, keys};
use crate::domain::{Description, Name};
use crate::error::{AppError, AppResult};
use crate::request::{RequestCtx, Write};
use chrono::{DateTime, Utc};
use entity::{dataset, labeling_job as job, labeling_job_dataset as job_dataset};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

/// Datasets one job covers, and users assigned to one job, at most.
pub const MAX_JOB_DATASETS: usize = 100;
pub const MAX_JOB_ASSIGNEES: u64 = 100;

/// The project a job is in, as an authz resource.
pub fn resource(j: &job::Model) -> Resource {
    Resource::Project { org: j.organization_id, team: j.team_id, project: j.project_id, owned: false }
}

/// The job if the viewer sees it (`authz`'s rule, in SQL); otherwise `NOT_FOUND`.
pub async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<job::Model> {
    crate::authz::find_visible::<job::Entity, _>(db, grants, id).await
}

async fn lock<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<job::Model> {
    job::Entity::find_by_id(id).lock_exclusive().one(db).await?.ok_or(AppError::NotFound)
}

/// Opens the write transaction of a change to job `id` and returns it with the viewer's
/// grants and the job, locked: the job (and the `user` the change names) is visible
/// (`NOT_FOUND`), the viewer manages its
/// jobs and sees its project (`FORBIDDEN`: a job seen only through an assignment is read
/// only, whatever a custom role holds, or its manager could attach datasets they do not
/// see), decided under the write lock (RULES.md §9.2).
pub(super) async fn open_managed(req: &RequestCtx, id: Uuid, user: Option<Uuid>) -> AppResult<(Write, Grants, job::Model)> {
    open_managed_naming(req, id, user, &[]).await
}

/// `open_managed` for a change that also names `datasets` (`unique_datasets`): each must be
/// one of the job's project the viewer sees (`NOT_FOUND`, before `FORBIDDEN`: RULES.md §3).
async fn open_managed_naming(
    req: &RequestCtx,
    id: Uuid,
    user: Option<Uuid>,
    datasets: &[Uuid],
) -> AppResult<(Write, Grants, job::Model)> {
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let j = find_visible(&txn, &grants, id).await?;
    if let Some(user) = user {
        grants.require_sees_user(&txn, user).await?;
    }
    require_visible_in(&txn, &grants, j.project_id, datasets).await?;
    require_manage(&grants, &j)?;
    let j = lock(&txn, j.id).await?;
    Ok((txn, grants, j))
}

/// Whether the viewer manages the job: `labeling_job.manage` on its project, and the
/// project in view (a job seen only through an assignment is read only, whatever a
/// custom role holds). Every change to a job, its status included, and
/// `LabelingJob.viewerCan` decide here.
fn require_manage(grants: &Grants, j: &job::Model) -> AppResult<()> {
    if !grants.can(&resource(j), keys::LABELING_JOB_MANAGE) {
        return Err(AppError::forbidden("requires labeling_job.manage"));
    }
    if !grants.writes_under(j.organization_id, j.team_id, j.project_id) {
        return Err(AppError::forbidden("read only: the job is seen through its assignment"));
    }
    Ok(())
}

fn state(j: &job::Model) -> serde_json::Value {
    json!({ "jobId": j.id, "projectId": j.project_id, "name": j.name, "status": j.status })
}

pub(super) async fn log<C: ConnectionTrait>(
    db: &C,
    actor: Uuid,
    j: &job::Model,
    action: Action,
    audit: Option<Change>,
) -> AppResult<()> {
    activity::record(db, actor, action, Subject::labeling_job(j)).await?;
    if let Some(change) = audit {
        audit::record(db, change).await?;
    }
    Ok(())
}

pub(super) fn change(
    j: &job::Model,
    actor: Uuid,
    action: AuditAction,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Change {
    Change {
        organization: j.organization_id,
        within: Some(crate::audit::Within::project(j.team_id, j.project_id)),
        actor: Some(actor),
        action,
        target_kind: "LabelingJob",
        target_id: Some(j.id),
        before,
        after,
    }
}

/// The ids, deduplicated in input order; at most `MAX_JOB_DATASETS` (`BAD_USER_INPUT`,
/// checked before anything is read).
fn unique_datasets(ids: &[Uuid]) -> AppResult<Vec<Uuid>> {
    let mut unique: Vec<Uuid> = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    if unique.len() > MAX_JOB_DATASETS {
        return Err(AppError::bad_input("datasetIds", format!("at most {MAX_JOB_DATASETS} datasets")));
    }
    Ok(unique)
}

/// `NOT_FOUND` unless every one of `ids` (distinct) is a dataset of `project` the viewer
/// sees (not of another project, in the trash, missing, or outside an assignee's datasets).
async fn require_visible_in<C: ConnectionTrait>(db: &C, grants: &Grants, project: Uuid, ids: &[Uuid]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = dataset::Entity::find()
        .filter(dataset::Column::Id.is_in(ids.to_vec()))
        .filter(dataset::Column::ProjectId.eq(project))
        .filter(<dataset::Entity as crate::authz::Visible>::condition(grants))
        .count(db)
        .await?;
    if found as usize != ids.len() { Err(AppError::NotFound) } else { Ok(()) }
}

/// Replaces the datasets a job covers with `ids`, those in the trash too: the manager's
/// list is the job's whole scope, and a dataset restored later does not come back to a job
/// whose scope was set since (its assignees would read again what the manager left out).
/// A deleted dataset stays covered while nobody sets the job's datasets.
async fn set_datasets<C: ConnectionTrait>(db: &C, job: Uuid, ids: &[Uuid]) -> AppResult<()> {
    job_dataset::Entity::delete_many().filter(job_dataset::Column::JobId.eq(job)).exec(db).await?;
    let now = crate::db::now();
    let rows = ids
        .iter()
        .map(|d| job_dataset::Model { id: Uuid::now_v7(), job_id: job, dataset_id: *d, created_at: now }.into_active_model());
    if !ids.is_empty() {
        job_dataset::Entity::insert_many(rows).exec_without_returning(db).await?;
    }
    Ok(())
}

pub struct NewJob {
    pub name: Name,
    pub description: Description,
    pub datasets: Vec<Uuid>,
    pub due_at: Option<DateTime<Utc>>,
}

pub async fn create_job(req: &RequestCtx, project: Uuid, new: NewJob) -> AppResult<job::Model> {
    let viewer = req.user()?;
    let datasets = unique_datasets(&new.datasets)?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let p = crate::project::repo::find_visible(&txn, &grants, project).await?;
    require_visible_in(&txn, &grants, p.id, &datasets).await?;
    if !grants.can(&crate::project::repo::resource(&p, viewer.id), keys::LABELING_JOB_MANAGE) {
        return Err(AppError::forbidden("requires labeling_job.manage"));
    }
    let now = crate::db::now();
    let j = job::Model {
        id: Uuid::now_v7(),
        organization_id: p.organization_id,
        team_id: p.team_id,
        project_id: p.id,
        name: new.name.into_string(),
        description: new.description.into_inner(),
        status: Status::Pending.as_str().into(),
        due_at: new.due_at,
        created_by: Some(viewer.id),
        created_at: now,
        updated_at: now,
    };
    job::Entity::insert(j.clone().into_active_model()).exec_without_returning(&txn).await?;
    set_datasets(&txn, j.id, &datasets).await?;
    log(
        &txn,
        viewer.id,
        &j,
        Action::Created,
        Some(change(&j, viewer.id, AuditAction::LabelingJobCreated, None, Some(state(&j)))),
    )
    .await?;
    txn.commit().await?;
    Ok(j)
}

pub struct JobChanges {
    pub name: Option<Name>,
    pub description: Option<Description>,
    pub datasets: Option<Vec<Uuid>>,
    /// `Some(None)` clears the due date.
    pub due_at: Option<Option<DateTime<Utc>>>,
}

pub async fn update_job(req: &RequestCtx, id: Uuid, changes: JobChanges) -> AppResult<job::Model> {
    let viewer = req.user()?;
    let datasets = changes.datasets.as_deref().map(unique_datasets).transpose()?;
    let (txn, _, j) = open_managed_naming(req, id, None, datasets.as_deref().unwrap_or_default()).await?;
    if let Some(datasets) = &datasets {
        set_datasets(&txn, j.id, datasets).await?;
    }
    let mut am = j.into_active_model();
    if let Some(name) = changes.name {
        am.name = Set(name.into_string());
    }
    if let Some(d) = changes.description {
        am.description = Set(d.into_inner());
    }
    if let Some(due) = changes.due_at {
        am.due_at = Set(due);
    }
    am.updated_at = Set(crate::db::now());
    let j = am.update(&txn).await?;
    log(&txn, viewer.id, &j, Action::Updated, None).await?;
    txn.commit().await?;
    Ok(j)
}

pub async fn delete_job(req: &RequestCtx, id: Uuid) -> AppResult<()> {
    let viewer = req.user()?;
    let (txn, _, j) = open_managed(req, id, None).await?;
    job::Entity::delete_by_id(j.id).exec(&txn).await?;
    log(
        &txn,
        viewer.id,
        &j,
        Action::Deleted,
        Some(change(&j, viewer.id, AuditAction::LabelingJobDeleted, Some(state(&j)), None)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Moves the job to `to` (see `status::Status::edge` for who may). Managers may take
/// every edge; assignees and reviewers only theirs, while their assignment opens the job.
pub async fn transition(req: &RequestCtx, id: Uuid, to: Status) -> AppResult<job::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let j = find_visible(&txn, &grants, id).await?;
    let j = lock(&txn, j.id).await?;
    check_transition(&grants, &j, to)?;
    let before = state(&j);
    let mut am = j.into_active_model();
    am.status = Set(to.as_str().into());
    am.updated_at = Set(crate::db::now());
    let j = am.update(&txn).await?;
    let audit = change(&j, viewer.id, AuditAction::LabelingJobStatusChanged, Some(before), Some(state(&j)));
    log(&txn, viewer.id, &j, Action::StatusChanged, Some(audit)).await?;
    txn.commit().await?;
    Ok(j)
}

/// Whether the viewer may move the job to `to` now: `FORBIDDEN` for someone neither a
/// manager nor an assignee, or without the edge's role; `FAILED_PRECONDITION` when the
/// machine has no such edge. `transition` and `LabelingJob.viewerCan` both decide here.
pub fn check_transition(grants: &Grants, j: &job::Model, to: Status) -> AppResult<()> {
    let manager = manages(grants, j);
    let assigned = grants.assignment(j.id).and_then(|a| AssigneeRole::parse(&a.role));
    if !manager && assigned.is_none() {
        return Err(AppError::forbidden("requires labeling_job.manage or an assignment to the job"));
    }
    let from = Status::parse(&j.status).ok_or_else(|| AppError::internal("labeling job with an unknown status"))?;
    let Some(mover) = from.edge(to) else {
        return Err(AppError::precondition(format!(
            "{} job cannot become {}",
            crate::error::with_article(from.as_str()),
            to.as_str()
        )));
    };
    let allowed = manager
        || match mover {
            Mover::Assignee => assigned == Some(AssigneeRole::Assignee),
            Mover::Reviewer => assigned == Some(AssigneeRole::Reviewer) && grants.can(&resource(j), keys::LABELING_JOB_REVIEW),
            Mover::Manager => false,
        };
    if allowed {
        return Ok(());
    }
    Err(AppError::forbidden(match mover {
        Mover::Assignee => "only the job's assignees (or a manager) move it there",
        Mover::Reviewer => "only the job's reviewers (or a manager) accept or reject it",
        Mover::Manager => "requires labeling_job.manage",
    }))
}

/// Whether the viewer manages the job (`require_manage`).
pub fn manages(grants: &Grants, j: &job::Model) -> bool {
    require_manage(grants, j).is_ok()
}
