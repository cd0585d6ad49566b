//! One operation of a socket: a query or mutation answered once, or a subscription's
//! stream of events.

use super::{Out, Protocol, text};
use crate::error::AppError;
use crate::graphql::limits::refusal;
use crate::http::AppState;
use crate::request::Viewer;
use async_graphql::parser::types::OperationType;
use axum::extract::ws::Message;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde_json::{Value, json};
use std::sync::Arc;

/// A result of an operation, written straight from the answer (through a `serde_json::Value`
/// its objects would come out with their keys sorted).
#[derive(serde::Serialize)]
struct Next<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    payload: &'a async_graphql::Response,
}

/// `f`, stopped at `deadline` (`None` when it passed first); without a deadline, `f`.
async fn by<F: std::future::Future>(deadline: Option<tokio::time::Instant>, f: F) -> Option<F::Output> {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, f).await.ok(),
        None => Some(f.await),
    }
}

pub(super) fn error_message(id: &str, errors: &[async_graphql::ServerError]) -> Value {
    json!({ "type": "error", "id": id, "payload": serde_json::to_value(errors).unwrap_or(Value::Null) })
}

/// One operation of a socket: its id, who sends it and its type.
pub(super) struct Operation {
    pub(super) id: String,
    pub(super) viewer: Viewer,
    pub(super) kind: OperationType,
    /// What the guard measured it to cost (a costly answer is written off the worker).
    pub(super) cost: u64,
    /// A query or mutation answers by then (its admission started the request timeout;
    /// `None`: a timeout too large to count).
    pub(super) deadline: Option<tokio::time::Instant>,
    /// Notified when the credential no longer stands (the session ends).
    pub(super) revoked: Arc<tokio::sync::Notify>,
}

impl Operation {
    /// The credential no longer stands (a revoked token): the operation is refused as an
    /// HTTP request would be (`UNAUTHENTICATED`), and the socket closes with 4403.
    async fn refuse_revoked(&self, out: &mut Out) {
        self.revoked.notify_one();
        let _ = out.send(text(error_message(&self.id, &refusal(AppError::unauthenticated()).errors))).await;
    }
}

/// Opens an operation: its stream of answers, or `None` once it has been answered (a
/// refusal). Each operation runs as the credential stands now, as over HTTP: the user's
/// row read again, an API token checked again (revoked: the socket closes, RULES.md
/// §9.6). A subscription of an identity-provider token reads nothing to start: each event
/// reads the credential (`request::Live`); 10,000 subscribing would queue 10,000 reads.
async fn open(
    app: &AppState,
    mut request: async_graphql::Request,
    op: &Operation,
    out: &mut Out,
) -> Option<BoxStream<'static, async_graphql::Response>> {
    let subscription = op.kind == OperationType::Subscription;
    let current = match subscription && !op.viewer.is_api_token() {
        true => Ok(Some(op.viewer.clone())),
        false => by(op.deadline, op.viewer.current(&app.db)).await.unwrap_or(Err(AppError::Timeout)),
    };
    let viewer = match current {
        Ok(Some(viewer)) => viewer,
        Ok(None) => {
            op.refuse_revoked(out).await;
            return None;
        }
        Err(e) => {
            let _ = out.send(text(error_message(&op.id, &refusal(e).errors))).await;
            return None;
        }
    };
    if subscription {
        // Each event completed at its root as an HTTP answer is (`complete_root`), against
        // the document the guard parsed.
        let doc = request.parsed_query().ok().cloned();
        let (name, variables) = (request.operation_name.clone(), request.variables.clone());
        let events = app.schema.execute_stream(app.prepare(request, viewer));
        let completed = events.map(move |mut event| {
            if let Some(doc) = &doc
                && crate::graphql::executed(&event)
            {
                crate::graphql::ordered::complete_root_of(&mut event, doc, name.as_deref(), &variables);
            }
            event
        });
        return Some(completed.boxed());
    }
    let once = Box::pin(app.execute(request, viewer, op.kind == OperationType::Mutation));
    match by(op.deadline, once).await {
        Some(response) => Some(futures_util::stream::once(async move { response }).boxed()),
        None => {
            let _ = out.send(text(error_message(&op.id, &refusal(AppError::Timeout).errors))).await;
            None
        }
    }
}

/// Runs one operation. A query or mutation answers once, within the request timeout (from
/// its admission on) and through `AppState::execute`, as on HTTP; a subscription streams
/// until it ends or is stopped. Answers are written as over HTTP (`http::write_answer`),
/// their fields in the order the query selects them.
pub(super) async fn run_operation(
    app: Arc<AppState>,
    request: async_graphql::Request,
    op: Operation,
    mut out: Out,
    protocol: Protocol,
) {
    let next = match protocol {
        Protocol::TransportWs => "next",
        Protocol::Legacy => "data",
    };
    let id = op.id.clone();
    // Opening the operation is boxed: its steps (the credential read, a query or mutation
    // executed) are gone once it is open, and a subscription's task holds only what its
    // events need, for as long as it lives (inline, the credential's sea-orm statements
    // alone made every idle subscription hold about 3 KB more).
    let Some(mut stream) = Box::pin(open(&app, request, &op, &mut out)).await else { return };
    let subscription = op.kind == OperationType::Subscription;
    // A subscription's events are small and many: each is written where it is made.
    let cost = if subscription { 0 } else { op.cost };
    let mut first = true;
    while let Some(response) = stream.next().await {
        // As over HTTP (`graphql::executed`): an executed answer is `next`, also one whose
        // root field failed (`data: null`, an error with a path).
        let failed_before_execution = first && !response.errors.is_empty() && !crate::graphql::executed(&response);
        first = false;
        let (message, last) = if failed_before_execution {
            (text(error_message(&id, &response.errors)), true)
        } else {
            let of = id.clone();
            let answer = move || serde_json::to_string(&Next { kind: next, id: &of, payload: &response });
            match crate::http::write_answer(cost, answer).await {
                Some(Ok(answer)) => (Message::Text(answer.into()), false),
                _ => (text(error_message(&id, &refusal(AppError::internal("the answer could not be written")).errors)), true),
            }
        };
        // Nothing follows an `error` message for the operation.
        if out.send(message).await.is_err() || last {
            return;
        }
    }
    // A subscription ends early when its credential no longer stands (`request::Live`);
    // the read boxed, as the opening is.
    if subscription && matches!(Box::pin(op.viewer.current(&app.db)).await, Ok(None)) {
        return op.refuse_revoked(&mut out).await;
    }
    let _ = out.send(text(json!({ "type": "complete", "id": id }))).await;
}
