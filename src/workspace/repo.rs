//! Workspaces as services read them inside a transaction: only when the viewer sees
//! them (otherwise `NOT_FOUND`).

use crate::authz::Grants;
use crate::error::AppResult;
use entity::workspace;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// The workspace if the viewer sees it (`authz`'s rule, in SQL); otherwise `NOT_FOUND`.
pub async fn find_visible<C: ConnectionTrait>(db: &C, grants: &Grants, id: Uuid) -> AppResult<workspace::Model> {
    crate::authz::find_visible::<workspace::Entity, _>(db, grants, id).await
}
