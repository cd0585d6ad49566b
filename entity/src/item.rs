use sea_orm::entity::prelude::*;

/// An item (a file) of a dataset. Items live only inside datasets, never directly in a
/// project. Adding and removing items also changes the dataset's `own_size_bytes` and
/// `own_item_count` columns, which are deliberately not fields of `dataset::Model`: only
/// the item service writes them (relative `UPDATE … SET x = x + ?`), so no ORM round trip
/// of a dataset row can write back a stale copy.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub dataset_id: Uuid,
    /// Denormalized ancestors (like datasets) so authorization needs no join.
    pub project_id: Uuid,
    pub team_id: Uuid,
    pub organization_id: Uuid,
    /// Unique inside the dataset.
    pub name: String,
    /// ≥ 0 (a check constraint).
    pub size_bytes: i64,
    /// A media type such as `image/png`, stored lowercase.
    pub content_type: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
