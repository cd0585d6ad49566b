//! The `Project` type and the project mutations.

use super::service;
use crate::authz::{Resource, Scope};
use crate::connection;
use crate::dataset::loader::DatasetsUnder;
use crate::dataset::schema::{Dataset, DatasetConnection};
use crate::db::page::Page;
use crate::domain::{Description, Name};
use crate::error::AppError;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::ids::{Kind, decode_as, encode};
use crate::graphql::pagination::{cost_either, page_args};
use crate::graphql::viewer_fields;
use crate::item::schema::{self as item_schema, TotalsOf};
use crate::membership::schema::{MembershipConnection, members_of};
use crate::request::ReachableById;
use crate::role::schema::{Role, role_by_id};
use crate::team::schema::Team;
use crate::user::schema::{User, visible_user};
use crate::workspace::schema::{Workspace, load_team};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A project: lives in a workspace, holds datasets, may have its own members.
#[derive(Clone)]
pub struct Project(pub entity::project::Model);

connection!(
    ProjectConnection,
    ProjectEdge,
    Project,
    "A page of projects.",
    "A project with its cursor.",
    immediate: Kind::Project,
    ["name" => name]
);

pub async fn load_project(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Project> {
    let p = ctx.req()?.loader.load_one(ReachableById::<entity::project::Entity>::new(id)).await.map_err(gql)?;
    Ok(Project(p.ok_or(AppError::NotFound)?))
}

impl Project {
    fn resource(&self, ctx: &Context<'_>) -> Result<Resource> {
        Ok(super::repo::resource(&self.0, ctx.req()?.user()?.id))
    }

    /// Whether the viewer reads the project itself: sees it, or it is published. A viewer
    /// who reaches it otherwise — through a labeling job's dataset (`Dataset.project`) —
    /// gets its identity (id, name, workspace and team as places) and nothing of its
    /// content: the fields below answer null or empty (README "Labeling jobs").
    async fn opens(&self, ctx: &Context<'_>) -> Result<bool> {
        let p = &self.0;
        Ok(ctx.req()?.grants().await?.sees_project(p.organization_id, p.team_id, p.id)
            || crate::sharing::schema::published(ctx, p.id).await?)
    }
}

/// A project: lives in a workspace, holds datasets, may have its own members.
#[Object]
impl Project {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::Project, self.0.id)
    }
    /// Unique inside the workspace.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Free text; null for a viewer who sees only the project's identity (an assignee).
    async fn description(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if self.opens(ctx).await? { self.0.description.as_deref() } else { None })
    }
    /// The workspace the project belongs to.
    async fn workspace(&self, ctx: &Context<'_>) -> Result<Workspace> {
        let w = ctx
            .req()?
            .loader
            .load_one(ReachableById::<entity::workspace::Entity>::new(self.0.workspace_id))
            .await
            .map_err(gql)?;
        Ok(Workspace(w.ok_or(AppError::NotFound)?))
    }
    /// The team the project belongs to.
    async fn team(&self, ctx: &Context<'_>) -> Result<Team> {
        load_team(ctx, self.0.team_id).await
    }
    /// Who created it; null when unknown or not visible to the viewer (or the viewer sees
    /// only the project's identity).
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        if !self.opens(ctx).await? {
            return Ok(None);
        }
        visible_user(ctx, self.0.created_by).await
    }
    /// When the project was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The viewer's explicit project role; null when the viewer is not a project member.
    async fn viewer_role(&self, ctx: &Context<'_>) -> Result<Option<Role>> {
        viewer_fields::role(ctx, Scope::Project, self.0.id).await
    }
    /// Effective permission keys of the viewer on this project (organization, team and project roles).
    async fn viewer_permissions(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        viewer_fields::permissions(ctx, self.resource(ctx)?).await
    }
    /// Whether the viewer holds `permission` here (`.own` keys count on projects the viewer created).
    async fn viewer_can(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A permission key of `permissionCatalog`, e.g. `project.update`.")] permission: String,
    ) -> Result<bool> {
        viewer_fields::can(ctx, self.resource(ctx)?, &permission).await
    }
    /// Top-level datasets of the project; empty for a viewer who sees only the project's
    /// identity (an assignee reads the datasets of their jobs through `LabelingJob.datasets`).
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn datasets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<DatasetConnection> {
        let args = Dataset::page_args(ctx, first, after.as_deref(), last, before.as_deref())?;
        if !self.opens(ctx).await? {
            return Ok(DatasetConnection::from_page(Page::<entity::dataset::Model>::empty(), Dataset));
        }
        let page = ctx.req()?.loader.load_one(DatasetsUnder(self.0.id, args)).await.map_err(gql)?;
        Ok(DatasetConnection::from_page(page.unwrap_or_default(), Dataset))
    }
    /// Null unless the viewer sees this project and may manage invitations here (`member.invite`).
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
        if !self.opens(ctx).await? {
            return Ok(None);
        }
        crate::invitation::schema::invitations_of(ctx, self.resource(ctx)?, self.0.id, first, after, last, before, status).await
    }
    /// The project's activity log: the project, its datasets and its labeling jobs
    /// (`ActivityEntry.action` lists what is recorded: created, deleted, moved,
    /// transferred, restored, published, versioned, assigned, …).
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<crate::activity::schema::ActivityConnection> {
        crate::activity::schema::of_project(ctx, self.0.id, first, after, last, before).await
    }
    /// Saved versions of the project, oldest first.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn versions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<crate::version::schema::ProjectVersionConnection> {
        crate::version::schema::versions_of(ctx, self.0.id, first, after, last, before).await
    }
    /// Explicit project memberships; empty without `member.read` here (and for a viewer
    /// who sees only the project's identity).
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<MembershipConnection> {
        if !self.opens(ctx).await? {
            page_args(first, after.as_deref(), last, before.as_deref())?;
            return Ok(MembershipConnection::from_page(
                Page::<entity::membership::Model>::empty(),
                crate::membership::schema::Membership,
            ));
        }
        members_of(ctx, self.resource(ctx)?, self.0.id, first, after, last, before, None, None).await
    }
    /// Bytes of the items in all datasets of the project (a whole number); 0 for a viewer
    /// who sees only the project's identity.
    async fn size_bytes(&self, ctx: &Context<'_>) -> Result<crate::graphql::bytes::Bytes> {
        if !self.opens(ctx).await? {
            return Ok(crate::graphql::bytes::Bytes(0));
        }
        item_schema::size_bytes(ctx, TotalsOf::Project(self.0.id)).await
    }
    /// Number of items in all datasets of the project; 0 for a viewer who sees only the
    /// project's identity.
    async fn item_count(&self, ctx: &Context<'_>) -> Result<i32> {
        if !self.opens(ctx).await? {
            return Ok(0);
        }
        item_schema::item_count(ctx, TotalsOf::Project(self.0.id)).await
    }
    /// Whether the project is published: listed in `explore`, readable by every signed-in user.
    async fn published(&self, ctx: &Context<'_>) -> Result<bool> {
        crate::sharing::schema::published(ctx, self.0.id).await
    }
    /// Where the project was cloned or restored from; null when it was created from scratch
    /// or the viewer does not see the project (a reader of a published one).
    async fn origin(&self, ctx: &Context<'_>) -> Result<Option<crate::sharing::schema::ProjectOrigin>> {
        // Not part of what publishing opens (RULES.md §9.1): the viewer must see the project.
        if !ctx.req()?.grants().await?.sees_project(self.0.organization_id, self.0.team_id, self.0.id) {
            return Ok(None);
        }
        crate::sharing::schema::origin_of(ctx, self.0.id).await
    }
    /// Labeling jobs of the project, oldest first: all of them for whoever sees the project,
    /// only their own for a viewer who sees it through assignments.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn labeling_jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the job to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
        #[graphql(desc = "Only jobs in this status.")] status: Option<crate::labeling::schema::LabelingJobStatus>,
    ) -> Result<crate::labeling::schema::LabelingJobConnection> {
        crate::labeling::schema::jobs_of_project(ctx, self.0.id, first, after, last, before, status).await
    }
    /// Share links of the project, oldest first; null without `project.update` here, and
    /// when the viewer reaches the project only through a labeling job or its publication.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn share_links(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<Option<crate::sharing::schema::ShareLinkConnection>> {
        crate::sharing::schema::share_links_of(ctx, self.resource(ctx)?, self.0.id, first, after, last, before).await
    }
}

