use sea_orm::entity::prelude::*;

/// One change to memberships, roles, groups or grants, with its before and after state (JSON).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<Uuid>,
    /// The team of what the entry is about, when that is below the organization (a
    /// membership of a team or project, a group's project, a labeling job); only viewers
    /// who see it see the entry. The nil team: written before entries said (see the
    /// migration `m20261205_000017_scope_audit_entries`).
    pub team_id: Option<Uuid>,
    /// The project of what the entry is about, when that is a project or below it.
    pub project_id: Option<Uuid>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
