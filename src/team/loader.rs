use crate::db::page::{Page, PageArgs};
use crate::db::{ChildTable, load_grouped};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::workspace;
use foldhash::HashMap;
use uuid::Uuid;

/// Workspaces of a team (whoever sees the team sees all of them), one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WorkspacesOfTeam(pub Uuid, pub PageArgs);

impl Loader<WorkspacesOfTeam> for DbLoader {
    type Value = std::sync::Arc<Page<workspace::Model>>;
    type Error = LoadError;

    async fn load(&self, keys: &[WorkspacesOfTeam]) -> Result<HashMap<WorkspacesOfTeam, Self::Value>, Self::Error> {
        let table = ChildTable { table: "workspaces", parent_col: "team_id", parent_of: |w: &workspace::Model| w.team_id };
        // Workspaces of teams the viewer sees (a published project opens none).
        let f = self.grants().await.map_err(load_err)?.team_filter();
        let visible = |_: &PageArgs, sql: &mut crate::db::Sql| f.push_sql_on(sql, "t.organization_id", "t.team_id");
        load_grouped::<workspace::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, Some(&visible))
            .await
            .map(crate::db::shared)
            .map_err(load_err)
    }
}
