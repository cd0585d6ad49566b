//! Training runs by id, and one page of a team's runs per (team, page, creator filter).

use crate::db::page::{Page, PageArgs};
use crate::db::{ChildTable, Sql, load_grouped};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::training_run;
use foldhash::HashMap;
use uuid::Uuid;

/// A page of a team's runs; with a creator, only the runs that user started (the
/// caller decides from the viewer's grants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TrainingRunsOfTeam(pub Uuid, pub PageArgs, pub Option<Uuid>);

impl Loader<TrainingRunsOfTeam> for DbLoader {
    type Value = Page<training_run::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[TrainingRunsOfTeam]) -> Result<HashMap<TrainingRunsOfTeam, Self::Value>, Self::Error> {
        let by_creator = |group: &(PageArgs, Option<Uuid>), sql: &mut Sql| match group.1 {
            Some(creator) => _ = sql.push("t.created_by = ").bind(creator),
            None => _ = sql.push("1 = 1"),
        };
        let table = ChildTable { table: "training_runs", parent_col: "team_id", parent_of: |r: &training_run::Model| r.team_id };
        load_grouped::<training_run::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, (k.1, k.2)), |g| g.0, Some(&by_creator))
            .await
            .map_err(load_err)
    }
}
