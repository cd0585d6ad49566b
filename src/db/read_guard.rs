//! The condition a query started from kept grants carries (`Reads::provisional`): its
//! statements' wrapping, the check of an answer without rows, and the error of the
//! statements of a query that runs again.

use super::Sql;
use sea_orm::{DbBackend, DbErr, Statement, Values};
use std::sync::Arc;

/// A condition on the database (`Sql` text and values) under which a query's viewer and
/// grants, taken without reading them, are those its authentication would read
/// (`authz::Provisional::guard`).
pub type ReadGuard = Arc<dyn Fn(&mut Sql) + Send + Sync>;

/// `stmt`'s rows only where `guard` holds, in the same statement (one snapshot).
pub(super) fn guarded(stmt: &Statement, guard: &ReadGuard) -> Statement {
    let values = stmt.values.clone().unwrap_or(Values(Vec::new())).0;
    let mut sql = Sql { backend: stmt.db_backend, text: format!("SELECT q.* FROM ({}) q WHERE ", stmt.sql), values };
    guard(&mut sql);
    sql.build()
}

/// `SELECT 1` where `guard` holds.
pub(super) fn check(backend: DbBackend, guard: &ReadGuard) -> Statement {
    let mut sql = Sql::new(backend);
    sql.push("SELECT 1 WHERE ");
    guard(&mut sql);
    sql.build()
}

/// What a statement of a query whose viewer's grants proved out of date answers (the
/// query is answered again, authenticated: `Reads::settle`).
const SUPERSEDED: &str = "the viewer's grants or user changed; the query runs again";

pub(super) fn stale_err() -> DbErr {
    DbErr::Custom(SUPERSEDED.into())
}

/// Whether `err` is a statement's of a query that runs again (see `stale_err`).
pub fn is_superseded(err: &DbErr) -> bool {
    matches!(err, DbErr::Custom(message) if message == SUPERSEDED)
}
