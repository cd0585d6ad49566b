//! Users keep the `iat` of the token whose claims last changed their name or e-mail, so a
//! token issued earlier (another tab's, still valid) does not put back what the identity
//! provider has since changed — an e-mail the user lost would bring its invitations back
//! (RULES.md §2 "later tokens update name and email", §9.7). Null: not known (users
//! written before, or by tokens without `iat`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection().execute_unprepared("ALTER TABLE users ADD COLUMN claims_iat bigint").await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection().execute_unprepared("ALTER TABLE users DROP COLUMN claims_iat").await?;
        Ok(())
    }
}
