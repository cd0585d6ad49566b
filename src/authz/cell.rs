//! The current role catalog of this process (`Catalog`), replaced as a whole when the
//! stored version moves, and the users' grants kept with it (`authz::memo`).

use super::catalog::{Catalog, Stamped};
use crate::error::AppResult;
use sea_orm::ConnectionTrait;
use std::sync::{Arc, RwLock};

/// The current catalog, replaced as a whole when the stored version moves.
pub struct CatalogCell {
    current: RwLock<Current>,
    reload: tokio::sync::Mutex<()>,
    /// Users' grants, kept with the access and catalog versions they were read at.
    memo: super::memo::GrantsMemo,
}

/// The catalog in place, and how many catalogs were offered to it (`install`) or put in
/// place (`refresh`): a reload that went back may replace only what it started from.
struct Current {
    catalog: Arc<Catalog>,
    changes: u64,
}

/// How long `refresh` waits for a reload under way before it reads the catalog itself.
const RELOAD_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

impl CatalogCell {
    pub async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Self> {
        Ok(Self::new(Catalog::load(db).await?))
    }
    pub fn new(catalog: Catalog) -> Self {
        let current = Current { catalog: Arc::new(catalog), changes: 0 };
        Self { current: RwLock::new(current), reload: tokio::sync::Mutex::new(()), memo: Default::default() }
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
    /// A query's user and grants from what this process keeps for `sub`, unread, with the
    /// guard its first statement carries (`authz::memo`); `None`: authenticate as before.
    pub fn provisional(&self, sub: &str) -> Option<super::Provisional> {
        self.memo.provisional(sub)
    }
    /// The user row an authentication of `sub` answered (its claims refreshed).
    pub fn note_user(&self, sub: &str, user: &entity::user::Model) {
        self.memo.note_user(sub, user);
    }
    pub fn get(&self) -> Arc<Catalog> {
        self.read(|c| c.catalog.clone())
    }

    fn read<T>(&self, f: impl FnOnce(&Current) -> T) -> T {
        match self.current.read() {
            Ok(c) => f(&c),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Current> {
        self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Puts in place a catalog read by the transaction that changed the roles, once that
    /// transaction has committed, unless a copy with a higher number is already there.
    /// Unlike `refresh` it needs no connection: a writer that reloaded through the pool
    /// after its commit could wait for a connection held by writers queued behind one
    /// waiting for this cell.
    pub fn install(&self, fresh: Catalog) -> Arc<Catalog> {
        let mut current = self.write();
        current.changes += 1;
        if current.catalog.version.version <= fresh.version.version {
            current.catalog = Arc::new(fresh);
        }
        current.catalog.clone()
    }

    /// The catalog a statement read the database at (`seen`): the copy in place when it is
    /// that one; else the catalog read again and put in place when it has a higher number,
    /// or when it is `seen` and no other copy was put in place while it was read: the
    /// database went back (a restore, a failover that lost commits; the same number with
    /// another stamp is another catalog). A copy newer than `seen` (installed after the
    /// statement's snapshot) is read again too, since only the database tells it from one
    /// the database went back from; the caller decides with what was read.
    ///
    /// Reloads take turns, sparing the database a herd after a role change, but a caller
    /// waits for one under way only `RELOAD_WAIT`, then reads through its own connection:
    /// it may be a write transaction holding a pooled connection that the reload under way
    /// waits for (writers queued on the write lock can hold them all). Reads side by side
    /// are safe: `changes` decides what goes in place.
    pub async fn refresh<C: ConnectionTrait>(&self, db: &C, seen: Stamped) -> AppResult<Arc<Catalog>> {
        let _turn = tokio::time::timeout(RELOAD_WAIT, self.reload.lock()).await.ok();
        let (current, changes) = self.read(|c| (c.catalog.clone(), c.changes));
        if current.version == seen {
            return Ok(current);
        }
        let fresh = Arc::new(Catalog::load(db).await?);
        let mut current = self.write();
        let went_back = fresh.version == seen && current.changes == changes;
        if current.catalog.version.version < fresh.version.version || went_back {
            current.catalog = fresh.clone();
            current.changes += 1;
        }
        Ok(fresh)
    }
}
