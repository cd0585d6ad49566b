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
