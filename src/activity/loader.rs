use crate::db::page::{Page, PageArgs};
use crate::db::{ChildTable, Sql, load_grouped};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::activity;
use foldhash::HashMap;
use uuid::Uuid;

/// A team's activity, one page, when the viewer sees the team: team-level entries and those
/// of projects the viewer sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ActivityOfTeam(pub Uuid, pub PageArgs);

/// A project's activity, one page: empty unless the viewer sees the project (a published
/// project opens its datasets, not its history).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ActivityOfProject(pub Uuid, pub PageArgs);

impl Loader<ActivityOfTeam> for DbLoader {
    type Value = Page<activity::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[ActivityOfTeam]) -> Result<HashMap<ActivityOfTeam, Self::Value>, Self::Error> {
        // Nothing unless the viewer sees the team; then team-level entries and those of
        // projects the viewer sees (the rules of `authz`): a published project opens
        // neither (RULES.md §9.1).
        let f = self.grants().await.map_err(load_err)?.about_filter();
        let visible = |_: &PageArgs, sql: &mut Sql| f.push_sql_in_seen_team(sql);
        let table = ChildTable { table: "activity", parent_col: "team_id", parent_of: |a: &activity::Model| a.team_id };
        load_grouped::<activity::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, Some(&visible))
            .await
            .map_err(load_err)
    }
}

impl Loader<ActivityOfProject> for DbLoader {
    type Value = Page<activity::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[ActivityOfProject]) -> Result<HashMap<ActivityOfProject, Self::Value>, Self::Error> {
        let table = ChildTable {
            table: "activity",
            parent_col: "project_id",
            parent_of: |a: &activity::Model| a.project_id.unwrap_or_default(),
        };
        // Nothing unless the viewer sees the project where it is now (RULES.md §9.1).
        let f = self.grants().await.map_err(load_err)?.project_filter();
        let visible = |_: &PageArgs, sql: &mut Sql| f.push_sql_in_seen_project(sql, "t.project_id");
        load_grouped::<activity::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, k.1), |a| *a, Some(&visible))
            .await
            .map_err(load_err)
    }
}
