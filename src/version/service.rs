//! Version rules: `project.update` creates and edits versions; whoever reads the project
//! reads its versions; restoring needs `project.read` on the source and `project.create`
//! on the destination team. Every mutation is one transaction.
//!
//! A version's state is the set of `snapshot_rows` valid at its number. Creating version
//! n diffs the live tree against the open rows (`valid_to IS NULL`): equal rows stay
//! shared, changed and removed rows are closed at n, changed and added rows open at n.

use crate::activity::{self, Action, Subject};
use crate::authz::Grants;
use crate::db::{Sql, begin_write};
use crate::domain::{Description, Name};
use crate::error::{AppError, AppResult};
use crate::graphql::RequestCtx;
use crate::project::service as project_service;
use entity::{dataset, item, project, project_version as version, snapshot_row as row};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

const DATASET: &str = "dataset";
const ITEM: &str = "item";

/// What a snapshot row records about a dataset or item; two states are equal iff the
/// row can be shared.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Content {
    parent_id: Option<Uuid>,
    name: String,
    description: Option<String>,
    size_bytes: Option<i64>,
    content_type: Option<String>,
}

type Key = (&'static str, Uuid);

fn kind_of(text: &str) -> &'static str {
    if text == ITEM { ITEM } else { DATASET }
}

fn content_of(r: &row::Model) -> Content {
    Content {
        parent_id: r.parent_id,
        name: r.name.clone(),
        description: r.description.clone(),
        size_bytes: r.size_bytes,
        content_type: r.content_type.clone(),
    }
}

/// The live dataset tree and items of a project, keyed like snapshot rows.
async fn live_state<C: ConnectionTrait>(db: &C, project: Uuid) -> AppResult<BTreeMap<Key, Content>> {
    let mut state = BTreeMap::new();
    for d in dataset::Entity::find().filter(dataset::Column::ProjectId.eq(project)).all(db).await? {
        let c =
            Content { parent_id: d.parent_id, name: d.name, description: d.description, size_bytes: None, content_type: None };
        state.insert((DATASET, d.id), c);
    }
    for i in item::Entity::find().filter(item::Column::ProjectId.eq(project)).all(db).await? {
        let c = Content {
            parent_id: Some(i.dataset_id),
            name: i.name,
            description: None,
            size_bytes: Some(i.size_bytes),
            content_type: Some(i.content_type),
        };
        state.insert((ITEM, i.id), c);
    }
    Ok(state)
}

/// The snapshot rows of version `number` of a project.
pub async fn rows_at<C: ConnectionTrait>(db: &C, project: Uuid, number: i32) -> AppResult<Vec<row::Model>> {
    Ok(row::Entity::find()
        .filter(row::Column::ProjectId.eq(project))
        .filter(row::Column::ValidFrom.lte(number))
        .filter(Condition::any().add(row::Column::ValidTo.is_null()).add(row::Column::ValidTo.gt(number)))
        .all(db)
        .await?)
}

/// A version and its project, if the viewer sees the project.
pub async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<(version::Model, project::Model)> {
    let v = version::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound)?;
    let p = project_service::find_visible(db, grants, v.project_id).await?;
    Ok((v, p))
}

