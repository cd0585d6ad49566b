//! The viewer's grants, loaded once per request and forgotten whenever a write of the
//! request commits (see `Write`).

use super::Viewer;
use crate::authz::{CatalogCell, Grants};
use crate::db::Reads;
use crate::error::{AppError, AppResult};
use std::sync::{Arc, Mutex, PoisonError};

/// Per-request cache of the viewer's grants: one SQL statement on first use, every
/// decision afterwards in memory. A cached read awaits nothing (a plain mutex): the
/// resolvers of one level of a query ask for the grants and then register their loader
/// keys in the same poll, so the level's batch holds them all (`request::batches`).
pub struct GrantsCache {
    db: Reads,
    catalog: Arc<CatalogCell>,
    /// Renewed at each event of a subscription (`renew`).
    viewer: Mutex<Viewer>,
    cached: Mutex<Option<Arc<Grants>>>,
    /// Held while the grants are read, so concurrent first uses read them once.
    loading: tokio::sync::Mutex<()>,
}

impl GrantsCache {
    /// `loaded`: the viewer's grants as read with their authentication, in this request
    /// (shaped here like every later read: a personal access token's reach, the verified
    /// e-mail; see `Viewer::shape`).
    pub fn new(db: Reads, catalog: Arc<CatalogCell>, viewer: &Viewer, loaded: Option<Grants>) -> Self {
        let loaded = loaded.filter(|g| viewer.user_id() == Some(g.user_id) && g.only_org == viewer.only_org());
        let cached = loaded.map(|g| Arc::new(viewer.shape(g)));
        Self { db, catalog, viewer: Mutex::new(viewer.clone()), cached: Mutex::new(cached), loading: tokio::sync::Mutex::new(()) }
    }

    /// The viewer's grants; `UNAUTHENTICATED` without a viewer (fail closed).
    pub async fn get(&self) -> AppResult<Arc<Grants>> {
        if let Some(g) = self.cached() {
            return Ok(g);
        }
        let _loading = self.loading.lock().await;
        if let Some(g) = self.cached() {
            return Ok(g);
        }
        let viewer = self.viewer();
        let user = viewer.user_id().ok_or_else(AppError::unauthenticated)?;
        let grants = Grants::load(&self.db, &self.catalog, user, viewer.only_org()).await?;
        let grants = Arc::new(viewer.shape(grants));
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = Some(grants.clone());
        Ok(grants)
    }

    fn viewer(&self) -> Viewer {
        self.viewer.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The credential as it stands now (`Viewer::current`) for every later decision of a
    /// subscription's event, with the grants its delivery was decided on if any (else read
    /// again on first use): an event resolves with what is current when it is delivered,
    /// not with what was when the subscription began.
    pub async fn renew(&self, viewer: Viewer, grants: Option<Arc<Grants>>) {
        let _loading = self.loading.lock().await;
        *self.viewer.lock().unwrap_or_else(PoisonError::into_inner) = viewer;
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = grants;
    }

    fn cached(&self) -> Option<Arc<Grants>> {
        self.cached.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Forgets the cached grants, after a commit: the next `get` reads them again (the
    /// commit is counted: `CatalogCell::committed`).
    pub async fn forget(&self) {
        self.catalog.committed();
        let _loading = self.loading.lock().await;
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}
