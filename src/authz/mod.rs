//! The one authorization module. Given a viewer and an object it computes effective
//! permissions as the union of the viewer's organization, team and project roles
//! (RULES.md §5), decides visibility (§3.1) and who may assign which role. Resolvers and
//! services ask it; nothing else compares roles.

mod assignment;
pub mod bench;
mod catalog;
pub mod grants;
mod visibility;

pub use assignment::{MemberChange, check_member_change};
pub use catalog::{Catalog, CatalogCell, OrgRoles, PermissionInfo, RoleInfo, Scope, preset_namespace, resolve_role};
pub use grants::{GrantRow, Grants, Held, Resource};
pub use visibility::{ProjectFilter, TeamFilter};

use crate::error::{AppError, AppResult};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio::sync::Mutex;
use uuid::Uuid;

/// Per-request authorization: the viewer's grants are loaded once (one SQL statement)
/// and every decision afterwards is in memory.
pub struct Authz {
    db: DatabaseConnection,
    catalog: Arc<CatalogCell>,
    viewer: Option<Uuid>,
    /// A personal access token's organization restriction (see `Grants::only_org`).
    only_org: Option<Uuid>,
    cached: Mutex<Option<Arc<Grants>>>,
}

impl Authz {
    pub fn new(db: DatabaseConnection, catalog: Arc<CatalogCell>, viewer: Option<Uuid>, only_org: Option<Uuid>) -> Self {
        Self { db, catalog, viewer, only_org, cached: Mutex::new(None) }
    }

    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.get()
    }

    /// The viewer's grants; `UNAUTHENTICATED` without a viewer (fail closed).
    pub async fn grants(&self) -> AppResult<Arc<Grants>> {
        let viewer = self.viewer.ok_or_else(AppError::unauthenticated)?;
        let mut cached = self.cached.lock().await;
        if let Some(g) = cached.as_ref() {
            return Ok(g.clone());
        }
        let grants = Arc::new(Grants::load(&self.db, &self.catalog, viewer, self.only_org).await?);
        *cached = Some(grants.clone());
        Ok(grants)
    }

    /// Forget cached grants: called after a mutation changed memberships or objects.
    pub async fn refresh(&self) {
        *self.cached.lock().await = None;
    }
}
