//! The activity (workflow) log: who created, deleted or moved what in a team, and where
//! it came from. `project_id` has no foreign key: entries about a deleted project stay
//! in the team's history.

use crate::ddl::{col, fk, index};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000006_create_activity"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        m.create_table(
            Table::create()
                .table(Alias::new("activity"))
                .col(col("id").uuid().not_null().primary_key())
                .col(col("organization_id").uuid().not_null())
                .col(col("team_id").uuid().not_null())
                .col(col("project_id").uuid().null())
                .col(col("actor_id").uuid().null())
                .col(col("action").string().not_null())
                .col(col("object_kind").string().not_null())
                .col(col("object_id").uuid().not_null())
                .col(col("object_name").string().not_null())
                .col(col("source_id").uuid().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("activity", "organization_id", "organizations", Cascade))
                .foreign_key(&mut fk("activity", "team_id", "teams", Cascade))
                .foreign_key(&mut fk("activity", "actor_id", "users", SetNull))
                .take(),
        )
        .await?;
        m.create_index(index("ix_activity_team", "activity", &["team_id", "id"])).await?;
        m.create_index(index("ix_activity_project", "activity", &["project_id", "id"])).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("activity")).take()).await
    }
}
