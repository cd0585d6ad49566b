//! Version rules: `project.update` creates and edits versions; whoever reads the project
//! reads its versions; restoring needs `project.read` on the source and `project.create`
//! on the destination team. Every mutation is one transaction.
//!
//! A version's state is the set of `snapshot_rows` valid at its number. Creating version
//! n diffs the live tree against the open rows (`valid_to IS NULL`): equal rows stay
//! shared, changed and removed rows are closed at n, changed and added rows open at n.

use super::snapshot::{DATASET, content_of, create_copy, kind_of, live_state, rows_at};
use crate::activity::{self, Action, Subject};
use crate::authz::Grants;
use crate::authz::keys;
use crate::db::Sql;
use crate::domain::{Description, Name};
use crate::error::{AppError, AppResult};
use crate::project::repo as project_repo;
use crate::request::RequestCtx;
use entity::{project, project_version as version, snapshot_row as row};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// A version and its project, if the viewer sees the project.
pub async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<(version::Model, project::Model)> {
    let v = crate::authz::find_visible::<version::Entity, _>(db, grants, id).await?;
    let p = project_repo::find_visible(db, grants, v.project_id).await?;
    Ok((v, p))
}

fn require_update(grants: &Grants, p: &project::Model, viewer: Uuid) -> AppResult<()> {
    if grants.can(&project_repo::resource(p, viewer), keys::PROJECT_UPDATE) {
        Ok(())
    } else {
        Err(AppError::forbidden("requires project.update"))
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub async fn create_version(req: &RequestCtx, project: Uuid, title: Name, description: Description) -> AppResult<version::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let p = project_repo::find_visible(&txn, &grants, project).await?;
    require_update(&grants, &p, viewer.id)?;
    // The project row lock serializes version numbers and tree changes of the project.
    project_repo::lock(&txn, p.id).await?;
    let last = version::Entity::find()
        .filter(version::Column::ProjectId.eq(p.id))
        .order_by_desc(version::Column::Number)
        .one(&txn)
        .await?;
    let number = last.map_or(1, |v| v.number + 1);
    let mut live = live_state(&txn, p.id).await?;
    let datasets = live.keys().filter(|k| k.0 == DATASET).count();
    let items = live.len() - datasets;
    let open =
        row::Entity::find().filter(row::Column::ProjectId.eq(p.id)).filter(row::Column::ValidTo.is_null()).all(&txn).await?;
    let mut close = Vec::new();
    for r in &open {
        let key = (kind_of(&r.kind), r.stable_id);
        match live.get(&key) {
            // Unchanged: the open row stays shared with this version.
            Some(c) if *c == content_of(r) => {
                live.remove(&key);
            }
            // Changed or removed: the old state ends before this version.
            _ => close.push(r.id),
        }
    }
    // `live` now holds exactly the added and changed rows (unchanged ones were removed).
    let backend = txn.get_database_backend();
    for chunk in close.chunks(500) {
        let mut sql = Sql::new(backend);
        sql.push("UPDATE snapshot_rows SET valid_to = ").bind(number).push(" WHERE id IN ").bind_list(chunk);
        txn.execute_raw(sql.build()).await?;
    }
    let new_rows: Vec<row::Model> = live
        .into_iter()
        .map(|((kind, id), c)| row::Model {
            id: Uuid::now_v7(),
            project_id: p.id,
            kind: kind.to_string(),
            stable_id: id,
            parent_id: c.parent_id,
            name: c.name,
            description: c.description,
            size_bytes: c.size_bytes,
            content_type: c.content_type,
            valid_from: number,
            valid_to: None,
        })
        .collect();
    for chunk in new_rows.chunks(500) {
        row::Entity::insert_many(chunk.iter().cloned().map(IntoActiveModel::into_active_model))
            .exec_without_returning(&txn)
            .await?;
    }
    let v = version::Model {
        id: Uuid::now_v7(),
        project_id: p.id,
        number,
        title: title.into_string(),
        description: description.into_inner(),
        dataset_count: count(datasets),
        item_count: count(items),
        created_by: Some(viewer.id),
        created_at: crate::db::now(),
    };
    version::Entity::insert(v.clone().into_active_model()).exec_without_returning(&txn).await?;
    activity::record(&txn, viewer.id, Action::Versioned, Subject::project(&p)).await?;
    txn.commit().await?;
    Ok(v)
}

pub async fn update_version(
    req: &RequestCtx,
    id: Uuid,
    title: Option<Name>,
    description: Option<Description>,
) -> AppResult<version::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let (v, p) = find_visible(&txn, &grants, id).await?;
    require_update(&grants, &p, viewer.id)?;
    let mut am = v.into_active_model();
    if let Some(t) = title {
        am.title = Set(t.into_string());
    }
    if let Some(d) = description {
        am.description = Set(d.into_inner());
    }
    let v = am.update(&txn).await?;
    txn.commit().await?;
    Ok(v)
}

/// Creates a new project in `workspace` with the dataset tree and items of a version.
pub async fn restore_version(req: &RequestCtx, id: Uuid, workspace: Uuid, name: Name) -> AppResult<project::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let (v, source) = find_visible(&txn, &grants, id).await?;
    let rows = rows_at(&txn, source.id, v.number).await?;
    let p = create_copy(&txn, &grants, viewer.id, workspace, name, source.description.clone(), &rows).await?;
    activity::record_with_source(&txn, viewer.id, Action::Created, Subject::project(&p), Some(source.id)).await?;
    crate::sharing::service::record_restore(&txn, p.id, source.id, v.id).await?;
    txn.commit().await?;
    Ok(p)
}
