use sea_orm::entity::prelude::*;

/// A user's role at one scope. Team and project memberships carry their ancestors
/// (`organization_id`, `team_id`) so that one query loads everything authorization needs.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// "organization", "team" or "project".
    pub scope_kind: String,
    /// The id of the organization, team or project.
    pub scope_id: Uuid,
    pub organization_id: Uuid,
    pub team_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub role_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
