//! Trash rules: moving a deleted subtree into `trash_entries` (inside the delete's
//! transaction), restoring it under the same ids, purging it by hand or by age.
//! Who may restore or purge follows the delete rules (`project.delete`,
//! `dataset.delete`, or their `.own` variants on an object the viewer created).

use crate::activity::{self, Action, Subject};
use crate::authz::{Grants, Resource};
use crate::db::{Sql, sibling_name_taken};
use crate::error::{AppError, AppResult};
use crate::request::RequestCtx;
use entity::{dataset, item, membership, project, project_version, snapshot_row, trash_entry, workspace};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

pub const PROJECT: &str = "Project";
pub const DATASET: &str = "Dataset";

/// A dataset row with the aggregate columns that `dataset::Model` leaves out.
#[derive(Serialize, Deserialize)]
struct DatasetRow {
    row: dataset::Model,
    own_size_bytes: i64,
    own_item_count: i64,
}

/// Every row a restore re-inserts.
#[derive(Serialize, Deserialize, Default)]
struct Payload {
    project: Option<project::Model>,
    datasets: Vec<DatasetRow>,
    items: Vec<item::Model>,
    memberships: Vec<membership::Model>,
    versions: Vec<project_version::Model>,
    snapshot_rows: Vec<snapshot_row::Model>,
}

#[derive(FromQueryResult)]
struct Own {
    id: Uuid,
    own_size_bytes: i64,
    own_item_count: i64,
}

async fn with_aggregates<C: ConnectionTrait>(db: &C, rows: Vec<dataset::Model>) -> AppResult<Vec<DatasetRow>> {
    let ids: Vec<Uuid> = rows.iter().map(|d| d.id).collect();
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT id, own_size_bytes, own_item_count FROM datasets WHERE id IN ").bind_list(&ids);
    let own: HashMap<Uuid, Own> = Own::find_by_statement(sql.build()).all(db).await?.into_iter().map(|o| (o.id, o)).collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let (s, c) = own.get(&row.id).map_or((0, 0), |o| (o.own_size_bytes, o.own_item_count));
            DatasetRow { row, own_size_bytes: s, own_item_count: c }
        })
        .collect())
}

struct NewEntry<'a> {
    kind: &'static str,
    object_id: Uuid,
    name: &'a str,
    organization: Uuid,
    team: Uuid,
    project: Uuid,
    parent: Option<Uuid>,
    created_by: Option<Uuid>,
}

async fn insert_entry<C: ConnectionTrait>(db: &C, viewer: Uuid, e: NewEntry<'_>, payload: &Payload) -> AppResult<()> {
    let size_bytes = payload.datasets.iter().map(|d| d.own_size_bytes).sum();
    let item_count = payload.datasets.iter().map(|d| d.own_item_count).sum();
    let entry = trash_entry::Model {
        id: Uuid::now_v7(),
        organization_id: e.organization,
        team_id: e.team,
        project_id: e.project,
        kind: e.kind.into(),
        object_id: e.object_id,
        name: e.name.into(),
        parent_id: e.parent,
        deleted_by: Some(viewer),
        deleted_at: chrono::Utc::now(),
        created_by: e.created_by,
        size_bytes,
        item_count,
        payload: serde_json::to_string(payload).map_err(AppError::internal)?,
    };
    trash_entry::Entity::insert(entry.into_active_model()).exec_without_returning(db).await?;
    Ok(())
}

/// Copies a project with everything in it into the trash; the caller then deletes it.
pub async fn trash_project<C: ConnectionTrait>(db: &C, viewer: Uuid, p: &project::Model) -> AppResult<()> {
    let datasets = dataset::Entity::find().filter(dataset::Column::ProjectId.eq(p.id)).all(db).await?;
    let payload = Payload {
        project: Some(p.clone()),
        datasets: with_aggregates(db, datasets).await?,
        items: item::Entity::find().filter(item::Column::ProjectId.eq(p.id)).all(db).await?,
        memberships: membership::Entity::find()
            .filter(membership::Column::ScopeKind.eq("project"))
            .filter(membership::Column::ScopeId.eq(p.id))
            .all(db)
            .await?,
        versions: project_version::Entity::find().filter(project_version::Column::ProjectId.eq(p.id)).all(db).await?,
        snapshot_rows: snapshot_row::Entity::find().filter(snapshot_row::Column::ProjectId.eq(p.id)).all(db).await?,
    };
    let e = NewEntry {
        kind: PROJECT,
        object_id: p.id,
        name: &p.name,
        organization: p.organization_id,
        team: p.team_id,
        project: p.id,
        parent: Some(p.workspace_id),
        created_by: p.created_by,
    };
    insert_entry(db, viewer, e, &payload).await
}

