//! The `CapabilityGrant` type, `Organization.capabilityGrants` and the
//! `grantCapability` / `revokeCapability` mutations.

use super::service::{self, CapabilityRef};
use crate::db::page::Page;
use crate::error::AppError;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::ids::{Kind, decode_as, encode};
use crate::graphql::pagination::page_args;
use crate::organization::schema::{Organization, load_organization};
use crate::user::schema::{User, visible_user};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One grantable permission given to one member of an organization on top of their
/// role (seed 004: "Allow Team Admins to run model training"). Organization keys hold on
/// the organization, team and project keys on every team and project of it.
#[derive(Clone)]
pub struct CapabilityGrant(pub entity::capability_grant::Model);

/// One grantable permission given to one member of an organization on top of their
/// role (seed 004: "Allow Team Admins to run model training"). Organization keys hold on
/// the organization, team and project keys on every team and project of it.
#[Object]
impl CapabilityGrant {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::CapabilityGrant, self.0.id)
    }
    /// The permission key granted (see `permissionCatalog`, `grantable: true`).
    async fn permission(&self) -> &str {
        &self.0.permission
    }
    /// The member who holds it.
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        crate::user::schema::member(ctx, self.0.user_id).await
    }
    /// Who granted it; null when unknown or not visible to the viewer.
    async fn granted_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        visible_user(ctx, self.0.granted_by).await
    }
    /// The organization it holds in.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        load_organization(ctx, self.0.organization_id).await
    }
    /// When it was granted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

crate::connection!(
    CapabilityGrantConnection,
    CapabilityGrantEdge,
    CapabilityGrant,
    "A page of capability grants.",
    "A capability grant with its cursor."
);

/// One page of an organization's grants the viewer may list (see `service::grants_of`).
pub async fn grants_of_org(
    ctx: &Context<'_>,
    org: Uuid,
    user_id: Option<ID>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<CapabilityGrantConnection> {
    let args = page_args(first, after.as_deref(), last, before.as_deref())?;
    let empty = || Ok(CapabilityGrantConnection::from_page(Page::<entity::capability_grant::Model>::empty(), CapabilityGrant));
    let user = match user_id.map(|u| decode_as(&u, Kind::User, "userId")).transpose() {
        Ok(u) => u,
        // A user id of another kind names nobody: nothing matches.
        Err(AppError::NotFound) => return empty(),
        Err(e) => return Err(e.into()),
    };
    let req = ctx.req()?;
    let Some(key) = service::grants_of(req, org, user, args).await? else { return empty() };
    let page = req.loader.load_one(key).await.map_err(gql)?.unwrap_or_else(Page::empty);
    Ok(CapabilityGrantConnection::from_page(page, CapabilityGrant))
}

/// Input of `grantCapability`.
#[derive(InputObject)]
pub struct GrantCapabilityInput {
    /// The organization (`capability.manage` there: its owner).
    pub organization_id: ID,
    /// An active member of the organization, who gets the capability.
    pub user_id: ID,
    /// A grantable permission key (`permissionCatalog`, `grantable: true`), e.g. `model.train`.
    pub permission: String,
}

/// Input of `revokeCapability`.
#[derive(InputObject)]
pub struct RevokeCapabilityInput {
    /// The organization (`capability.manage` there: its owner).
    pub organization_id: ID,
    /// The member who loses the capability.
    pub user_id: ID,
    /// The granted permission key.
    pub permission: String,
}

/// Input validation, in the order of RULES.md §3: the permission key, then the ids.
fn parse(ctx: &Context<'_>, organization_id: &ID, user_id: &ID, permission: &str) -> Result<CapabilityRef> {
    let req = ctx.req()?;
    req.user()?;
    let permission = service::parse_permission(&req.catalog(), permission)?;
    let organization = decode_as(organization_id, Kind::Organization, "organizationId")?;
    let user = decode_as(user_id, Kind::User, "userId")?;
    Ok(CapabilityRef { organization, user, permission })
}

/// Result of `grantCapability`.
#[derive(SimpleObject)]
pub struct GrantCapabilityPayload {
    /// The new grant; it holds from the next request on.
    pub grant: CapabilityGrant,
}

/// Result of `revokeCapability`.
#[derive(SimpleObject)]
pub struct RevokeCapabilityPayload {
    /// Id of the grant that was removed.
    pub revoked_grant_id: ID,
}

#[derive(Default)]
pub struct CapabilityMutation;

#[Object]
impl CapabilityMutation {
    /// Gives an active member of the organization one grantable capability.
    async fn grant_capability(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`GrantCapabilityInput`).")] input: GrantCapabilityInput,
    ) -> Result<GrantCapabilityPayload> {
        let g = parse(ctx, &input.organization_id, &input.user_id, &input.permission)?;
        let req = ctx.req()?;
        let row = service::grant_capability(req, g).await?;
        Ok(GrantCapabilityPayload { grant: CapabilityGrant(row) })
    }

    /// Takes a capability back; what the member created with it stays (seed 004).
    async fn revoke_capability(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`RevokeCapabilityInput`).")] input: RevokeCapabilityInput,
    ) -> Result<RevokeCapabilityPayload> {
        let g = parse(ctx, &input.organization_id, &input.user_id, &input.permission)?;
        let req = ctx.req()?;
        let id = service::revoke_capability(req, g).await?;
        Ok(RevokeCapabilityPayload { revoked_grant_id: encode(Kind::CapabilityGrant, id) })
    }
}
