//! Trash rules: moving a deleted subtree into `trash_entries` (inside the delete's
//! transaction), restoring it under the same ids, purging it by hand or by age.
//! Who may restore or purge follows the delete rules (`project.delete`,
//! `dataset.delete`, or their `.own` variants on an object the viewer created).

use crate::activity::{self, Action, Subject};
use crate::authz::keys;
use crate::authz::{Grants, Resource};
use crate::db::Sql;
use crate::error::{AppError, AppResult};
use crate::project::ancestors::Place;
use crate::request::RequestCtx;
use entity::{dataset, item, membership, project, project_origin, project_version, snapshot_row, trash_entry};
use foldhash::HashMap;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const PROJECT: &str = "Project";
pub const DATASET: &str = "Dataset";

/// A dataset row with the aggregate columns that `dataset::Model` leaves out.
#[derive(Serialize, Deserialize)]
pub(super) struct DatasetRow {
    pub row: dataset::Model,
    pub own_size_bytes: i64,
    pub own_item_count: i64,
}

/// Every row a restore re-inserts.
#[derive(Serialize, Deserialize, Default)]
pub(super) struct Payload {
    pub project: Option<project::Model>,
    pub datasets: Vec<DatasetRow>,
    pub items: Vec<item::Model>,
    pub memberships: Vec<membership::Model>,
    pub versions: Vec<project_version::Model>,
    pub snapshot_rows: Vec<snapshot_row::Model>,
    /// Where a copied project came from (`Project.origin`); absent from entries written
    /// before it was kept.
    #[serde(default)]
    pub origin: Option<project_origin::Model>,
}

impl Payload {
    /// Puts every copy of the project's ancestors in the rows at `to` (see
    /// `project::ancestors`): the rows restore into the place the project is now.
    pub fn rebase(&mut self, to: &Place) {
        if let Some(p) = &mut self.project {
            (p.workspace_id, p.team_id, p.organization_id) = (to.workspace, to.team, to.organization);
        }
        for d in &mut self.datasets {
            (d.row.team_id, d.row.organization_id) = (to.team, to.organization);
        }
        for i in &mut self.items {
            (i.team_id, i.organization_id) = (to.team, to.organization);
        }
        for m in &mut self.memberships {
            (m.team_id, m.organization_id) = (Some(to.team), to.organization);
        }
    }

    pub fn parse(e: &trash_entry::Model) -> AppResult<Self> {
        serde_json::from_str(&e.payload).map_err(AppError::internal)
    }

    /// Whether `viewer` created every object of the deleted subtree: its datasets, items
    /// and (a project's) versions — what `project::service::has_others_content` asks of a
    /// live project (its jobs and share links do not outlive its deletion).
    pub(super) fn all_created_by(&self, viewer: Uuid) -> bool {
        let own = |by: Option<Uuid>| by == Some(viewer);
        self.datasets.iter().all(|d| own(d.row.created_by))
            && self.items.iter().all(|i| own(i.created_by))
            && self.versions.iter().all(|v| own(v.created_by))
    }
}

