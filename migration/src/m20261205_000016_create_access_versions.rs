//! Issue 12: the access version, a number that every change to a row a viewer's grants
//! are read from raises, in the same transaction (triggers, so that no write path, cascade
//! or hand-made `UPDATE` can forget it). A server keeps a viewer's grants between requests
//! only together with the access and catalog versions they were read at, and reads both
//! versions again in each request's authentication statement: grants are reused only
//! while nothing they come from has changed (`authz::memo`).
//!
//! The tables are those the grants statement reads (`authz::grants::push_branches`; a
//! test checks that each has its trigger): memberships, group members and project
//! assignments, capability grants, labeling-job assignees, jobs and covered datasets;
//! a project's team (a group assignment carries it); a covered dataset's row (deleting
//! a dataset moves it to the trash, restoring re-inserts it, and its job covers it again).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every change to these tables raises the version.
const TABLES: [&str; 7] = [
    "memberships",
    "group_members",
    "group_projects",
    "capability_grants",
    "labeling_job_assignees",
    "labeling_jobs",
    "labeling_job_datasets",
];

/// The version counts up; the stamp is drawn anew at each raise, so a version number
/// seen again after the database went back (a restore, a failover that lost commits)
/// does not match grants kept at the same number before.
const BUMP_POSTGRES: &str = "UPDATE access_versions SET version = version + 1, stamp = (random() * 9.0e18)::bigint WHERE id = 1";
pub(crate) const BUMP_SQLITE: &str = "UPDATE access_versions SET version = version + 1, stamp = random() WHERE id = 1";

fn postgres() -> Vec<String> {
    const BUMP: &str = BUMP_POSTGRES;
    let mut sql = vec![
        format!(
            "CREATE FUNCTION orgraph_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {BUMP}; RETURN NULL; END $$"
        ),
        // Only a dataset a job covers bears on grants: most dataset writes change nothing.
        format!(
            "CREATE FUNCTION orgraph_covered_datasets_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF EXISTS (SELECT 1 FROM changed c JOIN labeling_job_datasets jd ON jd.dataset_id = c.id) THEN {BUMP}; END IF; \
             RETURN NULL; END $$"
        ),
    ];
    // Statement-level: one raise per statement, cascades included.
    for table in TABLES {
        sql.push(format!(
            "CREATE TRIGGER access_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
             FOR EACH STATEMENT EXECUTE FUNCTION orgraph_access_changed()"
        ));
    }
    sql.push(
        "CREATE TRIGGER access_projects AFTER UPDATE OF team_id OR DELETE OR TRUNCATE ON projects \
         FOR EACH STATEMENT EXECUTE FUNCTION orgraph_access_changed()"
            .into(),
    );
    for (event, table) in [("INSERT", "NEW"), ("DELETE", "OLD")] {
        sql.push(format!(
            "CREATE TRIGGER access_datasets_{} AFTER {event} ON datasets REFERENCING {table} TABLE AS changed \
             FOR EACH STATEMENT EXECUTE FUNCTION orgraph_covered_datasets_changed()",
            event.to_lowercase()
        ));
    }
    sql.push(
        "CREATE TRIGGER access_datasets_truncate AFTER TRUNCATE ON datasets \
         FOR EACH STATEMENT EXECUTE FUNCTION orgraph_access_changed()"
            .into(),
    );
    // Also when rows arrive by logical replication or with `session_replication_role =
    // replica`, which skip ordinary triggers.
    for table in TABLES.iter().chain(&["projects"]) {
        sql.push(format!("ALTER TABLE {table} ENABLE ALWAYS TRIGGER access_{table}"));
    }
    for event in ["insert", "delete", "truncate"] {
        sql.push(format!("ALTER TABLE datasets ENABLE ALWAYS TRIGGER access_datasets_{event}"));
    }
    sql
}

/// SQLite triggers are per row.
fn sqlite() -> Vec<String> {
    const BUMP: &str = BUMP_SQLITE;
    let mut sql = Vec::new();
    for table in TABLES {
        for event in ["INSERT", "UPDATE", "DELETE"] {
            sql.push(format!(
                "CREATE TRIGGER access_{table}_{} AFTER {event} ON {table} BEGIN {BUMP}; END",
                event.to_lowercase()
            ));
        }
    }
    sql.push(format!("CREATE TRIGGER access_projects_update AFTER UPDATE OF team_id ON projects BEGIN {BUMP}; END"));
    sql.push(format!("CREATE TRIGGER access_projects_delete AFTER DELETE ON projects BEGIN {BUMP}; END"));
    for (event, row) in [("INSERT", "NEW"), ("DELETE", "OLD")] {
        sql.push(format!(
            "CREATE TRIGGER access_datasets_{} AFTER {event} ON datasets \
             WHEN EXISTS (SELECT 1 FROM labeling_job_datasets jd WHERE jd.dataset_id = {row}.id) BEGIN {BUMP}; END",
            event.to_lowercase()
        ));
    }
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE TABLE access_versions (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL, stamp bigint NOT NULL)",
        )
        .await?;
        db.execute_unprepared("INSERT INTO access_versions (id, version, stamp) VALUES (1, 1, 0)").await?;
        let statements = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => postgres(),
            _ => sqlite(),
        };
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                for table in TABLES.iter().chain(&["projects"]) {
                    db.execute_unprepared(&format!("DROP TRIGGER access_{table} ON {table}")).await?;
                }
                for event in ["insert", "delete", "truncate"] {
                    db.execute_unprepared(&format!("DROP TRIGGER access_datasets_{event} ON datasets")).await?;
                }
                db.execute_unprepared("DROP FUNCTION orgraph_access_changed()").await?;
                db.execute_unprepared("DROP FUNCTION orgraph_covered_datasets_changed()").await?;
            }
            _ => {
                for table in TABLES {
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!("DROP TRIGGER access_{table}_{event}")).await?;
                    }
                }
                for name in ["projects_update", "projects_delete", "datasets_insert", "datasets_delete"] {
                    db.execute_unprepared(&format!("DROP TRIGGER access_{name}")).await?;
                }
            }
        }
        db.execute_unprepared("DROP TABLE access_versions").await?;
        Ok(())
    }
}
