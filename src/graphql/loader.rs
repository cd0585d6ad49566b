//! One DataLoader per request. `DbLoader` implements `Loader<K>` for each key type; the
//! implementations live beside their concept (`<concept>/loader.rs`).

use crate::authz::Authz;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

pub struct DbLoader {
    pub db: DatabaseConnection,
    pub authz: Arc<Authz>,
}

/// Errors of loaders must be `Clone`.
pub type LoadError = Arc<crate::error::AppError>;

pub fn load_err(e: impl Into<crate::error::AppError>) -> LoadError {
    Arc::new(e.into())
}

/// Turns a loader error back into a GraphQL error with its code.
pub fn gql(e: LoadError) -> async_graphql::Error {
    use async_graphql::ErrorExtensions;
    e.extend()
}

/// Declares `impl Loader<ById<Model>>`-style loaders: key type `$key(Uuid)` loads `$entity` rows.
#[macro_export]
macro_rules! by_id_loader {
    ($key:ident, $entity:path, $model:path) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub uuid::Uuid);

        impl async_graphql::dataloader::Loader<$key> for $crate::graphql::loader::DbLoader {
            type Value = $model;
            type Error = $crate::graphql::loader::LoadError;

            async fn load(&self, keys: &[$key]) -> Result<std::collections::HashMap<$key, Self::Value>, Self::Error> {
                use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
                use $entity as E;
                let ids: Vec<uuid::Uuid> = keys.iter().map(|k| k.0).collect();
                let rows = E::Entity::find()
                    .filter(E::Column::Id.is_in(ids))
                    .all(&self.db)
                    .await
                    .map_err($crate::graphql::loader::load_err)?;
                Ok(rows.into_iter().map(|m| ($key(m.id), m)).collect())
            }
        }
    };
}
