//! Capability grants by id (`schema.rs` keeps only those the viewer sees), and the grants
//! of many organizations in one statement (`Organization.capabilityGrants`).

use crate::request::{DbLoader, LoadError, load_err};
use async_graphql::dataloader::Loader;
use entity::capability_grant;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use uuid::Uuid;

crate::by_id_loader!(CapabilityGrantById, entity::capability_grant, entity::capability_grant::Model);

/// The grants of an organization, of one user only when set; oldest first. The caller
/// (`service::grants_of`) has already narrowed the user to what the viewer may list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GrantsOfOrganization(pub Uuid, pub Option<Uuid>);

impl Loader<GrantsOfOrganization> for DbLoader {
    type Value = Vec<capability_grant::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[GrantsOfOrganization]) -> Result<HashMap<GrantsOfOrganization, Self::Value>, Self::Error> {
        let whole: Vec<Uuid> = keys.iter().filter(|k| k.1.is_none()).map(|k| k.0).collect();
        let mut cond = Condition::any().add(capability_grant::Column::OrganizationId.is_in(whole));
        for k in keys {
            if let Some(user) = k.1 {
                cond = cond.add(
                    Condition::all()
                        .add(capability_grant::Column::OrganizationId.eq(k.0))
                        .add(capability_grant::Column::UserId.eq(user)),
                );
            }
        }
        let rows = capability_grant::Entity::find()
            .filter(cond)
            .order_by_asc(capability_grant::Column::Id)
            .all(&self.db)
            .await
            .map_err(load_err)?;
        let mut out: HashMap<GrantsOfOrganization, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for r in rows {
            for key in [GrantsOfOrganization(r.organization_id, None), GrantsOfOrganization(r.organization_id, Some(r.user_id))] {
                if let Some(list) = out.get_mut(&key) {
                    list.push(r.clone());
                }
            }
        }
        Ok(out)
    }
}
