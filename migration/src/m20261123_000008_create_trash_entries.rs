//! The trash bin (seed 000): deleting a project or dataset moves its rows into one
//! `trash_entries` row (a JSON payload) instead of erasing them, so every read path keeps
//! reading live tables only. `project_id` and `object_id` have no foreign key: they name
//! rows that no longer exist.

use crate::ddl::{col, fk, index};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000008_create_trash_entries"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        m.create_table(
            Table::create()
                .table(Alias::new("trash_entries"))
                .col(col("id").uuid().not_null().primary_key())
                .col(col("organization_id").uuid().not_null())
                .col(col("team_id").uuid().not_null())
                .col(col("project_id").uuid().not_null())
                .col(col("kind").string().not_null())
                .col(col("object_id").uuid().not_null())
                .col(col("name").string().not_null())
                .col(col("parent_id").uuid().null())
                .col(col("deleted_by").uuid().null())
                .col(col("deleted_at").timestamp_with_time_zone().not_null())
                .col(col("created_by").uuid().null())
                .col(col("size_bytes").big_integer().not_null())
                .col(col("item_count").big_integer().not_null())
                .col(col("payload").text().not_null())
                .foreign_key(&mut fk("trash_entries", "organization_id", "organizations", Cascade))
                .foreign_key(&mut fk("trash_entries", "team_id", "teams", Cascade))
                .foreign_key(&mut fk("trash_entries", "deleted_by", "users", SetNull))
                .foreign_key(&mut fk("trash_entries", "created_by", "users", SetNull))
                .take(),
        )
        .await?;
        m.create_index(index("ix_trash_entries_team", "trash_entries", &["team_id", "id"])).await?;
        m.create_index(index("ix_trash_entries_deleted_at", "trash_entries", &["deleted_at"])).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("trash_entries")).take()).await
    }
}
