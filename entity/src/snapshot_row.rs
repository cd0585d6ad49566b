use sea_orm::entity::prelude::*;

/// One state of a dataset (`kind` = "dataset") or item ("item") of a project, shared by
/// all versions numbered `valid_from <= n < valid_to` (`valid_to` null: still current).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "snapshot_rows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub kind: String,
    /// Id of the live dataset or item this row is a state of.
    pub stable_id: Uuid,
    /// Dataset: its parent dataset (null at top level); item: its dataset.
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub description: Option<String>,
    pub size_bytes: Option<i64>,
    pub content_type: Option<String>,
    pub valid_from: i32,
    pub valid_to: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
