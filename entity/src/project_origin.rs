use sea_orm::entity::prelude::*;

/// Where a project created by a copy came from. `kind` is `CLONE`, `RESTORE` or
/// `SHARE_LINK`; `source_project_id` has no foreign key (the source may be deleted).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "project_origins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: Uuid,
    pub source_project_id: Uuid,
    pub kind: String,
    pub source_version_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
