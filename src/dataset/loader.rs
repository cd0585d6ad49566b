use crate::db::page::{Page, PageArgs};
use crate::db::{ChildTable, load_grouped};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::dataset;
use foldhash::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Datasets directly under a project (top level) or a dataset, one page. Whoever sees
/// the parent sees them: datasets share their project's visibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DatasetsUnder(pub Uuid, pub PageArgs);

impl Loader<DatasetsUnder> for DbLoader {
    type Value = Arc<Page<dataset::Model>>;
    type Error = LoadError;

    async fn load(&self, keys: &[DatasetsUnder]) -> Result<HashMap<DatasetsUnder, Self::Value>, Self::Error> {
        // Keys that differ only in the columns their nodes read or in counting are read by
        // one statement (`load_grouped`).
        let table = ChildTable { table: "datasets", parent_col: "sibling_key", parent_of: |d: &dataset::Model| d.sibling_key };
        load_grouped::<dataset::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, None)
            .await
            .map(crate::db::shared)
            .map_err(load_err)
    }
}

/// The ancestor ids of a dataset, from the top, parsed from its materialized path.
pub fn path_ids(path: &str) -> Vec<Uuid> {
    path.split('/').filter(|s| !s.is_empty()).filter_map(|s| Uuid::parse_str(s).ok()).collect()
}
