//! Sharing (issue 6 items 4 and 6): published projects (readable by every signed-in
//! user), share links (only the SHA-256 of the token is stored) and the origin of
//! projects created by clone, share link or version restore. `projects` gets no new
//! column: the origin of a project lives beside it, keyed by its id.

use crate::ddl::{col, fk, index, unique};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000009_create_sharing"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::Cascade;
        m.create_table(
            Table::create()
                .table(Alias::new("published_projects"))
                .col(col("project_id").uuid().not_null().primary_key())
                .col(col("published_by").uuid().null())
                .col(col("published_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("published_projects", "project_id", "projects", Cascade))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("share_links"))
                .col(col("id").uuid().not_null().primary_key())
                .col(col("project_id").uuid().not_null())
                .col(col("token_hash").string().not_null())
                .col(col("prefix").string().not_null())
                .col(col("created_by").uuid().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("expires_at").timestamp_with_time_zone().null())
                .col(col("revoked_at").timestamp_with_time_zone().null())
                .foreign_key(&mut fk("share_links", "project_id", "projects", Cascade))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_share_links_token_hash", "share_links", &["token_hash"])).await?;
        m.create_index(index("ix_share_links_project", "share_links", &["project_id"])).await?;
        // No foreign key to the source: it may be deleted while the copy lives on.
        m.create_table(
            Table::create()
                .table(Alias::new("project_origins"))
                .col(col("project_id").uuid().not_null().primary_key())
                .col(col("source_project_id").uuid().not_null())
                .col(col("kind").string().not_null())
                .col(col("source_version_id").uuid().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("project_origins", "project_id", "projects", Cascade))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("project_origins")).take()).await?;
        m.drop_table(Table::drop().table(Alias::new("share_links")).take()).await?;
        m.drop_table(Table::drop().table(Alias::new("published_projects")).take()).await?;
        Ok(())
    }
}
