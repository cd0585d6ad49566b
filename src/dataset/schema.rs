//! The `Dataset` type and the dataset mutations.

use super::loader::{DatasetsUnder, path_ids};
use super::service;
use crate::connection;
use crate::db::page::PageArgs;
use crate::db::positional::{Columns, Positional};
use crate::domain::{Description, Name};
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::gather;
use crate::graphql::ids::{Kind, decode_as, encode};
use crate::graphql::pagination::{cost_either, node_columns, page_args_in};
use crate::item::schema::{ItemConnection, TotalsOf, item_count, items_of, size_bytes};
use crate::project::schema::{Project, load_project};
use crate::request::ReachableById;
use crate::user::schema::{User, visible_user};
use async_graphql::parser::types::Field;
use async_graphql::{Context, ContextSelectionSet, Gathered, ID, InputObject, Object, Positioned, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// A dataset may contain datasets, down to the configured depth limit.
#[derive(Clone)]
pub struct Dataset(pub entity::dataset::Model);

connection!(
    DatasetConnection,
    DatasetEdge,
    Dataset,
    "A page of datasets.",
    "A dataset with its cursor.",
    immediate: Kind::Dataset,
    ["name" => name],
    gather: Dataset::gather
);

/// A dataset may contain datasets, down to the configured depth limit.
#[Object]
impl Dataset {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::Dataset, self.0.id)
    }
    /// Unique among its siblings.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Free text.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The project the dataset belongs to.
    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        load_project(ctx, self.0.project_id).await
    }
    /// Null for a top-level dataset, and for the parent of the top dataset a labeling job
    /// covers when the viewer sees it only through that job.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Dataset>> {
        let Some(id) = self.0.parent_id else { return Ok(None) };
        Ok(ctx.req()?.loader.load_one(ReachableById::<entity::dataset::Entity>::new(id)).await.map_err(gql)?.map(Dataset))
    }
    /// Datasets directly inside this one.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<DatasetConnection> {
        let args = Dataset::page_args(ctx, first, after.as_deref(), last, before.as_deref())?;
        let page = ctx.req()?.loader.load_one(DatasetsUnder(self.0.id, args)).await.map_err(gql)?;
        Ok(DatasetConnection::from_page(page.unwrap_or_default(), Dataset))
    }
    /// From the top-level dataset down to the parent; empty for a top-level dataset. A
    /// viewer who sees the dataset only through a labeling job gets the ancestors up to
    /// the dataset the job covers.
    #[graphql(complexity = "128 * child_complexity")]
    async fn ancestors(&self, ctx: &Context<'_>) -> Result<Vec<Dataset>> {
        let ids = path_ids(&self.0.path);
        let mut found = ctx
            .req()?
            .loader
            .load_many(ids.iter().map(|id| ReachableById::<entity::dataset::Entity>::new(*id)))
            .await
            .map_err(gql)?;
        Ok(ids.iter().filter_map(|id| found.remove(&ReachableById::<entity::dataset::Entity>::new(*id))).map(Dataset).collect())
    }
    /// 0 for a top-level dataset.
    async fn depth(&self) -> i32 {
        self.0.depth
    }
    /// Who created it; null when unknown or not visible to the viewer.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, self.0.created_by).await
    }
    /// When the dataset was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Items directly in this dataset (not in its sub-datasets).
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<ItemConnection> {
        items_of(ctx, self.0.id, first, after, last, before).await
    }
    /// Bytes of the items in this dataset and all its sub-datasets (a whole number).
    async fn size_bytes(&self, ctx: &Context<'_>) -> Result<crate::graphql::bytes::Bytes> {
        size_bytes(ctx, TotalsOf::Dataset(&self.0)).await
    }
    /// Number of items in this dataset and all its sub-datasets.
    async fn item_count(&self, ctx: &Context<'_>) -> Result<i32> {
        item_count(ctx, TotalsOf::Dataset(&self.0)).await
    }
}

impl Dataset {
    /// `page_args_in` of a list of datasets, reading the columns its nodes' fields need.
    pub fn page_args(
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
    ) -> async_graphql::Result<PageArgs> {
        let args = page_args_in(ctx, first, after, last, before)?;
        Ok(PageArgs { columns: node_columns(ctx, Self::columns_of), ..args })
    }

    /// The columns field `name` of `Dataset` reads (the resolvers above); `None`, all
    /// of them, for a field not listed. tests/api/projection.rs reads every field through
    /// a list and through `node` and compares.
    fn columns_of(name: &str) -> Option<Columns> {
        const fn col(name: &str) -> Columns {
            Columns::named(<entity::dataset::Model as Positional>::COLUMNS, name)
        }
        Some(match name {
            "__typename" => Columns::NONE,
            "id" | "children" | "items" | "sizeBytes" | "itemCount" => const { col("id") },
            "name" => const { col("name") },
            "description" => const { col("description") },
            "project" => const { col("project_id") },
            "parent" => const { col("parent_id") },
            "ancestors" => const { col("path") },
            "depth" => const { col("depth") },
            "createdBy" => const { col("created_by") },
            "createdAt" => const { col("created_at") },
            _ => return None,
        })
    }
}

