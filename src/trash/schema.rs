//! `TrashEntry`, `Team.trash` and the `restoreFromTrash` / `purgeFromTrash` mutations.

use super::loader::TrashOfTeam;
use super::service::{self, Restored};
use crate::connection;
use crate::dataset::schema::Dataset;
use crate::db::page::Page;
use crate::graphql::context::{CtxExt, gql};
use crate::graphql::ids::{Kind, decode_as, encode};
use crate::graphql::pagination::page_args;
use crate::project::schema::Project;
use crate::user::schema::{User, visible_user};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A deleted project or dataset subtree in its team's trash bin: restorable until it is
/// purged by hand or after the retention period.
#[derive(Clone)]
pub struct TrashEntry(pub entity::trash_entry::Model);

connection!(TrashEntryConnection, TrashEntryEdge, TrashEntry, "A page of trash entries.", "A trash entry with its cursor.");

/// A deleted project or dataset subtree in its team's trash bin: restorable until it is
/// purged by hand or after the retention period.
#[Object]
impl TrashEntry {
    /// Opaque global id (pass it to `restoreFromTrash` or `purgeFromTrash`).
    async fn id(&self) -> ID {
        encode(Kind::TrashEntry, self.0.id)
    }
    /// What was deleted: "Project" or "Dataset".
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// The deleted object's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Who deleted it; null when unknown or not visible to the viewer.
    async fn deleted_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, self.0.deleted_by).await
    }
    /// When it was deleted.
    async fn deleted_at(&self) -> DateTime<Utc> {
        self.0.deleted_at
    }
    /// Bytes of the items in the deleted subtree (a whole number).
    async fn size_bytes(&self) -> f64 {
        self.0.size_bytes as f64
    }
    /// Number of items in the deleted subtree.
    async fn item_count(&self) -> i32 {
        i32::try_from(self.0.item_count).unwrap_or(i32::MAX)
    }
    /// When it will be purged automatically.
    async fn purges_at(&self, ctx: &Context<'_>) -> Result<DateTime<Utc>> {
        let retention = chrono::Duration::from_std(ctx.req()?.settings.trash_retention).unwrap_or(chrono::Duration::MAX);
        Ok(self.0.deleted_at.checked_add_signed(retention).unwrap_or(DateTime::<Utc>::MAX_UTC))
    }
}

/// `Team.trash`: the entries of the team the viewer sees.
pub async fn of_team(ctx: &Context<'_>, team: Uuid, first: Option<i32>, after: Option<String>) -> Result<TrashEntryConnection> {
    let args = page_args(first, after.as_deref())?;
    let rows = ctx.req()?.loader.load_one(TrashOfTeam(team)).await.map_err(gql)?.unwrap_or_default();
    let total = rows.len() as i64;
    let rows: Vec<_> = rows.into_iter().filter(|e| args.after.is_none_or(|a| e.id > a)).take(args.first + 1).collect();
    Ok(TrashEntryConnection::from_page(Page::from_rows(rows, &args, total), TrashEntry))
}

/// `Team.trashSizeBytes`: bytes in the team's trash entries the viewer sees.
pub async fn size_of_team(ctx: &Context<'_>, team: Uuid) -> Result<f64> {
    let rows = ctx.req()?.loader.load_one(TrashOfTeam(team)).await.map_err(gql)?.unwrap_or_default();
    Ok(rows.iter().map(|e| e.size_bytes).sum::<i64>() as f64)
}

/// Input of `restoreFromTrash`.
#[derive(InputObject)]
pub struct RestoreFromTrashInput {
    /// The entry to restore (`project.delete` / `dataset.delete`, or `.own` on an object you created).
    pub trash_entry_id: ID,
}

/// Result of `restoreFromTrash`.
#[derive(SimpleObject)]
pub struct RestoreFromTrashPayload {
    /// The restored project, when the entry was a project.
    pub project: Option<Project>,
    /// The restored dataset, when the entry was a dataset.
    pub dataset: Option<Dataset>,
}

/// Input of `purgeFromTrash`.
#[derive(InputObject)]
pub struct PurgeFromTrashInput {
    /// The entry to delete forever (`project.delete` / `dataset.delete`, or `.own` on an object you created).
    pub trash_entry_id: ID,
}

/// Result of `purgeFromTrash`.
#[derive(SimpleObject)]
pub struct PurgeFromTrashPayload {
    /// Id of the purged entry.
    pub purged_trash_entry_id: ID,
}

#[derive(Default)]
pub struct TrashMutation;

#[Object]
impl TrashMutation {
    /// Brings a deleted project or dataset subtree back with the same ids; a live sibling
    /// with the same name is CONFLICT, a vanished workspace or parent FAILED_PRECONDITION.
    async fn restore_from_trash(&self, ctx: &Context<'_>, input: RestoreFromTrashInput) -> Result<RestoreFromTrashPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.trash_entry_id, Kind::TrashEntry, "trashEntryId")?;
        let restored = service::restore_from_trash(req, id).await?;
        Ok(match restored {
            Restored::Project(p) => RestoreFromTrashPayload { project: Some(Project(p)), dataset: None },
            Restored::Dataset(d) => RestoreFromTrashPayload { project: None, dataset: Some(Dataset(d)) },
        })
    }

    /// Deletes a trash entry forever.
    async fn purge_from_trash(&self, ctx: &Context<'_>, input: PurgeFromTrashInput) -> Result<PurgeFromTrashPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.trash_entry_id, Kind::TrashEntry, "trashEntryId")?;
        service::purge_from_trash(req, id).await?;
        Ok(PurgeFromTrashPayload { purged_trash_entry_id: input.trash_entry_id })
    }
}