/// Input of `createProject`.
#[derive(InputObject)]
pub struct CreateProjectInput {
    /// The workspace (`project.create` on its team).
    pub workspace_id: ID,
    /// Unique inside the workspace.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
}

/// Result of `createProject`.
#[derive(SimpleObject)]
pub struct CreateProjectPayload {
    /// The new project; the viewer is its creator.
    pub project: Project,
}

/// Input of `updateProject`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    /// The project (`project.update`).
    pub project_id: ID,
    /// New name.
    pub name: Option<String>,
    /// New description; empty clears it.
    pub description: Option<String>,
}

/// Result of `updateProject`.
#[derive(SimpleObject)]
pub struct UpdateProjectPayload {
    /// The project after the change.
    pub project: Project,
}

/// Input of `deleteProject`.
#[derive(InputObject)]
pub struct DeleteProjectInput {
    /// The project to delete with its datasets (`project.delete`, or `.own`).
    pub project_id: ID,
}

/// Result of `deleteProject`.
#[derive(SimpleObject)]
pub struct DeleteProjectPayload {
    /// Id of the deleted project.
    pub deleted_project_id: ID,
    /// The trash entry the deletion made: `restoreFromTrash` takes it (an undo, also for a
    /// deleter who no longer sees the team and so cannot list its trash).
    pub trash_entry_id: ID,
}

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Creates a project in a workspace.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CreateProjectInput`).")] input: CreateProjectInput,
    ) -> Result<CreateProjectPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = Name::parse("name", &input.name)?;
        let description = Description::parse("description", input.description.as_deref())?;
        let workspace = decode_as(&input.workspace_id, Kind::Workspace, "workspaceId")?;
        let p = service::create_project(req, workspace, name, description).await?;
        Ok(CreateProjectPayload { project: Project(p) })
    }

    /// Renames or describes a project.
    async fn update_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`UpdateProjectInput`).")] input: UpdateProjectInput,
    ) -> Result<UpdateProjectPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = input.name.as_deref().map(|n| Name::parse("name", n)).transpose()?;
        let description = input.description.as_deref().map(|d| Description::parse("description", Some(d))).transpose()?;
        let id = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let p = service::update_project(req, id, name, description).await?;
        Ok(UpdateProjectPayload { project: Project(p) })
    }

    /// Moves a project and its datasets to the trash bin (`Team.trash`), from where
    /// `restoreFromTrash` brings them back and `purgeFromTrash` deletes them for good.
    async fn delete_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`DeleteProjectInput`).")] input: DeleteProjectInput,
    ) -> Result<DeleteProjectPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let entry = service::delete_project(req, id).await?;
        Ok(DeleteProjectPayload { deleted_project_id: input.project_id, trash_entry_id: encode(Kind::TrashEntry, entry) })
    }
}

/// Input of `transferProject`.
#[derive(InputObject)]
pub struct TransferProjectInput {
    /// The project to move (`project.delete`, or `.own`, on it).
    pub project_id: ID,
    /// The destination workspace (`project.create` on its team); may be in another team or organization.
    pub workspace_id: ID,
}

/// A project membership that could not follow a transfer: its user is not a member of
/// the destination organization, or its role does not exist there.
pub struct DetachedMembership {
    pub user_id: Uuid,
    pub role_id: Uuid,
}

/// A project membership that could not follow a transfer: its user is not a member of
/// the destination organization, or its role (a custom role of the source organization,
/// or a role of another preset with no same-named project role) does not exist there.
#[Object]
impl DetachedMembership {
    /// The member; null when the viewer may no longer see them.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, Some(self.user_id)).await
    }
    /// The project role they held.
    async fn role(&self, ctx: &Context<'_>) -> Result<Role> {
        role_by_id(ctx, self.role_id).await
    }
}

/// Detached memberships a payload lists (the rest are counted, and all are in the audit log).
pub const MAX_DETACHED_LISTED: usize = 100;

/// Result of `transferProject`.
#[derive(SimpleObject)]
pub struct TransferProjectPayload {
    /// The project at its destination.
    pub project: Project,
    /// Project memberships removed because their users are not in the destination organization or their roles do not exist there: the first 100 (by id); `detachedMembershipCount` counts them all.
    pub detached_memberships: Vec<DetachedMembership>,
    /// How many project memberships were removed.
    pub detached_membership_count: i32,
    /// Labeling-job assignments removed because their users are not members of the destination organization: the first 100 (by id); all are in the audit log.
    pub detached_labeling_job_assignments: Vec<crate::labeling::schema::LabelingJobAssignment>,
    /// How many labeling-job assignments were removed.
    pub detached_labeling_job_assignment_count: i32,
}

#[derive(Default)]
pub struct TransferMutation;

#[Object]
impl TransferMutation {
    /// Moves a project (with its datasets, items and memberships) to another workspace, team or organization.
    async fn transfer_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`TransferProjectInput`).")] input: TransferProjectInput,
    ) -> Result<TransferProjectPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let to = decode_as(&input.workspace_id, Kind::Workspace, "workspaceId")?;
        let t = super::transfer::transfer_project(req, id, to).await?;
        let mut detached = t.detached;
        let count = i32::try_from(detached.len()).unwrap_or(i32::MAX);
        detached.sort_by_key(|m| m.id);
        detached.truncate(MAX_DETACHED_LISTED);
        let detached = detached.into_iter().map(|m| DetachedMembership { user_id: m.user_id, role_id: m.role_id }).collect();
        let mut assignments = t.detached_assignments;
        let assignment_count = i32::try_from(assignments.len()).unwrap_or(i32::MAX);
        assignments.sort_by_key(|a| a.id);
        assignments.truncate(MAX_DETACHED_LISTED);
        Ok(TransferProjectPayload {
            project: Project(t.project),
            detached_memberships: detached,
            detached_membership_count: count,
            detached_labeling_job_assignments: assignments
                .into_iter()
                .map(crate::labeling::schema::LabelingJobAssignment)
                .collect(),
            detached_labeling_job_assignment_count: assignment_count,
        })
    }
}
