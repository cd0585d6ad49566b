//! Tells the request's record (`telemetry::request`) which operation ran, for whom and
//! how it ended, and puts the request id into every `INTERNAL` error
//! (`extensions.requestId`), so that a user's report finds the log lines. Registered
//! before the limits extension, so it sees errors after they got their codes.

use crate::request::RequestCtx;
use crate::telemetry::request;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Request, Response, ServerResult, Value, Variables};
use std::sync::{Arc, Mutex};

pub struct Observe;

impl ExtensionFactory for Observe {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ObserveExtension::default())
    }
}

#[derive(Default)]
struct ObserveExtension {
    /// The operation name the request asked for.
    wanted: Mutex<Option<String>>,
}

fn kind(ty: OperationType) -> &'static str {
    match ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

/// The `extensions.code` of an error (every error has one after the limits extension).
pub fn code_of(e: &async_graphql::ServerError) -> String {
    match e.extensions.as_ref().and_then(|x| x.get("code")) {
        Some(Value::String(code)) => code.clone(),
        _ => "INTERNAL".into(),
    }
}

/// The operation `doc` runs for a request that asked for `wanted`: its name and type.
fn chosen(doc: &ExecutableDocument, wanted: Option<String>) -> Option<(Option<String>, OperationType)> {
    match (&doc.operations, wanted) {
        (DocumentOperations::Single(op), _) => Some((None, op.node.ty)),
        (DocumentOperations::Multiple(ops), Some(name)) => {
            ops.iter().find(|(n, _)| n.as_str() == name).map(|(n, op)| (Some(n.to_string()), op.node.ty))
        }
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.iter().next().map(|(n, op)| (Some(n.to_string()), op.node.ty))
        }
        _ => None,
    }
}

/// Puts the request id into every `INTERNAL` error and records how the request ended.
fn record_end(observed: &request::Observed, response: &mut Response) {
    for e in &mut response.errors {
        if code_of(e) == "INTERNAL" {
            e.extensions.get_or_insert_with(Default::default).set("requestId", observed.request_id.as_str());
        }
    }
    let code = response.errors.first().map_or_else(|| "OK".to_string(), code_of);
    observed.update(|o| o.code = Some(code));
}

/// What the extension records before execution, for a request that runs without it (the
/// schema without extensions, `graphql::build_plain`): started, by whom, which operation
/// (from the document the guard parsed).
pub fn started(req: &mut async_graphql::Request, user: Option<uuid::Uuid>) {
    let Some(observed) = request::current() else { return };
    let wanted = req.operation_name.clone();
    let op = req.parsed_query().ok().and_then(|doc| chosen(doc, wanted));
    observed.update(|o| {
        o.started = true;
        o.user = user;
        if let Some((name, ty)) = op {
            o.kind = Some(kind(ty));
            o.name = name;
        }
    });
}

/// What the extension does to the answer, for a request that ran without it.
pub fn finished(mut response: Response) -> Response {
    if let Some(observed) = request::current() {
        record_end(&observed, &mut response);
    }
    response
}

#[async_trait::async_trait]
impl Extension for ObserveExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let Some(observed) = request::current() else { return next.run(ctx).await };
        observed.update(|o| o.started = true);
        let mut response = next.run(ctx).await;
        record_end(&observed, &mut response);
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Ok(mut wanted) = self.wanted.lock() {
            wanted.clone_from(&request.operation_name);
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // The request's data (and so the viewer) is reachable from here on.
        let observed = request::current();
        if let Some(observed) = &observed {
            let user = ctx.data_opt::<RequestCtx>().and_then(|r| r.viewer.user_id());
            observed.update(|o| o.user = user);
        }
        let doc = next.run(ctx, query, variables).await?;
        if let Some(observed) = observed {
            let wanted = self.wanted.lock().ok().and_then(|w| w.clone());
            if let Some((name, ty)) = chosen(&doc, wanted) {
                observed.update(|o| {
                    o.kind = Some(kind(ty));
                    o.name = name;
                });
            }
        }
        Ok(doc)
    }
}
