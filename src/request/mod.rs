//! The request context: who is asking (`Viewer`), their grants, the per-request loaders
//! and the write transactions of mutations. `http` builds one per GraphQL operation with
//! `RequestCtx::with_grants` (HTTP and WebSocket alike); resolvers and services read it.
//! It knows nothing of GraphQL (`graphql::context` fetches it from a resolver's context).

mod batches;
mod grants;
mod live;
mod loader;
mod loads;
mod viewer;
mod write;

pub use batches::{Batches, Driven, drive};
pub use live::{Live, Step, delivered};
pub use loader::{DbLoader, LoadError, Loaded, Loader, ReachableById, RuleById, VisibleById, load_err};
pub use loads::Loads;
pub use viewer::Viewer;
pub use write::Write;

use crate::authz::{Catalog, CatalogCell, Grants};
use crate::config::Settings;
use crate::db::Reads;
use crate::error::AppResult;
use entity::user;
use grants::GrantsCache;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::sync::Arc;
use std::sync::atomic::AtomicU32;
use uuid::Uuid;

pub struct RequestCtx {
    db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub viewer: Viewer,
    pub loader: Loads<DbLoader>,
    /// The role catalog; `catalog()` gives the current copy.
    catalogs: Arc<CatalogCell>,
    grants: Arc<GrantsCache>,
    /// How many write transactions of this operation committed (see `Write::commit`).
    commits: Arc<AtomicU32>,
    /// The loader's batches, run by `drive` (see `batches`).
    batches: Arc<Batches>,
}

/// `viewer`'s grants read through `db`, within the reach of the credential (a personal
/// access token's organization restriction and RULES.md §9.6) and with the e-mail that
/// makes them an invitee (`Viewer::shape`).
async fn load_shaped<C: ConnectionTrait>(db: &C, catalogs: &CatalogCell, viewer: &Viewer) -> AppResult<Grants> {
    let grants = Box::pin(Grants::load(db, catalogs, viewer.user()?.id, viewer.only_org())).await?;
    Ok(viewer.shape(grants))
}

impl RequestCtx {
    /// The context of one operation of `viewer`, reading through `reads` (its writes
    /// begin on the requests' pool), with the grants read with its authentication in the
    /// same statement (`Grants::load_by_sub`) if any: they are current in this request
    /// (read by it, or kept and found unchanged by it; `authz::memo`).
    pub fn with_grants(
        reads: Reads,
        settings: Arc<Settings>,
        catalogs: Arc<CatalogCell>,
        viewer: Viewer,
        grants: Option<Grants>,
    ) -> Self {
        let db = reads.connection().clone();
        let grants = Arc::new(GrantsCache::new(reads.clone(), catalogs.clone(), &viewer, grants));
        // A level of a nested query is bounded by page sizes and the complexity limit; one
        // batch per level keeps statement counts independent of row counts. The batch
        // starts once every resolver of the level has asked (`batches`), not after a delay.
        let batches = Arc::new(Batches::default());
        let loader = Loads::new(DbLoader::new(reads, grants.clone()), batches.spawner(settings.loader_batch_delay), 10_000);
        Self { db, settings, viewer, loader, catalogs, grants, commits: Arc::default(), batches }
    }

    /// A handle on the loader's batches, for `drive` (the context itself moves into the
    /// GraphQL request).
    pub fn batches(&self) -> Arc<Batches> {
        self.batches.clone()
    }

    /// The count of this operation's committed writes, shared: the HTTP handler re-runs a
    /// mutation a database conflict aborted only while it is zero.
    pub fn commits(&self) -> Arc<AtomicU32> {
        self.commits.clone()
    }

    /// The signed-in user; `UNAUTHENTICATED` for an anonymous request.
    pub fn user(&self) -> AppResult<&user::Model> {
        self.viewer.user()
    }

    /// The current role catalog (refreshed whenever a grants statement sees a newer version).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalogs.get()
    }

    /// The shared catalog cell, to install a catalog a mutation has just changed.
    pub fn catalogs(&self) -> &CatalogCell {
        &self.catalogs
    }

    /// The viewer's grants, loaded once per request (and again after a write committed).
    pub async fn grants(&self) -> AppResult<Arc<Grants>> {
        self.grants.get().await
    }

    /// The viewer's grants read through `db` (a write transaction), within the reach of
    /// the credential (a personal access token's organization restriction and §9.6).
    /// Services use this, never `Grants::load` for the viewer.
    pub async fn load_grants<C: ConnectionTrait>(&self, db: &C) -> AppResult<Grants> {
        load_shaped(db, &self.catalogs, &self.viewer).await
    }

    /// Another user's unrestricted grants read through `db` (e.g. an inviter's, when an
    /// invitation is accepted).
    pub async fn load_grants_of<C: ConnectionTrait>(&self, db: &C, user: Uuid) -> AppResult<Grants> {
        Grants::load(db, &self.catalogs, user, None).await
    }

    /// Opens the write transaction of a mutation; committing it forgets the cached grants.
    pub async fn begin_write(&self) -> AppResult<Write> {
        #[expect(clippy::disallowed_methods, reason = "the one place that opens a request's write transactions")]
        let txn = crate::db::begin_write(&self.db).await?;
        // A personal access token revoked while the write waited for the lock acts no
        // more (RULES.md §9.2, §9.6): it is checked again under the lock.
        if let (Some(token), Some(user)) = (self.viewer.api_token(), self.viewer.user_id())
            && !crate::api_token::service::is_live_by_id(&txn, token, user).await?
        {
            return Err(crate::error::AppError::unauthenticated());
        }
        Ok(Write::new(txn, self.grants.clone(), self.commits.clone()))
    }

    /// The connection, for reads that outlive the loaders (a subscription's stream).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}
