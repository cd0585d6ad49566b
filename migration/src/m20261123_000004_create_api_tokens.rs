//! Personal access tokens: a user's named, expiring bearer secrets, stored as the SHA-256
//! of the secret (never the secret itself), optionally restricted to one organization.

use crate::ddl::{col, fk};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000004_create_api_tokens"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("api_tokens"))
                .col(col("id").uuid().not_null().primary_key())
                .col(col("user_id").uuid().not_null())
                .col(col("name").string().not_null())
                .col(col("token_hash").string().not_null())
                .col(col("prefix").string().not_null())
                .col(col("organization_id").uuid().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("expires_at").timestamp_with_time_zone().not_null())
                .col(col("last_used_at").timestamp_with_time_zone().null())
                .col(col("revoked_at").timestamp_with_time_zone().null())
                .foreign_key(&mut fk("api_tokens", "user_id", "users", ForeignKeyAction::Cascade))
                .foreign_key(&mut fk("api_tokens", "organization_id", "organizations", ForeignKeyAction::Cascade))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_api_tokens_token_hash")
                .table(Alias::new("api_tokens"))
                .col(Alias::new("token_hash"))
                .unique()
                .take(),
        )
        .await?;
        // Listing a user's tokens and counting the live ones.
        m.create_index(
            Index::create()
                .name("ix_api_tokens_user")
                .table(Alias::new("api_tokens"))
                .col(Alias::new("user_id"))
                .col(Alias::new("id"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_api_tokens_organization")
                .table(Alias::new("api_tokens"))
                .col(Alias::new("organization_id"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("api_tokens")).take()).await
    }
}
