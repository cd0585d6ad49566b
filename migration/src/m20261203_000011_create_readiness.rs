//! `/readyz` proves the database takes writes by updating the one row of `readiness`
//! (issue 13): a write to a real table of the main database file, so that a read-only
//! SQLite file or a read-only PostgreSQL (a standby, `default_transaction_read_only`)
//! reads as not ready. No other table is touched.

use crate::ddl::col;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000011_create_readiness"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("readiness"))
                .col(col("id").integer().not_null().primary_key())
                .col(col("checked_at").timestamp_with_time_zone().null())
                .take(),
        )
        .await?;
        let row = Query::insert().into_table(Alias::new("readiness")).columns([Alias::new("id")]).values_panic([1.into()]).take();
        m.exec_stmt(row).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("readiness")).take()).await
    }
}
