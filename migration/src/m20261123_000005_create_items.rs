//! Items (the files of a dataset) and the per-dataset aggregates that make disk usage
//! cheap to read.
//!
//! Why maintained *own* aggregates and not subtree aggregates: every dataset keeps only
//! the bytes and count of the items directly in it (`own_size_bytes`, `own_item_count`),
//! changed in the same transaction as the items. Any larger total is a grouped `SUM` over
//! dataset rows (never over items): a subtree is `path LIKE '<prefix>%'`, a project is
//! `project_id = …`, a team joins its projects. So deleting a dataset (its items go with it
//! by cascade, its counters with its row) and `moveDataset` (only `path` changes) need no
//! bookkeeping at all; subtree counters would have to be rewritten along both the old and
//! the new ancestor chain on every move and delete.

use crate::ddl::{col, fk};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000005_create_items"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        m.create_table(
            Table::create()
                .table(Alias::new("items"))
                .col(col("id").uuid().not_null().primary_key())
                .col(col("dataset_id").uuid().not_null())
                .col(col("project_id").uuid().not_null())
                .col(col("team_id").uuid().not_null())
                .col(col("organization_id").uuid().not_null())
                .col(col("name").string().not_null())
                .col(col("size_bytes").big_integer().not_null().check(Expr::col(Alias::new("size_bytes")).gte(0)))
                .col(col("content_type").string().not_null())
                .col(col("created_by").uuid().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("items", "dataset_id", "datasets", Cascade))
                .foreign_key(&mut fk("items", "created_by", "users", SetNull))
                .take(),
        )
        .await?;
        // Also serves "items of a dataset" (its leading column).
        m.create_index(
            Index::create()
                .name("uq_items_name")
                .table(Alias::new("items"))
                .unique()
                .col(Alias::new("dataset_id"))
                .col(Alias::new("name"))
                .take(),
        )
        .await?;
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for name in ["own_size_bytes", "own_item_count"] {
            m.alter_table(
                Table::alter().table(Alias::new("datasets")).add_column(col(name).big_integer().not_null().default(0)).take(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("items")).take()).await?;
        for name in ["own_size_bytes", "own_item_count"] {
            m.alter_table(Table::alter().table(Alias::new("datasets")).drop_column(Alias::new(name)).take()).await?;
        }
        Ok(())
    }
}