/// Copies a dataset subtree with its items into the trash; the caller then deletes it.
pub async fn trash_dataset<C: ConnectionTrait>(db: &C, viewer: Uuid, d: &dataset::Model) -> AppResult<()> {
    let mut sql = crate::db::Sql::new(db.get_database_backend());
    crate::dataset::subtree::push_descendants(&mut sql, &[d.id]);
    sql.push("SELECT s.* FROM datasets s JOIN sub ON s.id = sub.id ORDER BY s.depth, s.id");
    let mut datasets = dataset::Entity::find().from_raw_sql(sql.build()).all(db).await?;
    datasets.insert(0, d.clone());
    let ids: Vec<Uuid> = datasets.iter().map(|x| x.id).collect();
    let payload = Payload {
        items: item::Entity::find().filter(item::Column::DatasetId.is_in(ids)).all(db).await?,
        datasets: with_aggregates(db, datasets).await?,
        ..Default::default()
    };
    let e = NewEntry {
        kind: DATASET,
        object_id: d.id,
        name: &d.name,
        organization: d.organization_id,
        team: d.team_id,
        project: d.project_id,
        parent: d.parent_id,
        created_by: d.created_by,
    };
    insert_entry(db, viewer, e, &payload).await
}

/// The resource an entry's rights are decided on: its project, owned when the viewer
/// created the deleted object.
pub fn resource(e: &trash_entry::Model, viewer: Uuid) -> Resource {
    Resource::Project { org: e.organization_id, team: e.team_id, project: e.project_id, owned: e.created_by == Some(viewer) }
}

/// Whether the viewer sees an entry: a dataset's when they see its project; a deleted
/// project's when they could read or delete it at team level.
pub fn sees(grants: &Grants, e: &trash_entry::Model) -> bool {
    if e.kind == DATASET {
        return grants.sees_project(e.organization_id, e.team_id, e.project_id);
    }
    let r = resource(e, grants.user_id);
    grants.sees_team(e.organization_id, e.team_id) && (grants.can(&r, "project.read") || grants.can(&r, "project.delete"))
}

fn delete_key(e: &trash_entry::Model) -> &'static str {
    if e.kind == PROJECT { "project.delete" } else { "dataset.delete" }
}

/// Finds an entry the viewer sees and may restore or purge.
async fn find_manageable<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<trash_entry::Model> {
    let e = trash_entry::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound)?;
    if !sees(grants, &e) {
        return Err(AppError::NotFound);
    }
    let key = delete_key(&e);
    if !grants.can(&resource(&e, grants.user_id), key) {
        return Err(AppError::forbidden(format!("requires {key} (or {key}.own on an object you created)")));
    }
    Ok(e)
}

fn subject(e: &trash_entry::Model) -> Subject<'_> {
    Subject {
        kind: if e.kind == PROJECT { "Project" } else { "Dataset" },
        id: e.object_id,
        name: &e.name,
        organization: e.organization_id,
        team: e.team_id,
        project: Some(e.project_id),
    }
}

/// What a restore brought back.
pub enum Restored {
    Project(project::Model),
    Dataset(dataset::Model),
}

pub async fn restore_from_trash(req: &RequestCtx, id: Uuid) -> AppResult<Restored> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let e = find_manageable(&txn, &grants, id).await?;
    let payload: Payload = serde_json::from_str(&e.payload).map_err(AppError::internal)?;
    let restored = if e.kind == PROJECT {
        let p = payload.project.clone().ok_or_else(|| AppError::internal("project trash entry without its project"))?;
        // The workspace row lock serializes with a concurrent delete of the workspace.
        let w = workspace::Entity::find_by_id(p.workspace_id).lock_exclusive().one(&txn).await?;
        if w.is_none() {
            return Err(AppError::precondition("the project's workspace no longer exists"));
        }
        if sibling_name_taken::<project::Entity, _>(&txn, project::Column::WorkspaceId, p.workspace_id, &p.name, None).await? {
            return Err(AppError::conflict("name", "a project with this name exists in the workspace"));
        }
        project::Entity::insert(p.clone().into_active_model()).exec_without_returning(&txn).await?;
        insert_datasets(&txn, payload.datasets, None).await?;
        insert_rest(&txn, &e, payload.items, payload.memberships, payload.versions, payload.snapshot_rows).await?;
        Restored::Project(p)
    } else {
        let p = project::Entity::find_by_id(e.project_id).lock_exclusive().one(&txn).await?;
        let Some(p) = p else {
            return Err(AppError::precondition("the dataset's project no longer exists"));
        };
        let parent = match e.parent_id {
            Some(pid) => Some(
                dataset::Entity::find_by_id(pid)
                    .one(&txn)
                    .await?
                    .ok_or_else(|| AppError::precondition("the dataset's parent dataset no longer exists"))?,
            ),
            None => None,
        };
        let sibling_key = parent.as_ref().map_or(p.id, |x| x.id);
        if sibling_name_taken::<dataset::Entity, _>(&txn, dataset::Column::SiblingKey, sibling_key, &e.name, None).await? {
            return Err(AppError::conflict("name", "a dataset with this name exists at that place"));
        }
        let root = insert_datasets(&txn, payload.datasets, Some((parent, req.settings.max_dataset_depth))).await?;
        insert_rest(&txn, &e, payload.items, Vec::new(), Vec::new(), Vec::new()).await?;
        Restored::Dataset(root.ok_or_else(|| AppError::internal("dataset trash entry without its dataset"))?)
    };
    trash_entry::Entity::delete_by_id(e.id).exec(&txn).await?;
    activity::record(&txn, viewer.id, Action::Restored, subject(&e)).await?;
    txn.commit().await?;
    Ok(restored)
}

