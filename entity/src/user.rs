use sea_orm::entity::prelude::*;

/// A person known through an identity provider's token (`sub`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub sub: String,
    /// Normalized (trim, NFKC, lowercase) once on write.
    #[sea_orm(unique)]
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
    pub created_at: DateTimeUtc,
    /// `iat` of the token whose claims last changed `email`, `email_verified` or `name`:
    /// an earlier token changes them no more. Null when not known.
    pub claims_iat: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
