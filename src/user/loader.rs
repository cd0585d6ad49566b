//! Users as the viewer may see them: themself, or someone sharing an organization
//! (RULES.md §3.1). Every `User` field of another object loads through here.

use crate::db::Sql;
use crate::request::{DbLoader, LoadError, load_err};
use async_graphql::dataloader::Loader;
use sea_orm::EntityTrait;
use std::collections::HashMap;
use uuid::Uuid;

crate::by_id_loader!(UserById, entity::user, entity::user::Model);

/// A user id, resolved only when the viewer may see that user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VisibleUser(pub Uuid);

impl Loader<VisibleUser> for DbLoader {
    type Value = entity::user::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[VisibleUser]) -> Result<HashMap<VisibleUser, Self::Value>, Self::Error> {
        let grants = self.grants().await.map_err(load_err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push("SELECT u.* FROM users u WHERE u.id IN ")
            .bind_list(&ids)
            .push(" AND (u.id = ")
            .bind(grants.user_id)
            .push(" OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.scope_kind = 'organization' AND m.organization_id IN ")
            .bind_list(&grants.organization_ids())
            .push("))");
        let rows = entity::user::Entity::find().from_raw_sql(sql.build()).all(&self.db).await.map_err(load_err)?;
        Ok(rows.into_iter().map(|u| (VisibleUser(u.id), u)).collect())
    }
}