impl Dataset {
    /// `children` of every dataset of a list, answered together (`graphql::gather`).
    fn gather<'b>(items: &[&'b Self], ctx: &'b ContextSelectionSet<'b>, field: &'b Positioned<Field>) -> Option<Gathered<'b>> {
        match field.node.name.node.as_str() {
            "children" => {
                let ids = items.iter().map(|d| d.0.id).collect();
                gather::pages(ids, ctx, field, Dataset::page_args, DatasetsUnder, |page| {
                    DatasetConnection::from_page(page.unwrap_or_default(), Dataset)
                })
            }
            _ => None,
        }
    }
}

/// Input of `createDataset`.
#[derive(InputObject)]
pub struct CreateDatasetInput {
    /// The project (`dataset.create`).
    pub project_id: ID,
    /// Null for a top-level dataset.
    pub parent_id: Option<ID>,
    /// Unique among its siblings.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
}

/// Result of `createDataset`.
#[derive(SimpleObject)]
pub struct CreateDatasetPayload {
    /// The new dataset.
    pub dataset: Dataset,
}

/// Input of `updateDataset`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateDatasetInput {
    /// The dataset (`dataset.update`).
    pub dataset_id: ID,
    /// New name.
    pub name: Option<String>,
    /// New description; empty clears it.
    pub description: Option<String>,
}

/// Result of `updateDataset`.
#[derive(SimpleObject)]
pub struct UpdateDatasetPayload {
    /// The dataset after the change.
    pub dataset: Dataset,
}

/// Input of `moveDataset`.
#[derive(InputObject)]
pub struct MoveDatasetInput {
    /// The dataset to move with its subtree (`dataset.move`).
    pub dataset_id: ID,
    /// Null moves it to the top level of its project.
    pub new_parent_id: Option<ID>,
}

/// Result of `moveDataset`.
#[derive(SimpleObject)]
pub struct MoveDatasetPayload {
    /// The dataset at its new place.
    pub dataset: Dataset,
}

/// Input of `deleteDataset`.
#[derive(InputObject)]
pub struct DeleteDatasetInput {
    /// The dataset to delete with its subtree (`dataset.delete`, or `.own`).
    pub dataset_id: ID,
}

/// Result of `deleteDataset`.
#[derive(SimpleObject)]
pub struct DeleteDatasetPayload {
    /// Id of the deleted dataset.
    pub deleted_dataset_id: ID,
    /// The trash entry the deletion made: `restoreFromTrash` takes it (an undo).
    pub trash_entry_id: ID,
}

#[derive(Default)]
pub struct DatasetMutation;

#[Object]
impl DatasetMutation {
    /// Creates a dataset at the top of a project or inside another dataset.
    async fn create_dataset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CreateDatasetInput`).")] input: CreateDatasetInput,
    ) -> Result<CreateDatasetPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = Name::parse("name", &input.name)?;
        let description = Description::parse("description", input.description.as_deref())?;
        let project = decode_as(&input.project_id, Kind::Project, "projectId")?;
        let parent = input.parent_id.as_deref().map(|id| decode_as(id, Kind::Dataset, "parentId")).transpose()?;
        let d = service::create_dataset(req, project, parent, name, description).await?;
        Ok(CreateDatasetPayload { dataset: Dataset(d) })
    }

    /// Renames or describes a dataset.
    async fn update_dataset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`UpdateDatasetInput`).")] input: UpdateDatasetInput,
    ) -> Result<UpdateDatasetPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = input.name.as_deref().map(|n| Name::parse("name", n)).transpose()?;
        let description = input.description.as_deref().map(|d| Description::parse("description", Some(d))).transpose()?;
        let id = decode_as(&input.dataset_id, Kind::Dataset, "datasetId")?;
        let d = service::update_dataset(req, id, name, description).await?;
        Ok(UpdateDatasetPayload { dataset: Dataset(d) })
    }

    /// Moves a dataset (with its subtree) inside its project.
    async fn move_dataset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`MoveDatasetInput`).")] input: MoveDatasetInput,
    ) -> Result<MoveDatasetPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.dataset_id, Kind::Dataset, "datasetId")?;
        let parent = input.new_parent_id.as_deref().map(|p| decode_as(p, Kind::Dataset, "newParentId")).transpose()?;
        let d = service::move_dataset(req, id, parent).await?;
        Ok(MoveDatasetPayload { dataset: Dataset(d) })
    }

    /// Moves a dataset and its subtree to the trash bin (`Team.trash`), from where
    /// `restoreFromTrash` brings them back and `purgeFromTrash` deletes them for good.
    async fn delete_dataset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`DeleteDatasetInput`).")] input: DeleteDatasetInput,
    ) -> Result<DeleteDatasetPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.dataset_id, Kind::Dataset, "datasetId")?;
        let entry = service::delete_dataset(req, id).await?;
        Ok(DeleteDatasetPayload { deleted_dataset_id: input.dataset_id, trash_entry_id: encode(Kind::TrashEntry, entry) })
    }
}
