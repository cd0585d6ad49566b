//! The write transaction of a mutation, opened through the request context.
//!
//! Committing it forgets the viewer's cached grants, so whatever the request resolves
//! afterwards (the mutation's payload, the next root field) decides on grants read after
//! the change. No mutation has to remember which changes alter grants (memberships,
//! roles, groups, capabilities, deletions, transfers…): every committed write counts.
//! Services get write transactions only here (`RequestCtx::begin_write`); clippy's
//! `disallowed-methods` (clippy.toml) refuses other ways of opening one in product code.

use super::grants::GrantsCache;
use crate::error::AppResult;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// A write transaction of one request (SQLite: `BEGIN IMMEDIATE`; see `db::begin_write`).
/// Dropped without `commit`, it rolls back.
pub struct Write {
    txn: DatabaseTransaction,
    grants: Arc<GrantsCache>,
    commits: Arc<AtomicU32>,
}

impl Write {
    pub(super) fn new(txn: DatabaseTransaction, grants: Arc<GrantsCache>, commits: Arc<AtomicU32>) -> Self {
        Self { txn, grants, commits }
    }

    /// Commits, counts the commit, then forgets the request's cached grants.
    pub async fn commit(self) -> AppResult<()> {
        self.txn.commit().await?;
        self.commits.fetch_add(1, Ordering::SeqCst);
        self.grants.forget().await;
        Ok(())
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Write {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
    fn is_mock_connection(&self) -> bool {
        self.txn.is_mock_connection()
    }
}
