use sea_orm::entity::prelude::*;

/// A numbered, immutable snapshot of a project's dataset tree and item metadata; only
/// `title` and `description` change. Its rows are the `snapshot_rows` valid at `number`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "project_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    /// 1, 2, … per project (unique with `project_id`).
    pub number: i32,
    pub title: String,
    pub description: Option<String>,
    pub dataset_count: i32,
    pub item_count: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