fn require_update(grants: &Grants, p: &project::Model, viewer: Uuid) -> AppResult<()> {
    if grants.can(&project_service::resource(p, viewer), "project.update") {
        Ok(())
    } else {
        Err(AppError::forbidden("requires project.update"))
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub async fn create_version(req: &RequestCtx, project: Uuid, title: Name, description: Description) -> AppResult<version::Model> {
    let viewer = req.viewer()?;
    let txn = begin_write(&req.db).await?;
    let grants = req.load_grants(&txn).await?;
    let p = project_service::find_visible(&txn, &grants, project).await?;
    require_update(&grants, &p, viewer.id)?;
    // The project row lock serializes version numbers and tree changes of the project.
    project_service::lock(&txn, p.id).await?;
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
        created_at: chrono::Utc::now(),
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
    let viewer = req.viewer()?;
    let txn = begin_write(&req.db).await?;
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
    let viewer = req.viewer()?;
    let txn = begin_write(&req.db).await?;
    let grants = req.load_grants(&txn).await?;
    let (v, source) = find_visible(&txn, &grants, id).await?;
    let rows = rows_at(&txn, source.id, v.number).await?;
    let p = create_copy(&txn, &grants, viewer.id, workspace, name, source.description.clone(), &rows).await?;
    activity::record_with_source(&txn, viewer.id, Action::Created, Subject::project(&p), Some(source.id)).await?;
    crate::sharing::service::record_restore(&txn, p.id, source.id, v.id).await?;
    txn.commit().await?;
    Ok(p)
}

/// The live dataset tree and items of a project as snapshot rows (not stored): what
/// `create_copy` copies when a project is cloned.
pub async fn live_rows<C: ConnectionTrait>(db: &C, project: Uuid) -> AppResult<Vec<row::Model>> {
    Ok(live_state(db, project)
        .await?
        .into_iter()
        .map(|((kind, id), c)| row::Model {
            id,
            project_id: project,
            kind: kind.to_string(),
            stable_id: id,
            parent_id: c.parent_id,
            name: c.name,
            description: c.description,
            size_bytes: c.size_bytes,
            content_type: c.content_type,
            valid_from: 0,
            valid_to: None,
        })
        .collect())
}

/// Creates a project in `workspace` (`project.create` on its team, a name unique in the
/// workspace) holding a copy of the datasets and items of `rows` with new ids and the
/// viewer as creator. Shared by restore and clone; the caller records activity and origin.
pub async fn create_copy<C: ConnectionTrait>(
    txn: &C,
    grants: &Grants,
    viewer: Uuid,
    workspace: Uuid,
    name: Name,
    description: Option<String>,
    rows: &[row::Model],
) -> AppResult<project::Model> {
    let p = project_service::insert_new(txn, grants, viewer, workspace, name, description).await?;
    let now = p.created_at;
    let mut children: HashMap<Option<Uuid>, Vec<&row::Model>> = HashMap::new();
    for r in rows.iter().filter(|r| r.kind == DATASET) {
        children.entry(r.parent_id).or_default().push(r);
    }
    // From the top down, so every parent exists before its children.
    let mut new_ids: HashMap<Uuid, Uuid> = HashMap::new();
    let mut datasets: Vec<dataset::Model> = Vec::new();
    let mut queue: Vec<(Option<Uuid>, Option<usize>)> = vec![(None, None)];
    while let Some((old_parent, parent_index)) = queue.pop() {
        for r in children.get(&old_parent).map(Vec::as_slice).unwrap_or_default() {
            let parent = parent_index.map(|i| &datasets[i]);
            let d = dataset::Model {
                id: Uuid::now_v7(),
                project_id: p.id,
                parent_id: parent.map(|x| x.id),
                sibling_key: parent.map_or(p.id, |x| x.id),
                team_id: p.team_id,
                organization_id: p.organization_id,
                name: r.name.clone(),
                description: r.description.clone(),
                depth: parent.map_or(0, |x| x.depth + 1),
                path: parent.map_or_else(|| "/".to_string(), |x| format!("{}{}/", x.path, x.id)),
                created_by: Some(viewer),
                created_at: now,
            };
            new_ids.insert(r.stable_id, d.id);
            datasets.push(d);
            queue.push((Some(r.stable_id), Some(datasets.len() - 1)));
        }
    }
    for chunk in datasets.chunks(500) {
        dataset::Entity::insert_many(chunk.iter().cloned().map(IntoActiveModel::into_active_model))
            .exec_without_returning(txn)
            .await?;
    }
    let items: Vec<item::Model> = rows
        .iter()
        .filter(|r| r.kind == ITEM)
        .filter_map(|r| {
            let dataset_id = *new_ids.get(&r.parent_id?)?;
            Some(item::Model {
                id: Uuid::now_v7(),
                dataset_id,
                project_id: p.id,
                team_id: p.team_id,
                organization_id: p.organization_id,
                name: r.name.clone(),
                size_bytes: r.size_bytes.unwrap_or(0),
                content_type: r.content_type.clone().unwrap_or_default(),
                created_by: Some(viewer),
                created_at: now,
            })
        })
        .collect();
    for chunk in items.chunks(500) {
        item::Entity::insert_many(chunk.iter().cloned().map(IntoActiveModel::into_active_model))
            .exec_without_returning(txn)
            .await?;
    }
    // The datasets' own aggregates, in one statement over the new project's rows.
    let mut sql = Sql::new(txn.get_database_backend());
    sql.push(
        "UPDATE datasets SET \
         own_size_bytes = (SELECT CAST(COALESCE(SUM(i.size_bytes), 0) AS BIGINT) FROM items i WHERE i.dataset_id = datasets.id), \
         own_item_count = (SELECT COUNT(*) FROM items i WHERE i.dataset_id = datasets.id) WHERE project_id = ",
    )
    .bind(p.id);
    txn.execute_raw(sql.build()).await?;
    Ok(p)
}
