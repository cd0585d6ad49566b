//! The `Item` type, the item mutations, and the disk-usage fields that `Dataset`,
//! `Project`, `Workspace` and `Team` expose through the helpers at the end.
//!
//! Byte counts are GraphQL `Float!` (GraphQL `Int` is 32-bit): always whole numbers, exact
//! up to 2^53 − 1 bytes (8 PiB), the range of a JavaScript number. Item counts are `Int!`.

use super::loader::{DatasetTotals, ItemsOfDataset, ProjectTotals, ScopeTotals, TeamDiskUsage, Totals};
use super::service::{self, MAX_BATCH, NewItem};
use super::values::{ByteSize, ContentType, ItemName};
use crate::connection;
use crate::dataset::schema::Dataset;
use crate::db::page::{MAX_PAGE, Page};
use crate::error::AppError;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::ids::{Kind, decode, decode_as, encode};
use crate::graphql::pagination::page_args;
use crate::project::schema::Project;
use crate::request::ReachableById;
use crate::user::schema::{User, visible_user};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A file of a dataset. Items live only inside datasets, never directly in a project.
#[derive(Clone)]
pub struct Item(pub entity::item::Model);

connection!(ItemConnection, ItemEdge, Item, "A page of items.", "An item with its cursor.");

/// A file of a dataset. Items live only inside datasets, never directly in a project.
#[Object]
impl Item {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::Item, self.0.id)
    }
    /// Unique inside the dataset.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Size in bytes: a whole number (a `Float` because GraphQL `Int` is 32-bit).
    async fn size_bytes(&self) -> crate::graphql::bytes::Bytes {
        crate::graphql::bytes::Bytes(self.0.size_bytes)
    }
    /// Media type such as `image/png`, lowercase.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// The dataset the item is in.
    async fn dataset(&self, ctx: &Context<'_>) -> Result<Dataset> {
        let d =
            ctx.req()?.loader.load_one(ReachableById::<entity::dataset::Entity>::new(self.0.dataset_id)).await.map_err(gql)?;
        Ok(Dataset(d.ok_or(AppError::NotFound)?))
    }
    /// Who added it; null when unknown or not visible to the viewer.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, self.0.created_by).await
    }
    /// When the item was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One project of a team with the bytes and items of all its datasets.
#[derive(SimpleObject)]
pub struct ProjectDiskUsage {
    /// The project.
    pub project: Project,
    /// Bytes of every item in the project's datasets (a whole number).
    pub size_bytes: crate::graphql::bytes::Bytes,
    /// Number of items in the project's datasets.
    pub item_count: i32,
}

/// An item to add.
#[derive(InputObject)]
pub struct ItemInput {
    /// 1–255 characters after trimming; unique inside the dataset and the batch.
    pub name: String,
    /// Size in bytes: a whole number from 0 to 2^53 − 1.
    pub size_bytes: f64,
    /// Media type `type/subtype`, such as `image/png` (no parameters); stored lowercase.
    pub content_type: String,
}

/// Input of `addItems`.
#[derive(InputObject)]
pub struct AddItemsInput {
    /// The dataset to add to (`dataset.update` on its project).
    pub dataset_id: ID,
    /// 1 to 1000 items.
    pub items: Vec<ItemInput>,
}

/// Result of `addItems`.
#[derive(SimpleObject)]
pub struct AddItemsPayload {
    /// The new items, in input order.
    pub items: Vec<Item>,
    /// The dataset after the change (its `sizeBytes` and `itemCount` include the new items).
    pub dataset: Dataset,
}

/// Input of `removeItems`.
#[derive(InputObject)]
pub struct RemoveItemsInput {
    /// 1 to 1000 items, possibly of several datasets (`dataset.update` on each project).
    pub item_ids: Vec<ID>,
}

/// Result of `removeItems`.
#[derive(SimpleObject)]
pub struct RemoveItemsPayload {
    /// Ids of the removed items (each once, in input order).
    pub removed_item_ids: Vec<ID>,
}

fn batch_size(field: &str, n: usize) -> Result<(), AppError> {
    if n == 0 || n > MAX_BATCH {
        return Err(AppError::bad_input(field, format!("between 1 and {MAX_BATCH} items")));
    }
    Ok(())
}

#[derive(Default)]
pub struct ItemMutation;

