//! The `Workspace` type and the workspace mutations.

use super::loader::ProjectsOfWorkspace;
use super::service;
use crate::connection;
use crate::domain::{Description, Name};
use crate::error::AppError;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::gather;
use crate::graphql::ids::{Kind, decode_as, encode};
use crate::graphql::pagination::{cost_either, page_args_in};
use crate::item::schema::{self as item_schema, TotalsOf};
use crate::project::schema::{Project, ProjectConnection};
use crate::request::ReachableById;
use crate::team::schema::Team;
use async_graphql::parser::types::Field;
use async_graphql::{Context, ContextSelectionSet, Gathered, ID, InputObject, Object, Positioned, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// A workspace groups projects inside a team. It carries no permissions of its own.
#[derive(Clone)]
pub struct Workspace(pub entity::workspace::Model);

connection!(
    WorkspaceConnection,
    WorkspaceEdge,
    Workspace,
    "A page of workspaces.",
    "A workspace with its cursor.",
    immediate: Kind::Workspace,
    ["name" => name],
    gather: Workspace::gather
);

impl Workspace {
    /// `projects` of every workspace of a list, answered together (`graphql::gather`).
    fn gather<'b>(items: &[&'b Self], ctx: &'b ContextSelectionSet<'b>, field: &'b Positioned<Field>) -> Option<Gathered<'b>> {
        match field.node.name.node.as_str() {
            "projects" => {
                let ids = items.iter().map(|w| w.0.id).collect();
                gather::pages(ids, ctx, field, page_args_in, ProjectsOfWorkspace, |page| {
                    ProjectConnection::from_page(page.unwrap_or_default(), Project)
                })
            }
            _ => None,
        }
    }
}

pub async fn load_team(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Team> {
    let t = ctx.req()?.loader.load_one(ReachableById::<entity::team::Entity>::new(id)).await.map_err(gql)?;
    Ok(Team(t.ok_or(AppError::NotFound)?))
}

/// A workspace groups projects inside a team. It carries no permissions of its own.
#[Object]
impl Workspace {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::Workspace, self.0.id)
    }
    /// Unique inside the team.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Free text; null unless the viewer sees the team (a reader of a published project
    /// sees the name of its workspace only, RULES.md §9.1).
    async fn description(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let sees = ctx.req()?.grants().await?.sees_team(self.0.organization_id, self.0.team_id);
        Ok(self.0.description.as_deref().filter(|_| sees))
    }
    /// The team the workspace belongs to.
    async fn team(&self, ctx: &Context<'_>) -> Result<Team> {
        load_team(ctx, self.0.team_id).await
    }
    /// When the workspace was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Projects of this workspace that the viewer may see.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<ProjectConnection> {
        let args = page_args_in(ctx, first, after.as_deref(), last, before.as_deref())?;
        let page = ctx.req()?.loader.load_one(ProjectsOfWorkspace(self.0.id, args)).await.map_err(gql)?;
        Ok(ProjectConnection::from_page(page.unwrap_or_default(), Project))
    }
    /// Bytes of the items in the workspace's projects that the viewer sees (a whole number).
    async fn size_bytes(&self, ctx: &Context<'_>) -> Result<crate::graphql::bytes::Bytes> {
        item_schema::size_bytes(ctx, TotalsOf::Workspace(self.0.id)).await
    }
    /// Number of items in the workspace's projects that the viewer sees.
    async fn item_count(&self, ctx: &Context<'_>) -> Result<i32> {
        item_schema::item_count(ctx, TotalsOf::Workspace(self.0.id)).await
    }
}

/// Input of `createWorkspace`.
#[derive(InputObject)]
pub struct CreateWorkspaceInput {
    /// The team (`workspace.create`).
    pub team_id: ID,
    /// Unique inside the team.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
}

/// Result of `createWorkspace`.
#[derive(SimpleObject)]
pub struct CreateWorkspacePayload {
    /// The new workspace.
    pub workspace: Workspace,
}

/// Input of `updateWorkspace`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateWorkspaceInput {
    /// The workspace (`workspace.update`).
    pub workspace_id: ID,
    /// New name.
    pub name: Option<String>,
    /// New description; empty clears it.
    pub description: Option<String>,
}

/// Result of `updateWorkspace`.
#[derive(SimpleObject)]
pub struct UpdateWorkspacePayload {
    /// The workspace after the change.
    pub workspace: Workspace,
}

/// Input of `deleteWorkspace`.
#[derive(InputObject)]
pub struct DeleteWorkspaceInput {
    /// The workspace to delete with its projects (`workspace.delete`); never the team's last one.
    pub workspace_id: ID,
}

/// Result of `deleteWorkspace`.
#[derive(SimpleObject)]
pub struct DeleteWorkspacePayload {
    /// Id of the deleted workspace.
    pub deleted_workspace_id: ID,
}

#[derive(Default)]
pub struct WorkspaceMutation;

#[Object]
impl WorkspaceMutation {
    /// Creates a workspace in a team.
    async fn create_workspace(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CreateWorkspaceInput`).")] input: CreateWorkspaceInput,
    ) -> Result<CreateWorkspacePayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = Name::parse("name", &input.name)?;
        let description = Description::parse("description", input.description.as_deref())?;
        let team = decode_as(&input.team_id, Kind::Team, "teamId")?;
        let w = service::create_workspace(req, team, name, description).await?;
        Ok(CreateWorkspacePayload { workspace: Workspace(w) })
    }

    /// Renames or describes a workspace.
    async fn update_workspace(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`UpdateWorkspaceInput`).")] input: UpdateWorkspaceInput,
    ) -> Result<UpdateWorkspacePayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = input.name.as_deref().map(|n| Name::parse("name", n)).transpose()?;
        let description = input.description.as_deref().map(|d| Description::parse("description", Some(d))).transpose()?;
        let id = decode_as(&input.workspace_id, Kind::Workspace, "workspaceId")?;
        let w = service::update_workspace(req, id, name, description).await?;
        Ok(UpdateWorkspacePayload { workspace: Workspace(w) })
    }

    /// Deletes a workspace and its projects; a team keeps at least one workspace.
    async fn delete_workspace(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`DeleteWorkspaceInput`).")] input: DeleteWorkspaceInput,
    ) -> Result<DeleteWorkspacePayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.workspace_id, Kind::Workspace, "workspaceId")?;
        service::delete_workspace(req, id).await?;
        Ok(DeleteWorkspacePayload { deleted_workspace_id: input.workspace_id })
    }
}
