//! The viewer's grants, loaded once per request and forgotten whenever a write of the
//! request commits (see `Write`).

use super::Viewer;
use crate::authz::{CatalogCell, Grants};
use crate::error::{AppError, AppResult};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio::sync::Mutex;
use uuid::Uuid;

/// Per-request cache of the viewer's grants: one SQL statement on first use, every
/// decision afterwards in memory.
pub struct GrantsCache {
    db: DatabaseConnection,
    catalog: Arc<CatalogCell>,
    viewer: Option<Uuid>,
    /// A personal access token's organization restriction (see `Grants::only_org`).
    only_org: Option<Uuid>,
    /// Whether the credential is a personal access token (`Grants::within_api_token_reach`).
    api_token: bool,
    cached: Mutex<Option<Arc<Grants>>>,
}

impl GrantsCache {
    /// `loaded`: the viewer's grants as read with their authentication, in this request
    /// (taken as they are; a personal access token's reach is applied here).
    pub fn new(db: DatabaseConnection, catalog: Arc<CatalogCell>, viewer: &Viewer, loaded: Option<Grants>) -> Self {
        let (only_org, api_token) = (viewer.only_org(), viewer.is_api_token());
        let loaded = loaded.filter(|g| viewer.user_id() == Some(g.user_id) && g.only_org == only_org);
        let cached = loaded.map(|g| Arc::new(if api_token { g.within_api_token_reach() } else { g }));
        Self { db, catalog, viewer: viewer.user_id(), only_org, api_token, cached: Mutex::new(cached) }
    }

    /// The viewer's grants; `UNAUTHENTICATED` without a viewer (fail closed).
    pub async fn get(&self) -> AppResult<Arc<Grants>> {
        let viewer = self.viewer.ok_or_else(AppError::unauthenticated)?;
        let mut cached = self.cached.lock().await;
        if let Some(g) = cached.as_ref() {
            return Ok(g.clone());
        }
        let grants = Grants::load(&self.db, &self.catalog, viewer, self.only_org).await?;
        let grants = Arc::new(if self.api_token { grants.within_api_token_reach() } else { grants });
        *cached = Some(grants.clone());
        Ok(grants)
    }

    /// Forgets the cached grants: the next `get` reads them again.
    pub async fn forget(&self) {
        *self.cached.lock().await = None;
    }
}
