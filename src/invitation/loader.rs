use crate::db::page::{Page, PageArgs};
use crate::db::{ChildTable, Sql, load_grouped};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use chrono::{DateTime, Utc};
use entity::invitation;
use foldhash::{HashMap, HashMapExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Invitations of one scope, optionally of one (effective) status, one page. The caller
/// has checked that the viewer sees the scope and holds `member.invite` there.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InvitationsOfScope(pub Uuid, pub PageArgs, pub Option<&'static str>, pub DateTime<Utc>);

/// `status` as the API reads it: PENDING past `expires_at` is EXPIRED.
pub fn push_status(sql: &mut Sql, status: &str, now: DateTime<Utc>) {
    match status {
        "PENDING" => {
            sql.push("(t.status = 'PENDING' AND t.expires_at > ").bind(now).push(")");
        }
        "EXPIRED" => {
            sql.push("((t.status = 'PENDING' AND t.expires_at <= ").bind(now).push(") OR t.status = 'EXPIRED')");
        }
        other => {
            sql.push("t.status = ").bind(other.to_string());
        }
    }
}

impl Loader<InvitationsOfScope> for DbLoader {
    type Value = Page<invitation::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[InvitationsOfScope]) -> Result<HashMap<InvitationsOfScope, Self::Value>, Self::Error> {
        let narrow = |g: &(PageArgs, Option<&'static str>, DateTime<Utc>), sql: &mut Sql| match g.1 {
            Some(status) => push_status(sql, status, g.2),
            None => {
                sql.push("1 = 1");
            }
        };
        let table = ChildTable { table: "invitations", parent_col: "scope_id", parent_of: |i: &invitation::Model| i.scope_id };
        load_grouped::<invitation::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, (k.1, k.2, k.3)), |g| g.0, Some(&narrow))
            .await
            .map_err(load_err)
    }
}

/// The 100 newest PENDING invitations addressed to `email` (a viewer's verified e-mail)
/// and not expired at `now`, of organizations the credential reaches (`Grants::admitted`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PendingFor {
    pub email: String,
    pub now: DateTime<Utc>,
}

impl Loader<PendingFor> for DbLoader {
    type Value = Vec<invitation::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[PendingFor]) -> Result<HashMap<PendingFor, Self::Value>, Self::Error> {
        let grants = self.grants().await.map_err(load_err)?;
        let mut out = HashMap::new();
        for key in keys {
            let rows = invitation::Entity::find()
                .filter(grants.admitted(invitation::Column::OrganizationId))
                .filter(invitation::Column::Email.eq(key.email.as_str()))
                .filter(invitation::Column::Status.eq("PENDING"))
                .filter(invitation::Column::ExpiresAt.gt(key.now))
                .order_by_desc(invitation::Column::Id)
                .limit(100)
                .all(&self.db)
                .await
                .map_err(load_err)?;
            out.insert(key.clone(), rows);
        }
        Ok(out)
    }
}