/// Whether a deleted dataset of project `project`, still in the trash, was created by
/// someone other than `viewer` or holds a dataset or item they did not create (`.own` on
/// moving the project out, whose trash entries go with it).
pub async fn holds_others_content<C: ConnectionTrait>(db: &C, project: Uuid, viewer: Uuid) -> AppResult<bool> {
    let of_project = || {
        trash_entry::Entity::find()
            .filter(trash_entry::Column::ProjectId.eq(project))
            .filter(trash_entry::Column::Kind.eq(DATASET))
    };
    let others = crate::db::created_by_other(trash_entry::Column::CreatedBy, viewer);
    if of_project().filter(others).one(db).await?.is_some() {
        return Ok(true);
    }
    for e in of_project().all(db).await? {
        if !Payload::parse(&e)?.all_created_by(viewer) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Drops what a deleted workspace leaves in its team's trash (RULES.md §4: deleting a
/// workspace removes everything below it): its deleted projects, and the deleted datasets
/// of its projects, live or deleted. They could never be restored (their workspace or
/// project is gone) and stayed listed with their names and sizes until purged.
pub async fn drop_of_workspace<C: ConnectionTrait>(db: &C, workspace: Uuid) -> AppResult<()> {
    use sea_orm::Condition;
    use sea_orm::sea_query::Query;
    let live = crate::project::repo::ids_in_workspace(workspace);
    let deleted = Query::select()
        .column(trash_entry::Column::ObjectId)
        .from(trash_entry::Entity)
        .and_where(trash_entry::Column::Kind.eq(PROJECT))
        .and_where(trash_entry::Column::ParentId.eq(workspace))
        .to_owned();
    let of_projects = |q| trash_entry::Column::ProjectId.in_subquery(q);
    trash_entry::Entity::delete_many()
        .filter(
            Condition::any()
                .add(Condition::all().add(trash_entry::Column::Kind.eq(PROJECT)).add(trash_entry::Column::ParentId.eq(workspace)))
                .add(of_projects(live))
                .add(of_projects(deleted)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Rebases the payloads of the trash entries of `project`'s deleted datasets at `to`
/// (their columns are rewritten by `project::ancestors::rewrite`, the caller).
pub async fn rebase_payloads<C: ConnectionTrait>(db: &C, project: Uuid, to: &Place) -> AppResult<()> {
    let entries = trash_entry::Entity::find().filter(trash_entry::Column::ProjectId.eq(project)).all(db).await?;
    for e in entries {
        let mut payload = Payload::parse(&e)?;
        payload.rebase(to);
        let mut am = e.into_active_model();
        am.payload = Set(serde_json::to_string(&payload).map_err(AppError::internal)?);
        am.update(db).await?;
    }
    Ok(())
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

/// Writes the entry; its id.
async fn insert_entry<C: ConnectionTrait>(db: &C, viewer: Uuid, e: NewEntry<'_>, payload: &Payload) -> AppResult<Uuid> {
    let size_bytes = crate::item::values::total_bytes(payload.datasets.iter().map(|d| d.own_size_bytes));
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
        deleted_at: crate::db::now(),
        created_by: e.created_by,
        size_bytes,
        item_count,
        payload: serde_json::to_string(payload).map_err(AppError::internal)?,
    };
    let id = entry.id;
    trash_entry::Entity::insert(entry.into_active_model()).exec_without_returning(db).await?;
    Ok(id)
}

/// Copies a project with everything in it into the trash (the entry's id); the caller
/// then deletes it.
pub async fn trash_project<C: ConnectionTrait>(db: &C, viewer: Uuid, p: &project::Model) -> AppResult<Uuid> {
    // Every list in id order: a restore replays them (memberships into audit entries and
    // its answer's lists), which must not follow the database's scan order.
    let datasets =
        dataset::Entity::find().filter(dataset::Column::ProjectId.eq(p.id)).order_by_asc(dataset::Column::Id).all(db).await?;
    let payload = Payload {
        project: Some(p.clone()),
        datasets: with_aggregates(db, datasets).await?,
        items: item::Entity::find().filter(item::Column::ProjectId.eq(p.id)).order_by_asc(item::Column::Id).all(db).await?,
        memberships: membership::Entity::find()
            .filter(membership::Column::ScopeKind.eq("project"))
            .filter(membership::Column::ScopeId.eq(p.id))
            .order_by_asc(membership::Column::Id)
            .all(db)
            .await?,
        versions: project_version::Entity::find()
            .filter(project_version::Column::ProjectId.eq(p.id))
            .order_by_asc(project_version::Column::Id)
            .all(db)
            .await?,
        snapshot_rows: snapshot_row::Entity::find()
            .filter(snapshot_row::Column::ProjectId.eq(p.id))
            .order_by_asc(snapshot_row::Column::Id)
            .all(db)
            .await?,
        origin: project_origin::Entity::find_by_id(p.id).one(db).await?,
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

/// Copies a dataset subtree with its items into the trash (the entry's id); the caller
/// then deletes it.
pub async fn trash_dataset<C: ConnectionTrait>(db: &C, viewer: Uuid, d: &dataset::Model) -> AppResult<Uuid> {
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
    grants.sees_team(e.organization_id, e.team_id) && (grants.can(&r, keys::PROJECT_READ) || grants.can(&r, keys::PROJECT_DELETE))
}

pub(super) fn delete_key(e: &trash_entry::Model) -> &'static str {
    if e.kind == PROJECT { keys::PROJECT_DELETE.as_str() } else { keys::DATASET_DELETE.as_str() }
}

/// Finds an entry the viewer sees and may restore or purge where it was deleted.
pub(super) async fn find_manageable<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<trash_entry::Model> {
    let e = crate::authz::find_visible::<trash_entry::Entity, _>(db, grants, id).await?;
    require_right(grants, &e, None, e.organization_id, e.team_id)?;
    Ok(e)
}

/// Whether the viewer may restore or purge `e` with the rights of the organization and
/// team its project is in (`payload`: the entry's, when the caller parsed it already).
/// RULES.md §5 `.own`: as deleting it, restoring or purging a subtree the viewer did not
/// create entirely (every dataset and item) takes the key itself.
pub(super) fn require_right(
    grants: &Grants,
    e: &trash_entry::Model,
    payload: Option<&Payload>,
    org: Uuid,
    team: Uuid,
) -> AppResult<()> {
    let user = grants.user_id;
    let owned = e.created_by == Some(user)
        && match payload {
            Some(p) => p.all_created_by(user),
            None => Payload::parse(e)?.all_created_by(user),
        };
    let key = delete_key(e);
    if grants.can(&Resource::Project { org, team, project: e.project_id, owned }, key) {
        return Ok(());
    }
    Err(AppError::forbidden(format!("requires {key} (or {key}.own on an object you created with all it holds)")))
}

pub(super) fn subject(e: &trash_entry::Model) -> Subject<'_> {
    Subject {
        kind: if e.kind == PROJECT { "Project" } else { "Dataset" },
        id: e.object_id,
        name: &e.name,
        organization: e.organization_id,
        team: e.team_id,
        project: Some(e.project_id),
    }
}

pub async fn purge_from_trash(req: &RequestCtx, id: Uuid) -> AppResult<()> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let e = find_manageable(&txn, &grants, id).await?;
    // A project's datasets deleted before it could never be restored once it is gone:
    // they go with it, and `.own` must cover them too (RULES.md §5: every object of the
    // subtree; restoring the project leaves them restorable, so it does not ask this).
    if e.kind == PROJECT {
        let key = delete_key(&e);
        let full = Resource::Project { org: e.organization_id, team: e.team_id, project: e.project_id, owned: false };
        if !grants.can(&full, key) && holds_others_content(&txn, e.object_id, viewer.id).await? {
            return Err(AppError::forbidden(format!(
                "requires {key}: datasets deleted from the project that others created would go with it"
            )));
        }
    }
    if trash_entry::Entity::delete_by_id(e.id).exec(&txn).await?.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    if e.kind == PROJECT {
        let of_project = || trash_entry::Entity::find().filter(trash_entry::Column::ProjectId.eq(e.object_id));
        for d in of_project().filter(trash_entry::Column::Kind.eq(DATASET)).all(&txn).await? {
            trash_entry::Entity::delete_by_id(d.id).exec(&txn).await?;
            activity::record(&txn, viewer.id, Action::Purged, subject(&d)).await?;
        }
    }
    activity::record(&txn, viewer.id, Action::Purged, subject(&e)).await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes the entries older than `retention`; used by the background purger (and tests).
/// A write like any other: it serializes with mutations (`db::begin_write`).
pub async fn purge_expired(db: &sea_orm::DatabaseConnection, retention: std::time::Duration) -> AppResult<u64> {
    let age = chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    let cutoff = crate::db::now().checked_sub_signed(age).unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    #[expect(clippy::disallowed_methods, reason = "the background purger has no request")]
    let txn = crate::db::begin_write(db).await?;
    let res = trash_entry::Entity::delete_many().filter(trash_entry::Column::DeletedAt.lte(cutoff)).exec(&txn).await?;
    txn.commit().await?;
    Ok(res.rows_affected)
}
