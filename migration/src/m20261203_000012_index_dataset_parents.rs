//! Datasets: subtrees are found through `parent_id` (a recursive query over this index)
//! instead of a B-tree over the materialized `path`. A path grows 37 bytes a level, and
//! PostgreSQL refuses B-tree entries over ~2.7 KB: chains deeper than 72 levels failed
//! with `INTERNAL` although the configured cap is 128 (RULES.md §9.9).

use crate::ddl::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_datasets_path").table(Alias::new("datasets")).to_owned()).await?;
        m.create_index(index("ix_datasets_parent", "datasets", &["parent_id"])).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_datasets_parent").table(Alias::new("datasets")).to_owned()).await?;
        m.create_index(index("ix_datasets_path", "datasets", &["path"])).await
    }
}
