//! API tokens by id (`schema.rs` keeps only the viewer's own), a user's tokens and an
//! organization's SDK tokens.

use crate::db::page::{Page, PageArgs};
use crate::db::{Sql, load_page};
use crate::request::{DbLoader, LoadError, load_err};
use async_graphql::dataloader::Loader;
use std::collections::HashMap;
use uuid::Uuid;

/// A user's tokens, revoked and expired ones included, one page. The caller has checked
/// that the user is the viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TokensOfUser(pub Uuid, pub PageArgs);

impl Loader<TokensOfUser> for DbLoader {
    type Value = Page<entity::api_token::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[TokensOfUser]) -> Result<HashMap<TokensOfUser, Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for key in keys {
            let filter = |sql: &mut Sql| {
                sql.push("t.user_id = ").bind(key.0);
            };
            let page = load_page::<entity::api_token::Entity, _>(&self.db, "api_tokens", &filter, &key.1).await;
            out.insert(*key, page.map_err(load_err)?);
        }
        Ok(out)
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
        let mut out = HashMap::new();
        for key in keys {
            let filter = |sql: &mut Sql| {
                sql.push("t.organization_id = ").bind(key.0);
            };
            let page = load_page::<entity::api_token::Entity, _>(&self.db, "api_tokens", &filter, &key.1).await;
            out.insert(*key, page.map_err(load_err)?);
        }
        Ok(out)
    }
}
