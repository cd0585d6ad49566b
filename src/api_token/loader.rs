//! API tokens by id (`authz`'s rule: the owner's, and an organization's SDK tokens for
//! holders of `sdk_token.view` there), a user's tokens and an organization's SDK tokens.

use crate::db::page::{Page, PageArgs};
use crate::db::{Sql, load_pages};
use crate::request::Loader;
use crate::request::{DbLoader, LoadError, load_err};
use foldhash::HashMap;
use uuid::Uuid;

/// A user's tokens, revoked and expired ones included, one page, as the viewer sees them
/// (`Grants::push_sql_own_api_tokens`). The caller has checked that the user is the viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TokensOfUser(pub Uuid, pub PageArgs);

impl Loader<TokensOfUser> for DbLoader {
    type Value = Page<entity::api_token::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[TokensOfUser]) -> Result<HashMap<TokensOfUser, Self::Value>, Self::Error> {
        let grants = self.grants().await.map_err(load_err)?;
        // The user is the viewer: their tokens as the credential sees them.
        let filter = |_: &Uuid, sql: &mut Sql| grants.push_sql_own_api_tokens(sql);
        load_pages::<entity::api_token::Entity, _, _, _>(&self.db, "api_tokens", keys, |k| (k.0, k.1), filter)
            .await
            .map_err(load_err)
    }
}

/// The tokens restricted to an organization (its SDK tokens), revoked and expired ones
/// included, one page. The caller has checked `sdk_token.view` on the organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TokensOfOrganization(pub Uuid, pub PageArgs);

impl Loader<TokensOfOrganization> for DbLoader {
    type Value = Page<entity::api_token::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[TokensOfOrganization]) -> Result<HashMap<TokensOfOrganization, Self::Value>, Self::Error> {
        let filter = |id: &Uuid, sql: &mut Sql| {
            sql.push("t.organization_id = ").bind(*id);
        };
        load_pages::<entity::api_token::Entity, _, _, _>(&self.db, "api_tokens", keys, |k| (k.0, k.1), filter)
            .await
            .map_err(load_err)
    }
}
