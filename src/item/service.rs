//! Item rules: items are added to and removed from a dataset by holders of
//! `dataset.update` on its project; names are unique per dataset. Each mutation is one
//! transaction that also moves the dataset's own aggregates (`own_size_bytes`,
//! `own_item_count`) by the same amounts, so totals never scan items.

use super::values::{ByteSize, ContentType, ItemName};
use crate::authz::keys;
use crate::authz::{Grants, Resource};
use crate::dataset::service as dataset_service;
use crate::db::Sql;
use crate::error::{AppError, AppResult};
use crate::request::{RequestCtx, Write};
use entity::{dataset, item};
use foldhash::{HashSet, HashSetExt};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect};
use std::collections::BTreeMap;
use uuid::Uuid;

/// At most this many items per `addItems` or `removeItems`.
pub const MAX_BATCH: usize = 1000;

/// A parsed `ItemInput`.
pub struct NewItem {
    pub name: ItemName,
    pub size: ByteSize,
    pub content_type: ContentType,
}

fn dataset_resource(d: &dataset::Model) -> Resource {
    Resource::Project { org: d.organization_id, team: d.team_id, project: d.project_id, owned: false }
}

fn require_update(grants: &Grants, d: &dataset::Model) -> AppResult<()> {
    dataset_service::require_open(grants, d)?;
    if grants.can(&dataset_resource(d), keys::DATASET_UPDATE) {
        Ok(())
    } else {
        Err(AppError::forbidden("requires dataset.update"))
    }
}

/// Moves a dataset's own aggregates by `bytes` and `count` (negative to remove). On
/// PostgreSQL this also locks the dataset row, which serializes item changes of one
/// dataset (name checks included); SQLite writers are serialized by `BEGIN IMMEDIATE`.
/// A dataset's own bytes stay within a 64-bit integer: past it the change is
/// `FAILED_PRECONDITION` (RULES.md §9.9: never `INTERNAL`); totals above hold at 2^53 − 1.
async fn bump(txn: &Write, dataset: Uuid, bytes: i64, count: i64) -> AppResult<()> {
    let mut sql = Sql::new(txn.get_database_backend());
    sql.push("UPDATE datasets SET own_size_bytes = own_size_bytes + ")
        .bind(bytes)
        .push(", own_item_count = own_item_count + ")
        .bind(count)
        .push(" WHERE id = ")
        .bind(dataset)
        .push(" AND own_size_bytes <= ")
        .bind(i64::MAX - bytes.max(0));
    if txn.execute_raw(sql.build()).await?.rows_affected() == 0 {
        // A concurrent delete of the dataset may have won; or it is full.
        return match dataset::Entity::find_by_id(dataset).one(txn).await? {
            Some(_) => Err(AppError::precondition(format!("a dataset holds at most {} bytes", i64::MAX))),
            None => Err(AppError::NotFound),
        };
    }
    Ok(())
}

/// Adds `items` (1..=1000, checked by the caller) to a dataset; all or nothing.
pub async fn add_items(req: &RequestCtx, dataset: Uuid, items: Vec<NewItem>) -> AppResult<(dataset::Model, Vec<item::Model>)> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let d = dataset_service::find_visible(&txn, &grants, dataset).await?;
    require_update(&grants, &d)?;
    let mut seen = HashSet::new();
    for (i, it) in items.iter().enumerate() {
        if !seen.insert(it.name.as_str()) {
            return Err(AppError::conflict(format!("items[{i}].name"), "two items of the batch have this name"));
        }
    }
    let bytes = items.iter().map(|it| it.size.get()).sum::<i64>();
    bump(&txn, d.id, bytes, items.len() as i64).await?;
    let names: Vec<&str> = items.iter().map(|it| it.name.as_str()).collect();
    // Every taken name of the batch (at most its size): the error names the first in the
    // batch, whichever row each database would have returned first.
    let taken: HashSet<String> = item::Entity::find()
        .select_only()
        .column(item::Column::Name)
        .filter(item::Column::DatasetId.eq(d.id))
        .filter(item::Column::Name.is_in(names))
        .into_tuple()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    if let Some(i) = items.iter().position(|it| taken.contains(it.name.as_str())) {
        return Err(AppError::conflict(format!("items[{i}].name"), "an item with this name exists in the dataset"));
    }
    let now = crate::db::now();
    let rows: Vec<item::Model> = items
        .into_iter()
        .map(|it| item::Model {
            id: Uuid::now_v7(),
            dataset_id: d.id,
            project_id: d.project_id,
            team_id: d.team_id,
            organization_id: d.organization_id,
            name: it.name.into_string(),
            size_bytes: it.size.get(),
            content_type: it.content_type.into_string(),
            created_by: Some(viewer.id),
            created_at: now,
        })
        .collect();
    // Bound values per row are few; 500 rows a statement stay far below every driver limit.
    for chunk in rows.chunks(500) {
        item::Entity::insert_many(chunk.iter().cloned().map(IntoActiveModel::into_active_model))
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok((d, rows))
}

/// Removes items (1..=1000 distinct ids, checked by the caller), possibly of several
/// datasets; all or nothing. Any id the viewer cannot see → NOT_FOUND; any dataset
/// without `dataset.update` → FORBIDDEN.
pub async fn remove_items(req: &RequestCtx, ids: &[Uuid]) -> AppResult<()> {
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let rows = item::Entity::find()
        .filter(item::Column::Id.is_in(ids.to_vec()))
        .filter(<item::Entity as crate::authz::Visible>::condition(&grants))
        .all(&txn)
        .await?;
    if rows.len() != ids.len() {
        return Err(AppError::NotFound);
    }
    for i in &rows {
        let r = Resource::Project { org: i.organization_id, team: i.team_id, project: i.project_id, owned: false };
        if !grants.writes_under(i.organization_id, i.team_id, i.project_id) || !grants.can(&r, keys::DATASET_UPDATE) {
            return Err(AppError::forbidden("requires dataset.update"));
        }
    }
    // Per dataset, in id order: a fixed lock order between concurrent removals.
    let mut per_dataset: BTreeMap<Uuid, (i64, i64)> = BTreeMap::new();
    for i in &rows {
        let e = per_dataset.entry(i.dataset_id).or_default();
        e.0 += i.size_bytes;
        e.1 += 1;
    }
    for (dataset, (bytes, count)) in per_dataset {
        bump(&txn, dataset, -bytes, -count).await?;
    }
    // Under the dataset locks: a concurrent removal of the same items has either not
    // started or committed, in which case fewer rows go and nothing is applied.
    let deleted = item::Entity::delete_many().filter(item::Column::Id.is_in(ids.to_vec())).exec(&txn).await?;
    if deleted.rows_affected != ids.len() as u64 {
        return Err(AppError::NotFound);
    }
    txn.commit().await?;
    Ok(())
}
