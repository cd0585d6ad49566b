//! Issue 15: labeling jobs, the datasets they cover and their assignees, and the keys
//! that decide who manages, reviews and is assigned to them, in every preset.
//!
//! `labeling_job_datasets.dataset_id` has no foreign key on purpose: deleting a dataset
//! moves its rows to the trash and restoring re-inserts them under the same ids, so the
//! job covers it again; every read joins `datasets`, so a trashed dataset is simply not
//! covered meanwhile. A job belongs to its project (deleted with it).

use crate::ddl::{col, fk, grant, index, unique};
use sea_orm_migration::prelude::*;
use std::collections::BTreeSet;

#[derive(DeriveMigrationName)]
pub struct Migration;

const MANAGE: &str = "labeling_job.manage";
const REVIEW: &str = "labeling_job.review";
const ACCESS: &str = "labeling_job.access";

/// (key, scope, description).
const KEYS: [(&str, &str, &str); 2] = [
    (MANAGE, "project", "Create, change, assign, reopen and delete the project's labeling jobs."),
    (REVIEW, "project", "Be assigned as a reviewer of labeling jobs, and accept or reject the work submitted to them."),
];

/// Grants added to single built-in roles: (catalog, scope, role key, target, keys).
/// Besides these, every built-in role that holds `labeling_job.create` (issue 5: whoever
/// creates and assigns tasks) gets `manage` and `review` at the same target, and every
/// role that holds `label.review` gets `review`.
const EXTRA: &[(&str, &str, &str, &str, &[&str])] = &[
    // DEFAULT follows Supervisely (seed 000): "Manager ... can view and modify Projects &
    // Labeling Jobs"; a developer is "similar to the admin".
    ("builtin", "team", "developer", "team", &[MANAGE, REVIEW]),
    ("builtin", "team", "manager", "team", &[MANAGE, REVIEW]),
    // RULES.md §5's project roles: lead and manager run the project, reviewers review.
    ("builtin", "project", "lead", "project", &[MANAGE, REVIEW]),
    ("builtin", "project", "manager", "project", &[MANAGE, REVIEW]),
    ("builtin", "project", "reviewer", "project", &[REVIEW]),
    // CVAT (seed 002): "Worker: access only to assigned tasks and jobs. Best for
    // annotators and validators": assignable (as labeler or validator) anywhere in the
    // organization, and it sees nothing but what it is assigned.
    ("CVAT", "organization", "worker", "team", &[ACCESS, REVIEW]),
];

