use crate::db::page::{Page, PageArgs};
use crate::db::{ChildTable, Sql, load_grouped};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::project;
use foldhash::HashMap;
use uuid::Uuid;

/// Projects of a workspace that the viewer sees, one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProjectsOfWorkspace(pub Uuid, pub PageArgs);

impl Loader<ProjectsOfWorkspace> for DbLoader {
    type Value = std::sync::Arc<Page<project::Model>>;
    type Error = LoadError;

    async fn load(&self, keys: &[ProjectsOfWorkspace]) -> Result<HashMap<ProjectsOfWorkspace, Self::Value>, Self::Error> {
        let filter = self.grants().await.map_err(load_err)?.project_filter();
        let push = |_: &PageArgs, sql: &mut Sql| filter.push_sql(sql);
        let table = ChildTable { table: "projects", parent_col: "workspace_id", parent_of: |p: &project::Model| p.workspace_id };
        load_grouped::<project::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, Some(&push))
            .await
            .map(crate::db::shared)
            .map_err(load_err)
    }
}
