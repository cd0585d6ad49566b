//! The `Team` type and the team mutations.

use super::loader::WorkspacesOfTeam;
use super::service;
use crate::authz::{Resource, Scope};
use crate::connection;
use crate::domain::Name;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::gather;
use crate::graphql::ids::{Kind, decode_as, encode};
use crate::graphql::pagination::{cost, cost_either, page_args_in};
use crate::graphql::viewer_fields;
use crate::item::schema::{self as item_schema, ProjectDiskUsage, TotalsOf};
use crate::membership::schema::{MembershipConnection, members_of};
use crate::organization::schema::{Organization, load_organization};
use crate::role::schema::Role;
use crate::workspace::schema::{Workspace, WorkspaceConnection};
use async_graphql::parser::types::Field;
use async_graphql::{Context, ContextSelectionSet, Gathered, ID, InputObject, Object, Positioned, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// A team: a group of users and resources inside an organization. Always has at least
/// one workspace and at least one explicit admin.
#[derive(Clone)]
pub struct Team(pub entity::team::Model);

connection!(
    TeamConnection,
    TeamEdge,
    Team,
    "A page of teams.",
    "A team with its cursor.",
    immediate: Kind::Team,
    ["name" => name],
    gather: Team::gather
);

impl Team {
    fn resource(&self) -> Resource {
        super::repo::resource(&self.0)
    }

    /// `workspaces` of every team of a list, answered together (`graphql::gather`).
    fn gather<'b>(items: &[&'b Self], ctx: &'b ContextSelectionSet<'b>, field: &'b Positioned<Field>) -> Option<Gathered<'b>> {
        match field.node.name.node.as_str() {
            "workspaces" => {
                let ids = items.iter().map(|t| t.0.id).collect();
                gather::pages(ids, ctx, field, page_args_in, WorkspacesOfTeam, |page| {
                    WorkspaceConnection::from_page(page.unwrap_or_default(), Workspace)
                })
            }
            _ => None,
        }
    }
}

/// A team: a group of users and resources inside an organization. Always has at least
/// one workspace and at least one explicit admin.
#[Object]
impl Team {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::Team, self.0.id)
    }
    /// Unique inside the organization.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The organization the team belongs to.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        load_organization(ctx, self.0.organization_id).await
    }
    /// When the team was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The viewer's explicit team role; null when the viewer is not a team member.
    async fn viewer_role(&self, ctx: &Context<'_>) -> Result<Option<Role>> {
        viewer_fields::role(ctx, Scope::Team, self.0.id).await
    }
    /// Effective permission keys of the viewer on this team (from organization and team roles).
    async fn viewer_permissions(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        viewer_fields::permissions(ctx, self.resource()).await
    }
    /// Whether the viewer holds `permission` here; an unknown key is BAD_USER_INPUT.
    async fn viewer_can(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A permission key of `permissionCatalog`, e.g. `team.update`.")] permission: String,
    ) -> Result<bool> {
        viewer_fields::can(ctx, self.resource(), &permission).await
    }
    /// The team's workspaces.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn workspaces(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<WorkspaceConnection> {
        let args = page_args_in(ctx, first, after.as_deref(), last, before.as_deref())?;
        let page = ctx.req()?.loader.load_one(WorkspacesOfTeam(self.0.id, args)).await.map_err(gql)?;
        Ok(WorkspaceConnection::from_page(page.unwrap_or_default(), Workspace))
    }
    /// Null unless the viewer sees this team and may manage invitations here (`member.invite`).
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
        #[graphql(desc = "Only invitations in this state.")] status: Option<crate::invitation::schema::InvitationStatus>,
    ) -> Result<Option<crate::invitation::schema::InvitationConnection>> {
        crate::invitation::schema::invitations_of(ctx, self.resource(), self.0.id, first, after, last, before, status).await
    }
    /// The team's activity log: what happened to its workspaces, projects, datasets and
    /// labeling jobs (`ActivityEntry.action` lists what is recorded). Entries of projects
    /// the viewer cannot see are left out; empty for a viewer who reaches the team only
    /// through a publication or a job.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<crate::activity::schema::ActivityConnection> {
        crate::activity::schema::of_team(ctx, self.0.id, first, after, last, before).await
    }
    /// Explicit team memberships; empty without `member.read` here, and for a team the
    /// viewer reaches only through a published project or a labeling job.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<MembershipConnection> {
        members_of(ctx, self.resource(), self.0.id, first, after, last, before, None, None).await
    }
    /// Bytes of the items in the team's projects that the viewer sees (a whole number).
    async fn size_bytes(&self, ctx: &Context<'_>) -> Result<crate::graphql::bytes::Bytes> {
        item_schema::size_bytes(ctx, TotalsOf::Team(self.0.id)).await
    }
    /// Number of items in the team's projects that the viewer sees.
    async fn item_count(&self, ctx: &Context<'_>) -> Result<i32> {
        item_schema::item_count(ctx, TotalsOf::Team(self.0.id)).await
    }
    /// Deleted projects and datasets of the team, restorable until purged (entries of
    /// projects the viewer cannot see are left out).
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn trash(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<crate::trash::schema::TrashEntryConnection> {
        crate::trash::schema::of_team(ctx, self.0.id, first, after, last, before).await
    }
    /// Bytes of the team's trash entries that the viewer sees (a whole number; not part
    /// of `sizeBytes` or `diskUsage`).
    async fn trash_size_bytes(&self, ctx: &Context<'_>) -> Result<crate::graphql::bytes::Bytes> {
        crate::trash::schema::size_of_team(ctx, self.0.id).await
    }
    /// The team's projects that the viewer sees, largest first (bytes, then items, then
    /// creation): the `first` (1..100, default 20) of them.
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn disk_usage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many projects, 1..100 (default 20).")] first: Option<i32>,
    ) -> Result<Vec<ProjectDiskUsage>> {
        item_schema::disk_usage(ctx, self.0.id, first).await
    }
    /// The team's model training sessions: all of them for holders of `model.view` or
    /// `model.train` here, otherwise only those the viewer started.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn training_runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<crate::training::schema::TrainingRunConnection> {
        crate::training::schema::runs_of_team(ctx, self.0.organization_id, self.0.id, first, after, last, before).await
    }
}

