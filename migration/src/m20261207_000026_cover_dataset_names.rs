//! Issue 12: a page of datasets that shows their names is read from the index alone on
//! PostgreSQL. Each parent's page is a range of the (sibling_key, id) index (migration
//! 000019, `db::PAGED_BY_INDEX`), and every row of it was then fetched from the table for
//! its name: the statement that reads a nested tree's datasets spent about half its time
//! on those fetches (`EXPLAIN ANALYZE` of 500 parents' children: 3.7 ms, 2,039 buffers;
//! with `name` in the index, an index-only scan: 2.0 ms, 1,504 buffers). The index keeps
//! its name and its key, and carries `name` as an `INCLUDE` column (not part of the key:
//! the order and the pages are the same). A name is at most 128 characters, well within
//! an index entry's limit. SQLite has no `INCLUDE` and pages with a window there: its
//! index stays as it was. A plain `CREATE INDEX`, as migration 000019's.

use crate::ddl::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_datasets_sibling_id";

async fn rebuild(m: &SchemaManager<'_>, covering: bool) -> Result<(), DbErr> {
    if m.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    m.drop_index(Index::drop().name(NAME).table(Alias::new("datasets")).to_owned()).await?;
    let mut create = index(NAME, "datasets", &["sibling_key", "id"]);
    if covering {
        create.include(Alias::new("name"));
    }
    m.create_index(create).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        rebuild(m, true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        rebuild(m, false).await
    }
}
