//! The `ProjectVersion` type, `Project.versions`, `compareProjectVersions` and the
//! version mutations.

use super::loader::{ComparisonPage, VersionsOfProject};
use super::{compare, service};
use crate::connection;
use crate::db::page::Page;
use crate::domain::{Description, Name};
use crate::error::AppError;
use crate::graphql::context::gql;
use crate::graphql::context::{CtxExt, visible};
use crate::graphql::ids::{Kind, decode_as, encode};
use crate::graphql::pagination::{cost_either, page_args};
use crate::project::schema::{Project, load_project};
use crate::user::schema::{User, visible_user};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// A saved, immutable snapshot of a project's dataset tree and item metadata; only its
/// title and description can be edited.
#[derive(Clone)]
pub struct ProjectVersion(pub entity::project_version::Model);

connection!(
    ProjectVersionConnection,
    ProjectVersionEdge,
    ProjectVersion,
    "A page of project versions.",
    "A project version with its cursor."
);

/// The versions of a project, oldest first.
pub async fn versions_of(
    ctx: &Context<'_>,
    project: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<ProjectVersionConnection> {
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let page = ctx.req()?.loader.load_one(VersionsOfProject(project, args)).await.map_err(gql)?;
    Ok(ProjectVersionConnection::from_page(page.unwrap_or_else(Page::empty), ProjectVersion))
}

/// A saved, immutable snapshot of a project's dataset tree and item metadata; only its
/// title and description can be edited.
#[Object]
impl ProjectVersion {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::ProjectVersion, self.0.id)
    }
    /// 1 for the first version of the project, then 2, 3, …
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// Short label.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Free text.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The project this is a version of.
    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        load_project(ctx, self.0.project_id).await
    }
    /// Who saved it; null when unknown or not visible to the viewer.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, self.0.created_by).await
    }
    /// When it was saved.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Number of datasets (at every depth) in the snapshot.
    async fn dataset_count(&self) -> i32 {
        self.0.dataset_count
    }
    /// Number of items in the snapshot.
    async fn item_count(&self) -> i32 {
        self.0.item_count
    }
}

/// A dataset or item named in a comparison.
#[derive(SimpleObject, Clone)]
pub struct VersionChange {
    /// Slash-separated names from the project down to it: `/train/cats` for a dataset,
    /// `/train/cats/cat.png` for an item (in the target version; for removals, the base).
    pub path: String,
    /// Its name.
    pub name: String,
}

crate::connection!(
    VersionChangeConnection,
    VersionChangeEdge,
    VersionChange,
    "A page of datasets or items of a comparison, in their creation order.",
    "A dataset or item of a comparison with its cursor."
);

/// What changed from a base version to a target version; each list is a page, in creation
/// order of the datasets or items. A dataset changed when its name, description or parent
/// did; an item when its name, dataset, size or content type did.
pub struct VersionComparison(compare::Versions);

impl VersionComparison {
    #[allow(clippy::too_many_arguments)] // the Relay paging arguments (first, after, last, before) of a GraphQL field
    async fn list(
        &self,
        ctx: &Context<'_>,
        kind: compare::Kind,
        change: compare::Change,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<VersionChangeConnection> {
        let args = page_args(first, after.as_deref(), last, before.as_deref())?;
        let page = ctx.req()?.loader.load_one(ComparisonPage(self.0, kind, change, args)).await.map_err(gql)?;
        Ok(VersionChangeConnection::from_page(page.unwrap_or_else(Page::empty), |e| VersionChange { path: e.path, name: e.name }))
    }
}

/// What changed from a base version to a target version; each list is a page, in creation
/// order of the datasets or items. A dataset changed when its name, description or parent
/// did; an item when its name, dataset, size or content type did.
#[Object]
impl VersionComparison {
    /// Datasets in the target only.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn datasets_added(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<VersionChangeConnection> {
        self.list(ctx, compare::Kind::Dataset, compare::Change::Added, first, after, last, before).await
    }
    /// Datasets in the base only.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn datasets_removed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<VersionChangeConnection> {
        self.list(ctx, compare::Kind::Dataset, compare::Change::Removed, first, after, last, before).await
    }
    /// Datasets in both, renamed, re-described or moved.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn datasets_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<VersionChangeConnection> {
        self.list(ctx, compare::Kind::Dataset, compare::Change::Changed, first, after, last, before).await
    }
    /// Items in the target only.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn items_added(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<VersionChangeConnection> {
        self.list(ctx, compare::Kind::Item, compare::Change::Added, first, after, last, before).await
    }
    /// Items in the base only.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn items_removed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<VersionChangeConnection> {
        self.list(ctx, compare::Kind::Item, compare::Change::Removed, first, after, last, before).await
    }
    /// Items in both with another name, dataset, size or content type.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn items_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<VersionChangeConnection> {
        self.list(ctx, compare::Kind::Item, compare::Change::Changed, first, after, last, before).await
    }
}

