//! `TrashEntry`, `Team.trash` and the `restoreFromTrash` / `purgeFromTrash` mutations.

use super::loader::TrashOfTeam;
use super::restore::{self, Restored, Unrestorable};
use super::service;
use crate::connection;
use crate::dataset::schema::Dataset;
use crate::db::page::Page;
use crate::graphql::context::{CtxExt, gql, visible};
use crate::graphql::ids::{Kind, decode_as, encode};
use crate::graphql::pagination::page_args;
use crate::project::schema::{MAX_DETACHED_LISTED, Project};
use crate::role::schema::Role;
use crate::user::schema::{User, visible_user};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
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
    async fn size_bytes(&self) -> crate::graphql::bytes::Bytes {
        crate::graphql::bytes::Bytes(self.0.size_bytes)
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
pub async fn of_team(
    ctx: &Context<'_>,
    team: Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<TrashEntryConnection> {
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let rows = ctx.req()?.loader.load_one(TrashOfTeam(team)).await.map_err(gql)?.unwrap_or_default();
    let total = rows.len() as i64;
    let mut rows: Vec<_> =
        rows.into_iter().filter(|e| args.after.is_none_or(|a| e.id > a) && args.before.is_none_or(|b| e.id < b)).collect();
    if args.backward {
        rows.drain(..rows.len().saturating_sub(args.first + 1));
    } else {
        rows.truncate(args.first + 1);
    }
    Ok(TrashEntryConnection::from_page(Page::from_rows(rows, &args, total), TrashEntry))
}

/// `Team.trashSizeBytes`: bytes in the team's trash entries the viewer sees.
pub async fn size_of_team(ctx: &Context<'_>, team: Uuid) -> Result<crate::graphql::bytes::Bytes> {
    let rows = ctx.req()?.loader.load_one(TrashOfTeam(team)).await.map_err(gql)?.unwrap_or_default();
    Ok(crate::graphql::bytes::Bytes(crate::item::values::total_bytes(rows.iter().map(|e| e.size_bytes))))
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
    /// The restored project, when the entry was a project and you may see it (a role that
    /// may delete but not read restores without seeing).
    pub project: Option<Project>,
    /// The restored dataset, when the entry was a dataset and you may see it.
    pub dataset: Option<Dataset>,
    /// Project memberships kept in the entry that did not come back (their role was deleted, their user left the organization, or the restorer may not give their role): the first 100; `detachedMembershipCount` counts them all.
    pub detached_memberships: Vec<UnrestoredMembership>,
    /// How many kept project memberships did not come back.
    pub detached_membership_count: i32,
    /// True when the dataset's parent dataset no longer exists: it came back at the top level of its project.
    pub detached_from_parent: bool,
}

/// Why a project membership kept in the trash did not come back with its project.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum UnrestoredReason {
    /// The role was deleted while the project was in the trash.
    RoleDeleted,
    /// The user is no longer a member of the project's organization, or left it and
    /// joined again since the project was deleted.
    NotInOrganization,
    /// The restorer may not give the role (as `addMember` decides: making a `lead` needs a
    /// team admin).
    NotAssignable,
}

/// A project membership kept in the trash that did not come back with its project.
pub struct UnrestoredMembership {
    user_id: Uuid,
    role_id: Uuid,
    reason: Unrestorable,
}

/// A project membership kept in the trash that did not come back with its project.
#[Object]
impl UnrestoredMembership {
    /// The member; null when the viewer may no longer see them.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, Some(self.user_id)).await
    }
    /// The project role they held; null when it was deleted.
    async fn role(&self, ctx: &Context<'_>) -> Result<Option<Role>> {
        Ok(ctx.req()?.catalog().role(self.role_id).cloned().map(Role))
    }
    /// Why it did not come back.
    async fn reason(&self) -> UnrestoredReason {
        match self.reason {
            Unrestorable::RoleDeleted => UnrestoredReason::RoleDeleted,
            Unrestorable::NotInOrganization => UnrestoredReason::NotInOrganization,
            Unrestorable::NotAssignable => UnrestoredReason::NotAssignable,
        }
    }
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
    /// Brings a deleted project or dataset subtree back with the same ids, into the place its project is now (under the rights there); a live sibling with the same name is CONFLICT, a vanished workspace or project FAILED_PRECONDITION. A dataset whose parent dataset is gone comes back at the top level of its project; project memberships whose role or user is gone, or whose role the restorer may not give (as addMember decides), are detached; the payload reports both.
    async fn restore_from_trash(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`RestoreFromTrashInput`).")] input: RestoreFromTrashInput,
    ) -> Result<RestoreFromTrashPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.trash_entry_id, Kind::TrashEntry, "trashEntryId")?;
        let outcome = restore::restore_from_trash(req, id).await?;
        // Shown as `node(id)` would show it (RULES.md §9.1): a restorer who may delete
        // but not read (a custom role) restores it without seeing it.
        let (project, dataset) = match outcome.restored {
            Restored::Project(p) => (visible::<entity::project::Entity>(ctx, p.id).await?.map(Project), None),
            Restored::Dataset(d) => (None, visible::<entity::dataset::Entity>(ctx, d.id).await?.map(Dataset)),
        };
        let mut detached = outcome.detached;
        let count = i32::try_from(detached.len()).unwrap_or(i32::MAX);
        detached.sort_by_key(|d| d.membership.id);
        detached.truncate(MAX_DETACHED_LISTED);
        let detached = detached
            .into_iter()
            .map(|d| UnrestoredMembership { user_id: d.membership.user_id, role_id: d.membership.role_id, reason: d.reason })
            .collect();
        Ok(RestoreFromTrashPayload {
            project,
            dataset,
            detached_memberships: detached,
            detached_membership_count: count,
            detached_from_parent: outcome.detached_from_parent,
        })
    }

    /// Deletes a trash entry forever.
    async fn purge_from_trash(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`PurgeFromTrashInput`).")] input: PurgeFromTrashInput,
    ) -> Result<PurgeFromTrashPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.trash_entry_id, Kind::TrashEntry, "trashEntryId")?;
        service::purge_from_trash(req, id).await?;
        Ok(PurgeFromTrashPayload { purged_trash_entry_id: input.trash_entry_id })
    }
}
