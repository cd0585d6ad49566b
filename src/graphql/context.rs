//! What a resolver reads from the request: the viewer, the authorization engine, the
//! loaders and the database, bundled once per request by `http`.

use super::loader::DbLoader;
use crate::authz::{Authz, Catalog, CatalogCell, Grants};
use crate::config::Settings;
use crate::error::{AppError, AppResult};
use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::sync::Arc;
use uuid::Uuid;

pub struct RequestCtx {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    /// The role catalog; `catalog()` gives the current copy.
    pub catalogs: Arc<CatalogCell>,
    pub viewer: Option<entity::user::Model>,
    /// Set when the request is authenticated by a personal access token restricted to one
    /// organization: every grant of the request is limited to it.
    pub only_org: Option<Uuid>,
    pub authz: Arc<Authz>,
    pub loader: DataLoader<DbLoader>,
}

impl RequestCtx {
    pub fn new(
        db: DatabaseConnection,
        settings: Arc<Settings>,
        catalogs: Arc<CatalogCell>,
        viewer: Option<entity::user::Model>,
    ) -> Self {
        Self::restricted(db, settings, catalogs, viewer, None)
    }

    /// A context whose grants are limited to `only_org` (when set).
    pub fn restricted(
        db: DatabaseConnection,
        settings: Arc<Settings>,
        catalogs: Arc<CatalogCell>,
        viewer: Option<entity::user::Model>,
        only_org: Option<Uuid>,
    ) -> Self {
        let authz = Arc::new(Authz::new(db.clone(), catalogs.clone(), viewer.as_ref().map(|v| v.id), only_org));
        // A level of a nested query is bounded by page sizes and the complexity limit; one
        // batch per level keeps statement counts independent of row counts.
        let loader = DataLoader::new(DbLoader { db: db.clone(), authz: authz.clone() }, |batch| {
            // A batch runs in its own task: it keeps the request's span (and request id).
            tokio::spawn(tracing::Instrument::in_current_span(batch))
        })
        .max_batch_size(10_000)
        .delay(settings.loader_batch_delay);
        Self { db, settings, catalogs, viewer, only_org, authz, loader }
    }

    /// The current role catalog (refreshed whenever a grants statement sees a newer version).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalogs.get()
    }

    pub fn viewer(&self) -> AppResult<&entity::user::Model> {
        self.viewer.as_ref().ok_or_else(AppError::unauthenticated)
    }

    pub async fn grants(&self) -> AppResult<Arc<Grants>> {
        self.authz.grants().await
    }

    /// The viewer's grants read through `db` (a write transaction), with the request's
    /// organization restriction. Services use this, never `Grants::load` for the viewer.
    pub async fn load_grants<C: ConnectionTrait>(&self, db: &C) -> AppResult<Grants> {
        Grants::load(db, &self.catalogs, self.viewer()?.id, self.only_org).await
    }
}

pub trait CtxExt {
    fn req(&self) -> AppResult<&RequestCtx>;
}

impl CtxExt for Context<'_> {
    fn req(&self) -> AppResult<&RequestCtx> {
        self.data::<RequestCtx>().map_err(|_| AppError::internal("request context missing"))
    }
}

/// `viewerRole`, `viewerPermissions` and `viewerCan`, shared by Organization, Team and Project.
pub mod viewer_fields {
    use super::CtxExt;
    use crate::authz::{Resource, Scope};
    use crate::error::AppError;
    use crate::membership::schema::Role;
    use async_graphql::{Context, Result};
    use uuid::Uuid;

    pub async fn role(ctx: &Context<'_>, scope: Scope, id: Uuid) -> Result<Option<Role>> {
        let grants = ctx.req()?.grants().await?;
        Ok(grants.role_at(scope, id).map(|h| Role(h.role.clone())))
    }

    pub async fn permissions(ctx: &Context<'_>, r: Resource) -> Result<Vec<String>> {
        Ok(ctx.req()?.grants().await?.permissions(&r).into_iter().collect())
    }

    pub async fn can(ctx: &Context<'_>, r: Resource, permission: &str) -> Result<bool> {
        let req = ctx.req()?;
        if !req.catalog().is_known_permission(permission) {
            return Err(AppError::bad_input("permission", format!("unknown permission key '{permission}'")).into());
        }
        Ok(req.grants().await?.can(&r, permission))
    }
}
