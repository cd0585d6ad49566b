use crate::db::page::{Page, PageArgs};
use crate::db::positional::Columns;
use crate::db::{ChildTable, load_grouped};
use crate::request::{DbLoader, LoadError, load_err};
use async_graphql::dataloader::Loader;
use entity::dataset;
use std::collections::HashMap;
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
        // Keys that differ only in the columns their nodes read, or in whether they count,
        // are read by one statement with the columns of all: a query that selects one list
        // twice (a field and a fragment's) merges the two answers row by row, and two
        // statements could see different rows.
        let same = |a: PageArgs| PageArgs { columns: Columns::NONE, count: false, ..a };
        let mut widest: HashMap<PageArgs, PageArgs> = HashMap::new();
        for DatasetsUnder(_, args) in keys {
            let w = widest.entry(same(*args)).or_insert(same(*args));
            (w.columns, w.count) = (w.columns.and(args.columns), w.count || args.count);
        }
        let read = |k: &DatasetsUnder| DatasetsUnder(k.0, widest[&same(k.1)]);
        let mut seen = std::collections::HashSet::new();
        let asked: Vec<DatasetsUnder> = keys.iter().map(read).filter(|k| seen.insert(*k)).collect();
        let table = ChildTable { table: "datasets", parent_col: "sibling_key", parent_of: |d: &dataset::Model| d.sibling_key };
        let pages = load_grouped::<dataset::Entity, _, _, _>(&self.db, &table, &asked, |k| (k.0, k.1), |a| *a, None)
            .await
            .map(crate::db::shared)
            .map_err(load_err)?;
        Ok(keys.iter().filter_map(|k| Some((*k, pages.get(&read(k))?.clone()))).collect())
    }
}

/// The ancestor ids of a dataset, from the top, parsed from its materialized path.
pub fn path_ids(path: &str) -> Vec<Uuid> {
    path.split('/').filter(|s| !s.is_empty()).filter_map(|s| Uuid::parse_str(s).ok()).collect()
}
