//! Training run rules: visibility (see the module docs) → `model.train` on the team →
//! lock → state (a stopped run cannot be stopped again) → write.

use crate::authz::keys;
use crate::authz::{Grants, Resource};
use crate::domain::Name;
use crate::error::{AppError, AppResult};
use crate::request::RequestCtx;
use crate::team::repo as team_repo;
use entity::training_run;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QuerySelect, Set};
use uuid::Uuid;

pub const RUNNING: &str = "running";
pub const STOPPED: &str = "stopped";
const TRAIN: &str = keys::MODEL_TRAIN.as_str();

pub fn resource(r: &training_run::Model) -> Resource {
    Resource::Team { org: r.organization_id, team: r.team_id }
}

/// Whether the viewer sees every run of the team (`model.view` or `model.train`), not
/// only their own. The caller checks that the viewer sees the team.
pub fn sees_all_runs(grants: &Grants, org: Uuid, team: Uuid) -> bool {
    let r = Resource::Team { org, team };
    grants.can(&r, keys::MODEL_VIEW) || grants.can(&r, TRAIN)
}

pub fn sees(grants: &Grants, r: &training_run::Model) -> bool {
    grants.sees_team(r.organization_id, r.team_id)
        && (r.created_by == Some(grants.user_id) || sees_all_runs(grants, r.organization_id, r.team_id))
}

/// Whether the viewer may change the run (`model.train` on its team).
pub fn can_edit(grants: &Grants, r: &training_run::Model) -> bool {
    grants.can(&resource(r), TRAIN)
}

/// A run the viewer sees (else NOT_FOUND) and may change (else FORBIDDEN), locked.
async fn find_editable<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<training_run::Model> {
    let r = crate::authz::find_visible::<training_run::Entity, _>(db, grants, id).await?;
    if !can_edit(grants, &r) {
        return Err(AppError::forbidden(format!("requires {TRAIN}")));
    }
    training_run::Entity::find_by_id(id).lock_exclusive().one(db).await?.ok_or(AppError::NotFound)
}

pub async fn start_training_run(req: &RequestCtx, team: Uuid, name: Name) -> AppResult<training_run::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let t = team_repo::find_visible(&txn, &grants, team).await?;
    if !grants.can(&team_repo::resource(&t), TRAIN) {
        return Err(AppError::forbidden(format!("requires {TRAIN}")));
    }
    let now = crate::db::now();
    let run = training_run::Model {
        id: Uuid::now_v7(),
        organization_id: t.organization_id,
        team_id: t.id,
        name: name.into_string(),
        status: RUNNING.into(),
        created_by: Some(viewer.id),
        created_at: now,
        updated_at: now,
    };
    training_run::Entity::insert(run.clone().into_active_model()).exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok(run)
}

pub async fn update_training_run(req: &RequestCtx, id: Uuid, name: Name) -> AppResult<training_run::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let r = find_editable(&txn, &grants, id).await?;
    let mut am = r.into_active_model();
    am.name = Set(name.into_string());
    am.updated_at = Set(crate::db::now());
    let r = am.update(&txn).await?;
    txn.commit().await?;
    Ok(r)
}

/// Stops a running run; a stopped one is FAILED_PRECONDITION.
pub async fn stop_training_run(req: &RequestCtx, id: Uuid) -> AppResult<training_run::Model> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let r = find_editable(&txn, &grants, id).await?;
    if r.status == STOPPED {
        return Err(AppError::precondition("the training run is already stopped"));
    }
    let mut am = r.into_active_model();
    am.status = Set(STOPPED.into());
    am.updated_at = Set(crate::db::now());
    let r = am.update(&txn).await?;
    txn.commit().await?;
    Ok(r)
}

pub async fn delete_training_run(req: &RequestCtx, id: Uuid) -> AppResult<()> {
    req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    let r = find_editable(&txn, &grants, id).await?;
    training_run::Entity::delete_by_id(r.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}
