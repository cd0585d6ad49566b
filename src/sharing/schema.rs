//! `Query.explore`, the `ShareLink` and `ProjectOrigin` types, the sharing fields of
//! `Project` and the sharing mutations.

use super::loader::{OriginOf, Published, PublishedOf, ShareLinksOf};
use super::service::{self, OriginKind};
use crate::authz::Resource;
use crate::connection;
use crate::db::page::Page;
use crate::domain::Name;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::ids::{Kind, decode_as, encode};
use crate::graphql::pagination::{cost_either, page_args};
use crate::project::schema::{Project, ProjectConnection};
use crate::request::{ReachableById, VisibleById};
use crate::user::schema::{User, visible_user};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A link that lets any signed-in user clone a project into one of their teams. The
/// token itself is shown only once, by `createShareLink`.
#[derive(Clone)]
pub struct ShareLink(pub entity::share_link::Model);

connection!(ShareLinkConnection, ShareLinkEdge, ShareLink, "A page of share links.", "A share link with its cursor.");

/// A link that lets any signed-in user clone a project into one of their teams. The
/// token itself is shown only once, by `createShareLink`.
#[Object]
impl ShareLink {
    /// Opaque global id.
    async fn id(&self) -> ID {
        encode(Kind::ShareLink, self.0.id)
    }
    /// The first characters of the token (`orgraph_share_` and 4 more), to recognize it.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    /// Who created it; null when unknown or not visible to the viewer.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, self.0.created_by).await
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it stops working; null: never.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// When it was revoked; null while not revoked.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// Whether the link is neither revoked nor expired. It also works only while its
    /// creator still holds `project.update` on the project (checked at each use).
    async fn active(&self) -> bool {
        service::is_active(&self.0)
    }
}

/// How a project was made from another one.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ProjectOriginKind {
    /// `cloneProject`.
    Clone,
    /// `restoreProjectVersion`.
    Restore,
    /// `cloneFromShareLink`.
    ShareLink,
}

/// Where a cloned or restored project came from.
pub struct ProjectOrigin(entity::project_origin::Model);

/// Where a cloned or restored project came from.
#[Object]
impl ProjectOrigin {
    /// How the project was made.
    async fn kind(&self) -> ProjectOriginKind {
        match OriginKind::parse(&self.0.kind) {
            Some(OriginKind::Restore) => ProjectOriginKind::Restore,
            Some(OriginKind::ShareLink) => ProjectOriginKind::ShareLink,
            _ => ProjectOriginKind::Clone,
        }
    }
    /// The project it was copied from; null when deleted, or unless the viewer sees it
    /// or it is published.
    async fn source_project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        let req = ctx.req()?;
        let id = self.0.source_project_id;
        // Not `ReachableById`: the source is neither parent nor place of the copy, and a
        // labeling job on it opens only that job's way in (RULES.md §9.1: never more than
        // `node` answers, publication aside).
        if let Some(p) = req.loader.load_one(VisibleById::<entity::project::Entity>::new(id)).await.map_err(gql)? {
            return Ok(Some(Project(p)));
        }
        if !published(ctx, id).await? {
            return Ok(None);
        }
        Ok(req.loader.load_one(ReachableById::<entity::project::Entity>::new(id)).await.map_err(gql)?.map(Project))
    }
    /// Id of the project it was copied from, even when that project is gone or hidden.
    async fn source_project_id(&self) -> ID {
        encode(Kind::Project, self.0.source_project_id)
    }
    /// Id of the restored version (kind `RESTORE`); null otherwise.
    async fn source_version_id(&self) -> Option<ID> {
        self.0.source_version_id.map(|v| encode(Kind::ProjectVersion, v))
    }
    /// When the copy was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// `Project.published`.
pub async fn published(ctx: &Context<'_>, project: Uuid) -> Result<bool> {
    Ok(ctx.req()?.loader.load_one(PublishedOf(project)).await.map_err(gql)?.is_some())
}

/// `Project.origin`.
pub async fn origin_of(ctx: &Context<'_>, project: Uuid) -> Result<Option<ProjectOrigin>> {
    Ok(ctx.req()?.loader.load_one(OriginOf(project)).await.map_err(gql)?.map(ProjectOrigin))
}

/// `Project.shareLinks`: null without `project.update` on the project, or when the viewer
/// reaches the project only through a labeling job or its publication.
pub async fn share_links_of(
    ctx: &Context<'_>,
    resource: Resource,
    project: Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<Option<ShareLinkConnection>> {
    let req = ctx.req()?;
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let grants = req.grants().await?;
    if !service::manages_sharing(&grants, &resource) {
        return Ok(None);
    }
    let page = req.loader.load_one(ShareLinksOf(project, args)).await.map_err(gql)?.unwrap_or_else(Page::empty);
    Ok(Some(ShareLinkConnection::from_page(page, ShareLink)))
}

#[derive(Default)]
pub struct SharingQuery;

#[Object]
impl SharingQuery {
    /// Every published project, for any signed-in user, oldest first. Their datasets and
    /// items are readable through this list; mutations still need membership.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn explore(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<ProjectConnection> {
        let req = ctx.req()?;
        req.user()?;
        let args = page_args(first, after.as_deref(), last, before.as_deref())?;
        let page = req.loader.load_one(Published(args)).await.map_err(gql)?.unwrap_or_else(Page::empty);
        Ok(ProjectConnection::from_page(page, Project))
    }
}

