use sea_orm::entity::prelude::*;

/// One entry of a team's activity (workflow) log.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub team_id: Uuid,
    /// The project the entry is about (or inside); null for team-level objects.
    pub project_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    /// "created", "deleted", "moved".
    pub action: String,
    /// "Workspace", "Project", "Dataset".
    pub object_kind: String,
    pub object_id: Uuid,
    /// The object's name at the time of the action.
    pub object_name: String,
    /// Where the object came from (a clone's or restore's source), when it has one.
    pub source_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
