//! RULES §9.5 (issue 11, finding 1): `transferProject` used to leave the trash entries of
//! a project's deleted datasets and the project's activity in the old team (and
//! organization). This puts the rows written before the fix in the project's current
//! place, as `project::ancestors::rewrite` now does inside every transfer. The old team
//! keeps its `transferred` entries; trash payloads are rebased when they are restored.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn rebase(table: &str, only: &str) -> String {
    format!(
        "UPDATE {table} SET \
           organization_id = (SELECT p.organization_id FROM projects p WHERE p.id = {table}.project_id), \
           team_id = (SELECT p.team_id FROM projects p WHERE p.id = {table}.project_id) \
         WHERE {only} AND EXISTS (SELECT 1 FROM projects p WHERE p.id = {table}.project_id \
           AND (p.organization_id <> {table}.organization_id OR p.team_id <> {table}.team_id))"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(&rebase("trash_entries", "kind = 'Dataset'")).await?;
        db.execute_unprepared(&rebase("activity", "action <> 'transferred'")).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // The old places are not kept: there is nothing to go back to.
        Ok(())
    }
}
