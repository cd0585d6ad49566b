//! Who works on a labeling job: assigning and unassigning users (one write transaction
//! each, deciding on grants read after the write lock, RULES.md §9.2), and assignments
//! that end or move when their user leaves the organization or their project moves.

use super::service::{MAX_JOB_ASSIGNEES, change, log, open_managed, resource};
use super::status::AssigneeRole;
use crate::activity::Action;
use crate::audit::{self, AuditAction, Change, Within};
use crate::authz::keys;
use crate::error::{AppError, AppResult};
use crate::membership::repo::is_member;
use crate::request::RequestCtx;
use entity::{labeling_job as job, labeling_job_assignee as assignee};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

/// Assigns `user` to the job. Checks, in order: the job and the user are visible to the
/// viewer (`NOT_FOUND`, RULES.md §9.8), the viewer manages its jobs (`FORBIDDEN`), the
/// user is not yet assigned (`CONFLICT`), a member of the job's
/// organization holding `labeling_job.access` (and for a reviewer `labeling_job.review`)
/// on the project, and the job has room (`FAILED_PRECONDITION`).
pub async fn assign(req: &RequestCtx, id: Uuid, user: Uuid, role: AssigneeRole) -> AppResult<(job::Model, assignee::Model)> {
    let viewer = req.user()?;
    let (txn, _, j) = open_managed(req, id, Some(user)).await?;
    let existing = assignee::Entity::find()
        .filter(assignee::Column::JobId.eq(j.id))
        .filter(assignee::Column::UserId.eq(user))
        .one(&txn)
        .await?;
    if existing.is_some() {
        return Err(AppError::conflict("userId", "the user is already assigned to this job"));
    }
    if !is_member(&txn, j.organization_id, user).await? {
        return Err(AppError::precondition("the user is not a member of the job's organization"));
    }
    let theirs = req.load_grants_of(&txn, user).await?;
    if !theirs.can(&resource(&j), keys::LABELING_JOB_ACCESS) {
        return Err(AppError::precondition("the user's roles do not hold labeling_job.access on the project"));
    }
    if role == AssigneeRole::Reviewer && !theirs.can(&resource(&j), keys::LABELING_JOB_REVIEW) {
        return Err(AppError::precondition("the user's roles do not hold labeling_job.review on the project"));
    }
    let count = assignee::Entity::find().filter(assignee::Column::JobId.eq(j.id)).count(&txn).await?;
    if count >= MAX_JOB_ASSIGNEES {
        return Err(AppError::precondition(format!("a job has at most {MAX_JOB_ASSIGNEES} assignees")));
    }
    let a = assignee::Model {
        id: Uuid::now_v7(),
        job_id: j.id,
        user_id: user,
        organization_id: j.organization_id,
        role: role.as_str().into(),
        assigned_by: Some(viewer.id),
        created_at: crate::db::now(),
    };
    assignee::Entity::insert(a.clone().into_active_model()).exec_without_returning(&txn).await?;
    let after = json!({ "jobId": j.id, "userId": user, "role": a.role });
    log(&txn, viewer.id, &j, Action::Assigned, Some(change(&j, viewer.id, AuditAction::LabelingJobAssigned, None, Some(after))))
        .await?;
    record_event(&txn, &a).await?;
    txn.commit().await?;
    Ok((j, a))
}

pub async fn unassign(req: &RequestCtx, id: Uuid, user: Uuid) -> AppResult<job::Model> {
    let viewer = req.user()?;
    let (txn, _, j) = open_managed(req, id, Some(user)).await?;
    let a = assignee::Entity::find()
        .filter(assignee::Column::JobId.eq(j.id))
        .filter(assignee::Column::UserId.eq(user))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    assignee::Entity::delete_by_id(a.id).exec(&txn).await?;
    let before = json!({ "jobId": j.id, "userId": user, "role": a.role });
    log(
        &txn,
        viewer.id,
        &j,
        Action::Unassigned,
        Some(change(&j, viewer.id, AuditAction::LabelingJobUnassigned, Some(before), None)),
    )
    .await?;
    txn.commit().await?;
    Ok(j)
}

