use sea_orm::entity::prelude::*;

/// A role: built-in (`organization_id` null, `catalog` = "builtin") or custom.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Option<Uuid>,
    /// "builtin" or the organization id: the namespace of `key`.
    pub catalog: String,
    pub scope_kind: String,
    pub key: String,
    pub name: String,
    pub built_in: bool,
    /// Display and assignment order inside a scope: 0 is the most powerful.
    pub rank: i32,
    pub description: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
