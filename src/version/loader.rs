//! Batched reads of project versions.

use super::compare::{self, Versions};
use crate::db::page::{Page, PageArgs};
use crate::db::{ChildTable, load_grouped};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::project_version;
use foldhash::{HashMap, HashMapExt};
use uuid::Uuid;

/// Versions of a project, one page, oldest first (ids are time-ordered). Whoever sees
/// the project sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VersionsOfProject(pub Uuid, pub PageArgs);

impl Loader<VersionsOfProject> for DbLoader {
    type Value = Page<project_version::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[VersionsOfProject]) -> Result<HashMap<VersionsOfProject, Self::Value>, Self::Error> {
        let table = ChildTable {
            table: "project_versions",
            parent_col: "project_id",
            parent_of: |v: &project_version::Model| v.project_id,
        };
        // Versions of projects the viewer sees (a published project opens none).
        let f = self.grants().await.map_err(load_err)?.project_filter();
        let visible = |_: &PageArgs, sql: &mut crate::db::Sql| f.push_sql_project_in(sql, "t.project_id");
        load_grouped::<project_version::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, Some(&visible))
            .await
            .map_err(load_err)
    }
}

/// One page of one list of `compareProjectVersions` (the caller has checked that the
/// viewer sees the project of both versions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ComparisonPage(pub Versions, pub compare::Kind, pub compare::Change, pub PageArgs);

impl Loader<ComparisonPage> for DbLoader {
    type Value = Page<compare::Entry>;
    type Error = LoadError;

    async fn load(&self, keys: &[ComparisonPage]) -> Result<HashMap<ComparisonPage, Self::Value>, Self::Error> {
        // Keys equal but for counting and the columns read share one read (a list selected
        // twice is read once), widened to what each needs.
        let mut out = HashMap::with_capacity(keys.len());
        for ((versions, kind, change), args, members) in crate::db::shared_reads(keys, |k| ((k.0, k.1, k.2), k.3)) {
            let page = compare::page(&self.db, &versions, kind, change, &args).await.map_err(load_err)?;
            for k in members {
                out.insert(k, page.clone());
            }
        }
        Ok(out)
    }
}
