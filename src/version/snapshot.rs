//! The rows of a project's dataset tree and items as versions store them
//! (`snapshot_rows`): reading the live tree or a version's state, and copying rows into a
//! new project (shared by restore and clone).

use crate::authz::Grants;
use crate::db::Sql;
use crate::domain::Name;
use crate::error::AppResult;
use entity::{dataset, item, project, snapshot_row as row};
use foldhash::{HashMap, HashMapExt};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use std::collections::BTreeMap;
use uuid::Uuid;

pub(super) const DATASET: &str = "dataset";
const ITEM: &str = "item";

/// What a snapshot row records about a dataset or item; two states are equal iff the
/// row can be shared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Content {
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub description: Option<String>,
    pub size_bytes: Option<i64>,
    pub content_type: Option<String>,
}

pub(super) type Key = (&'static str, Uuid);

pub(super) fn kind_of(text: &str) -> &'static str {
    if text == ITEM { ITEM } else { DATASET }
}

pub(super) fn content_of(r: &row::Model) -> Content {
    Content {
        parent_id: r.parent_id,
        name: r.name.clone(),
        description: r.description.clone(),
        size_bytes: r.size_bytes,
        content_type: r.content_type.clone(),
    }
}

/// The live dataset tree and items of a project, keyed like snapshot rows.
pub(super) async fn live_state<C: ConnectionTrait>(db: &C, project: Uuid) -> AppResult<BTreeMap<Key, Content>> {
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
        // The live objects' order (their ids are v7: creation order), which a restore's
        // copies keep; each database's scan order differed (SQLite followed an index).
        .order_by_asc(row::Column::StableId)
        .all(db)
        .await?)
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
    let p = crate::project::service::insert_new(txn, grants, viewer, workspace, name, description).await?;
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
