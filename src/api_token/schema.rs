//! The `ApiToken` type, `User.apiTokens` and the `createApiToken` / `revokeApiToken`
//! mutations.

use super::loader::{TokensOfOrganization, TokensOfUser};
use super::service;
use crate::authz::{Resource, keys};
use crate::connection;
use crate::db::page::{Page, PageArgs};
use crate::domain::Name;
use crate::graphql::context::gql;
use crate::graphql::context::{CtxExt, visible};
use crate::graphql::ids::{Kind, decode_as, encode};
use crate::organization::schema::Organization;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A personal access token of the viewer, for scripts and integrations: send its secret
/// as `Authorization: Bearer orgraph_pat_…`. The secret itself is shown only once, by
/// `createApiToken`.
#[derive(Clone)]
pub struct ApiToken(pub entity::api_token::Model);

connection!(ApiTokenConnection, ApiTokenEdge, ApiToken, "A page of API tokens.", "An API token with its cursor.");

/// A page of `user`'s tokens (the caller checked that `user` is the viewer), oldest first.
pub async fn tokens_of(ctx: &Context<'_>, user: Uuid, args: PageArgs) -> Result<ApiTokenConnection> {
    let page = ctx.req()?.loader.load_one(TokensOfUser(user, args)).await.map_err(gql)?;
    Ok(ApiTokenConnection::from_page(page.unwrap_or_else(Page::empty), ApiToken))
}

/// A page of the SDK tokens of `org` (tokens restricted to it, of any member), for holders
/// of `sdk_token.view` on it; `None` for anyone else.
pub async fn sdk_tokens_of(ctx: &Context<'_>, org: Uuid, args: PageArgs) -> Result<Option<ApiTokenConnection>> {
    let req = ctx.req()?;
    let grants = req.grants().await?;
    if !grants.can_in_view(&Resource::Organization { org }, keys::SDK_TOKEN_VIEW) {
        return Ok(None);
    }
    let page = req.loader.load_one(TokensOfOrganization(org, args)).await.map_err(gql)?;
    Ok(Some(ApiTokenConnection::from_page(page.unwrap_or_else(Page::empty), ApiToken)))
}

/// A personal access token, for scripts and integrations: send its secret as
/// `Authorization: Bearer orgraph_pat_…`. The secret itself is shown only once, by
/// `createApiToken`. Listed by its owner (`User.apiTokens`) and, when restricted to an
/// organization, by holders of `sdk_token.view` there (`Organization.sdkTokens`).
#[Object]
impl ApiToken {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::ApiToken, self.0.id)
    }
    /// The name given at creation.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Whose token it is (the viewer for their own tokens; a member of the organization for
    /// its SDK tokens); null when the user is not visible to you.
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<crate::user::schema::User>> {
        crate::user::schema::visible_user(ctx, Some(self.0.user_id)).await
    }
    /// The first characters of the secret (e.g. `orgraph_pat_ab12`), to recognize it.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    /// The one organization the token is restricted to; null for an unrestricted token
    /// (or when the organization is no longer visible to you).
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(id) = self.0.organization_id else { return Ok(None) };
        Ok(visible::<entity::organization::Entity>(ctx, id).await?.map(Organization))
    }
    /// When the token was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the token stops working.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// Last time a request was authenticated with the token (recorded at most once a minute); null if never.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// True once the token has been revoked; it no longer authenticates.
    async fn revoked(&self) -> bool {
        self.0.revoked_at.is_some()
    }
}

/// Input of `createApiToken`.
#[derive(InputObject)]
pub struct CreateApiTokenInput {
    /// A name to recognize the token by: 1–128 characters after trimming.
    pub name: String,
    /// Lifetime in seconds: 60 (one minute) to 31536000 (one year).
    pub expires_in_seconds: i32,
    /// Restricts the token to this organization (you must be a member holding
    /// `sdk_token.generate`): it then acts as if you belonged to no other organization.
    pub organization_id: Option<ID>,
}

/// Result of `createApiToken`.
#[derive(SimpleObject)]
pub struct CreateApiTokenPayload {
    /// The new token.
    pub api_token: ApiToken,
    /// The secret (`orgraph_pat_…`), shown only here: store it now, orgraph keeps only its hash.
    pub secret: String,
}

/// Input of `revokeApiToken`.
#[derive(InputObject)]
pub struct RevokeApiTokenInput {
    /// One of your tokens, not yet revoked.
    pub api_token_id: ID,
}

/// Result of `revokeApiToken`.
#[derive(SimpleObject)]
pub struct RevokeApiTokenPayload {
    /// The token, now revoked.
    pub api_token: ApiToken,
}

#[derive(Default)]
pub struct ApiTokenMutation;

#[Object]
impl ApiTokenMutation {
    /// Creates a personal access token of the viewer (at most 50 live ones) and returns its secret, once.
    /// Needs an identity-provider token: an API token cannot create tokens (`FORBIDDEN`).
    /// A token acts only in organizations where you hold `sdk_token.generate`, checked at each use.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`CreateApiTokenInput`).")] input: CreateApiTokenInput,
    ) -> Result<CreateApiTokenPayload> {
        let req = ctx.req()?;
        req.user()?;
        let name = Name::parse("name", &input.name)?;
        let lifetime = service::lifetime(input.expires_in_seconds)?;
        let org = input.organization_id.as_deref().map(|id| decode_as(id, Kind::Organization, "organizationId")).transpose()?;
        let (token, secret) = service::create_api_token(req, name, lifetime, org).await?;
        Ok(CreateApiTokenPayload { api_token: ApiToken(token), secret })
    }

    /// Revokes one of the viewer's personal access tokens: it stops authenticating at once.
    /// Needs an identity-provider token: an API token cannot revoke tokens (`FORBIDDEN`).
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the mutation needs (`RevokeApiTokenInput`).")] input: RevokeApiTokenInput,
    ) -> Result<RevokeApiTokenPayload> {
        let req = ctx.req()?;
        req.user()?;
        let id = decode_as(&input.api_token_id, Kind::ApiToken, "apiTokenId")?;
        let token = service::revoke_api_token(req, id).await?;
        Ok(RevokeApiTokenPayload { api_token: ApiToken(token) })
    }
}
