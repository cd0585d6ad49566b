//! Users, the hierarchy (organizations → teams → workspaces → projects → datasets), the
//! role catalog and memberships. Uniqueness rules of RULES.md §4 are database constraints.

use crate::ddl::{col, fk, index, unique};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000001_create_core_tables"
    }
}

fn uuid(name: &'static str) -> ColumnDef {
    col(name).uuid().not_null().take()
}
fn uuid_null(name: &'static str) -> ColumnDef {
    col(name).uuid().null().take()
}
fn text(name: &'static str) -> ColumnDef {
    col(name).string().not_null().take()
}
fn text_null(name: &'static str) -> ColumnDef {
    col(name).string().null().take()
}
fn timestamp(name: &'static str) -> ColumnDef {
    col(name).timestamp_with_time_zone().not_null().take()
}
fn pk(name: &'static str) -> ColumnDef {
    col(name).uuid().not_null().primary_key().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        m.create_table(
            Table::create()
                .table(Alias::new("users"))
                .col(pk("id"))
                .col(text("sub"))
                .col(text("email"))
                .col(ColumnDef::new(Alias::new("email_verified")).boolean().not_null())
                .col(text_null("name"))
                .col(timestamp("created_at"))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_users_sub", "users", &["sub"])).await?;
        m.create_index(unique("uq_users_email", "users", &["email"])).await?;

        m.create_table(
            Table::create()
                .table(Alias::new("organizations"))
                .col(pk("id"))
                .col(text("slug"))
                .col(text("name"))
                .col(text_null("description"))
                .col(text_null("contact_email"))
                .col(text_null("contact_phone"))
                .col(text_null("location"))
                .col(ColumnDef::new(Alias::new("personal")).boolean().not_null())
                .col(text("role_preset"))
                .col(uuid("owner_id"))
                .col(timestamp("created_at"))
                .foreign_key(&mut fk("organizations", "owner_id", "users", ForeignKeyAction::Restrict))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_organizations_slug", "organizations", &["slug"])).await?;

        m.create_table(
            Table::create()
                .table(Alias::new("teams"))
                .col(pk("id"))
                .col(uuid("organization_id"))
                .col(text("name"))
                .col(uuid_null("created_by"))
                .col(timestamp("created_at"))
                .foreign_key(&mut fk("teams", "organization_id", "organizations", Cascade))
                .foreign_key(&mut fk("teams", "created_by", "users", SetNull))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_teams_name", "teams", &["organization_id", "name"])).await?;

        m.create_table(
            Table::create()
                .table(Alias::new("workspaces"))
                .col(pk("id"))
                .col(uuid("team_id"))
                .col(uuid("organization_id"))
                .col(text("name"))
                .col(text_null("description"))
                .col(timestamp("created_at"))
                .foreign_key(&mut fk("workspaces", "team_id", "teams", Cascade))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_workspaces_name", "workspaces", &["team_id", "name"])).await?;

        m.create_table(
            Table::create()
                .table(Alias::new("projects"))
                .col(pk("id"))
                .col(uuid("workspace_id"))
                .col(uuid("team_id"))
                .col(uuid("organization_id"))
                .col(text("name"))
                .col(text_null("description"))
                .col(uuid_null("created_by"))
                .col(timestamp("created_at"))
                .foreign_key(&mut fk("projects", "workspace_id", "workspaces", Cascade))
                .foreign_key(&mut fk("projects", "created_by", "users", SetNull))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_projects_name", "projects", &["workspace_id", "name"])).await?;
        m.create_index(index("ix_projects_team", "projects", &["team_id"])).await?;

        m.create_table(
            Table::create()
                .table(Alias::new("datasets"))
                .col(pk("id"))
                .col(uuid("project_id"))
                .col(uuid_null("parent_id"))
                .col(uuid("sibling_key"))
                .col(uuid("team_id"))
                .col(uuid("organization_id"))
                .col(text("name"))
                .col(text_null("description"))
                .col(ColumnDef::new(Alias::new("depth")).integer().not_null())
                .col(text("path"))
                .col(uuid_null("created_by"))
                .col(timestamp("created_at"))
                .foreign_key(&mut fk("datasets", "project_id", "projects", Cascade))
                .foreign_key(&mut fk("datasets", "parent_id", "datasets", Cascade))
                .foreign_key(&mut fk("datasets", "created_by", "users", SetNull))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_datasets_name", "datasets", &["sibling_key", "name"])).await?;
        m.create_index(index("ix_datasets_project", "datasets", &["project_id", "parent_id"])).await?;
        m.create_index(index("ix_datasets_path", "datasets", &["path"])).await?;

        m.create_table(
            Table::create()
                .table(Alias::new("permissions"))
                .col(ColumnDef::new(Alias::new("key")).string().not_null().primary_key())
                .col(text("scope_kind"))
                .col(text("description"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("roles"))
                .col(pk("id"))
                .col(uuid_null("organization_id"))
                .col(text("catalog"))
                .col(text("scope_kind"))
                .col(text("key"))
                .col(text("name"))
                .col(ColumnDef::new(Alias::new("built_in")).boolean().not_null())
                .col(ColumnDef::new(Alias::new("rank")).integer().not_null())
                .foreign_key(&mut fk("roles", "organization_id", "organizations", Cascade))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_roles_key", "roles", &["catalog", "scope_kind", "key"])).await?;

        m.create_table(
            Table::create()
                .table(Alias::new("role_permissions"))
                .col(uuid("role_id"))
                .col(text("target"))
                .col(text("permission"))
                .primary_key(Index::create().col(Alias::new("role_id")).col(Alias::new("target")).col(Alias::new("permission")))
                .foreign_key(&mut fk("role_permissions", "role_id", "roles", Cascade))
                .foreign_key(
                    &mut ForeignKey::create()
                        .name("fk_role_permissions_permission")
                        .from(Alias::new("role_permissions"), Alias::new("permission"))
                        .to(Alias::new("permissions"), Alias::new("key"))
                        .on_delete(ForeignKeyAction::Restrict)
                        .take(),
                )
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("memberships"))
                .col(pk("id"))
                .col(uuid("user_id"))
                .col(text("scope_kind"))
                .col(uuid("scope_id"))
                .col(uuid("organization_id"))
                .col(uuid_null("team_id"))
                .col(uuid_null("project_id"))
                .col(uuid("role_id"))
                .col(timestamp("created_at"))
                .foreign_key(&mut fk("memberships", "user_id", "users", Cascade))
                .foreign_key(&mut fk("memberships", "organization_id", "organizations", Cascade))
                .foreign_key(&mut fk("memberships", "team_id", "teams", Cascade))
                .foreign_key(&mut fk("memberships", "project_id", "projects", Cascade))
                .foreign_key(&mut fk("memberships", "role_id", "roles", ForeignKeyAction::Restrict))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_memberships_scope_user", "memberships", &["scope_id", "user_id"])).await?;
        m.create_index(index("ix_memberships_user", "memberships", &["user_id"])).await?;
        m.create_index(index("ix_memberships_org", "memberships", &["organization_id", "scope_kind"])).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "memberships",
            "role_permissions",
            "roles",
            "permissions",
            "datasets",
            "projects",
            "workspaces",
            "teams",
            "organizations",
            "users",
        ] {
            m.drop_table(Table::drop().table(Alias::new(table)).take()).await?;
        }
        Ok(())
    }
}
