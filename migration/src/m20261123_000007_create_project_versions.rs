//! Project versions (seed 001): immutable snapshots of a project's dataset tree and item
//! metadata, numbered per project, with an editable title and description.
//!
//! Storage: per-row validity intervals. `snapshot_rows` holds one row per *state* of a
//! dataset or item (kind, stable id of the live row, parent, name, metadata) that is
//! visible in versions `valid_from <= n < valid_to` (`valid_to` null: still current).
//! Creating version n compares the live tree with the open rows: unchanged rows are
//! shared by every version and cost nothing; a changed or removed row is closed
//! (`valid_to = n`) and a changed or added row opens a new one. A version of an unchanged
//! tree therefore writes one `project_versions` row and no snapshot rows.

use crate::ddl::{col, fk, index, unique};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000007_create_project_versions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        m.create_table(
            Table::create()
                .table(Alias::new("project_versions"))
                .col(col("id").uuid().not_null().primary_key())
                .col(col("project_id").uuid().not_null())
                .col(col("number").integer().not_null())
                .col(col("title").string().not_null())
                .col(col("description").text().null())
                .col(col("dataset_count").integer().not_null())
                .col(col("item_count").integer().not_null())
                .col(col("created_by").uuid().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("project_versions", "project_id", "projects", Cascade))
                .foreign_key(&mut fk("project_versions", "created_by", "users", SetNull))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_project_versions_number", "project_versions", &["project_id", "number"])).await?;
        m.create_table(
            Table::create()
                .table(Alias::new("snapshot_rows"))
                .col(col("id").uuid().not_null().primary_key())
                .col(col("project_id").uuid().not_null())
                .col(col("kind").string().not_null())
                .col(col("stable_id").uuid().not_null())
                .col(col("parent_id").uuid().null())
                .col(col("name").string().not_null())
                .col(col("description").text().null())
                .col(col("size_bytes").big_integer().null())
                .col(col("content_type").string().null())
                .col(col("valid_from").integer().not_null())
                .col(col("valid_to").integer().null())
                .foreign_key(&mut fk("snapshot_rows", "project_id", "projects", Cascade))
                .take(),
        )
        .await?;
        m.create_index(index("ix_snapshot_rows_range", "snapshot_rows", &["project_id", "valid_from", "valid_to"])).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("snapshot_rows")).take()).await?;
        m.drop_table(Table::drop().table(Alias::new("project_versions")).take()).await?;
        Ok(())
    }
}
