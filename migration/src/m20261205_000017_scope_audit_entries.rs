//! An audit entry names the team (and project) of what it is about, when that is below
//! the organization: a membership of a team or project, a group's project assignment, a
//! labeling job. `Organization.auditLog` shows such an entry only to a viewer who sees
//! that team or project (RULES.md §9.1), as the activity feed does.
//!
//! Entries written before this migration did not say: those that may be about something
//! below the organization are marked with the nil team, which only viewers who see every
//! team of the organization see (fail closed).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NIL: &str = "00000000-0000-0000-0000-000000000000";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in ["team_id", "project_id"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("audit_entries"))
                    .add_column(ColumnDef::new(Alias::new(column)).uuid().null())
                    .to_owned(),
            )
            .await?;
        }
        // serde_json writes the state of an organization-level membership with this text.
        let org_level = "'%\"scopeKind\":\"organization\"%'";
        let nil = match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => format!("'{NIL}'::uuid"),
            _ => format!("X'{}'", NIL.replace('-', "")),
        };
        m.get_connection()
            .execute_unprepared(&format!(
                "UPDATE audit_entries SET team_id = {nil} WHERE action LIKE 'group.project_%' OR action LIKE 'labeling_job.%' \
                 OR (action LIKE 'membership.%' AND COALESCE(after, before, '') NOT LIKE {org_level})"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in ["project_id", "team_id"] {
            m.alter_table(Table::alter().table(Alias::new("audit_entries")).drop_column(Alias::new(column)).to_owned()).await?;
        }
        Ok(())
    }
}
