//! `restoreFromTrash` (RULES §9.5): an entry comes back under the same ids into the place
//! its project is now, under the rights there. It never fails with INTERNAL on rows that
//! can no longer come back: a project membership whose role was deleted or whose user left
//! the organization is detached and reported; a dataset whose parent dataset is gone comes
//! back at the top level of its project, and the answer says so.

use super::service::{DatasetRow, PROJECT, Payload, find_manageable, require_right, subject};
use crate::activity::{self, Action};
use crate::authz::keys;
use crate::db::{Sql, sibling_name_taken};
use crate::error::{AppError, AppResult};
use crate::project::ancestors::Place;
use crate::request::RequestCtx;
use entity::{dataset, item, membership, project, project_origin, project_version, role, snapshot_row, trash_entry, workspace};
use foldhash::HashSet;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect};
use uuid::Uuid;

/// What a restore brought back.
pub enum Restored {
    Project(project::Model),
    Dataset(dataset::Model),
}

/// Why a kept project membership did not come back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unrestorable {
    /// Its role was deleted while the project was in the trash.
    RoleDeleted,
    /// Its user is no longer a member of the project's organization, or left it and
    /// joined again since the project was deleted (leaving ended every role held there).
    NotInOrganization,
    /// The restorer may not give its role (as `addMember` decides: a `lead` needs a team
    /// admin).
    NotAssignable,
}

/// A kept project membership that did not come back.
pub struct Detached {
    pub membership: membership::Model,
    pub reason: Unrestorable,
}

/// The outcome of a restore.
pub struct Outcome {
    pub restored: Restored,
    /// Project memberships kept in the entry that could not come back.
    pub detached: Vec<Detached>,
    /// A dataset whose parent dataset no longer exists came back at the top level.
    pub detached_from_parent: bool,
}

pub async fn restore_from_trash(req: &RequestCtx, id: Uuid) -> AppResult<Outcome> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let e = find_manageable(&txn, &grants, id).await?;
    let mut payload = Payload::parse(&e)?;
    let mut detached = Vec::new();
    let mut detached_from_parent = false;
    let restored = if e.kind == PROJECT {
        let p = payload.project.clone().ok_or_else(|| AppError::internal("project trash entry without its project"))?;
        // The workspace row lock serializes with a concurrent delete of the workspace.
        let w = workspace::Entity::find_by_id(p.workspace_id).lock_exclusive().one(&txn).await?;
        let Some(w) = w else {
            return Err(AppError::precondition("the project's workspace no longer exists"));
        };
        if sibling_name_taken::<project::Entity, _>(&txn, project::Column::WorkspaceId, w.id, &p.name, None).await? {
            return Err(AppError::conflict("name", "a project with this name exists in the workspace"));
        }
        let place = Place { organization: w.organization_id, team: w.team_id, workspace: w.id };
        payload.rebase(&place);
        let p = payload.project.clone().ok_or_else(|| AppError::internal("project trash entry without its project"))?;
        project::Entity::insert(p.clone().into_active_model()).exec_without_returning(&txn).await?;
        insert_datasets(&txn, payload.datasets, None).await?;
        insert_items(&txn, payload.items).await?;
        let kept = Kept { org: place.organization, team: place.team, deleted_at: e.deleted_at, restorer: viewer.id };
        detached = insert_memberships(req, &txn, kept, payload.memberships).await?;
        for v in payload.versions {
            project_version::Entity::insert(v.into_active_model()).exec_without_returning(&txn).await?;
        }
        for s in payload.snapshot_rows {
            snapshot_row::Entity::insert(s.into_active_model()).exec_without_returning(&txn).await?;
        }
        if let Some(origin) = payload.origin {
            project_origin::Entity::insert(origin.into_active_model()).exec_without_returning(&txn).await?;
        }
        crate::project::ancestors::rewrite(&txn, &grants, p.id, &place).await?;
        Restored::Project(p)
    } else {
        let p = project::Entity::find_by_id(e.project_id).lock_exclusive().one(&txn).await?;
        let Some(p) = p else {
            return Err(AppError::precondition("the dataset's project no longer exists"));
        };
        // The rights are the ones where the project is now (an entry written before
        // transfers rewrote trash entries may still name the project's old place).
        if (p.organization_id, p.team_id) != (e.organization_id, e.team_id) {
            if !grants.sees_project(p.organization_id, p.team_id, p.id) {
                return Err(AppError::NotFound);
            }
            require_right(&grants, &e, Some(&payload), p.organization_id, p.team_id)?;
        }
        let parent = match e.parent_id {
            Some(pid) => dataset::Entity::find_by_id(pid).one(&txn).await?.filter(|d| d.project_id == p.id),
            None => None,
        };
        detached_from_parent = e.parent_id.is_some() && parent.is_none();
        let sibling_key = parent.as_ref().map_or(p.id, |x| x.id);
        if sibling_name_taken::<dataset::Entity, _>(&txn, dataset::Column::SiblingKey, sibling_key, &e.name, None).await? {
            return Err(AppError::conflict("name", "a dataset with this name exists at that place"));
        }
        payload.rebase(&Place::of(&p));
        let root = insert_datasets(&txn, payload.datasets, Some((parent, req.settings.max_dataset_depth))).await?;
        insert_items(&txn, payload.items).await?;
        Restored::Dataset(root.ok_or_else(|| AppError::internal("dataset trash entry without its dataset"))?)
    };
    trash_entry::Entity::delete_by_id(e.id).exec(&txn).await?;
    let mut s = subject(&e);
    if let Restored::Dataset(d) = &restored {
        (s.organization, s.team) = (d.organization_id, d.team_id);
    }
    activity::record(&txn, viewer.id, Action::Restored, s).await?;
    txn.commit().await?;
    Ok(Outcome { restored, detached, detached_from_parent })
}

