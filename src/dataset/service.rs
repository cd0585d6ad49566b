//! Dataset rules: create, rename, move inside the project (no cycles, depth cap) and
//! delete (any with `dataset.delete`, own subtrees with `dataset.delete.own`).

use crate::activity::{self, Action, Subject};
use crate::authz::{Grants, Resource, keys};
use crate::db::{Inserts, Sql, sibling_name_taken};
use crate::domain::{Description, Name};
use crate::error::{AppError, AppResult, violates_unique};
use crate::project::repo as project_repo;
use crate::request::RequestCtx;
use entity::{dataset, project};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel, Set};
use uuid::Uuid;

/// The dataset if the viewer sees it (`authz`'s rule, in SQL); otherwise `NOT_FOUND`.
pub async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<dataset::Model> {
    crate::authz::find_visible::<dataset::Entity, _>(db, grants, id).await
}

/// The resource a delete of `d` is decided on (RULES.md §5 `.own`): its project, owned
/// when the viewer created `d` and every dataset and item in its subtree. Moving someone
/// else's dataset under one's own never makes it one's own, and neither does creating
/// the project or an ancestor.
async fn delete_resource<C: ConnectionTrait>(
    db: &C,
    d: &dataset::Model,
    p: &project::Model,
    viewer: Uuid,
) -> AppResult<Resource> {
    let owned = d.created_by == Some(viewer) && !subtree_has_others(db, d.id, viewer).await?;
    Ok(Resource::Project { org: p.organization_id, team: p.team_id, project: p.id, owned })
}

/// Whether a dataset below `root`, or an item in `root` or below it, was created by
/// someone other than `viewer` (or by a user since deleted). One statement.
async fn subtree_has_others<C: ConnectionTrait>(db: &C, root: Uuid, viewer: Uuid) -> AppResult<bool> {
    let mut sql = Sql::new(db.get_database_backend());
    super::subtree::push_descendants(&mut sql, &[root]);
    sql.push(
        "SELECT 1 AS found FROM datasets d WHERE d.id IN (SELECT id FROM sub) AND (d.created_by IS NULL OR d.created_by <> ",
    )
    .bind(viewer)
    .push(") UNION ALL SELECT 1 FROM items i WHERE (i.dataset_id = ")
    .bind(root)
    .push(" OR i.dataset_id IN (SELECT id FROM sub)) AND (i.created_by IS NULL OR i.created_by <> ")
    .bind(viewer)
    .push(")");
    Ok(db.query_one_raw(sql.build()).await?.is_some())
}

fn plain(p: &project::Model) -> Resource {
    Resource::Project { org: p.organization_id, team: p.team_id, project: p.id, owned: false }
}

/// Changes to a dataset or its items need its project in view (`Grants::writes_under`):
/// a dataset seen only through a labeling job is read only.
pub fn require_open(grants: &Grants, d: &dataset::Model) -> AppResult<()> {
    if grants.writes_under(d.organization_id, d.team_id, d.project_id) {
        Ok(())
    } else {
        Err(AppError::forbidden("read only: the dataset is seen through a labeling job"))
    }
}

fn name_conflict() -> AppError {
    AppError::conflict("name", "a dataset with this name exists at that place")
}

/// The path prefix shared by every descendant of `d`.
fn subtree_prefix(d: &dataset::Model) -> String {
    format!("{}{}/", d.path, d.id)
}