/// Input of `publishProject` and `unpublishProject`.
#[derive(InputObject)]
pub struct PublishProjectInput {
    /// The project (`project.update`).
    pub project_id: ID,
}

/// Result of `publishProject` and `unpublishProject`.
#[derive(SimpleObject)]
pub struct PublishProjectPayload {
    /// The project after the change.
    pub project: Project,
}

/// Input of `cloneProject`.
#[derive(InputObject)]
pub struct CloneProjectInput {
    /// The project to copy: visible to the viewer or published.
    pub project_id: ID,
    /// Where to create the copy (`project.create` on its team).
    pub workspace_id: ID,
    /// Name of the copy, unique inside the workspace.
    pub name: String,
}

/// Result of `cloneProject` and `cloneFromShareLink`.
#[derive(SimpleObject)]
pub struct CloneProjectPayload {
    /// The new project with the source's datasets and items (new ids) and description,
    /// and the viewer as its creator.
    pub project: Project,
}

/// Input of `createShareLink`.
#[derive(InputObject)]
pub struct CreateShareLinkInput {
    /// The project to share (`project.update`).
    pub project_id: ID,
    /// Lifetime in seconds, 60 ..= 31536000; omitted: the link never expires.
    pub expires_in_seconds: Option<i32>,
}

/// Result of `createShareLink`.
#[derive(SimpleObject)]
pub struct CreateShareLinkPayload {
    /// The new link.
    pub share_link: ShareLink,
    /// The token (`orgraph_share_…`), shown only this once: orgraph keeps its hash.
    pub token: String,
}

/// Input of `revokeShareLink`.
#[derive(InputObject)]
pub struct RevokeShareLinkInput {
    /// The link (`project.update` on its project).
    pub share_link_id: ID,
}

/// Result of `revokeShareLink`.
#[derive(SimpleObject)]
pub struct RevokeShareLinkPayload {
    /// The link, now revoked.
    pub share_link: ShareLink,
}

/// Input of `cloneFromShareLink`.
#[derive(InputObject)]
pub struct CloneFromShareLinkInput {
    /// The token returned by `createShareLink`.
    pub token: String,
    /// Where to create the copy (`project.create` on its team).
    pub workspace_id: ID,
    /// Name of the copy, unique inside the workspace.
    pub name: String,
}

#[derive(Default)]
pub struct SharingMutation;

#[Object]
impl SharingMutation {
    /// Makes a project readable (never writable) by every signed-in user via `explore`.
    async fn publish_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`PublishProjectInput`).")] input: PublishProjectInput,
    ) -> Result<PublishProjectPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let p = service::set_published(req, id, true).await?;
        Ok(PublishProjectPayload { project: Project(p) })
    }

    /// Removes a project from `explore`.
    async fn unpublish_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`PublishProjectInput`).")] input: PublishProjectInput,
    ) -> Result<PublishProjectPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let p = service::set_published(req, id, false).await?;
        Ok(PublishProjectPayload { project: Project(p) })
    }

    /// Copies a project's dataset tree and item metadata into a new project.
    async fn clone_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CloneProjectInput`).")] input: CloneProjectInput,
    ) -> Result<CloneProjectPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = Name::parse("name", &input.name)?;
        let source = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let workspace = decode_as(&input.workspace_id, Kind::Workspace, "workspaceId")?;
        let p = service::clone_project(req, source, workspace, name).await?;
        Ok(CloneProjectPayload { project: Project(p) })
    }

    /// Creates a link whose token lets any signed-in user clone the project.
    async fn create_share_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CreateShareLinkInput`).")] input: CreateShareLinkInput,
    ) -> Result<CreateShareLinkPayload> {
        let req = ctx.req()?;
        req.user()?;
        let lifetime = input.expires_in_seconds.map(crate::api_token::service::lifetime).transpose()?;
        let project = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let (link, token) = service::create_share_link(req, project, lifetime).await?;
        Ok(CreateShareLinkPayload { share_link: ShareLink(link), token })
    }

    /// Revokes a share link: its token stops working.
    async fn revoke_share_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`RevokeShareLinkInput`).")] input: RevokeShareLinkInput,
    ) -> Result<RevokeShareLinkPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.share_link_id, Kind::ShareLink, "shareLinkId")?;
        let link = service::revoke_share_link(req, id).await?;
        Ok(RevokeShareLinkPayload { share_link: ShareLink(link) })
    }

    /// Copies the project of a share link into a team of the viewer; an unknown, expired
    /// or revoked token is NOT_FOUND.
    async fn clone_from_share_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CloneFromShareLinkInput`).")] input: CloneFromShareLinkInput,
    ) -> Result<CloneProjectPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = Name::parse("name", &input.name)?;
        let workspace = decode_as(&input.workspace_id, Kind::Workspace, "workspaceId")?;
        let p = service::clone_from_share_link(req, &input.token, workspace, name).await?;
        Ok(CloneProjectPayload { project: Project(p) })
    }
}
