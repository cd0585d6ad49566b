//! No custom role grants `org.transfer` (`createRole` and `updateRole` refuse it since this
//! migration): a holder of an owner-made "co-owner" role could take the organization and
//! make its owner a maintainer, which RULES.md §9.3 forbids to anyone below the owner.
//! Custom roles made before lose the key; their other keys stay.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "DELETE FROM role_permissions WHERE permission = 'org.transfer' \
                 AND role_id IN (SELECT id FROM roles WHERE built_in = false)",
            )
            .await?;
        Ok(())
    }

    /// The keys removed are not known any more: nothing to put back.
    async fn down(&self, _: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