/// Writes the `labelingJobAssigned` outbox row of `a` (and, on PostgreSQL, wakes the
/// hubs of every instance on the invitations' channel), in the assignment's transaction.
async fn record_event<C: ConnectionTrait>(txn: &C, a: &assignee::Model) -> AppResult<()> {
    let event = entity::labeling_job_event::Model {
        id: Uuid::now_v7(),
        job_id: a.job_id,
        user_id: a.user_id,
        created_at: crate::db::now(),
    };
    entity::labeling_job_event::Entity::insert(event.clone().into_active_model()).exec_without_returning(txn).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        let mut sql = crate::db::Sql::new(sea_orm::DbBackend::Postgres);
        sql.push("SELECT pg_notify(").bind(crate::invitation::service::CHANNEL).push(", ").bind(event.id.to_string()).push(")");
        txn.execute_raw(sql.build()).await?;
    }
    Ok(())
}

/// Removing a user from an organization ends their assignments there (inside the
/// removal's transaction), each recorded in the audit log.
pub async fn remove_from_organization<C: ConnectionTrait>(db: &C, actor: Option<Uuid>, org: Uuid, user: Uuid) -> AppResult<()> {
    let gone = assignee::Entity::find()
        .filter(assignee::Column::OrganizationId.eq(org))
        .filter(assignee::Column::UserId.eq(user))
        .order_by_asc(assignee::Column::Id) // the audit log's order, on both databases
        .all(db)
        .await?;
    if gone.is_empty() {
        return Ok(());
    }
    assignee::Entity::delete_many().filter(assignee::Column::Id.is_in(gone.iter().map(|a| a.id))).exec(db).await?;
    for a in &gone {
        record_removed(db, org, actor, a, json!({ "jobId": a.job_id, "userId": a.user_id, "role": a.role })).await?;
    }
    Ok(())
}

/// A project moves to `org` (transfer, or a restore into its new place): assignments of
/// its jobs whose users are not members of `org` are removed (each audited in the old
/// organization, as `actor`'s); the others now belong to `org`. Returns those removed.
pub async fn follow_project<C: ConnectionTrait>(
    db: &C,
    actor: Uuid,
    project: Uuid,
    org: Uuid,
) -> AppResult<Vec<assignee::Model>> {
    let jobs: Vec<Uuid> =
        job::Entity::find().filter(job::Column::ProjectId.eq(project)).all(db).await?.into_iter().map(|j| j.id).collect();
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    // In id order: what is audited (and answered) must not come in the database's scan order.
    let all = assignee::Entity::find()
        .filter(assignee::Column::JobId.is_in(jobs.clone()))
        .order_by_asc(assignee::Column::Id)
        .all(db)
        .await?;
    let mut gone = Vec::new();
    for a in all {
        if a.organization_id != org && !is_member(db, org, a.user_id).await? {
            gone.push(a);
        }
    }
    if !gone.is_empty() {
        assignee::Entity::delete_many().filter(assignee::Column::Id.is_in(gone.iter().map(|a| a.id))).exec(db).await?;
    }
    for a in &gone {
        let before = json!({ "jobId": a.job_id, "userId": a.user_id, "role": a.role, "reason": "moved" });
        record_removed(db, a.organization_id, Some(actor), a, before).await?;
    }
    assignee::Entity::update_many()
        .col_expr(assignee::Column::OrganizationId, sea_orm::sea_query::Expr::value(org))
        .filter(assignee::Column::JobId.is_in(jobs))
        .exec(db)
        .await?;
    Ok(gone)
}

/// The audit entry of an assignment that ended with its user's place (in `org`).
async fn record_removed<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    actor: Option<Uuid>,
    a: &assignee::Model,
    before: serde_json::Value,
) -> AppResult<()> {
    // The job's place (read here: an organization's removals are rare); the nil team, seen
    // only by who sees every team, if the job is gone.
    let job = job::Entity::find_by_id(a.job_id).one(db).await?;
    let within = job.map_or(Within { team: Uuid::nil(), project: None }, |j| Within::project(j.team_id, j.project_id));
    let change = Change {
        organization: org,
        within: Some(within),
        actor,
        action: AuditAction::LabelingJobUnassigned,
        target_kind: "LabelingJob",
        target_id: Some(a.job_id),
        before: Some(before),
        after: None,
    };
    audit::record(db, change).await
}
