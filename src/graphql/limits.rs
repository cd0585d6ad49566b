//! The GraphQL-side limits of RULES.md §8 and the error codes of parse and validation
//! failures. async-graphql has depth and complexity limits but no alias limit and no
//! codes; this extension adds both, for HTTP and WebSocket alike.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest, NextSubscribe, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{IntrospectionMode, Positioned, Response, ServerError, ServerResult, ValidationResult, Variables};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::sync::Arc;

pub struct Limits {
    pub max_aliases: usize,
}

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension { max_aliases: self.max_aliases })
    }
}

struct LimitsExtension {
    max_aliases: usize,
}

pub fn with_code(mut e: ServerError, code: &str, limit: Option<&str>) -> ServerError {
    let ext = e.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    if let Some(limit) = limit {
        ext.set("limit", limit);
    }
    e
}

fn count_aliases(doc: &ExecutableDocument) -> usize {
    fn walk(set: &Positioned<SelectionSet>) -> usize {
        set.node
            .items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(f) => usize::from(f.node.alias.is_some()) + walk(&f.node.selection_set),
                Selection::InlineFragment(f) => walk(&f.node.selection_set),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let ops: usize = doc.operations.iter().map(|(_, op)| walk(&op.node.selection_set)).sum();
    let frags: usize = doc.fragments.values().map(|f| walk(&f.node.selection_set)).sum();
    ops + frags
}

/// True when the document selects `__schema` or `__type` anywhere (names starting with
/// `__` are reserved, so these can only be the introspection fields).
fn selects_introspection(doc: &ExecutableDocument) -> bool {
    fn walk(set: &Positioned<SelectionSet>) -> bool {
        set.node.items.iter().any(|item| match &item.node {
            Selection::Field(f) => matches!(f.node.name.node.as_str(), "__schema" | "__type") || walk(&f.node.selection_set),
            Selection::InlineFragment(f) => walk(&f.node.selection_set),
            Selection::FragmentSpread(_) => false,
        })
    }
    doc.operations.iter().any(|(_, op)| walk(&op.node.selection_set))
        || doc.fragments.values().any(|f| walk(&f.node.selection_set))
}

/// Gives every error of a response a code (RULES.md §3). Errors raised by async-graphql
/// itself carry none: choosing the operation is part of validating the document, input
/// coercion is bad input, and anything else is masked as `INTERNAL`.
fn code_errors(mut response: Response) -> Response {
    for e in &mut response.errors {
        let has_code = e.extensions.as_ref().is_some_and(|x| x.get("code").is_some());
        if has_code {
            continue;
        }
        let m = e.message.as_str();
        if m.starts_with("Unknown operation named") || m.starts_with("Operation name required") {
            *e = with_code(e.clone(), "GRAPHQL_VALIDATION_FAILED", None);
        } else if m.starts_with("Subscriptions are not supported") {
            e.message = "subscriptions run over the WebSocket endpoint /graphql/ws".into();
            *e = with_code(e.clone(), "GRAPHQL_VALIDATION_FAILED", None);
        } else if m.starts_with("Failed to parse") || m.starts_with("Invalid value") {
            *e = with_code(e.clone(), "BAD_USER_INPUT", None);
        } else {
            tracing::error!(message = %e.message, "uncoded error masked");
            e.message = "internal error".into();
            *e = with_code(e.clone(), "INTERNAL", None);
        }
    }
    response
}

#[async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        code_errors(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream).map(code_errors).boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await.map_err(|e| with_code(e, "GRAPHQL_PARSE_FAILED", None))?;
        let aliases = count_aliases(&doc);
        if aliases > self.max_aliases {
            let e = ServerError::new(format!("too many aliases: {aliases} (limit {})", self.max_aliases), None);
            return Err(with_code(e, "GRAPHQL_VALIDATION_FAILED", Some("aliases")));
        }
        // async-graphql answers a disabled `__schema` with null; refuse it instead.
        if ctx.schema_env.registry.introspection_mode == IntrospectionMode::Disabled && selects_introspection(&doc) {
            let e = ServerError::new("introspection is disabled on this server", None);
            return Err(with_code(e, "GRAPHQL_VALIDATION_FAILED", None));
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let limit = match e.message.as_str() {
                        "Query is too complex." => Some("complexity"),
                        "Query is nested too deep." => Some("depth"),
                        _ => None,
                    };
                    with_code(e, "GRAPHQL_VALIDATION_FAILED", limit)
                })
                .collect()
        })
    }

    async fn execute(&self, ctx: &ExtensionContext<'_>, operation_name: Option<&str>, next: NextExecute<'_>) -> Response {
        code_errors(next.run(ctx, operation_name).await)
    }
}

/// `{"errors":[{"message":…,"extensions":{"code":…}}]}` for errors raised before execution.
pub fn error_body(message: &str, code: &str, limit: Option<&str>) -> serde_json::Value {
    let mut ext = serde_json::json!({ "code": code });
    if let Some(limit) = limit {
        ext["limit"] = serde_json::Value::String(limit.into());
    }
    serde_json::json!({ "errors": [{ "message": message, "extensions": ext }] })
}