/// Re-inserts dataset rows parents first. For a dataset subtree (`place` set) the paths
/// and depths are rebased under the parent's current place (it may have moved since).
async fn insert_datasets<C: ConnectionTrait>(
    db: &C,
    mut rows: Vec<DatasetRow>,
    place: Option<(Option<dataset::Model>, i32)>,
) -> AppResult<Option<dataset::Model>> {
    rows.sort_by_key(|d| d.row.depth);
    let root = rows.first().map(|d| (d.row.path.clone(), d.row.depth));
    if let (Some((parent, max_depth)), Some((old_path, old_depth))) = (&place, &root) {
        let new_path = parent.as_ref().map_or_else(|| "/".to_string(), |x| format!("{}{}/", x.path, x.id));
        let new_depth = parent.as_ref().map_or(0, |x| x.depth + 1);
        let deepest = rows.iter().map(|d| d.row.depth).max().unwrap_or(*old_depth);
        if deepest - old_depth + new_depth >= *max_depth {
            return Err(AppError::precondition(format!("datasets nest at most {max_depth} levels")));
        }
        for d in &mut rows {
            d.row.path = format!("{new_path}{}", &d.row.path[old_path.len().min(d.row.path.len())..]);
            d.row.depth = d.row.depth - old_depth + new_depth;
        }
    }
    let first = rows.first().map(|d| d.row.clone());
    for d in rows {
        let id = d.row.id;
        dataset::Entity::insert(d.row.into_active_model()).exec_without_returning(db).await?;
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("UPDATE datasets SET own_size_bytes = ")
            .bind(d.own_size_bytes)
            .push(", own_item_count = ")
            .bind(d.own_item_count)
            .push(" WHERE id = ")
            .bind(id);
        db.execute_raw(sql.build()).await?;
    }
    Ok(if place.is_some() { first } else { None })
}

async fn insert_rest<C: ConnectionTrait>(
    db: &C,
    e: &trash_entry::Model,
    items: Vec<item::Model>,
    memberships: Vec<membership::Model>,
    versions: Vec<project_version::Model>,
    snapshot_rows: Vec<snapshot_row::Model>,
) -> AppResult<()> {
    for i in items {
        item::Entity::insert(i.into_active_model()).exec_without_returning(db).await?;
    }
    // Project memberships only for users who are still members of the organization.
    let users: Vec<Uuid> = memberships.iter().map(|m| m.user_id).collect();
    let still: HashSet<Uuid> = if users.is_empty() {
        HashSet::new()
    } else {
        membership::Entity::find()
            .filter(membership::Column::ScopeKind.eq("organization"))
            .filter(membership::Column::ScopeId.eq(e.organization_id))
            .filter(membership::Column::UserId.is_in(users))
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect()
    };
    for m in memberships.into_iter().filter(|m| still.contains(&m.user_id)) {
        membership::Entity::insert(m.into_active_model()).exec_without_returning(db).await?;
    }
    for v in versions {
        project_version::Entity::insert(v.into_active_model()).exec_without_returning(db).await?;
    }
    for s in snapshot_rows {
        snapshot_row::Entity::insert(s.into_active_model()).exec_without_returning(db).await?;
    }
    Ok(())
}

pub async fn purge_from_trash(req: &RequestCtx, id: Uuid) -> AppResult<()> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let e = find_manageable(&txn, &grants, id).await?;
    if trash_entry::Entity::delete_by_id(e.id).exec(&txn).await?.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    activity::record(&txn, viewer.id, Action::Purged, subject(&e)).await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes the entries older than `retention`; used by the background purger (and tests).
/// A write like any other: it serializes with mutations (`db::begin_write`).
pub async fn purge_expired(db: &sea_orm::DatabaseConnection, retention: std::time::Duration) -> AppResult<u64> {
    let age = chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    let cutoff = chrono::Utc::now().checked_sub_signed(age).unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    #[expect(clippy::disallowed_methods, reason = "the background purger has no request")]
    let txn = crate::db::begin_write(db).await?;
    let res = trash_entry::Entity::delete_many().filter(trash_entry::Column::DeletedAt.lte(cutoff)).exec(&txn).await?;
    txn.commit().await?;
    Ok(res.rows_affected)
}
