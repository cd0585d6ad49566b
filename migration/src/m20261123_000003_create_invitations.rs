//! Invitations, their send log (for the resend throttle) and the durable delivery outbox
//! (`invitation_events`: one row per created or resent invitation, ordered by id).

use crate::ddl::{col, fk};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_create_invitations"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};
        m.create_table(
            Table::create()
                .table(Alias::new("invitations"))
                .col(col("id").uuid().not_null().primary_key())
                .col(col("scope_kind").string().not_null())
                .col(col("scope_id").uuid().not_null())
                .col(col("organization_id").uuid().not_null())
                .col(col("team_id").uuid().null())
                .col(col("project_id").uuid().null())
                .col(col("email").string().not_null())
                .col(col("role_id").uuid().not_null())
                .col(col("invited_by").uuid().null())
                .col(col("status").string().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("sent_at").timestamp_with_time_zone().not_null())
                .col(col("expires_at").timestamp_with_time_zone().not_null())
                .col(col("responded_at").timestamp_with_time_zone().null())
                .foreign_key(&mut fk("invitations", "organization_id", "organizations", Cascade))
                .foreign_key(&mut fk("invitations", "team_id", "teams", Cascade))
                .foreign_key(&mut fk("invitations", "project_id", "projects", Cascade))
                .foreign_key(&mut fk("invitations", "role_id", "roles", Restrict))
                .foreign_key(&mut fk("invitations", "invited_by", "users", SetNull))
                .take(),
        )
        .await?;
        // One PENDING invitation per e-mail and scope, as a database constraint.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_invitations_pending ON invitations (scope_id, email) WHERE status = 'PENDING'",
            )
            .await?;
        m.create_index(
            Index::create().name("ix_invitations_email").table(Alias::new("invitations")).col(Alias::new("email")).take(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_invitations_scope").table(Alias::new("invitations")).col(Alias::new("scope_id")).take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("invitation_sends"))
                .col(col("id").uuid().not_null().primary_key())
                .col(col("invitation_id").uuid().not_null())
                .col(col("sent_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("invitation_sends", "invitation_id", "invitations", Cascade))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_invitation_sends")
                .table(Alias::new("invitation_sends"))
                .col(Alias::new("invitation_id"))
                .col(Alias::new("sent_at"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("invitation_events"))
                .col(col("id").uuid().not_null().primary_key())
                .col(col("invitation_id").uuid().not_null())
                .col(col("kind").string().not_null())
                .col(col("email").string().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("mail_claimed_until").timestamp_with_time_zone().null())
                .col(col("mail_attempts").integer().not_null().default(0))
                .col(col("mailed_at").timestamp_with_time_zone().null())
                .foreign_key(&mut fk("invitation_events", "invitation_id", "invitations", Cascade))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_invitation_events_unmailed")
                .table(Alias::new("invitation_events"))
                .col(Alias::new("mailed_at"))
                .col(Alias::new("id"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["invitation_events", "invitation_sends", "invitations"] {
            m.drop_table(Table::drop().table(Alias::new(t)).take()).await?;
        }
        Ok(())
    }
}
