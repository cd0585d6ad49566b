//! DDL helpers shared by the migrations: named columns, foreign keys and indexes.

use sea_orm_migration::prelude::*;
use std::collections::BTreeSet;

pub fn col(name: &'static str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

/// `fk_<table>_<column>` → `<to>.id`.
pub fn fk(table: &'static str, column: &'static str, to: &'static str, on_delete: ForeignKeyAction) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(Alias::new(table), Alias::new(column))
        .to(Alias::new(to), Alias::new("id"))
        .on_delete(on_delete)
        .take()
}

pub fn unique(name: &'static str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = index(name, table, cols);
    index.unique();
    index
}

pub fn index(name: &'static str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create().name(name).table(Alias::new(table)).take();
    for c in cols {
        index.col(Alias::new(*c));
    }
    index
}

/// Inserts a built-in role of catalog namespace `catalog` and returns its id.
pub async fn insert_builtin_role(
    m: &SchemaManager<'_>,
    catalog: &str,
    scope: &str,
    key: &str,
    name: &str,
    rank: i32,
) -> Result<uuid::Uuid, DbErr> {
    let id = uuid::Uuid::now_v7();
    m.exec_stmt(
        Query::insert()
            .into_table(Alias::new("roles"))
            .columns(["id", "organization_id", "catalog", "scope_kind", "key", "name", "built_in", "rank"].map(Alias::new))
            .values_panic([
                id.into(),
                Option::<uuid::Uuid>::None.into(),
                catalog.into(),
                scope.into(),
                key.into(),
                name.into(),
                true.into(),
                rank.into(),
            ])
            .take(),
    )
    .await?;
    Ok(id)
}

/// Inserts the role's grants, skipping pairs it already has.
pub async fn grant(m: &SchemaManager<'_>, role: uuid::Uuid, pairs: &BTreeSet<(&str, &str)>) -> Result<(), DbErr> {
    if pairs.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert()
        .into_table(Alias::new("role_permissions"))
        .columns(["role_id", "target", "permission"].map(Alias::new))
        .on_conflict(OnConflict::columns(["role_id", "target", "permission"].map(Alias::new)).do_nothing().to_owned())
        .take();
    for (target, key) in pairs {
        insert.values_panic([role.into(), (*target).into(), (*key).into()]);
    }
    m.exec_stmt(insert).await
}
