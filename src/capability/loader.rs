//! Capability grants by id (`schema.rs` keeps only those the viewer sees), and the grants
//! of many organizations in one statement (`Organization.capabilityGrants`).

use crate::db::page::{Page, PageArgs};
use crate::db::{ChildTable, Sql, load_grouped};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use entity::capability_grant;
use foldhash::HashMap;
use uuid::Uuid;

/// One page of the grants of an organization, of one user only when set; oldest first.
/// The caller (`service::grants_of`) has already narrowed the user to what the viewer may list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GrantsOfOrganization(pub Uuid, pub Option<Uuid>, pub PageArgs);

impl Loader<GrantsOfOrganization> for DbLoader {
    type Value = Page<capability_grant::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[GrantsOfOrganization]) -> Result<HashMap<GrantsOfOrganization, Self::Value>, Self::Error> {
        let narrow = |user: &(Option<Uuid>, PageArgs), sql: &mut Sql| match user.0 {
            Some(u) => _ = sql.push("t.user_id = ").bind(u),
            None => _ = sql.push("1 = 1"),
        };
        let table = ChildTable {
            table: "capability_grants",
            parent_col: "organization_id",
            parent_of: |g: &capability_grant::Model| g.organization_id,
        };
        load_grouped::<capability_grant::Entity, _, _, _>(&self.db, &table, keys, |k| (k.0, (k.1, k.2)), |g| g.1, Some(&narrow))
            .await
            .map_err(load_err)
    }
}
