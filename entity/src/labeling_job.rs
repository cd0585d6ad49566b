use sea_orm::entity::prelude::*;

/// A labeling job of a project: the datasets it covers (`labeling_job_datasets`) and the
/// users assigned to label or review them (`labeling_job_assignees`). It copies its
/// project's organization and team, like every row tied to a project.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "labeling_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub team_id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// PENDING, IN_PROGRESS, ON_REVIEW, REJECTED or COMPLETED.
    pub status: String,
    pub due_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
