//! One middleware around every route: the request id (`x-request-id`, taken when it is 1
//! to 128 visible ASCII characters, else a new UUID v7), echoed in the response and
//! carried by a `request` span so that every log line of the request names it; the
//! access log line (info; health probes and scrapes at debug); and the request metrics.
//! The query string is never logged: GET requests carry queries and variables there.

use super::AppState;
use crate::telemetry::request::{self, Observed};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderName, HeaderValue, StatusCode, header};
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The route label of a path: the known routes, else `other` (bounded metrics).
fn route_of(path: &str) -> &'static str {
    match path {
        "/" => "/",
        "/graphql" => "/graphql",
        "/graphql/ws" => "/graphql/ws",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        _ => "other",
    }
}

/// The outcome code of a GraphQL request that ended before the GraphQL layer saw it.
fn code_of_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "UNAUTHENTICATED",
        405 | 413 => "GRAPHQL_VALIDATION_FAILED",
        400 | 415 => "GRAPHQL_PARSE_FAILED",
        500..=599 => "INTERNAL",
        _ => "OK",
    }
}

pub async fn layer(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request::request_id(req.headers().get(&X_REQUEST_ID));
    let method = req.method().clone();
    let route = route_of(req.uri().path());
    let path: String = req.uri().path().chars().take(256).collect();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    let observed = Arc::new(Observed::new(id.clone()));
    let mut res = request::scope(observed.clone(), next.run(req)).instrument(span.clone()).await;
    if res.status() == StatusCode::INTERNAL_SERVER_ERROR {
        res = tag_internal(res, &id).await;
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    let status = res.status();
    let elapsed = started.elapsed();
    let op = observed.operation();
    app.metrics.record_http(&method, route, status.as_u16(), elapsed);
    let json = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if route == "/graphql" && json {
        let code = match (&op.code, op.started) {
            (Some(code), _) => code.as_str(),
            // The GraphQL layer started and never finished: the time limit cut it off.
            (None, true) => "TIMEOUT",
            (None, false) => code_of_status(status),
        };
        // Names become label values, a bounded set kept until restart: only signed-in
        // clients' (anonymous requests could otherwise fill it before real operations).
        let name = op.user.and(op.name.as_deref());
        app.metrics.record_graphql(op.kind.unwrap_or("none"), name, code, elapsed);
    }
    let latency_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3;
    let (kind, name) = (op.kind.unwrap_or("-"), logged_name(op.name.as_deref()));
    let user = op.user.map_or_else(|| "-".to_string(), |u| u.to_string());
    span.in_scope(|| {
        let status = status.as_u16();
        if matches!(route, "/healthz" | "/readyz" | "/metrics") {
            tracing::debug!(status, latency_ms, "request");
        } else {
            tracing::info!(status, latency_ms, operation_type = %kind, operation_name = %name, user = %user, "request");
        }
    });
    res
}

/// An operation's name as the access log shows it: its first 64 characters (a client's
/// 250 KB name was a 250 KB log line per request), marked when cut.
fn logged_name(name: Option<&str>) -> std::borrow::Cow<'_, str> {
    const SHOWN: usize = crate::telemetry::metrics::MAX_OPERATION_NAME_LEN;
    match name {
        None => "-".into(),
        Some(name) => match name.char_indices().nth(SHOWN) {
            Some((cut, _)) => format!("{}…", &name[..cut]).into(),
            None => name.into(),
        },
    }
}

/// Adds `extensions.requestId` to the `INTERNAL` errors of a 500 answer (raised before
/// the GraphQL layer, which tags its own).
async fn tag_internal(res: Response, id: &str) -> Response {
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if let Some(errors) = value.get_mut("errors").and_then(serde_json::Value::as_array_mut) {
        for e in errors {
            if e["extensions"]["code"] == "INTERNAL"
                && let Some(ext) = e.get_mut("extensions").and_then(serde_json::Value::as_object_mut)
            {
                ext.insert("requestId".into(), id.into());
            }
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(value.to_string()))
}
