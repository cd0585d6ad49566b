//! The trash entries of a team that the viewer sees (the rule of `authz`, in SQL).

use crate::authz::Visible;
use crate::request::{DbLoader, LoadError, load_err};
use async_graphql::dataloader::Loader;
use entity::trash_entry;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use uuid::Uuid;

/// The entries of a team that the viewer sees, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TrashOfTeam(pub Uuid);

impl Loader<TrashOfTeam> for DbLoader {
    type Value = Vec<trash_entry::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[TrashOfTeam]) -> Result<HashMap<TrashOfTeam, Self::Value>, Self::Error> {
        let grants = self.grants().await.map_err(load_err)?;
        let rows = trash_entry::Entity::find()
            .filter(trash_entry::Column::TeamId.is_in(keys.iter().map(|k| k.0)))
            .filter(<trash_entry::Entity as Visible>::condition(&grants))
            .order_by_asc(trash_entry::Column::Id)
            .all(&self.db)
            .await
            .map_err(load_err)?;
        let mut out: HashMap<TrashOfTeam, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for e in rows {
            out.entry(TrashOfTeam(e.team_id)).or_default().push(e);
        }
        Ok(out)
    }
}