/// Re-inserts dataset rows parents first. For a dataset subtree (`place` set) the paths
/// and depths are rebased under the parent's current place (it may have moved since);
/// no parent puts the subtree at the top level of its project.
async fn insert_datasets<C: ConnectionTrait>(
    db: &C,
    mut rows: Vec<DatasetRow>,
    place: Option<(Option<dataset::Model>, i32)>,
) -> AppResult<Option<dataset::Model>> {
    rows.sort_by_key(|d| d.row.depth);
    let root = rows.first().map(|d| (d.row.path.clone(), d.row.depth, d.row.id));
    if let (Some((parent, max_depth)), Some((old_path, old_depth, root_id))) = (&place, &root) {
        let new_path = parent.as_ref().map_or_else(|| "/".to_string(), |x| format!("{}{}/", x.path, x.id));
        let new_depth = parent.as_ref().map_or(0, |x| x.depth + 1);
        let deepest = rows.iter().map(|d| d.row.depth).max().unwrap_or(*old_depth);
        if deepest - old_depth + new_depth >= *max_depth {
            return Err(AppError::precondition(format!("datasets nest at most {max_depth} levels")));
        }
        for d in &mut rows {
            d.row.path = format!("{new_path}{}", &d.row.path[old_path.len().min(d.row.path.len())..]);
            d.row.depth = d.row.depth - old_depth + new_depth;
            if d.row.id == *root_id {
                d.row.parent_id = parent.as_ref().map(|x| x.id);
                d.row.sibling_key = parent.as_ref().map_or(d.row.project_id, |x| x.id);
            }
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

async fn insert_items<C: ConnectionTrait>(db: &C, items: Vec<item::Model>) -> AppResult<()> {
    for i in items {
        item::Entity::insert(i.into_active_model()).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Where kept memberships come back: the organization and team, when the project was
/// deleted, and who restores it (the audit log's actor).
struct Kept {
    org: Uuid,
    team: Uuid,
    deleted_at: chrono::DateTime<chrono::Utc>,
    restorer: Uuid,
}

/// Re-inserts the project memberships that still make sense, each recorded in the audit
/// log: the user has been a member of the organization since before the project was
/// deleted (RULES.md §5: removing a user from an organization removes their project
/// memberships in it, those kept in the trash too — one who left and came back starts
/// from nothing), the role still exists (held `FOR SHARE`, so a concurrent `deleteRole`
/// waits), and the restorer may give it now, as `addMember` would (§5³: making a `lead`
/// needs a team admin; a developer restoring his project made a colleague `lead` again).
/// The restorer's own membership comes back first, and counts for the others. The rest
/// are returned, detached.
async fn insert_memberships<C: ConnectionTrait>(
    req: &RequestCtx,
    db: &C,
    kept: Kept,
    memberships: Vec<membership::Model>,
) -> AppResult<Vec<Detached>> {
    use crate::authz::{MemberChange, check_member_change};
    let catalog = req.catalog();
    if memberships.is_empty() {
        return Ok(Vec::new());
    }
    let org = kept.org;
    let users: Vec<Uuid> = memberships.iter().map(|m| m.user_id).collect();
    let still: HashSet<Uuid> = membership::Entity::find()
        .filter(membership::Column::ScopeKind.eq("organization"))
        .filter(membership::Column::ScopeId.eq(org))
        .filter(membership::Column::UserId.is_in(users))
        .filter(membership::Column::CreatedAt.lte(kept.deleted_at))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let role_ids: Vec<Uuid> = memberships.iter().map(|m| m.role_id).collect();
    let roles: HashSet<Uuid> = role::Entity::find()
        .filter(role::Column::Id.is_in(role_ids))
        .filter(role::Column::OrganizationId.is_null().or(role::Column::OrganizationId.eq(org)))
        .lock_shared()
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut detached = Vec::new();
    let mut others = Vec::new();
    for m in memberships {
        let reason = if !roles.contains(&m.role_id) {
            Unrestorable::RoleDeleted
        } else if !still.contains(&m.user_id) {
            Unrestorable::NotInOrganization
        } else if m.user_id != kept.restorer {
            others.push(m);
            continue;
        } else {
            restore_membership(db, &catalog, kept.restorer, &m).await?;
            continue;
        };
        detached.push(Detached { membership: m, reason });
    }
    if others.is_empty() {
        return Ok(detached);
    }
    let grants = req.load_grants(db).await?;
    for m in others {
        let project = crate::authz::Resource::Project { org: kept.org, team: kept.team, project: m.scope_id, owned: false };
        let assignable = catalog.role(m.role_id).is_some_and(|role| {
            let add = MemberChange::Add { new: role };
            check_member_change(&grants, &project, m.user_id, &add, keys::MEMBER_MANAGE.as_str()).is_ok()
        });
        if assignable {
            restore_membership(db, &catalog, kept.restorer, &m).await?;
        } else {
            detached.push(Detached { membership: m, reason: Unrestorable::NotAssignable });
        }
    }
    Ok(detached)
}

/// Re-inserts one kept membership, recorded in the audit log with the restorer as actor.
async fn restore_membership<C: ConnectionTrait>(
    db: &C,
    catalog: &crate::authz::Catalog,
    restorer: Uuid,
    m: &membership::Model,
) -> AppResult<()> {
    membership::Entity::insert(m.clone().into_active_model()).exec_without_returning(db).await?;
    let created = crate::audit::AuditAction::MembershipCreated;
    crate::audit::record_membership(db, catalog, restorer, created, None, Some(m)).await
}
