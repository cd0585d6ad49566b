//! What a resolver reads from async-graphql's context: the request context (`request`)
//! that `http` attached to the operation.

use crate::error::{AppError, AppResult};
use crate::request::{LoadError, RequestCtx};
use async_graphql::{Context, ErrorExtensions};

pub trait CtxExt {
    fn req(&self) -> AppResult<&RequestCtx>;
}

impl CtxExt for Context<'_> {
    fn req(&self) -> AppResult<&RequestCtx> {
        self.data::<RequestCtx>().map_err(|_| AppError::internal("request context missing"))
    }
}

/// Turns a loader error back into a GraphQL error with its code.
pub fn gql(e: LoadError) -> async_graphql::Error {
    e.extend()
}

/// The row of kind `E` with this id if the viewer sees it: `authz`'s rule for the kind,
/// applied in SQL, batched with the other lookups of the same level (RULES.md §9.1).
pub async fn visible<E>(ctx: &Context<'_>, id: uuid::Uuid) -> async_graphql::Result<Option<E::Model>>
where
    E: crate::authz::Visible + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    ctx.req()?.loader.load_one(crate::request::VisibleById::<E>::new(id)).await.map_err(gql)
}
