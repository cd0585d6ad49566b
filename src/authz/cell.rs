//! The current role catalog of this process (`Catalog`), replaced as a whole when the
//! stored version moves, and the users' grants kept with it (`authz::memo`).

use super::catalog::{Catalog, Stamped};
use crate::error::AppResult;
use sea_orm::ConnectionTrait;
use std::sync::{Arc, RwLock};

/// The current catalog, replaced as a whole when the stored version moves.
pub struct CatalogCell {
    current: RwLock<Arc<Catalog>>,
    reload: tokio::sync::Mutex<()>,
    /// Users' grants, kept with the access and catalog versions they were read at.
    memo: super::memo::GrantsMemo,
}

impl CatalogCell {
    pub async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Self> {
        Ok(Self::new(Catalog::load(db).await?))
    }
    pub fn new(catalog: Catalog) -> Self {
        Self { current: RwLock::new(Arc::new(catalog)), reload: tokio::sync::Mutex::new(()), memo: Default::default() }
    }
    /// The grants this process keeps (`authz::memo`).
    pub(super) fn memo(&self) -> &super::memo::GrantsMemo {
        &self.memo
    }
    /// Counts a write this process committed (it may have raised the access version): a
    /// user's kept grants are next read in the authentication statement, guarded (one
    /// statement), rather than checked first and found changed (two).
    pub fn committed(&self) {
        self.memo.committed();
    }
    pub fn get(&self) -> Arc<Catalog> {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
    /// Puts in place a catalog read by the transaction that changed the roles, once that
    /// transaction has committed, unless a newer copy is already there. Unlike `refresh` it
    /// needs no connection: a writer that reloaded through the pool after its commit could
    /// wait for a connection held by writers queued behind one waiting for this cell.
    pub fn install(&self, fresh: Catalog) -> Arc<Catalog> {
        self.put(fresh, None)
    }

    /// Puts `fresh` (just read from the database) in place unless the copy there has a
    /// higher number; with `seen`, also then when `fresh` is the catalog a statement just
    /// read the database at: the database went back (a restore, a failover that lost
    /// commits). The same number with another stamp is another catalog.
    fn put(&self, fresh: Catalog, seen: Option<Stamped>) -> Arc<Catalog> {
        let fresh = Arc::new(fresh);
        let mut current = match self.current.write() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        if current.version.version <= fresh.version.version || seen == Some(fresh.version) {
            *current = fresh;
        }
        current.clone()
    }

    /// The catalog a statement read the database at (`seen`): the copy in place when it is
    /// that one; else the catalog is read again (serialised, so the last reload reads the
    /// newest rows) and put in place (`put`). A copy newer than `seen` (installed after
    /// the statement's snapshot) is read again too, since only the database tells it from
    /// a copy the database has gone back from.
    pub async fn refresh<C: ConnectionTrait>(&self, db: &C, seen: Stamped) -> AppResult<Arc<Catalog>> {
        let _one_at_a_time = self.reload.lock().await;
        let current = self.get();
        if current.version == seen {
            return Ok(current);
        }
        Ok(self.put(Catalog::load(db).await?, Some(seen)))
    }
}
