//! The `LabelingJob` type, `Project.labelingJobs`, `viewer.labelingJobs` and the
//! labeling-job mutations.

use super::loader::{AssignmentsOfJob, DatasetsOfJob, JobsOfProject, JobsOfViewer};
use super::service;
use super::status::{AssigneeRole, Status};
use crate::connection;
use crate::dataset::schema::{Dataset, DatasetConnection};
use crate::db::page::Page;
use crate::error::AppError;
use crate::graphql::context::{CtxExt, gql};
use crate::graphql::ids::{Kind, encode};
use crate::graphql::pagination::{cost_either, page_args};
use crate::membership::identity::{ScopeIdentity, scope_path};
use crate::project::schema::Project;
use crate::request::VisibleById;
use crate::user::schema::{User, visible_user};
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{labeling_job as job, labeling_job_assignee as assignee};
use uuid::Uuid;

/// A labeling job: a piece of annotation work inside a project — the datasets it covers,
/// who labels and who reviews them, and where the work stands.
#[derive(Clone)]
pub struct LabelingJob(pub job::Model);

connection!(LabelingJobConnection, LabelingJobEdge, LabelingJob, "A page of labeling jobs.", "A labeling job with its cursor.");

/// One user's assignment to a labeling job.
#[derive(Clone)]
pub struct LabelingJobAssignment(pub assignee::Model);

connection!(
    LabelingJobAssignmentConnection,
    LabelingJobAssignmentEdge,
    LabelingJobAssignment,
    "A page of labeling-job assignments.",
    "A labeling-job assignment with its cursor."
);

/// Where a labeling job stands: PENDING → IN_PROGRESS → ON_REVIEW → COMPLETED, or
/// REJECTED (back to IN_PROGRESS).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum LabelingJobStatus {
    /// Created, not started.
    Pending,
    /// Being labeled.
    InProgress,
    /// Submitted; waiting for a reviewer.
    OnReview,
    /// Sent back by a reviewer; the assignees resume it (IN_PROGRESS).
    Rejected,
    /// Accepted by a reviewer.
    Completed,
}

impl LabelingJobStatus {
    fn from_status(s: Status) -> Self {
        match s {
            Status::Pending => Self::Pending,
            Status::InProgress => Self::InProgress,
            Status::OnReview => Self::OnReview,
            Status::Rejected => Self::Rejected,
            Status::Completed => Self::Completed,
        }
    }
    pub(super) fn status(self) -> Status {
        match self {
            Self::Pending => Status::Pending,
            Self::InProgress => Status::InProgress,
            Self::OnReview => Status::OnReview,
            Self::Rejected => Status::Rejected,
            Self::Completed => Status::Completed,
        }
    }
}

/// What an assignee does on a labeling job.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum LabelingJobRole {
    /// Labels the job's datasets; starts, submits and resumes the job.
    Assignee,
    /// Reviews the submitted work; accepts or rejects the job.
    Reviewer,
}

impl LabelingJobRole {
    pub(super) fn role(self) -> AssigneeRole {
        match self {
            Self::Assignee => AssigneeRole::Assignee,
            Self::Reviewer => AssigneeRole::Reviewer,
        }
    }
    fn of(text: &str) -> Option<Self> {
        match AssigneeRole::parse(text)? {
            AssigneeRole::Assignee => Some(Self::Assignee),
            AssigneeRole::Reviewer => Some(Self::Reviewer),
        }
    }
}

/// An action on a labeling job, for `LabelingJob.viewerCan`.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum LabelingJobAction {
    /// `updateLabelingJob`.
    Update,
    /// `deleteLabelingJob`.
    Delete,
    /// `assignLabelingJob` and `unassignLabelingJob`.
    Assign,
    /// PENDING → IN_PROGRESS.
    Start,
    /// IN_PROGRESS → ON_REVIEW.
    Submit,
    /// ON_REVIEW → COMPLETED.
    Accept,
    /// ON_REVIEW → REJECTED.
    Reject,
    /// REJECTED → IN_PROGRESS.
    Resume,
    /// COMPLETED or ON_REVIEW → IN_PROGRESS.
    Reopen,
}

fn status_of(j: &job::Model) -> Result<Status> {
    Ok(Status::parse(&j.status).ok_or_else(|| AppError::internal("labeling job with an unknown status"))?)
}

