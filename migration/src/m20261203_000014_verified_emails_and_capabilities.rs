//! Issue 11. RULES.md §2: only a verified e-mail binds to an account, so the unique index
//! on `users.email` becomes a partial one over verified e-mails (an unverified claim never
//! blocks the verified owner; it stays stored, unverified, matched by nothing). Finding
//! 17: `orchestrate.access` and `explore.datasets` gate nothing orgraph owns, so they
//! stop being grantable as individual capabilities (they stay keys of roles, for client
//! gating through `viewerCan`); grants of them are removed. (`sdk_token.view` stays
//! grantable: it now gates `Organization.sdkTokens`.)

use crate::ddl::{index, unique};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Capabilities that gated nothing orgraph decides (finding 17).
const UNGATED: [&str; 2] = ["orchestrate.access", "explore.datasets"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("uq_users_email").table(Alias::new("users")).to_owned()).await?;
        m.create_index(index("ix_users_email", "users", &["email"])).await?;
        // A partial index: the same statement on SQLite and PostgreSQL.
        m.get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX uq_users_verified_email ON users (email) WHERE email_verified")
            .await?;
        m.exec_stmt(
            Query::update()
                .table(Alias::new("permissions"))
                .value(Alias::new("grantable"), false)
                .and_where(Expr::col(Alias::new("key")).is_in(UNGATED))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::delete()
                .from_table(Alias::new("capability_grants"))
                .and_where(Expr::col(Alias::new("permission")).is_in(UNGATED))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.exec_stmt(
            Query::update()
                .table(Alias::new("permissions"))
                .value(Alias::new("grantable"), true)
                .and_where(Expr::col(Alias::new("key")).is_in(UNGATED))
                .to_owned(),
        )
        .await?;
        m.drop_index(Index::drop().name("uq_users_verified_email").table(Alias::new("users")).to_owned()).await?;
        m.drop_index(Index::drop().name("ix_users_email").table(Alias::new("users")).to_owned()).await?;
        m.create_index(unique("uq_users_email", "users", &["email"])).await
    }
}
