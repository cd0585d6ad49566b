//! One DataLoader per request. `DbLoader` implements `Loader<K>` for each key type; the
//! implementations live beside their concept (`<concept>/loader.rs`). Every read of a
//! resolver goes through a loader: batched per level of a query, and scoped by the
//! viewer's grants where a list needs it.

use super::grants::GrantsCache;
use crate::authz::Grants;
use crate::error::{AppError, AppResult};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

pub struct DbLoader {
    pub db: DatabaseConnection,
    grants: Arc<GrantsCache>,
}

impl DbLoader {
    pub(super) fn new(db: DatabaseConnection, grants: Arc<GrantsCache>) -> Self {
        Self { db, grants }
    }

    /// The viewer's grants (the request's cached copy).
    pub async fn grants(&self) -> AppResult<Arc<Grants>> {
        self.grants.get().await
    }
}

/// Errors of loaders must be `Clone`.
pub type LoadError = Arc<AppError>;

pub fn load_err(e: impl Into<AppError>) -> LoadError {
    Arc::new(e.into())
}

/// Declares `impl Loader<ById<Model>>`-style loaders: key type `$key(Uuid)` loads `$entity` rows.
#[macro_export]
macro_rules! by_id_loader {
    ($key:ident, $entity:path, $model:path) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub uuid::Uuid);

        impl async_graphql::dataloader::Loader<$key> for $crate::request::DbLoader {
            type Value = $model;
            type Error = $crate::request::LoadError;

            async fn load(&self, keys: &[$key]) -> Result<std::collections::HashMap<$key, Self::Value>, Self::Error> {
                use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
                use $entity as E;
                let ids: Vec<uuid::Uuid> = keys.iter().map(|k| k.0).collect();
                let rows =
                    E::Entity::find().filter(E::Column::Id.is_in(ids)).all(&self.db).await.map_err($crate::request::load_err)?;
                Ok(rows.into_iter().map(|m| ($key(m.id), m)).collect())
            }
        }
    };
}
