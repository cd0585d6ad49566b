//! DDL helpers shared by the migrations: named columns, foreign keys and indexes.

use sea_orm_migration::prelude::*;

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