fn id() -> ColumnDef {
    col("id").uuid().not_null().primary_key().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::Cascade;
        m.create_table(
            Table::create()
                .table(Alias::new("labeling_jobs"))
                .col(id())
                .col(col("organization_id").uuid().not_null())
                .col(col("team_id").uuid().not_null())
                .col(col("project_id").uuid().not_null())
                .col(col("name").string().not_null())
                .col(col("description").text().null())
                .col(col("status").string().not_null())
                .col(col("due_at").timestamp_with_time_zone().null())
                .col(col("created_by").uuid().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("labeling_jobs", "project_id", "projects", Cascade))
                .foreign_key(&mut fk("labeling_jobs", "organization_id", "organizations", Cascade))
                .foreign_key(&mut fk("labeling_jobs", "team_id", "teams", Cascade))
                .foreign_key(&mut fk("labeling_jobs", "created_by", "users", ForeignKeyAction::SetNull))
                .take(),
        )
        .await?;
        m.create_index(index("ix_labeling_jobs_project", "labeling_jobs", &["project_id"])).await?;
        m.create_index(index("ix_labeling_jobs_team", "labeling_jobs", &["team_id"])).await?;
        m.create_table(
            Table::create()
                .table(Alias::new("labeling_job_datasets"))
                .col(id())
                .col(col("job_id").uuid().not_null())
                .col(col("dataset_id").uuid().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("labeling_job_datasets", "job_id", "labeling_jobs", Cascade))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_labeling_job_datasets", "labeling_job_datasets", &["job_id", "dataset_id"])).await?;
        m.create_index(index("ix_labeling_job_datasets_dataset", "labeling_job_datasets", &["dataset_id"])).await?;
        m.create_table(
            Table::create()
                .table(Alias::new("labeling_job_assignees"))
                .col(id())
                .col(col("job_id").uuid().not_null())
                .col(col("user_id").uuid().not_null())
                .col(col("organization_id").uuid().not_null())
                .col(col("role").string().not_null())
                .col(col("assigned_by").uuid().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("labeling_job_assignees", "job_id", "labeling_jobs", Cascade))
                .foreign_key(&mut fk("labeling_job_assignees", "user_id", "users", Cascade))
                .foreign_key(&mut fk("labeling_job_assignees", "assigned_by", "users", ForeignKeyAction::SetNull))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_labeling_job_assignees", "labeling_job_assignees", &["job_id", "user_id"])).await?;
        m.create_index(index("ix_labeling_job_assignees_user", "labeling_job_assignees", &["user_id"])).await?;
        // The outbox of `labelingJobAssigned`, beside `invitation_events` and read by the
        // same hub: one row per assignment, written in its transaction. No foreign keys:
        // delivery re-reads the job and the assignment.
        m.create_table(
            Table::create()
                .table(Alias::new("labeling_job_events"))
                .col(id())
                .col(col("job_id").uuid().not_null())
                .col(col("user_id").uuid().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .take(),
        )
        .await?;

        let mut insert = Query::insert()
            .into_table(Alias::new("permissions"))
            .columns(["key", "scope_kind", "description", "grantable"].map(Alias::new))
            .take();
        for (key, scope, description) in KEYS {
            insert.values_panic([key.into(), scope.into(), description.into(), false.into()]);
        }
        m.exec_stmt(insert).await?;

        let db = m.get_connection();
        // Built-in roles holding `labeling_job.create` or `label.review`, with the target.
        let held = db
            .query_all(
                &Query::select()
                    .columns([Alias::new("role_id"), Alias::new("target"), Alias::new("permission")])
                    .from(Alias::new("role_permissions"))
                    .and_where(Expr::col(Alias::new("permission")).is_in(["labeling_job.create", "label.review"]))
                    .and_where(
                        Expr::col(Alias::new("role_id")).in_subquery(
                            Query::select()
                                .column(Alias::new("id"))
                                .from(Alias::new("roles"))
                                .and_where(Expr::col(Alias::new("built_in")).eq(true))
                                .take(),
                        ),
                    )
                    .take(),
            )
            .await?;
        for row in held {
            let role: uuid::Uuid = row.try_get("", "role_id")?;
            let target: String = row.try_get("", "target")?;
            let permission: String = row.try_get("", "permission")?;
            let keys: &[&str] = if permission == "labeling_job.create" { &[MANAGE, REVIEW] } else { &[REVIEW] };
            grant(m, role, &keys.iter().map(|k| (target.as_str(), *k)).collect::<BTreeSet<_>>()).await?;
        }
        for (catalog, scope, key, target, keys) in EXTRA {
            let row = db
                .query_one(
                    &Query::select()
                        .column(Alias::new("id"))
                        .from(Alias::new("roles"))
                        .and_where(Expr::col(Alias::new("catalog")).eq(*catalog))
                        .and_where(Expr::col(Alias::new("scope_kind")).eq(*scope))
                        .and_where(Expr::col(Alias::new("key")).eq(*key))
                        .and_where(Expr::col(Alias::new("built_in")).eq(true))
                        .take(),
                )
                .await?
                .ok_or_else(|| DbErr::Custom(format!("built-in role {catalog}/{scope}/{key} missing")))?;
            let role: uuid::Uuid = row.try_get("", "id")?;
            grant(m, role, &keys.iter().map(|k| (*target, *k)).collect()).await?;
        }
        // Running servers reload the catalog.
        db.execute_unprepared("UPDATE catalog_versions SET version = version + 1").await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.exec_stmt(
            Query::delete()
                .from_table(Alias::new("role_permissions"))
                .and_where(Expr::col(Alias::new("permission")).is_in([MANAGE, REVIEW]))
                .take(),
        )
        .await?;
        let worker_access = "DELETE FROM role_permissions WHERE permission = 'labeling_job.access' AND target = 'team' \
             AND role_id IN (SELECT id FROM roles WHERE catalog = 'CVAT' AND scope_kind = 'organization' AND key = 'worker')";
        m.get_connection().execute_unprepared(worker_access).await?;
        m.exec_stmt(
            Query::delete()
                .from_table(Alias::new("permissions"))
                .and_where(Expr::col(Alias::new("key")).is_in([MANAGE, REVIEW]))
                .take(),
        )
        .await?;
        for table in ["labeling_job_events", "labeling_job_assignees", "labeling_job_datasets", "labeling_jobs"] {
            m.drop_table(Table::drop().table(Alias::new(table)).take()).await?;
        }
        m.get_connection().execute_unprepared("UPDATE catalog_versions SET version = version + 1").await?;
        Ok(())
    }
}
