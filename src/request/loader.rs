//! One loader per request (`Loads`, over `DbLoader`). `DbLoader` implements `Loader<K>`
//! for each key type; the implementations live beside their concept (`<concept>/loader.rs`). Every read of a
//! resolver goes through a loader: batched per level of a query, and scoped by the
//! viewer's grants where a list needs it.

use super::grants::GrantsCache;
use crate::authz::Grants;
use crate::db::Reads;
use crate::error::{AppError, AppResult};
use std::sync::Arc;

pub struct DbLoader {
    pub db: Reads,
    grants: Arc<GrantsCache>,
}

impl DbLoader {
    pub(super) fn new(db: Reads, grants: Arc<GrantsCache>) -> Self {
        Self { db, grants }
    }

    /// The viewer's grants (the request's cached copy).
    pub async fn grants(&self) -> AppResult<Arc<Grants>> {
        self.grants.get().await
    }
}

/// What a loader answers: the value of each key that exists (`foldhash`, see Cargo.toml).
pub type Loaded<K, V> = foldhash::HashMap<K, V>;

/// A batch loader of values of key type `K` (`Loads` batches the keys of one level): the
/// shape of async-graphql's `dataloader::Loader`, answering a map with a faster hasher.
pub trait Loader<K: Send + Sync + std::hash::Hash + Eq + Clone + 'static>: Send + Sync + 'static {
    /// The value of one key.
    type Value: Send + Sync + Clone + 'static;
    /// The error of a batch (shared by every key of it).
    type Error: Send + Clone + 'static;

    /// The values of `keys` (distinct) that exist; a missing key has none.
    fn load(&self, keys: &[K]) -> impl std::future::Future<Output = Result<Loaded<K, Self::Value>, Self::Error>> + Send;
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

        impl $crate::request::Loader<$key> for $crate::request::DbLoader {
            type Value = $model;
            type Error = $crate::request::LoadError;

            async fn load(&self, keys: &[$key]) -> Result<$crate::request::Loaded<$key, Self::Value>, Self::Error> {
                use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
                use $entity as E;
                let ids: Vec<uuid::Uuid> = keys.iter().map(|k| k.0).collect();
                let find = E::Entity::find().filter(E::Column::Id.is_in(ids));
                let rows = $crate::db::positional::select(&self.db, find).await.map_err($crate::request::load_err)?;
                Ok(rows.into_iter().map(|m| ($key(m.id), m)).collect())
            }
        }
    };
}

/// Key of the generic by-id loaders: a row of kind `E`, loaded only when the viewer sees
/// it (`REACH` false: the rule of `authz::Visible`, as `node` answers) or reaches it as the
/// parent, place or source of something they see (`REACH` true: `Visible::reach`, which
/// adds what RULES.md §9.1 opens: published projects, an invitee's organization). Both in SQL.
pub struct RuleById<E, const REACH: bool>(pub uuid::Uuid, std::marker::PhantomData<fn() -> E>);

/// A row of kind `E` that the viewer sees (`node`).
pub type VisibleById<E> = RuleById<E, false>;
/// A row of kind `E` that the viewer reaches from another they see (a parent, a place).
pub type ReachableById<E> = RuleById<E, true>;

impl<E, const REACH: bool> RuleById<E, REACH> {
    pub fn new(id: uuid::Uuid) -> Self {
        Self(id, std::marker::PhantomData)
    }
}

impl<E, const REACH: bool> Clone for RuleById<E, REACH> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E, const REACH: bool> Copy for RuleById<E, REACH> {}
impl<E, const REACH: bool> PartialEq for RuleById<E, REACH> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E, const REACH: bool> Eq for RuleById<E, REACH> {}
impl<E, const REACH: bool> std::hash::Hash for RuleById<E, REACH> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl<E, const REACH: bool> Loader<RuleById<E, REACH>> for DbLoader
where
    E: crate::authz::Visible + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[RuleById<E, REACH>]) -> Result<Loaded<RuleById<E, REACH>, E::Model>, LoadError> {
        let grants = self.grants().await.map_err(load_err)?;
        let ids = keys.iter().map(|k| k.0).collect();
        let rule = if REACH { E::reach(&grants) } else { E::condition(&grants) };
        let rows = crate::authz::load_where::<E, _>(&self.db, rule, ids).await.map_err(load_err)?;
        Ok(rows.into_iter().map(|m| (RuleById::new(E::id_of(&m)), m)).collect())
    }
}
