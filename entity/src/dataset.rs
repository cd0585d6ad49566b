use sea_orm::entity::prelude::*;

/// A dataset: adjacency list (`parent_id`) plus a materialized path of ancestor ids
/// (`path`, `/a/b/`) for one-statement ancestor and descendant queries.
/// The table also has `own_size_bytes` and `own_item_count` (the items directly in the
/// dataset), written only by `item::service` and read by `item::loader` (see `entity::item`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "datasets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub parent_id: Option<Uuid>,
    /// `parent_id` or, for a top-level dataset, `project_id`: the sibling group that
    /// the unique name index covers.
    pub sibling_key: Uuid,
    pub team_id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// 0 for a top-level dataset.
    pub depth: i32,
    /// Ancestor ids from the top, each followed by `/`, starting with `/`; `/` at top level.
    pub path: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