/// Input of `createTeam`.
#[derive(InputObject)]
pub struct CreateTeamInput {
    /// The organization to create the team in (`team.create`).
    pub organization_id: ID,
    /// Unique inside the organization.
    pub name: String,
}

/// Result of `createTeam`.
#[derive(SimpleObject)]
pub struct CreateTeamPayload {
    /// The new team, with the viewer as admin and a `First Workspace`.
    pub team: Team,
}

/// Input of `updateTeam`.
#[derive(InputObject)]
pub struct UpdateTeamInput {
    /// The team to change (`team.update`).
    pub team_id: ID,
    /// New name.
    pub name: Option<String>,
}

/// Result of `updateTeam`.
#[derive(SimpleObject)]
pub struct UpdateTeamPayload {
    /// The team after the change.
    pub team: Team,
}

/// Input of `deleteTeam`.
#[derive(InputObject)]
pub struct DeleteTeamInput {
    /// The team to delete with everything in it (`team.delete`).
    pub team_id: ID,
}

/// Result of `deleteTeam`.
#[derive(SimpleObject)]
pub struct DeleteTeamPayload {
    /// Id of the deleted team.
    pub deleted_team_id: ID,
}

#[derive(Default)]
pub struct TeamMutation;

#[Object]
impl TeamMutation {
    /// Creates a team; the viewer becomes its admin and it gets a `First Workspace`.
    async fn create_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CreateTeamInput`).")] input: CreateTeamInput,
    ) -> Result<CreateTeamPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = Name::parse("name", &input.name)?;
        let org = decode_as(&input.organization_id, Kind::Organization, "organizationId")?;
        let team = service::create_team(req, org, name).await?;
        Ok(CreateTeamPayload { team: Team(team) })
    }

    /// Renames a team.
    async fn update_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`UpdateTeamInput`).")] input: UpdateTeamInput,
    ) -> Result<UpdateTeamPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = input.name.as_deref().map(|n| Name::parse("name", n)).transpose()?;
        let id = decode_as(&input.team_id, Kind::Team, "teamId")?;
        Ok(UpdateTeamPayload { team: Team(service::update_team(req, id, name).await?) })
    }

    /// Deletes a team and everything in it; never the viewer's own last team.
    async fn delete_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`DeleteTeamInput`).")] input: DeleteTeamInput,
    ) -> Result<DeleteTeamPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.team_id, Kind::Team, "teamId")?;
        service::delete_team(req, id).await?;
        Ok(DeleteTeamPayload { deleted_team_id: input.team_id })
    }
}
