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

/// Key of the generic visible by-id loader: a row of kind `E`, loaded only when the
/// viewer sees it (the rule of `authz::Visible`, applied in SQL).
pub struct VisibleById<E>(pub uuid::Uuid, std::marker::PhantomData<fn() -> E>);

impl<E> VisibleById<E> {
    pub fn new(id: uuid::Uuid) -> Self {
        Self(id, std::marker::PhantomData)
    }
}

impl<E> Clone for VisibleById<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for VisibleById<E> {}
impl<E> PartialEq for VisibleById<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E> Eq for VisibleById<E> {}
impl<E> std::hash::Hash for VisibleById<E> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl<E> async_graphql::dataloader::Loader<VisibleById<E>> for DbLoader
where
    E: crate::authz::Visible + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[VisibleById<E>]) -> Result<std::collections::HashMap<VisibleById<E>, E::Model>, LoadError> {
        let grants = self.grants().await.map_err(load_err)?;
        let ids = keys.iter().map(|k| k.0).collect();
        let rows = crate::authz::load_visible::<E, _>(&self.db, &grants, ids).await.map_err(load_err)?;
        Ok(rows.into_iter().map(|m| (VisibleById::new(E::id_of(&m)), m)).collect())
    }
}
