use sea_orm::entity::prelude::*;

/// The delivery outbox: one row per created or resent invitation, written in the same
/// transaction. Subscribers are woken by it; the mailer claims and marks rows.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitation_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub invitation_id: Uuid,
    /// "created" or "resent".
    pub kind: String,
    pub email: String,
    pub created_at: DateTimeUtc,
    pub mail_claimed_until: Option<DateTimeUtc>,
    pub mail_attempts: i32,
    pub mailed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
