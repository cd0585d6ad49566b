//! The labeling-job part of the mutation and subscription roots, with their inputs and
//! payloads (the job's types and reads: `schema.rs`).

use super::assignees;
use super::schema::{LabelingJob, LabelingJobAssignment, LabelingJobRole, LabelingJobStatus, visible_job};
use super::service::{self, JobChanges, NewJob};
use crate::domain::{Description, Name};
use crate::error::AppError;
use crate::graphql::context::CtxExt;
use crate::graphql::ids::{Kind, decode_as};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

fn dataset_ids(ids: &[ID]) -> Result<Vec<Uuid>, AppError> {
    if ids.len() > service::MAX_JOB_DATASETS {
        return Err(AppError::bad_input("datasetIds", format!("at most {} datasets", service::MAX_JOB_DATASETS)));
    }
    ids.iter().map(|id| decode_as(id, Kind::Dataset, "datasetIds")).collect()
}

/// A due date as both databases keep it: a four-digit year (RFC 3339, and PostgreSQL's
/// range: year -5000 answered `INTERNAL` there and was kept on SQLite), to the microsecond
/// (PostgreSQL's precision; SQLite kept nanoseconds and answered them back).
/// A leap second (`:60`, which chrono reads in any minute) is refused: PostgreSQL rolled it
/// into the next minute (`9999-12-31T23:59:60Z` into year 10000) and SQLite kept it.
fn due_date(at: Option<DateTime<Utc>>) -> Result<Option<DateTime<Utc>>, AppError> {
    use chrono::{Datelike, SubsecRound, Timelike};
    match at {
        Some(at) if !(0..=9999).contains(&at.year()) => {
            Err(AppError::bad_input("dueAt", "a date with a four-digit year (0000-9999)"))
        }
        Some(at) if at.nanosecond() >= 1_000_000_000 => {
            Err(AppError::bad_input("dueAt", "a leap second (:60) is not kept: give the next second"))
        }
        at => Ok(at.map(|at| at.trunc_subsecs(6))),
    }
}

/// Input of `createLabelingJob`.
#[derive(InputObject)]
pub struct CreateLabelingJobInput {
    /// The project (`labeling_job.manage` on it).
    pub project_id: ID,
    /// The job's name (1–128 characters).
    pub name: String,
    /// Free text: instructions for the assignees.
    pub description: Option<String>,
    /// Datasets of the project the job covers (each with its subtree), at most 100.
    pub dataset_ids: Option<Vec<ID>>,
    /// When the work is due: a year 0000-9999, kept to the microsecond (`BAD_USER_INPUT`
    /// outside those years).
    pub due_at: Option<DateTime<Utc>>,
}

/// Result of `createLabelingJob`.
#[derive(SimpleObject)]
pub struct CreateLabelingJobPayload {
    /// The new job, PENDING.
    pub labeling_job: LabelingJob,
}

/// Input of `updateLabelingJob`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateLabelingJobInput {
    /// The job (`labeling_job.manage` on its project).
    pub labeling_job_id: ID,
    /// New name.
    pub name: Option<String>,
    /// New description; empty clears it.
    pub description: Option<String>,
    /// The datasets the job covers from now on (replaces the whole list, at most 100): a
    /// dataset in the trash no longer comes back to the job with its restore.
    pub dataset_ids: Option<Vec<ID>>,
    /// New due date: a year 0000-9999, kept to the microsecond.
    pub due_at: Option<DateTime<Utc>>,
    /// True removes the due date.
    pub clear_due_at: Option<bool>,
}

/// Result of `updateLabelingJob`.
#[derive(SimpleObject)]
pub struct UpdateLabelingJobPayload {
    /// The job after the change.
    pub labeling_job: LabelingJob,
}

/// Input of `deleteLabelingJob`.
#[derive(InputObject)]
pub struct DeleteLabelingJobInput {
    /// The job to delete with its assignments (`labeling_job.manage`); its datasets stay.
    pub labeling_job_id: ID,
}

/// Result of `deleteLabelingJob`.
#[derive(SimpleObject)]
pub struct DeleteLabelingJobPayload {
    /// Id of the deleted job.
    pub deleted_labeling_job_id: ID,
}

/// Input of `assignLabelingJob`.
#[derive(InputObject)]
pub struct AssignLabelingJobInput {
    /// The job (`labeling_job.manage` on its project).
    pub labeling_job_id: ID,
    /// A member of the job's organization whose roles hold `labeling_job.access` on the
    /// project (and `labeling_job.review` to review).
    pub user_id: ID,
    /// ASSIGNEE (default) or REVIEWER.
    pub role: Option<LabelingJobRole>,
}

/// Result of `assignLabelingJob`.
#[derive(SimpleObject)]
pub struct AssignLabelingJobPayload {
    /// The job.
    pub labeling_job: LabelingJob,
    /// The new assignment.
    pub assignment: LabelingJobAssignment,
}

/// Input of `unassignLabelingJob`.
#[derive(InputObject)]
pub struct UnassignLabelingJobInput {
    /// The job (`labeling_job.manage` on its project).
    pub labeling_job_id: ID,
    /// The assigned user.
    pub user_id: ID,
}

/// Result of `unassignLabelingJob` and `transitionLabelingJob`.
#[derive(SimpleObject)]
pub struct LabelingJobPayload {
    /// The job after the change; null when the viewer no longer sees it.
    pub labeling_job: Option<LabelingJob>,
}

