use sea_orm::entity::prelude::*;

/// The permission catalog: every key a role can grant, with the scope it applies to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "permissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub scope_kind: String,
    pub description: String,
    /// Whether an owner may grant the key to an individual member (`capability_grants`).
    pub grantable: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