/// A labeling job: a piece of annotation work inside a project — the datasets it covers,
/// who labels and who reviews them, and where the work stands.
#[Object]
impl LabelingJob {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::LabelingJob, self.0.id)
    }
    /// The job's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Free text: instructions for the assignees.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Where the work stands.
    async fn status(&self) -> Result<LabelingJobStatus> {
        Ok(LabelingJobStatus::from_status(status_of(&self.0)?))
    }
    /// When the work is due; null when no date is set.
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.0.due_at
    }
    /// Who created the job; null when unknown or not visible to the viewer.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, self.0.created_by).await
    }
    /// When the job was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the job last changed (name, description, due date, datasets or status).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The project, as `node(id)` would answer it: null for a viewer who sees the job
    /// only through an assignment (they see the project's identity in `scopePath`).
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        let p = ctx.req()?.loader.load_one(VisibleById::<entity::project::Entity>::new(self.0.project_id)).await.map_err(gql)?;
        Ok(p.map(Project))
    }
    /// The organization, team and project of the job: their id, kind and name (and the
    /// organization's slug), all an assignee learns of them.
    async fn scope_path(&self, ctx: &Context<'_>) -> Result<Vec<ScopeIdentity>> {
        scope_path(ctx, self.0.organization_id, Some(self.0.team_id), Some(self.0.project_id)).await
    }
    /// The datasets the job covers, each with everything below it; datasets in the trash
    /// are left out until restored.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn datasets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the dataset to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<DatasetConnection> {
        let args = page_args(first, after.as_deref(), last, before.as_deref())?;
        let page = ctx.req()?.loader.load_one(DatasetsOfJob(self.0.id, args)).await.map_err(gql)?;
        Ok(DatasetConnection::from_page(page.unwrap_or_else(Page::empty), Dataset))
    }
    /// Who is assigned to label or review the job, oldest assignment first.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn assignments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the assignment to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<LabelingJobAssignmentConnection> {
        let args = page_args(first, after.as_deref(), last, before.as_deref())?;
        let page = ctx.req()?.loader.load_one(AssignmentsOfJob(self.0.id, args)).await.map_err(gql)?;
        Ok(LabelingJobAssignmentConnection::from_page(page.unwrap_or_else(Page::empty), LabelingJobAssignment))
    }
    /// The viewer's own role on the job; null when the viewer is not assigned (or the
    /// assignment no longer opens the job: `labeling_job.access` was lost).
    async fn viewer_role(&self, ctx: &Context<'_>) -> Result<Option<LabelingJobRole>> {
        let grants = ctx.req()?.grants().await?;
        Ok(grants.assignment(self.0.id).and_then(|a| LabelingJobRole::of(&a.role)))
    }
    /// Whether the viewer may take `action` on the job now (the mutations decide the same way).
    async fn viewer_can(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The action to ask about.")] action: LabelingJobAction,
    ) -> Result<bool> {
        let grants = ctx.req()?.grants().await?;
        let to = match action {
            LabelingJobAction::Update | LabelingJobAction::Delete | LabelingJobAction::Assign => {
                return Ok(service::manages(&grants, &self.0));
            }
            LabelingJobAction::Start | LabelingJobAction::Resume | LabelingJobAction::Reopen => Status::InProgress,
            LabelingJobAction::Submit => Status::OnReview,
            LabelingJobAction::Accept => Status::Completed,
            LabelingJobAction::Reject => Status::Rejected,
        };
        let from = status_of(&self.0)?;
        let edge_matches = match action {
            LabelingJobAction::Start => from == Status::Pending,
            LabelingJobAction::Resume => from == Status::Rejected,
            LabelingJobAction::Reopen => matches!(from, Status::Completed | Status::OnReview),
            _ => true,
        };
        Ok(edge_matches && service::check_transition(&grants, &self.0, to).is_ok())
    }
}

/// One user's assignment to a labeling job.
#[Object]
impl LabelingJobAssignment {
    /// The job, as `node(id)` would answer it.
    async fn labeling_job(&self, ctx: &Context<'_>) -> Result<Option<LabelingJob>> {
        visible_job(ctx, self.0.job_id).await
    }
    /// The assigned user; null when the viewer may not see them.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, Some(self.0.user_id)).await
    }
    /// Labels (ASSIGNEE) or reviews (REVIEWER).
    async fn role(&self) -> Result<LabelingJobRole> {
        Ok(LabelingJobRole::of(&self.0.role).ok_or_else(|| AppError::internal("assignment with an unknown role"))?)
    }
    /// Who assigned them; null when unknown or not visible to the viewer.
    async fn assigned_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, self.0.assigned_by).await
    }
    /// When they were assigned.
    async fn assigned_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// `Project.labelingJobs`.
pub async fn jobs_of_project(
    ctx: &Context<'_>,
    project: Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    status: Option<LabelingJobStatus>,
) -> Result<LabelingJobConnection> {
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let status = status.map(|s| s.status().as_str());
    let page = ctx.req()?.loader.load_one(JobsOfProject(project, args, status)).await.map_err(gql)?;
    Ok(LabelingJobConnection::from_page(page.unwrap_or_else(Page::empty), LabelingJob))
}

/// `viewer.labelingJobs`.
pub async fn jobs_of_viewer(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    status: Option<LabelingJobStatus>,
) -> Result<LabelingJobConnection> {
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let status = status.map(|s| s.status().as_str());
    let page = ctx.req()?.loader.load_one(JobsOfViewer(args, status)).await.map_err(gql)?;
    Ok(LabelingJobConnection::from_page(page.unwrap_or_else(Page::empty), LabelingJob))
}

/// `node(id:)` for a labeling job: `authz`'s job rule, in SQL.
pub async fn visible_job(ctx: &Context<'_>, id: Uuid) -> Result<Option<LabelingJob>> {
    Ok(crate::graphql::context::visible::<job::Entity>(ctx, id).await?.map(LabelingJob))
}
