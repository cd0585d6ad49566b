//! `viewerRole`, `viewerPermissions` and `viewerCan`, shared by Organization, Team and Project.

use super::context::CtxExt;
use crate::authz::{Resource, Scope};
use crate::error::AppError;
use crate::role::schema::Role;
use async_graphql::{Context, Result};
use uuid::Uuid;

pub async fn role(ctx: &Context<'_>, scope: Scope, id: Uuid) -> Result<Option<Role>> {
    let grants = ctx.req()?.grants().await?;
    Ok(grants.role_at(scope, id).map(|h| Role(h.role.clone())))
}

pub async fn permissions(ctx: &Context<'_>, r: Resource) -> Result<Vec<String>> {
    Ok(ctx.req()?.grants().await?.permissions(&r).into_iter().collect())
}

pub async fn can(ctx: &Context<'_>, r: Resource, permission: &str) -> Result<bool> {
    let req = ctx.req()?;
    if !req.catalog().is_known_permission(permission) {
        return Err(AppError::bad_input("permission", format!("unknown permission key '{permission}'")).into());
    }
    Ok(req.grants().await?.can(&r, permission))
}