pub async fn create_dataset(
    req: &RequestCtx,
    project: Uuid,
    parent: Option<Uuid>,
    name: Name,
    description: Description,
) -> AppResult<dataset::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    // The project row lock serializes structure changes of its dataset tree; it is taken
    // by the read that finds the project, so the parent read next is already current.
    let p = project_repo::find_visible_locked(&txn, &grants, project).await?;
    let parent = match parent {
        Some(id) => {
            let d = find_visible(&txn, &grants, id).await?;
            if d.project_id != p.id {
                return Err(AppError::bad_input("parentId", "the parent dataset belongs to another project"));
            }
            Some(d)
        }
        None => None,
    };
    if !grants.can(&plain(&p), keys::DATASET_CREATE) {
        return Err(AppError::forbidden("requires dataset.create"));
    }
    let sibling_key = parent.as_ref().map_or(p.id, |d| d.id);
    let depth = parent.as_ref().map_or(0, |d| d.depth + 1);
    if depth >= req.settings.max_dataset_depth {
        // A taken name is answered before the depth, as when the name was read first.
        if sibling_name_taken::<dataset::Entity, _>(&txn, dataset::Column::SiblingKey, sibling_key, name.as_str(), None).await? {
            return Err(name_conflict());
        }
        return Err(AppError::precondition(format!("datasets nest at most {} levels", req.settings.max_dataset_depth)));
    }
    let d = dataset::Model {
        id: Uuid::now_v7(),
        project_id: p.id,
        parent_id: parent.as_ref().map(|d| d.id),
        sibling_key,
        team_id: p.team_id,
        organization_id: p.organization_id,
        name: name.into_string(),
        description: description.into_inner(),
        depth,
        path: parent.as_ref().map_or_else(|| "/".to_string(), subtree_prefix),
        created_by: Some(viewer.id),
        created_at: crate::db::now(),
    };
    // A sibling of the same name: the unique index finds it (one round trip fewer than
    // reading first); the transaction then rolls back.
    Inserts::new()
        .row(d.clone().into_active_model())
        .row(activity::entry(viewer.id, Action::Created, Subject::dataset(&d), None))
        .exec(&txn)
        .await
        .map_err(|e| if violates_unique(&e, "uq_datasets_name") { name_conflict() } else { e.into() })?;
    txn.commit().await?;
    Ok(d)
}

pub async fn update_dataset(
    req: &RequestCtx,
    id: Uuid,
    name: Option<Name>,
    description: Option<Description>,
) -> AppResult<dataset::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let d = find_visible(&txn, &grants, id).await?;
    let p = project_repo::of_visible(&txn, d.project_id).await?;
    require_open(&grants, &d)?;
    if !grants.can(&plain(&p), keys::DATASET_UPDATE) {
        return Err(AppError::forbidden("requires dataset.update"));
    }
    if let Some(name) = &name
        && sibling_name_taken::<dataset::Entity, _>(&txn, dataset::Column::SiblingKey, d.sibling_key, name.as_str(), Some(d.id))
            .await?
    {
        return Err(name_conflict());
    }
    let mut am = d.into_active_model();
    if let Some(name) = name {
        am.name = Set(name.into_string());
    }
    if let Some(desc) = description {
        am.description = Set(desc.into_inner());
    }
    let d = am.update(&txn).await?;
    txn.commit().await?;
    Ok(d)
}

#[derive(FromQueryResult)]
struct MaxDepth {
    depth: Option<i32>,
}

