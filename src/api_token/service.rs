//! API token rules: create (validated lifetime, optional organization the viewer belongs
//! to and holds `sdk_token.generate` in, at most 50 live tokens per user, counted under
//! the user row lock), revoke (owner only, once), both only with an identity-provider
//! token (RULES.md §9.6), and authentication of a bearer secret by its hash. Where a token
//! acts is decided with the grants at each use (`Grants::within_api_token_reach`).

use super::PREFIX;
use crate::authz::keys;
use crate::domain::Name;
use crate::error::{AppError, AppResult};
use crate::request::RequestCtx;
use crate::user::repo::lock_user;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use entity::{api_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Live (unrevoked, unexpired) tokens a user may hold at once.
pub const MAX_LIVE_PER_USER: u64 = 50;
/// Shortest lifetime: one minute.
pub const MIN_LIFETIME_SECONDS: i64 = 60;
/// Longest lifetime: one year (365 days).
pub const MAX_LIFETIME_SECONDS: i64 = 31_536_000;
/// `last_used_at` is written at most this often per token (one write per request would
/// turn every read into a write).
const LAST_USED_GRANULARITY_SECONDS: i64 = 60;
/// Random characters of the secret kept in `prefix` for display.
const SHOWN_CHARS: usize = 4;

/// SHA-256 of a secret, lowercase hex: what is stored and looked up.
pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A new secret (`orgraph_pat_` + 32 random bytes, base64url) and its display prefix.
fn generate() -> (String, String) {
    use rand::RngCore;
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let body = URL_SAFE_NO_PAD.encode(raw);
    let prefix = format!("{PREFIX}{}", &body[..SHOWN_CHARS]);
    (format!("{PREFIX}{body}"), prefix)
}

/// `expiresInSeconds`, checked: 60 ..= 31536000.
pub fn lifetime(seconds: i32) -> AppResult<Duration> {
    let seconds = i64::from(seconds);
    if !(MIN_LIFETIME_SECONDS..=MAX_LIFETIME_SECONDS).contains(&seconds) {
        return Err(AppError::bad_input(
            "expiresInSeconds",
            format!("expiresInSeconds must be between {MIN_LIFETIME_SECONDS} (1 minute) and {MAX_LIFETIME_SECONDS} (1 year)"),
        ));
    }
    Ok(Duration::seconds(seconds))
}

/// RULES.md §9.6: tokens are created and revoked only with an identity-provider token, so
/// a leaked token can neither outlive its revocation through a child nor revoke others.
fn api_token_refusal() -> AppError {
    AppError::forbidden(
        "API tokens are created and revoked only when signed in with the identity provider, not with an API token",
    )
}

/// Creates a token of the viewer; returns it with its secret (shown only now).
pub async fn create_api_token(
    req: &RequestCtx,
    name: Name,
    lifetime: Duration,
    organization: Option<Uuid>,
) -> AppResult<(api_token::Model, String)> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let grants = req.load_grants(&txn).await?;
    if let Some(org) = organization
        && !grants.sees_org(org)
    {
        return Err(AppError::NotFound);
    }
    if req.viewer.is_api_token() {
        return Err(api_token_refusal());
    }
    // An organization's SDK token (seed 004: only the Team Owner generates one).
    if let Some(org) = organization
        && !grants.can(&crate::authz::Resource::Organization { org }, keys::SDK_TOKEN_GENERATE)
    {
        return Err(AppError::forbidden("requires sdk_token.generate on the organization"));
    }
    // The user row lock serializes the viewer's creates: the count below is exact.
    lock_user(&txn, viewer.id).await?;
    let now = crate::db::now();
    let live = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(viewer.id))
        .filter(api_token::Column::RevokedAt.is_null())
        .filter(api_token::Column::ExpiresAt.gt(now))
        .count(&txn)
        .await?;
    if live >= MAX_LIVE_PER_USER {
        return Err(AppError::precondition(format!("at most {MAX_LIVE_PER_USER} live API tokens per user: revoke one first")));
    }
    let (secret, prefix) = generate();
    let token = api_token::Model {
        id: Uuid::now_v7(),
        user_id: viewer.id,
        name: name.into_string(),
        token_hash: hash(&secret),
        prefix,
        organization_id: organization,
        created_at: now,
        expires_at: now + lifetime,
        last_used_at: None,
        revoked_at: None,
    };
    api_token::Entity::insert(token.clone().into_active_model()).exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok((token, secret))
}

