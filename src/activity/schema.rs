//! `ActivityEntry` and the `activity` lists of teams and projects.

use super::loader::{ActivityOfProject, ActivityOfTeam};
use crate::connection;
use crate::db::page::Page;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::ids::{Kind, encode};
use crate::graphql::pagination::page_args;
use crate::user::schema::{User, visible_user};
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

/// One entry of the activity (workflow) log: who did what to which object, and when.
#[derive(Clone)]
pub struct ActivityEntry(pub entity::activity::Model);

connection!(ActivityConnection, ActivityEdge, ActivityEntry, "A page of activity entries.", "An activity entry with its cursor.");

fn kind_of(text: &str) -> Option<Kind> {
    match text {
        "Workspace" => Some(Kind::Workspace),
        "Project" => Some(Kind::Project),
        "Dataset" => Some(Kind::Dataset),
        "LabelingJob" => Some(Kind::LabelingJob),
        _ => None,
    }
}

/// One entry of the activity (workflow) log: who did what to which object, and when.
#[Object]
impl ActivityEntry {
    /// What was done: "created", "deleted", "moved", "transferred", "restored", "purged",
    /// "published", "unpublished" or "versioned"; for labeling jobs also "updated",
    /// "assigned", "unassigned" and "status_changed".
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of object: "Workspace", "Project", "Dataset" or "LabelingJob".
    async fn object_kind(&self) -> &str {
        &self.0.object_kind
    }
    /// Global id of the object (it may no longer exist).
    async fn object_id(&self) -> Option<ID> {
        kind_of(&self.0.object_kind).map(|k| encode(k, self.0.object_id))
    }
    /// The object's name at the time.
    async fn object_name(&self) -> &str {
        &self.0.object_name
    }
    /// Who did it; null when unknown or not visible to the viewer.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, self.0.actor_id).await
    }
    /// Global id of the object it came from (for clones and restores); null otherwise.
    async fn source_id(&self) -> Option<ID> {
        self.0.source_id.and_then(|s| kind_of(&self.0.object_kind).map(|k| encode(k, s)))
    }
    /// When it happened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// `Team.activity`.
pub async fn of_team(
    ctx: &Context<'_>,
    team: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<ActivityConnection> {
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let page = ctx.req()?.loader.load_one(ActivityOfTeam(team, args)).await.map_err(gql)?;
    Ok(ActivityConnection::from_page(page.unwrap_or_else(Page::empty), ActivityEntry))
}

/// `Project.activity`.
pub async fn of_project(
    ctx: &Context<'_>,
    project: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<ActivityConnection> {
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let page = ctx.req()?.loader.load_one(ActivityOfProject(project, args)).await.map_err(gql)?;
    Ok(ActivityConnection::from_page(page.unwrap_or_else(Page::empty), ActivityEntry))
}