/// Input of `transitionLabelingJob`.
#[derive(InputObject)]
pub struct TransitionLabelingJobInput {
    /// The job.
    pub labeling_job_id: ID,
    /// The status to move to: assignees start (IN_PROGRESS), submit (ON_REVIEW) and
    /// resume after a rejection (IN_PROGRESS); reviewers accept (COMPLETED) or reject
    /// (REJECTED); managers may do all of these, reopen a COMPLETED job and take back
    /// one ON_REVIEW (both to IN_PROGRESS).
    pub status: LabelingJobStatus,
}

/// The labeling-job part of the subscription root.
#[derive(Default)]
pub struct LabelingJobSubscription;

#[async_graphql::Subscription]
impl LabelingJobSubscription {
    /// Labeling jobs the viewer is assigned to, delivered as the assignments are made (on
    /// every instance sharing the database); only to the assigned user, and only while the
    /// assignment still opens the job. After a reconnect, clients re-read `viewer.labelingJobs`.
    async fn labeling_job_assigned(&self, ctx: &Context<'_>) -> Result<impl futures_util::Stream<Item = LabelingJob> + use<>> {
        use futures_util::StreamExt;
        let req = ctx.req()?;
        let hub = ctx
            .data::<std::sync::Arc<crate::invitation::hub::Hub>>()
            .map_err(|_| AppError::internal("subscriptions are not available here"))?;
        Ok(hub.assignments_to(req)?.map(LabelingJob))
    }
}

#[derive(Default)]
pub struct LabelingJobMutation;

#[Object]
impl LabelingJobMutation {
    /// Creates a labeling job in a project.
    async fn create_labeling_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CreateLabelingJobInput`).")] input: CreateLabelingJobInput,
    ) -> Result<CreateLabelingJobPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = Name::parse("name", &input.name)?;
        let description = Description::parse("description", input.description.as_deref())?;
        let due_at = due_date(input.due_at)?;
        let datasets = dataset_ids(input.dataset_ids.as_deref().unwrap_or_default())?;
        let project = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let j = service::create_job(req, project, NewJob { name, description, datasets, due_at }).await?;
        Ok(CreateLabelingJobPayload { labeling_job: LabelingJob(j) })
    }

    /// Renames a labeling job, or changes its description, due date or datasets.
    async fn update_labeling_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`UpdateLabelingJobInput`).")] input: UpdateLabelingJobInput,
    ) -> Result<UpdateLabelingJobPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = input.name.as_deref().map(|n| Name::parse("name", n)).transpose()?;
        let description = input.description.as_deref().map(|d| Description::parse("description", Some(d))).transpose()?;
        let datasets = input.dataset_ids.as_deref().map(dataset_ids).transpose()?;
        let due_at = match (input.clear_due_at, input.due_at) {
            (Some(true), Some(_)) => return Err(AppError::bad_input("clearDueAt", "give dueAt or clearDueAt, not both").into()),
            (Some(true), None) => Some(None),
            (_, due) => due_date(due)?.map(Some),
        };
        let id = decode_as(&input.labeling_job_id, Kind::LabelingJob, "labelingJobId")?;
        let j = service::update_job(req, id, JobChanges { name, description, datasets, due_at }).await?;
        Ok(UpdateLabelingJobPayload { labeling_job: LabelingJob(j) })
    }

    /// Deletes a labeling job and its assignments (its datasets stay).
    async fn delete_labeling_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`DeleteLabelingJobInput`).")] input: DeleteLabelingJobInput,
    ) -> Result<DeleteLabelingJobPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.labeling_job_id, Kind::LabelingJob, "labelingJobId")?;
        service::delete_job(req, id).await?;
        Ok(DeleteLabelingJobPayload { deleted_labeling_job_id: input.labeling_job_id })
    }

    /// Assigns a user to label or review a labeling job; they are notified on `labelingJobAssigned`.
    async fn assign_labeling_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`AssignLabelingJobInput`).")] input: AssignLabelingJobInput,
    ) -> Result<AssignLabelingJobPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.labeling_job_id, Kind::LabelingJob, "labelingJobId")?;
        let user = decode_as(&input.user_id, Kind::User, "userId")?;
        let role = input.role.unwrap_or(LabelingJobRole::Assignee).role();
        let (j, a) = assignees::assign(req, id, user, role).await?;
        if let Ok(n) = ctx.data::<std::sync::Arc<crate::invitation::Notifiers>>() {
            n.hub.wake();
        }
        Ok(AssignLabelingJobPayload { labeling_job: LabelingJob(j), assignment: LabelingJobAssignment(a) })
    }

    /// Ends a user's assignment to a labeling job.
    async fn unassign_labeling_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`UnassignLabelingJobInput`).")] input: UnassignLabelingJobInput,
    ) -> Result<LabelingJobPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.labeling_job_id, Kind::LabelingJob, "labelingJobId")?;
        let user = decode_as(&input.user_id, Kind::User, "userId")?;
        assignees::unassign(req, id, user).await?;
        Ok(LabelingJobPayload { labeling_job: visible_job(ctx, id).await? })
    }

    /// Moves a labeling job to another status (see `TransitionLabelingJobInput.status`).
    async fn transition_labeling_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`TransitionLabelingJobInput`).")] input: TransitionLabelingJobInput,
    ) -> Result<LabelingJobPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.labeling_job_id, Kind::LabelingJob, "labelingJobId")?;
        let j = service::transition(req, id, input.status.status()).await?;
        Ok(LabelingJobPayload { labeling_job: Some(LabelingJob(j)) })
    }
}
