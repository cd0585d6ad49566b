//! Issue 5: the permission catalog grows (with `grantable` capabilities), the four
//! per-system presets are seeded as built-in roles (catalog = the preset's name), and
//! custom roles (catalog = the organization id), user groups with project assignments,
//! individual capability grants, the audit trail and training sessions get tables.

use crate::ddl::{col, fk, grant, index, insert_builtin_role, unique};
use crate::presets::{DEFAULT_ADDITIONS, NEW_PERMISSIONS, PRESETS};
use sea_orm_migration::prelude::*;
use std::collections::BTreeSet;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000010_create_roles_groups_grants"
    }
}

fn id() -> ColumnDef {
    col("id").uuid().not_null().primary_key().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};
        m.alter_table(
            Table::alter()
                .table(Alias::new("permissions"))
                .add_column(col("grantable").boolean().not_null().default(false))
                .take(),
        )
        .await?;
        m.alter_table(Table::alter().table(Alias::new("roles")).add_column(col("description").text().null()).take()).await?;

        let mut insert = Query::insert()
            .into_table(Alias::new("permissions"))
            .columns(["key", "scope_kind", "description", "grantable"].map(Alias::new))
            .take();
        for (key, scope, description, grantable) in NEW_PERMISSIONS {
            insert.values_panic([(*key).into(), (*scope).into(), (*description).into(), (*grantable).into()]);
        }
        m.exec_stmt(insert).await?;

        let db = m.get_connection();
        for (scope, key, target, keys) in DEFAULT_ADDITIONS {
            let row = db
                .query_one(
                    &Query::select()
                        .column(Alias::new("id"))
                        .from(Alias::new("roles"))
                        .and_where(Expr::col(Alias::new("catalog")).eq("builtin"))
                        .and_where(Expr::col(Alias::new("scope_kind")).eq(*scope))
                        .and_where(Expr::col(Alias::new("key")).eq(*key))
                        .take(),
                )
                .await?
                .ok_or_else(|| DbErr::Custom(format!("DEFAULT role {scope}/{key} missing")))?;
            let role: uuid::Uuid = row.try_get("", "id")?;
            grant(m, role, &keys.iter().flat_map(|g| g.iter()).map(|k| (*target, *k)).collect()).await?;
        }

        for (preset, roles) in PRESETS {
            for r in *roles {
                let role = insert_builtin_role(m, preset, r.scope, r.key, r.name, r.rank).await?;
                let mut pairs = BTreeSet::new();
                for (target, groups) in [("organization", r.org), ("team", r.team), ("project", r.project)] {
                    pairs.extend(groups.iter().flat_map(|g| g.iter()).map(|k| (target, *k)));
                }
                grant(m, role, &pairs).await?;
            }
        }

        m.create_table(
            Table::create()
                .table(Alias::new("groups"))
                .col(id())
                .col(col("organization_id").uuid().not_null())
                .col(col("name").string().not_null())
                .col(col("description").text().null())
                .col(col("created_by").uuid().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("groups", "organization_id", "organizations", Cascade))
                .foreign_key(&mut fk("groups", "created_by", "users", SetNull))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_groups_name", "groups", &["organization_id", "name"])).await?;
        m.create_table(
            Table::create()
                .table(Alias::new("group_members"))
                .col(id())
                .col(col("group_id").uuid().not_null())
                .col(col("user_id").uuid().not_null())
                .col(col("organization_id").uuid().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("group_members", "group_id", "groups", Cascade))
                .foreign_key(&mut fk("group_members", "user_id", "users", Cascade))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_group_members", "group_members", &["group_id", "user_id"])).await?;
        m.create_index(index("ix_group_members_user", "group_members", &["user_id"])).await?;
        m.create_table(
            Table::create()
                .table(Alias::new("group_projects"))
                .col(id())
                .col(col("group_id").uuid().not_null())
                .col(col("project_id").uuid().not_null())
                .col(col("role_id").uuid().not_null())
                .col(col("organization_id").uuid().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("group_projects", "group_id", "groups", Cascade))
                .foreign_key(&mut fk("group_projects", "project_id", "projects", Cascade))
                .foreign_key(&mut fk("group_projects", "role_id", "roles", Restrict))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_group_projects", "group_projects", &["group_id", "project_id"])).await?;
        m.create_index(index("ix_group_projects_project", "group_projects", &["project_id"])).await?;
        m.create_table(
            Table::create()
                .table(Alias::new("capability_grants"))
                .col(id())
                .col(col("organization_id").uuid().not_null())
                .col(col("user_id").uuid().not_null())
                .col(col("permission").string().not_null())
                .col(col("granted_by").uuid().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("capability_grants", "organization_id", "organizations", Cascade))
                .foreign_key(&mut fk("capability_grants", "user_id", "users", Cascade))
                .foreign_key(&mut fk("capability_grants", "granted_by", "users", SetNull))
                .take(),
        )
        .await?;
        m.create_index(unique("uq_capability_grants", "capability_grants", &["organization_id", "user_id", "permission"]))
            .await?;
        m.create_index(index("ix_capability_grants_user", "capability_grants", &["user_id"])).await?;
        m.create_table(
            Table::create()
                .table(Alias::new("audit_entries"))
                .col(id())
                .col(col("organization_id").uuid().not_null())
                .col(col("actor_id").uuid().null())
                .col(col("action").string().not_null())
                .col(col("target_kind").string().not_null())
                .col(col("target_id").uuid().null())
                .col(col("before").text().null())
                .col(col("after").text().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("audit_entries", "organization_id", "organizations", Cascade))
                .take(),
        )
        .await?;
        m.create_index(index("ix_audit_entries_org", "audit_entries", &["organization_id", "id"])).await?;
        m.create_table(
            Table::create()
                .table(Alias::new("training_runs"))
                .col(id())
                .col(col("organization_id").uuid().not_null())
                .col(col("team_id").uuid().not_null())
                .col(col("name").string().not_null())
                .col(col("status").string().not_null())
                .col(col("created_by").uuid().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("training_runs", "team_id", "teams", Cascade))
                .foreign_key(&mut fk("training_runs", "created_by", "users", SetNull))
                .take(),
        )
        .await?;
        m.create_index(index("ix_training_runs_team", "training_runs", &["team_id"])).await?;
        m.create_table(
            Table::create()
                .table(Alias::new("catalog_versions"))
                .col(col("id").integer().not_null().primary_key())
                .col(col("version").big_integer().not_null())
                .take(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(Alias::new("catalog_versions"))
                .columns(["id", "version"].map(Alias::new))
                .values_panic([1.into(), 1i64.into()])
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "catalog_versions",
            "training_runs",
            "audit_entries",
            "capability_grants",
            "group_projects",
            "group_members",
            "groups",
        ] {
            m.drop_table(Table::drop().table(Alias::new(table)).take()).await?;
        }
        let presets: Vec<&str> = PRESETS.iter().map(|(p, _)| *p).collect();
        m.exec_stmt(
            Query::delete()
                .from_table(Alias::new("roles"))
                .and_where(Expr::col(Alias::new("catalog")).is_in(presets).or(Expr::col(Alias::new("built_in")).eq(false)))
                .take(),
        )
        .await?;
        let keys: Vec<&str> = NEW_PERMISSIONS.iter().map(|p| p.0).collect();
        m.exec_stmt(
            Query::delete()
                .from_table(Alias::new("role_permissions"))
                .and_where(Expr::col(Alias::new("permission")).is_in(keys.clone()))
                .take(),
        )
        .await?;
        m.exec_stmt(
            Query::delete().from_table(Alias::new("permissions")).and_where(Expr::col(Alias::new("key")).is_in(keys)).take(),
        )
        .await?;
        m.alter_table(Table::alter().table(Alias::new("roles")).drop_column(Alias::new("description")).take()).await?;
        m.alter_table(Table::alter().table(Alias::new("permissions")).drop_column(Alias::new("grantable")).take()).await?;
        Ok(())
    }
}
