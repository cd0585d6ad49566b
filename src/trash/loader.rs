//! The trash entries of a team that the viewer sees (the rule of `authz`, in SQL).

use crate::authz::Visible;
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::trash_entry;
use foldhash::HashMap;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// The entries of a team that the viewer sees, oldest first, without their payloads
/// (`payload` is empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TrashOfTeam(pub Uuid);

impl Loader<TrashOfTeam> for DbLoader {
    type Value = Vec<trash_entry::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[TrashOfTeam]) -> Result<HashMap<TrashOfTeam, Self::Value>, Self::Error> {
        use sea_orm::sea_query::Expr;
        use sea_orm::{Iterable, QuerySelect};
        let grants = self.grants().await.map_err(load_err)?;
        // Without the payload (the deleted subtree's every row, read only to restore it):
        // a list or total of a few entries read every deleted dataset and item of the team.
        let listed = trash_entry::Column::iter().filter(|c| !matches!(c, trash_entry::Column::Payload));
        let rows = trash_entry::Entity::find()
            .select_only()
            .columns(listed)
            .column_as(Expr::val(""), "payload")
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
