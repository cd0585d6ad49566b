//! Error codes for the errors async-graphql raises itself, decided by the phase that raised
//! them (never by their wording), and the cap on how many errors one response lists. The
//! limits of RULES.md §8 are enforced before async-graphql sees a document (`guard`).

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest, NextSubscribe, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::sync::Arc;

pub struct Coding {
    /// Errors listed in one response.
    pub max_errors: usize,
}

impl ExtensionFactory for Coding {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CodingExtension { max_errors: self.max_errors })
    }
}

struct CodingExtension {
    max_errors: usize,
}

/// Characters of an error message kept in an answer. async-graphql's messages quote the
/// document (a name, a value): a fragment naming a 240,000-character variable, used by
/// 100 operations, made a 242 KB anonymous request answer 24 MB of errors (a helper's
/// fuzzing), held in memory while the client did not read it.
pub const MAX_MESSAGE_CHARS: usize = 1024;

/// `message` cut to `MAX_MESSAGE_CHARS` characters, saying how much was left out: in every
/// answer's errors (executed, refused before execution, or before the document was read).
fn bounded_message(message: &mut String) {
    if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS) {
        let omitted = message[cut..].chars().count();
        message.truncate(cut);
        message.push_str(&format!("… ({omitted} more characters)"));
    }
}

fn with_code(mut e: ServerError, code: &str) -> ServerError {
    let ext = e.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    e
}

fn has_code(e: &ServerError) -> bool {
    e.extensions.as_ref().is_some_and(|x| x.get("code").is_some())
}

impl CodingExtension {
    /// Whatever is still uncoded once every phase coded its own errors is masked as
    /// `INTERNAL` (logged, never shown), the list is cut to `max_errors` and each
    /// message to `MAX_MESSAGE_CHARS`.
    fn finish(&self, mut response: Response) -> Response {
        for e in &mut response.errors {
            bounded_message(&mut e.message);
            if !has_code(e) {
                tracing::error!(message = %e.message, "uncoded error masked");
                e.message = "internal error".into();
                *e = with_code(e.clone(), "INTERNAL");
            }
        }
        let total = response.errors.len();
        if total > self.max_errors {
            response.errors.truncate(self.max_errors);
            let omitted = async_graphql::Value::from((total - self.max_errors) as u64);
            response.extensions.insert("omittedErrors".into(), omitted);
        }
        response
    }
}

#[async_trait::async_trait]
impl Extension for CodingExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        self.finish(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let max_errors = self.max_errors;
        next.run(ctx, stream).map(move |r| CodingExtension { max_errors }.finish(r)).boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|e| with_code(e, "GRAPHQL_PARSE_FAILED"))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| errors.into_iter().map(|e| with_code(e, "GRAPHQL_VALIDATION_FAILED")).collect())
    }

    async fn execute(&self, ctx: &ExtensionContext<'_>, operation_name: Option<&str>, next: NextExecute<'_>) -> Response {
        code_execution(next.run(ctx, operation_name).await)
    }
}

/// Resolvers return coded errors (`AppError`); what async-graphql raises while running
/// a valid document is input coercion (a variable or argument value the type refuses).
fn code_execution(mut response: Response) -> Response {
    for e in &mut response.errors {
        if !has_code(e) {
            *e = with_code(e.clone(), "BAD_USER_INPUT");
        }
    }
    response
}

/// What `Coding` does to the answer of an executed document, for a request that ran
/// without the extension (`graphql::build_plain`).
pub fn finish_executed(response: Response, max_errors: usize) -> Response {
    CodingExtension { max_errors }.finish(code_execution(response))
}

/// `{"errors":[{"message":…,"extensions":{"code":…}}]}` for errors raised before a document
/// is read (content type, body size, batching).
pub fn error_body(message: &str, code: &str, limit: Option<&str>) -> serde_json::Value {
    let mut message = message.to_string();
    bounded_message(&mut message);
    let mut ext = serde_json::json!({ "code": code });
    if let Some(limit) = limit {
        ext["limit"] = serde_json::Value::String(limit.into());
    }
    serde_json::json!({ "errors": [{ "message": message, "extensions": ext }] })
}

/// An error refused before execution, as a GraphQL response.
pub fn refusal(err: crate::error::AppError) -> Response {
    use async_graphql::ErrorExtensions;
    let mut e = err.extend();
    bounded_message(&mut e.message);
    let mut server = ServerError::new(e.message, None);
    server.extensions = e.extensions;
    Response::from_errors(vec![server])
}
