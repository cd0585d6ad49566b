//! Every change to the rows the role catalog is read from (permissions, roles and what
//! they grant) raises the catalog version in the same transaction, by triggers, as every
//! change to the rows grants are read from raises the access version (`000016`). Role
//! mutations raised it already; an operator's hand-written fix to a role, or a row that
//! arrives by replication, now reaches every instance on its next grants statement too.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 3] = ["permissions", "roles", "role_permissions"];
const BUMP: &str = "UPDATE catalog_versions SET version = version + 1 WHERE id = 1";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let mut sql = Vec::new();
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            sql.push(format!(
                "CREATE FUNCTION orgraph_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {BUMP}; RETURN NULL; END $$"
            ));
            for table in TABLES {
                sql.push(format!(
                    "CREATE TRIGGER catalog_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
                     FOR EACH STATEMENT EXECUTE FUNCTION orgraph_catalog_changed()"
                ));
                sql.push(format!("ALTER TABLE {table} ENABLE ALWAYS TRIGGER catalog_{table}"));
            }
        } else {
            for table in TABLES {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    sql.push(format!(
                        "CREATE TRIGGER catalog_{table}_{} AFTER {event} ON {table} BEGIN {BUMP}; END",
                        event.to_lowercase()
                    ));
                }
            }
        }
        for statement in sql {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for table in TABLES {
            if db.get_database_backend() == sea_orm::DbBackend::Postgres {
                db.execute_unprepared(&format!("DROP TRIGGER catalog_{table} ON {table}")).await?;
            } else {
                for event in ["insert", "update", "delete"] {
                    db.execute_unprepared(&format!("DROP TRIGGER catalog_{table}_{event}")).await?;
                }
            }
        }
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION orgraph_catalog_changed()").await?;
        }
        Ok(())
    }
}