#[derive(Default)]
pub struct VersionQuery;

#[Object]
impl VersionQuery {
    /// What was added, removed and changed from `baseId` to `targetId`, two versions of
    /// the same project the viewer can read.
    async fn compare_project_versions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The older state.")] base_id: ID,
        #[graphql(desc = "The newer state.")] target_id: ID,
    ) -> Result<VersionComparison> {
        let req = ctx.req()?;
        req.user()?;
        let base = decode_as(&base_id, Kind::ProjectVersion, "baseId")?;
        let target = decode_as(&target_id, Kind::ProjectVersion, "targetId")?;
        // Both versions must be visible (NOT_FOUND) and of one project; then their rows.
        let b = visible::<entity::project_version::Entity>(ctx, base).await?.ok_or(AppError::NotFound)?;
        let t = visible::<entity::project_version::Entity>(ctx, target).await?.ok_or(AppError::NotFound)?;
        if t.project_id != b.project_id {
            return Err(AppError::bad_input("targetId", "both versions must belong to the same project").into());
        }
        Ok(VersionComparison(compare::Versions { project: b.project_id, base: b.number, target: t.number }))
    }
}

/// Input of `createProjectVersion`.
#[derive(InputObject)]
pub struct CreateProjectVersionInput {
    /// The project to snapshot (`project.update`).
    pub project_id: ID,
    /// Short label, 1-128 characters after trimming.
    pub title: String,
    /// Free text.
    pub description: Option<String>,
}

/// Result of `createProjectVersion` and `updateProjectVersion`.
#[derive(SimpleObject)]
pub struct ProjectVersionPayload {
    /// The version.
    pub version: ProjectVersion,
}

/// Input of `updateProjectVersion`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateProjectVersionInput {
    /// The version (`project.update` on its project).
    pub version_id: ID,
    /// New title.
    pub title: Option<String>,
    /// New description; empty clears it.
    pub description: Option<String>,
}

/// Input of `restoreProjectVersion`.
#[derive(InputObject)]
pub struct RestoreProjectVersionInput {
    /// The version to restore (readable by the viewer).
    pub version_id: ID,
    /// Where to create the new project (`project.create` on its team).
    pub workspace_id: ID,
    /// Name of the new project, unique inside the workspace.
    pub name: String,
}

/// Result of `restoreProjectVersion`.
#[derive(SimpleObject)]
pub struct RestoreProjectVersionPayload {
    /// The new project with the version's datasets and items (new ids), the original
    /// project's current description, and the viewer as its creator.
    pub project: Project,
}

#[derive(Default)]
pub struct VersionMutation;

#[Object]
impl VersionMutation {
    /// Saves the current dataset tree and item metadata of a project as a new version.
    async fn create_project_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CreateProjectVersionInput`).")] input: CreateProjectVersionInput,
    ) -> Result<ProjectVersionPayload> {
        let req = ctx.req()?;
        req.user()?;
        let title = Name::parse("title", &input.title)?;
        let description = Description::parse("description", input.description.as_deref())?;
        let project = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let v = service::create_version(req, project, title, description).await?;
        Ok(ProjectVersionPayload { version: ProjectVersion(v) })
    }

    /// Edits the title or description of a version (its contents never change).
    async fn update_project_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`UpdateProjectVersionInput`).")] input: UpdateProjectVersionInput,
    ) -> Result<ProjectVersionPayload> {
        let req = ctx.req()?;
        req.user()?;
        let title = input.title.as_deref().map(|t| Name::parse("title", t)).transpose()?;
        let description = input.description.as_deref().map(|d| Description::parse("description", Some(d))).transpose()?;
        let id = decode_as(&input.version_id, Kind::ProjectVersion, "versionId")?;
        let v = service::update_version(req, id, title, description).await?;
        Ok(ProjectVersionPayload { version: ProjectVersion(v) })
    }

    /// Creates a new project with a version's datasets and items; the original project is
    /// untouched.
    async fn restore_project_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`RestoreProjectVersionInput`).")] input: RestoreProjectVersionInput,
    ) -> Result<RestoreProjectVersionPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = Name::parse("name", &input.name)?;
        let id = decode_as(&input.version_id, Kind::ProjectVersion, "versionId")?;
        let workspace = decode_as(&input.workspace_id, Kind::Workspace, "workspaceId")?;
        let p = service::restore_version(req, id, workspace, name).await?;
        Ok(RestoreProjectVersionPayload { project: Project(p) })
    }
}
