//! The `User` type and the `viewer` root field.

use super::loader::{MembershipsOfUser, ViewerOrganizations, ViewerTeams, VisibleUser};
use crate::db::page::Page;
use crate::graphql::context::CtxExt;
use crate::graphql::context::gql;
use crate::graphql::ids::{Kind, encode};
use crate::graphql::pagination::{cost_either, page_args};
use crate::membership::schema::MembershipConnection;
use crate::organization::schema::OrganizationConnection;
use crate::request::RequestCtx;
use crate::role::schema::ScopeKind;
use crate::team::schema::TeamConnection;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

/// A person. Identity belongs to the identity provider; orgraph knows them by `sub`.
#[derive(Clone)]
pub struct User(pub entity::user::Model);

impl User {
    fn is_viewer(&self, req: &RequestCtx) -> bool {
        req.viewer.is(self.0.id)
    }
}

/// The member of a membership, group membership or capability grant the viewer was
/// shown. Seeing the row puts the member in an organization the viewer belongs to
/// (RULES.md §3.1: they share it), so the user is not asked after again: a member removed
/// while the request runs (the row read by one statement, the user by a later one) still
/// answers, where `user` is non-null.
pub async fn member(ctx: &Context<'_>, id: uuid::Uuid) -> Result<User> {
    let user = ctx.req()?.loader.load_one(super::loader::UserById(id)).await.map_err(gql)?;
    Ok(User(user.ok_or(crate::error::AppError::NotFound)?))
}

/// Resolves an optional user reference as the viewer may see it.
pub async fn visible_user(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<User>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx.req()?.loader.load_one(VisibleUser(id)).await.map_err(gql)?.map(User))
}

/// A person. Identity belongs to the identity provider; orgraph knows them by `sub`.
#[Object]
impl User {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        encode(Kind::User, self.0.id)
    }
    /// Display name from the identity provider (`name` claim).
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Only for the user themself; null for anyone else.
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self.is_viewer(ctx.req()?).then_some(self.0.email.as_str()))
    }
    /// When orgraph first saw this user.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Only for the viewer themself; null for anyone else. Organizations the viewer belongs to.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<Option<OrganizationConnection>> {
        let req = ctx.req()?;
        let args = crate::graphql::pagination::page_args_in(ctx, first, after.as_deref(), last, before.as_deref())?;
        if !self.is_viewer(req) {
            return Ok(None);
        }
        let page = req.loader.load_one(ViewerOrganizations(args)).await.map_err(gql)?.unwrap_or_default();
        Ok(Some(OrganizationConnection::from_page(page, crate::organization::schema::Organization)))
    }
    /// Only for the viewer themself; null for anyone else. Teams the viewer is an explicit member of and sees, as `node` does (a custom team role with neither `team.read` nor `project.read` opens nothing; a team seen only through an organization role that reads its projects is listed while it holds one).
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn teams(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<Option<TeamConnection>> {
        let req = ctx.req()?;
        let args = page_args(first, after.as_deref(), last, before.as_deref())?;
        if !self.is_viewer(req) {
            return Ok(None);
        }
        let page = req.loader.load_one(ViewerTeams(args)).await.map_err(gql)?.unwrap_or_else(Page::empty);
        Ok(Some(TeamConnection::from_page(page, crate::team::schema::Team)))
    }
    /// Only for the viewer themself; null for anyone else. Every membership of the viewer, optionally of one scope kind.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
        #[graphql(desc = "Only memberships of this scope kind.")] scope_kind: Option<ScopeKind>,
    ) -> Result<Option<MembershipConnection>> {
        let req = ctx.req()?;
        let args = page_args(first, after.as_deref(), last, before.as_deref())?;
        if !self.is_viewer(req) {
            return Ok(None);
        }
        let key = MembershipsOfUser { user: self.0.id, scope: scope_kind.map(Into::into), args };
        let page = req.loader.load_one(key).await.map_err(gql)?.unwrap_or_else(Page::empty);
        Ok(Some(MembershipConnection::from_page(page, crate::membership::schema::Membership)))
    }
    /// Only for the viewer themself; null for anyone else. The viewer's personal access tokens, revoked and expired ones included, oldest first.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn api_tokens(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
    ) -> Result<Option<crate::api_token::schema::ApiTokenConnection>> {
        let req = ctx.req()?;
        let args = page_args(first, after.as_deref(), last, before.as_deref())?;
        if !self.is_viewer(req) {
            return Ok(None);
        }
        crate::api_token::schema::tokens_of(ctx, self.0.id, args).await.map(Some)
    }
    /// Only for the viewer themself; null for anyone else. The labeling jobs the viewer is
    /// assigned to (as assignee or reviewer), oldest first.
    #[graphql(complexity = "cost_either(first, last, child_complexity)")]
    async fn labeling_jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the job to continue after (`pageInfo.endCursor`).")] after: Option<String>,
        #[graphql(desc = "Page size paging backward: the last 1-100 (default 20) before `before`.")] last: Option<i32>,
        #[graphql(desc = "Cursor to page back from (`pageInfo.startCursor`).")] before: Option<String>,
        #[graphql(desc = "Only jobs in this status.")] status: Option<crate::labeling::schema::LabelingJobStatus>,
    ) -> Result<Option<crate::labeling::schema::LabelingJobConnection>> {
        if !self.is_viewer(ctx.req()?) {
            return Ok(None);
        }
        crate::labeling::schema::jobs_of_viewer(ctx, first, after, last, before, status).await.map(Some)
    }
    /// Only for the viewer themself; null for anyone else. The 100 newest PENDING invitations.
    async fn pending_invitations(&self, ctx: &Context<'_>) -> Result<Option<Vec<crate::invitation::schema::Invitation>>> {
        if !self.is_viewer(ctx.req()?) {
            return Ok(None);
        }
        crate::invitation::schema::pending_for_viewer(ctx).await.map(Some)
    }
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The authenticated user (created on first sight of a valid token).
    async fn viewer(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User(ctx.req()?.user()?.clone()))
    }
}
