//! One operation of a socket: a query or mutation answered once, or a subscription's
//! stream of events.

use super::{Out, Protocol, text};
use crate::error::AppError;
use crate::graphql::limits::refusal;
use crate::http::AppState;
use crate::request::Viewer;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use axum::extract::ws::Message;
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
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

fn error_message(id: &str, errors: &[async_graphql::ServerError]) -> Value {
    json!({ "type": "error", "id": id, "payload": serde_json::to_value(errors).unwrap_or(Value::Null) })
}

/// The `error` message of operation `id` refused with `e`, as HTTP would answer it. A
/// function of its own: the refusal's answer is not held across the sending.
pub(super) fn refused(id: &str, e: AppError) -> Message {
    text(error_message(id, &refusal(e).errors))
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
    /// The document the guard parsed (`Admitted::document`): each event of a subscription
    /// is completed against it.
    pub(super) document: Arc<ExecutableDocument>,
}

impl Operation {
    /// The credential no longer stands (a revoked token): the operation is refused as an
    /// HTTP request would be (`UNAUTHENTICATED`), and the socket closes with 4403.
    async fn refuse_revoked(&self, out: &mut Out) {
        self.revoked.notify_one();
        let _ = out.send(refused(&self.id, AppError::unauthenticated())).await;
    }
}

/// Opens an operation: its stream of answers, or `None` once it has been answered (a
/// refusal). Each operation runs as the credential stands now, as over HTTP: the user's
/// row read again, an API token checked again (revoked: the socket closes, RULES.md
/// §9.6). A subscription of an identity-provider token reads nothing to start: each event
/// reads the credential (`request::Live`); 10,000 subscribing would queue 10,000 reads.
async fn open(
    app: &AppState,
    request: Box<async_graphql::Request>,
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
            let _ = out.send(refused(&op.id, e)).await;
            return None;
        }
    };
    let request = *request;
    if subscription {
        // Each event completed at its root as an HTTP answer is (`complete_root`), against
        // the document the guard parsed.
        let doc = op.document.clone();
        let (name, variables) = (request.operation_name.clone(), request.variables.clone());
        let events = app.schema.execute_stream(app.prepare(request, viewer));
        let completed = events.map(move |mut event| {
            if crate::graphql::executed(&event) {
                crate::graphql::ordered::complete_root_of(&mut event, &doc, name.as_deref(), &variables);
            }
            event
        });
        return Some(completed.boxed());
    }
    let once = Box::pin(app.execute(request, viewer, op.kind == OperationType::Mutation));
    match by(op.deadline, once).await {
        Some(response) => Some(futures_util::stream::once(async move { response }).boxed()),
        None => {
            let _ = out.send(refused(&op.id, AppError::Timeout)).await;
            None
        }
    }
}

/// Runs one operation. A query or mutation answers once, within the request timeout (from
/// its admission on) and through `AppState::execute`, as on HTTP; a subscription streams
/// until it ends or is stopped. Answers are written as over HTTP (`http::write_answer`),
/// their fields in the order the query selects them.
///
/// A subscription's task lives for hours, 10,000 of them on one instance, and a future holds
/// room for its largest step for as long as it lives: every step that needs room (opening,
/// writing an answer, refusing) runs boxed, and the task waits for its next event holding
/// little more than the stream. An `async` block, not an `async fn`: an `async fn` keeps a
/// second copy of its arguments for as long as it runs.
#[expect(clippy::manual_async_fn, reason = "an `async fn` holds its arguments twice")]
pub(super) fn run_operation(
    app: Arc<AppState>,
    request: Box<async_graphql::Request>,
    op: Operation,
    mut out: Out,
    protocol: Protocol,
) -> impl Future<Output = ()> + Send + 'static {
    async move {
        let next = match protocol {
            Protocol::TransportWs => "next",
            Protocol::Legacy => "data",
        };
        let Some(mut stream) = Box::pin(open(&app, request, &op, &mut out)).await else { return };
        let subscription = op.kind == OperationType::Subscription;
        // A subscription's events are small and many: each is written where it is made.
        let cost = if subscription { 0 } else { op.cost };
        let mut first = true;
        loop {
            let message = match stream.next().await {
                Some(response) => message_of(response, std::mem::take(&mut first), &op.id, next, cost),
                None => break,
            };
            let (message, last) = message.await;
            // Nothing follows an `error` message for the operation.
            if out.send(message).await.is_err() || last {
                return;
            }
        }
        // A subscription ends early when its credential no longer stands (`request::Live`).
        if subscription && matches!(Box::pin(op.viewer.current(&app.db)).await, Ok(None)) {
            return Box::pin(op.refuse_revoked(&mut out)).await;
        }
        let _ = out.send(text(json!({ "type": "complete", "id": op.id }))).await;
    }
}

/// The message an answer of operation `id` is written as, and whether it is the last (an
/// `error`): as over HTTP (`graphql::executed`), an executed answer is `next`, also one
/// whose root field failed (`data: null`, an error with a path).
fn message_of(
    response: async_graphql::Response,
    first: bool,
    id: &str,
    next: &'static str,
    cost: u64,
) -> BoxFuture<'static, (Message, bool)> {
    let id = id.to_owned();
    Box::pin(async move {
        if first && !response.errors.is_empty() && !crate::graphql::executed(&response) {
            return (text(error_message(&id, &response.errors)), true);
        }
        let of = id.clone();
        let answer = move || serde_json::to_string(&Next { kind: next, id: &of, payload: &response });
        match crate::http::write_answer(cost, answer).await {
            Some(Ok(answer)) => (Message::Text(answer.into()), false),
            _ => (refused(&id, AppError::internal("the answer could not be written")), true),
        }
    })
}