/// Revokes one of the viewer's tokens; someone else's is `NOT_FOUND`, a revoked one
/// `FAILED_PRECONDITION`.
pub async fn revoke_api_token(req: &RequestCtx, id: Uuid) -> AppResult<api_token::Model> {
    let viewer = req.user()?;
    let txn = req.begin_write().await?;
    let token =
        api_token::Entity::find_by_id(id).one(&txn).await?.filter(|t| t.user_id == viewer.id).ok_or(AppError::NotFound)?;
    if req.viewer.is_api_token() {
        return Err(api_token_refusal());
    }
    let already = || AppError::precondition("the API token is already revoked");
    if token.revoked_at.is_some() {
        return Err(already());
    }
    let now = crate::db::now();
    // Conditional: of two concurrent revokes, exactly one changes the row.
    let changed = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(already());
    }
    txn.commit().await?;
    Ok(api_token::Model { revoked_at: Some(now), ..token })
}

/// Whether a token authenticates at `now`.
pub fn is_live(token: &api_token::Model, now: DateTime<Utc>) -> bool {
    token.revoked_at.is_none() && token.expires_at > now
}

/// Whether token `id` of `user` is still live (checked again at each use that outlives
/// its authentication: a socket's operations and events, a write under its lock).
pub async fn is_live_by_id<C: ConnectionTrait>(db: &C, id: Uuid, user: Uuid) -> AppResult<bool> {
    let token = api_token::Entity::find_by_id(id).one(db).await?;
    Ok(token.is_some_and(|t| t.user_id == user && is_live(&t, crate::db::now())))
}

/// A bearer secret → its live token and user; `None` for an unknown, revoked or expired
/// token (HTTP 401). Records `last_used_at`, at most once a minute per token.
pub async fn authenticate(db: &DatabaseConnection, secret: &str) -> AppResult<Option<(user::Model, api_token::Model)>> {
    let now = crate::db::now();
    let found = api_token::Entity::find().filter(api_token::Column::TokenHash.eq(hash(secret))).one(db).await?;
    let Some(token) = found.filter(|t| is_live(t, now)) else { return Ok(None) };
    let Some(user) = user::Entity::find_by_id(token.user_id).one(db).await? else { return Ok(None) };
    let stale = token.last_used_at.is_none_or(|at| now - at >= Duration::seconds(LAST_USED_GRANULARITY_SECONDS));
    if stale {
        // Bookkeeping, but on a live token only: a revocation this write waited for (its
        // row lock, SQLite's write lock) committed before the request runs, so the
        // request is refused. A failed write must not refuse a valid token.
        let write = api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(token.id))
            .filter(api_token::Column::RevokedAt.is_null())
            .filter(api_token::Column::ExpiresAt.gt(now))
            .exec(db)
            .await;
        match write {
            Ok(done) if done.rows_affected == 0 => return Ok(None),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, token = %token.id, "could not record API token use"),
        }
    }
    Ok(Some((user, token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_have_the_documented_shape() {
        let (secret, prefix) = generate();
        assert!(secret.starts_with("orgraph_pat_"));
        assert_eq!(secret.len(), PREFIX.len() + 43);
        assert!(secret.starts_with(&prefix));
        assert_eq!(prefix.len(), PREFIX.len() + SHOWN_CHARS);
        assert_eq!(hash(&secret).len(), 64);
        assert_ne!(generate().0, secret);
    }

    #[test]
    fn lifetime_bounds() {
        assert!(lifetime(59).is_err());
        assert!(lifetime(60).is_ok());
        assert!(lifetime(31_536_000).is_ok());
        assert!(lifetime(31_536_001).is_err());
        assert!(lifetime(-1).is_err());
    }
}