pub async fn move_dataset(req: &RequestCtx, id: Uuid, new_parent: Option<Uuid>) -> AppResult<dataset::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let d = find_visible(&txn, &grants, id).await?;
    let target = match new_parent {
        Some(pid) => Some(find_visible(&txn, &grants, pid).await?),
        None => None,
    };
    let p = project_repo::of_visible(&txn, d.project_id).await?;
    require_open(&grants, &d)?;
    if !grants.can(&plain(&p), keys::DATASET_MOVE) {
        return Err(AppError::forbidden("requires dataset.move"));
    }
    // An invariant, so checked after visibility and permission (RULES.md §3).
    if target.is_some_and(|t| t.project_id != d.project_id) {
        return Err(AppError::precondition("a dataset moves only inside its project"));
    }
    project_repo::lock(&txn, p.id).await?;
    // Re-read under the lock: a concurrent move may have changed both rows.
    let d = dataset::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::NotFound)?;
    let parent = match new_parent {
        Some(pid) => Some(dataset::Entity::find_by_id(pid).one(&txn).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let sibling_key = parent.as_ref().map_or(p.id, |x| x.id);
    if sibling_name_taken::<dataset::Entity, _>(&txn, dataset::Column::SiblingKey, sibling_key, &d.name, Some(d.id)).await? {
        return Err(name_conflict());
    }
    let old_prefix = subtree_prefix(&d);
    if let Some(parent) = &parent
        && (parent.id == d.id || parent.path.starts_with(&old_prefix))
    {
        return Err(AppError::precondition("a dataset cannot move under itself or one of its descendants"));
    }
    let new_depth = parent.as_ref().map_or(0, |x| x.depth + 1);
    let delta = new_depth - d.depth;
    let mut deepest = Sql::new(txn.get_database_backend());
    super::subtree::push_descendants(&mut deepest, &[d.id]);
    deepest.push("SELECT MAX(s.depth) AS depth FROM datasets s JOIN sub ON s.id = sub.id");
    let below = MaxDepth::find_by_statement(deepest.build()).one(&txn).await?.and_then(|m| m.depth).unwrap_or(d.depth);
    if below.max(d.depth) + delta >= req.settings.max_dataset_depth {
        return Err(AppError::precondition(format!("datasets nest at most {} levels", req.settings.max_dataset_depth)));
    }
    let new_path = parent.as_ref().map_or_else(|| "/".to_string(), subtree_prefix);
    let new_prefix = format!("{new_path}{}/", d.id);
    let mut update = Sql::new(txn.get_database_backend());
    super::subtree::push_descendants(&mut update, &[d.id]);
    update
        .push("UPDATE datasets SET path = ")
        .bind(new_prefix)
        .push(" || SUBSTR(path, ")
        .bind(old_prefix.len() as i32 + 1)
        .push("), depth = depth + ")
        .bind(delta)
        .push(" WHERE id IN (SELECT id FROM sub)");
    txn.execute_raw(update.build()).await?;
    let mut am = d.into_active_model();
    am.parent_id = Set(parent.as_ref().map(|x| x.id));
    am.sibling_key = Set(sibling_key);
    am.depth = Set(new_depth);
    am.path = Set(new_path);
    let d = am.update(&txn).await?;
    activity::record(&txn, req.user()?.id, Action::Moved, Subject::dataset(&d)).await?;
    txn.commit().await?;
    Ok(d)
}

fn delete_refusal() -> AppError {
    AppError::forbidden("requires dataset.delete (or dataset.delete.own on a subtree you created entirely)")
}

/// Moves a dataset subtree to its team's trash; the trash entry's id.
pub async fn delete_dataset(req: &RequestCtx, id: Uuid) -> AppResult<Uuid> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let d = find_visible(&txn, &grants, id).await?;
    let p = project_repo::of_visible(&txn, d.project_id).await?;
    require_open(&grants, &d)?;
    if !grants.can(&plain(&p), keys::DATASET_DELETE) && !grants.can(&plain(&p), keys::DATASET_DELETE_OWN) {
        return Err(delete_refusal());
    }
    project_repo::lock(&txn, p.id).await?;
    // Re-read under the lock: the subtree decided on, copied to the trash and deleted is
    // the one no concurrent move or delete can change any more.
    let d = dataset::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::NotFound)?;
    if !grants.can(&delete_resource(&txn, &d, &p, viewer.id).await?, keys::DATASET_DELETE) {
        return Err(delete_refusal());
    }
    activity::record(&txn, viewer.id, Action::Deleted, Subject::dataset(&d)).await?;
    let entry = crate::trash::service::trash_dataset(&txn, viewer.id, &d).await?;
    if dataset::Entity::delete_by_id(id).exec(&txn).await?.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    txn.commit().await?;
    Ok(entry)
}
