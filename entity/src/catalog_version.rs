use sea_orm::entity::prelude::*;

/// One row: raised in every transaction that changes the roles, so each instance notices
/// (in its grants statement) that its in-memory catalog is stale.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub version: i64,
    /// Drawn anew at each raise (migration `m20261206_000020`).
    pub stamp: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
