//! A version comparison asks, for each row of one version's snapshot, whether the same
//! dataset or item (`stable_id`) has a row valid at the other version (`version::compare`,
//! a correlated `EXISTS`). With only `(project_id, valid_from, valid_to)` to go by, each
//! such question scanned the project's snapshot rows: quadratic, so two versions 10,000
//! removed items apart held a SQLite connection for minutes after the request's time
//! limit (a reviewer measured 268 s of every user's requests answering `TIMEOUT` from
//! eight such comparisons). With `(project_id, stable_id, valid_from)` it is a seek to
//! the row's few states. A plain `CREATE INDEX`, as migration 000019's.

use crate::ddl::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_snapshot_rows_stable";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(NAME, "snapshot_rows", &["project_id", "stable_id", "valid_from"])).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(NAME).table(Alias::new("snapshot_rows")).to_owned()).await
    }
}
