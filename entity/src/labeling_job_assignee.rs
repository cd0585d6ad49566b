use sea_orm::entity::prelude::*;

/// A user assigned to a labeling job, as `ASSIGNEE` (labels) or `REVIEWER` (reviews).
/// `organization_id` is the job's organization: removing the user from it removes the
/// assignment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "labeling_job_assignees")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_id: Uuid,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    /// ASSIGNEE or REVIEWER.
    pub role: String,
    pub assigned_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
