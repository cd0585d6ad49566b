//! The `TrainingRun` type, `Team.trainingRuns` and the training run mutations.

use super::loader::TrainingRunsOfTeam;
use super::service;
use crate::connection;
use crate::db::page::Page;
use crate::domain::Name;
use crate::error::AppError;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::ids::{Kind, decode_as, encode};
use crate::graphql::pagination::page_args;
use crate::request::ReachableById;
use crate::team::schema::Team;
use crate::user::schema::{User, visible_user};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A model training session of a team (seed 004 "run training").
#[derive(Clone)]
pub struct TrainingRun(pub entity::training_run::Model);

connection!(TrainingRunConnection, TrainingRunEdge, TrainingRun, "A page of training runs.", "A training run with its cursor.");

/// Where a training run stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum TrainingRunStatus {
    /// Started and not stopped yet.
    Running,
    /// Stopped by `stopTrainingRun`.
    Stopped,
}

/// A model training session of a team (seed 004 "run training").
#[Object]
impl TrainingRun {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::TrainingRun, self.0.id)
    }
    /// The name given at start or by `updateTrainingRun`.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Running or stopped.
    async fn status(&self) -> TrainingRunStatus {
        if self.0.status == service::STOPPED { TrainingRunStatus::Stopped } else { TrainingRunStatus::Running }
    }
    /// The team it runs in.
    async fn team(&self, ctx: &Context<'_>) -> Result<Team> {
        let team = ctx.req()?.loader.load_one(ReachableById::<entity::team::Entity>::new(self.0.team_id)).await.map_err(gql)?;
        Ok(Team(team.ok_or(AppError::NotFound)?))
    }
    /// Who started it; null when unknown or not visible to the viewer.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, self.0.created_by).await
    }
    /// When it was started.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last renamed or stopped.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Whether the viewer may rename, stop or delete it (`model.train` on its team).
    async fn viewer_can_edit(&self, ctx: &Context<'_>) -> Result<bool> {
        let grants = ctx.req()?.grants().await?;
        Ok(service::can_edit(&grants, &self.0))
    }
}

/// `Team.trainingRuns`: every run for holders of `model.view` or `model.train` on the
/// team, otherwise the viewer's own; empty unless the viewer sees the team.
pub async fn runs_of_team(
    ctx: &Context<'_>,
    org: Uuid,
    team: Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<TrainingRunConnection> {
    let req = ctx.req()?;
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let grants = req.grants().await?;
    if !grants.sees_team(org, team) {
        return Ok(TrainingRunConnection::from_page(Page::empty(), TrainingRun));
    }
    let creator = (!service::sees_all_runs(&grants, org, team)).then_some(grants.user_id);
    let page = req.loader.load_one(TrainingRunsOfTeam(team, args, creator)).await.map_err(gql)?;
    Ok(TrainingRunConnection::from_page(page.unwrap_or_else(Page::empty), TrainingRun))
}

/// Input of `startTrainingRun`.
#[derive(InputObject)]
pub struct StartTrainingRunInput {
    /// The team to train in (`model.train` there).
    pub team_id: ID,
    /// A name for the session.
    pub name: String,
}

/// Result of `startTrainingRun`, `updateTrainingRun` and `stopTrainingRun`.
#[derive(SimpleObject)]
pub struct TrainingRunPayload {
    /// The run after the change.
    pub training_run: TrainingRun,
}

/// Input of `updateTrainingRun`.
#[derive(InputObject)]
pub struct UpdateTrainingRunInput {
    /// The run (`model.train` on its team).
    pub training_run_id: ID,
    /// New name.
    pub name: String,
}

/// Input of `stopTrainingRun` and `deleteTrainingRun`.
#[derive(InputObject)]
pub struct TrainingRunInput {
    /// The run (`model.train` on its team).
    pub training_run_id: ID,
}

/// Result of `deleteTrainingRun`.
#[derive(SimpleObject)]
pub struct DeleteTrainingRunPayload {
    /// Id of the deleted run.
    pub deleted_training_run_id: ID,
}

#[derive(Default)]
pub struct TrainingMutation;

#[Object]
impl TrainingMutation {
    /// Starts a training session in a team.
    async fn start_training_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`StartTrainingRunInput`).")] input: StartTrainingRunInput,
    ) -> Result<TrainingRunPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = Name::parse("name", &input.name)?;
        let team = decode_as(&input.team_id, Kind::Team, "teamId")?;
        let run = service::start_training_run(req, team, name).await?;
        Ok(TrainingRunPayload { training_run: TrainingRun(run) })
    }

    /// Renames a training session.
    async fn update_training_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`UpdateTrainingRunInput`).")] input: UpdateTrainingRunInput,
    ) -> Result<TrainingRunPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = Name::parse("name", &input.name)?;
        let id = decode_as(&input.training_run_id, Kind::TrainingRun, "trainingRunId")?;
        let run = service::update_training_run(req, id, name).await?;
        Ok(TrainingRunPayload { training_run: TrainingRun(run) })
    }

    /// Stops a running training session; a stopped one is FAILED_PRECONDITION.
    async fn stop_training_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`TrainingRunInput`).")] input: TrainingRunInput,
    ) -> Result<TrainingRunPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.training_run_id, Kind::TrainingRun, "trainingRunId")?;
        let run = service::stop_training_run(req, id).await?;
        Ok(TrainingRunPayload { training_run: TrainingRun(run) })
    }

    /// Deletes a training session.
    async fn delete_training_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`TrainingRunInput`).")] input: TrainingRunInput,
    ) -> Result<DeleteTrainingRunPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.training_run_id, Kind::TrainingRun, "trainingRunId")?;
        service::delete_training_run(req, id).await?;
        Ok(DeleteTrainingRunPayload { deleted_training_run_id: input.training_run_id })
    }
}