#[Object]
impl ItemMutation {
    /// Adds items to a dataset, all or none.
    async fn add_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`AddItemsInput`).")] input: AddItemsInput,
    ) -> Result<AddItemsPayload> {
        let req = ctx.req()?;
        req.user()?;
        batch_size("items", input.items.len())?;
        let items = input
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                Ok(NewItem {
                    name: ItemName::parse(&format!("items[{i}].name"), &it.name)?,
                    size: ByteSize::parse(&format!("items[{i}].sizeBytes"), it.size_bytes)?,
                    content_type: ContentType::parse(&format!("items[{i}].contentType"), &it.content_type)?,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let dataset = decode_as(&input.dataset_id, Kind::Dataset, "datasetId")?;
        let (d, items) = service::add_items(req, dataset, items).await?;
        Ok(AddItemsPayload { items: items.into_iter().map(Item).collect(), dataset: Dataset(d) })
    }

    /// Removes items, all or none.
    async fn remove_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`RemoveItemsInput`).")] input: RemoveItemsInput,
    ) -> Result<RemoveItemsPayload> {
        let req = ctx.req()?;
        req.user()?;
        batch_size("itemIds", input.item_ids.len())?;
        // Every id is parsed (BAD_USER_INPUT) before any is looked up (NOT_FOUND).
        let decoded = input.item_ids.iter().map(|id| decode(id, "itemIds")).collect::<Result<Vec<_>, _>>()?;
        let mut ids: Vec<Uuid> = Vec::with_capacity(decoded.len());
        for (kind, id) in decoded {
            if kind != Kind::Item {
                return Err(AppError::NotFound.into());
            }
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        service::remove_items(req, &ids).await?;
        Ok(RemoveItemsPayload { removed_item_ids: ids.into_iter().map(|id| encode(Kind::Item, id)).collect() })
    }
}

/// `Dataset.items`: the caller's dataset is visible, and so are its items.
pub async fn items_of(
    ctx: &Context<'_>,
    dataset: Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<ItemConnection> {
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let page = ctx.req()?.loader.load_one(ItemsOfDataset(dataset, args)).await.map_err(gql)?;
    Ok(ItemConnection::from_page(page.unwrap_or_else(Page::empty), Item))
}

/// What `sizeBytes` and `itemCount` of a dataset, project, workspace or team sum.
pub enum TotalsOf<'a> {
    /// The dataset and all its sub-datasets.
    Dataset(&'a entity::dataset::Model),
    /// Every dataset of the project.
    Project(Uuid),
    /// The projects of the workspace that the viewer sees.
    Workspace(Uuid),
    /// The projects of the team that the viewer sees.
    Team(Uuid),
}

async fn totals(ctx: &Context<'_>, of: TotalsOf<'_>) -> Result<Totals> {
    let l = &ctx.req()?.loader;
    let t = match of {
        TotalsOf::Dataset(d) => l.load_one(DatasetTotals::of(d)).await,
        TotalsOf::Project(id) => l.load_one(ProjectTotals(id)).await,
        TotalsOf::Workspace(id) => l.load_one(ScopeTotals::Workspace(id)).await,
        TotalsOf::Team(id) => l.load_one(ScopeTotals::Team(id)).await,
    };
    Ok(t.map_err(gql)?.unwrap_or_default())
}

/// `sizeBytes`: a whole number of bytes as a `Float`.
pub async fn size_bytes(ctx: &Context<'_>, of: TotalsOf<'_>) -> Result<crate::graphql::bytes::Bytes> {
    Ok(crate::graphql::bytes::Bytes(totals(ctx, of).await?.size_bytes))
}

/// `itemCount`, saturated at the largest GraphQL `Int`.
pub async fn item_count(ctx: &Context<'_>, of: TotalsOf<'_>) -> Result<i32> {
    Ok(i32::try_from(totals(ctx, of).await?.item_count).unwrap_or(i32::MAX))
}

/// `Team.diskUsage`: the `first` (1..100, default 20) largest projects of the team that
/// the viewer sees, by bytes descending.
pub async fn disk_usage(ctx: &Context<'_>, team: Uuid, first: Option<i32>) -> Result<Vec<ProjectDiskUsage>> {
    let args = page_args(first, None, None, None)?;
    let req = ctx.req()?;
    let usage = req.loader.load_one(TeamDiskUsage(team, args.first.min(MAX_PAGE))).await.map_err(gql)?.unwrap_or_default();
    let mut projects = req
        .loader
        .load_many(usage.iter().map(|u| ReachableById::<entity::project::Entity>::new(u.project_id)))
        .await
        .map_err(gql)?;
    Ok(usage
        .into_iter()
        .filter_map(|u| {
            projects.remove(&ReachableById::<entity::project::Entity>::new(u.project_id)).map(|p| ProjectDiskUsage {
                project: Project(p),
                size_bytes: crate::graphql::bytes::Bytes(u.totals.size_bytes),
                item_count: i32::try_from(u.totals.item_count).unwrap_or(i32::MAX),
            })
        })
        .collect())
}
