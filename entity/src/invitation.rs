use sea_orm::entity::prelude::*;

/// An invitation of an e-mail address to a scope with a role. `status` is stored as
/// PENDING, ACCEPTED, DECLINED, REVOKED or EXPIRED (retired when re-invited);
/// a PENDING row past `expires_at` reads EXPIRED.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub scope_kind: String,
    pub scope_id: Uuid,
    pub organization_id: Uuid,
    pub team_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// Normalized e-mail of the invitee.
    pub email: String,
    pub role_id: Uuid,
    pub invited_by: Option<Uuid>,
    pub status: String,
    pub created_at: DateTimeUtc,
    /// The last send (creation or resend); `expires_at` = `sent_at` + TTL.
    pub sent_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub responded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
