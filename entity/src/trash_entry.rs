use sea_orm::entity::prelude::*;

/// A deleted project or dataset subtree, moved out of the live tables: `payload` holds
/// every row needed to restore it (JSON), the other columns what the trash list shows
/// and what authorization needs.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trash_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub team_id: Uuid,
    /// The project, or the dataset's project (no foreign key: it may be gone).
    pub project_id: Uuid,
    /// "Project" or "Dataset".
    pub kind: String,
    /// Id of the deleted project or dataset (restored under the same id).
    pub object_id: Uuid,
    pub name: String,
    /// Project: its workspace; dataset: its parent dataset (null at top level).
    pub parent_id: Option<Uuid>,
    pub deleted_by: Option<Uuid>,
    pub deleted_at: DateTimeUtc,
    /// Creator of the deleted object (the `.own` rules).
    pub created_by: Option<Uuid>,
    pub size_bytes: i64,
    pub item_count: i64,
    pub payload: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
