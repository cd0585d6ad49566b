//! The catalog version gets a stamp, as the access version has one (`000016`): drawn anew
//! at each raise, so a catalog version number seen again after the database went back (a
//! restore, a failover that lost commits) does not match the catalog, or the grants, an
//! instance read at that number before. An instance compares version and stamp
//! (`authz::catalog::Stamped`) and reads the catalog again when either differs.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables the catalog is read from (`000018`).
const TABLES: [&str; 3] = ["permissions", "roles", "role_permissions"];

fn bump(backend: sea_orm::DbBackend, stamped: bool) -> String {
    let stamp = match (stamped, backend) {
        (false, _) => "",
        (true, sea_orm::DbBackend::Postgres) => ", stamp = (random() * 9.0e18)::bigint",
        (true, _) => ", stamp = random()",
    };
    format!("UPDATE catalog_versions SET version = version + 1{stamp} WHERE id = 1")
}

/// The triggers of `000018` raising the version, with (`stamped`) or without the stamp.
fn triggers(backend: sea_orm::DbBackend, stamped: bool) -> Vec<String> {
    let bump = bump(backend, stamped);
    if backend == sea_orm::DbBackend::Postgres {
        return vec![format!(
            "CREATE OR REPLACE FUNCTION orgraph_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {bump}; RETURN NULL; END $$"
        )];
    }
    let mut sql = Vec::new();
    for table in TABLES {
        for event in ["INSERT", "UPDATE", "DELETE"] {
            let name = format!("catalog_{table}_{}", event.to_lowercase());
            // One execution, so one connection: another connection of the pool, its schema
            // read before the drop, would find the trigger still there.
            sql.push(format!("DROP TRIGGER {name}; CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {bump}; END"));
        }
    }
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("ALTER TABLE catalog_versions ADD COLUMN stamp bigint NOT NULL DEFAULT 0").await?;
        for statement in triggers(db.get_database_backend(), true) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for statement in triggers(db.get_database_backend(), false) {
            db.execute_unprepared(&statement).await?;
        }
        db.execute_unprepared("ALTER TABLE catalog_versions DROP COLUMN stamp").await?;
        Ok(())
    }
}
