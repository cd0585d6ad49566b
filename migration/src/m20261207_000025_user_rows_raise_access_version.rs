//! Issue 12: a change to a user's row (the claims a token refreshes: e-mail, its
//! verification, name, the mark of their time; or the row's deletion) raises the access
//! version, as changes to grants do (migration `m20261205_000016`).
//!
//! A query on PostgreSQL may start from a user row and grants this process kept, and its
//! first statement checks that they are still current (`authz::memo`, `db::Reads`). When
//! that statement answers no rows, a second statement checks again, in a later snapshot;
//! the versions only rise, but a row can change and change back between the two (two
//! tokens of one `sub` taking turns), and the second check would find it as kept and let
//! an answer stand that the first check had emptied. With every change to the row a
//! raise, the version tells: once changed, never current again.

use crate::m20261205_000016_create_access_versions::BUMP_SQLITE;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns of the row a query may start from (`entity::user::Model`, but `id` and
/// `created_at`, which never change); orgraph's check compares the same (a test says so).
pub const USER_ROW_COLUMNS: [&str; 5] = ["sub", "email", "email_verified", "name", "claims_iat"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let columns = USER_ROW_COLUMNS.join(", ");
        let statements = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => vec![
                // The function of migration 000016.
                format!(
                    "CREATE TRIGGER access_users AFTER UPDATE OF {columns} OR DELETE OR TRUNCATE ON users \
                     FOR EACH STATEMENT EXECUTE FUNCTION orgraph_access_changed()"
                ),
                // Also for rows that arrive by replication (see migration 000016).
                "ALTER TABLE users ENABLE ALWAYS TRIGGER access_users".to_string(),
            ],
            _ => vec![
                format!("CREATE TRIGGER access_users_update AFTER UPDATE OF {columns} ON users BEGIN {BUMP_SQLITE}; END"),
                format!("CREATE TRIGGER access_users_delete AFTER DELETE ON users BEGIN {BUMP_SQLITE}; END"),
            ],
        };
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let statements: &[&str] = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => &["DROP TRIGGER access_users ON users"],
            _ => &["DROP TRIGGER access_users_update", "DROP TRIGGER access_users_delete"],
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
