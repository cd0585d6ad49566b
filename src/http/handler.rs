//! `POST /graphql` and `GET /graphql`: authentication first, then content type, body size, one
//! operation per request, limits, timeout; then the schema executes with a per-request context.

use super::AppState;
use super::apq::Lookup;
use crate::authz::Grants;
use crate::db::Reads;
use crate::error::AppError;
use crate::graphql::limits::{error_body, refusal};
use crate::request::Viewer;
use async_graphql::parser::types::OperationType;
use axum::Json;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use std::sync::Arc;

fn reject(status: StatusCode, message: &str, code: &str, limit: Option<&str>) -> Response {
    ended_as(code);
    (status, Json(error_body(message, code, limit))).into_response()
}

/// Records how a request answered before or outside the GraphQL layer (which records its
/// own), for the metrics: a `TIMEOUT` waiting for the database while authenticating is
/// an HTTP 200 that used to count as `OK`.
fn ended_as(code: &str) {
    if let Some(observed) = crate::telemetry::request::current() {
        observed.update(|o| o.code = Some(code.to_string()));
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// `response`, decided before the body was read, once the body has been (within the body
/// limit and what is left of the request's time): a connection whose body is left unread
/// cannot serve another request, and hyper dropped it under the client's next request on
/// it (a 401 or 415 broke keep-alive). The answer stays `response` whatever the body is.
async fn drained(response: Response, body: Body, app: &AppState, started: tokio::time::Instant) -> Response {
    let _ = read_body(body, app, started).await;
    response
}

/// The body, within the body limit and what is left of the request's time (a trickled
/// body held its task); `Err` when its time ran out, `Ok(Err)` when it is too large.
async fn read_body(
    body: Body,
    app: &AppState,
    started: tokio::time::Instant,
) -> Result<Result<axum::body::Bytes, axum::Error>, tokio::time::error::Elapsed> {
    let remaining = app.settings.limits.request_timeout.saturating_sub(started.elapsed());
    tokio::time::timeout(remaining, axum::body::to_bytes(body, app.settings.limits.body_bytes)).await
}

pub async fn graphql_post(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let started = tokio::time::Instant::now();
    let credential = match checked_credential(&app, &headers).await {
        Ok(c) => c,
        Err(response) => return drained(response, body, &app, started).await,
    };
    if !is_json(&headers) {
        let response = reject(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POST requires Content-Type: application/json",
            "GRAPHQL_PARSE_FAILED",
            None,
        );
        return drained(response, body, &app, started).await;
    }
    let bytes = match read_body(body, &app, started).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            let message = format!("request body exceeds {} bytes", app.settings.limits.body_bytes);
            return reject(StatusCode::PAYLOAD_TOO_LARGE, &message, "GRAPHQL_VALIDATION_FAILED", Some("body"));
        }
        Err(_) => return reject(StatusCode::REQUEST_TIMEOUT, "the request body did not arrive in time", "TIMEOUT", None),
    };
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => return reject(StatusCode::BAD_REQUEST, "the body is not valid JSON", "GRAPHQL_PARSE_FAILED", None),
    };
    if value.is_array() {
        return reject(
            StatusCode::BAD_REQUEST,
            "batched requests are not supported: send one operation per request",
            "GRAPHQL_VALIDATION_FAILED",
            Some("operations"),
        );
    }
    let persisted = {
        let query = value.get("query").and_then(serde_json::Value::as_str).unwrap_or("");
        app.persisted.resolve(query, value.get("extensions"))
    };
    let mut request: async_graphql::Request = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(e) => return reject(StatusCode::BAD_REQUEST, &format!("not a GraphQL request: {e}"), "GRAPHQL_PARSE_FAILED", None),
    };
    match persisted {
        Lookup::None => {}
        Lookup::Found(text) => request.query = text,
        Lookup::Refused(message, code) => return reject(StatusCode::OK, message, code, None),
    }
    execute(&app, credential, request, Method::Post, started).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

#[derive(serde::Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// Whether the client asks for a page (a browser's `Accept: text/html,…`), not for JSON.
fn wants_html(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    accept.split(',').any(|t| t.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("text/html")))
}

/// A query (never a mutation: 405), by text or by persisted-query hash; without either,
/// GraphiQL in dev for a browser and a JSON error for everyone else.
pub async fn graphql_get(State(app): State<Arc<AppState>>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let started = tokio::time::Instant::now();
    if raw.is_none() && wants_html(&headers) {
        return super::graphiql::page(State(app)).await;
    }
    let credential = match checked_credential(&app, &headers).await {
        Ok(c) => c,
        Err(response) => return response,
    };
    // The body's limit holds for the query string that carries a GET's document.
    let limit = app.settings.limits.body_bytes;
    if raw.as_ref().is_some_and(|raw| raw.len() > limit) {
        let message = format!("the query string exceeds {limit} bytes");
        return reject(StatusCode::PAYLOAD_TOO_LARGE, &message, "GRAPHQL_VALIDATION_FAILED", Some("body"));
    }
    let params: GetParams = match serde_urlencoded::from_str(raw.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(_) => return reject(StatusCode::BAD_REQUEST, "malformed query string", "GRAPHQL_PARSE_FAILED", None),
    };
    let extensions: Option<serde_json::Value> = match params.extensions.as_deref().map(serde_json::from_str).transpose() {
        Ok(e) => e,
        Err(_) => return reject(StatusCode::BAD_REQUEST, "extensions is not JSON", "BAD_USER_INPUT", None),
    };
    let query = match app.persisted.resolve(params.query.as_deref().unwrap_or(""), extensions.as_ref()) {
        Lookup::Found(text) => text,
        Lookup::Refused(message, code) => return reject(StatusCode::OK, message, code, None),
        Lookup::None => match params.query {
            Some(query) => query,
            None if wants_html(&headers) => return super::graphiql::page(State(app)).await,
            None => {
                let message = "GET /graphql needs a query parameter (GraphiQL is served to browsers asking for text/html)";
                return reject(StatusCode::BAD_REQUEST, message, "GRAPHQL_PARSE_FAILED", None);
            }
        },
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(vars) = params.variables {
        match serde_json::from_str(&vars) {
            Ok(v) => request = request.variables(async_graphql::Variables::from_json(v)),
            Err(_) => return reject(StatusCode::BAD_REQUEST, "variables is not JSON", "BAD_USER_INPUT", None),
        }
    }
    execute(&app, credential, request, Method::Get, started).await
}

/// The bearer token of the request, if any: `Err` for a malformed header.
pub fn bearer(headers: &HeaderMap) -> Result<Option<&str>, ()> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| ())?.trim();
    let (scheme, token) = value.split_once(' ').ok_or(())?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(());
    }
    Ok(Some(token.trim()))
}

/// The request ran past its time limit (`TIMEOUT`, HTTP 200 as a GraphQL error).
fn timed_out() -> Response {
    reject(StatusCode::OK, &AppError::Timeout.message(), "TIMEOUT", None)
}

fn unauthorized(message: &str) -> Response {
    reject(StatusCode::UNAUTHORIZED, message, "UNAUTHENTICATED", None)
}

/// A request's verified credential.
enum Credential {
    /// A personal access token: its owner, with its organization restriction.
    ApiToken(Viewer),
    /// An identity-provider token's claims, not yet matched against a user row.
    Token(crate::user::service::Identity),
}

/// The bearer credential, verified; none sent is `None`, a present but invalid one HTTP 401.
async fn credential(app: &AppState, headers: &HeaderMap) -> Result<Option<Credential>, Response> {
    let token = match bearer(headers) {
        Ok(None) => return Ok(None),
        Ok(Some(t)) => t,
        Err(()) => return Err(unauthorized("malformed Authorization header: expected `Bearer <token>`")),
    };
    if crate::api_token::is_pat(token) {
        return match crate::api_token::service::authenticate(&app.db, token).await {
            Ok(Some((user, pat))) => Ok(Some(Credential::ApiToken(Viewer::with_api_token(user, &pat)))),
            Ok(None) => Err(unauthorized("invalid, revoked or expired API token")),
            Err(e) => {
                tracing::error!(error = ?e, "API token lookup failed");
                Err(reject(StatusCode::INTERNAL_SERVER_ERROR, "internal error", "INTERNAL", None))
            }
        };
    }
    let identity = app.verifier.verify(token).await.map_err(|m| unauthorized(&m))?.identity;
    Ok(Some(Credential::Token(identity)))
}

/// The user of a token's claims, provisioned or refreshed (RULES.md §2). With a query's
/// `reads`, the user and their grants come from one statement on them
/// (`Grants::load_by_sub`), for an operation that will need them.
async fn provisioned(
    app: &AppState,
    identity: &crate::user::service::Identity,
    reads: Option<&Reads>,
) -> Result<(Viewer, Option<Grants>), Response> {
    let provisioned = if let Some(reads) = reads {
        crate::user::service::provision_with_grants(reads, &app.catalog, identity).await
    } else {
        crate::user::service::provision(&app.db, &app.catalog, identity).await.map(|u| (u, None))
    };
    match provisioned {
        Ok((user, grants)) => {
            app.known.remember(identity, user.id);
            app.catalog.note_user(&identity.sub, &user);
            Ok((Viewer::signed_in(user), grants))
        }
        Err(AppError::Unauthenticated(m)) => Err(unauthorized(&m)),
        Err(e) => {
            tracing::error!(error = ?e, "provisioning failed");
            Err(reject(StatusCode::INTERNAL_SERVER_ERROR, "internal error", "INTERNAL", None))
        }
    }
}

/// Token → the viewer: a provisioned user, or the owner of a personal access token; with
/// a query's `reads`, its grants too (see `provisioned`).
async fn authenticate_with(
    app: &AppState,
    credential: Option<Credential>,
    reads: Option<&Reads>,
) -> Result<Option<(Viewer, Option<Grants>)>, Response> {
    match credential {
        None => Ok(None),
        Some(Credential::ApiToken(viewer)) => Ok(Some((viewer, None))),
        Some(Credential::Token(identity)) => provisioned(app, &identity, reads).await.map(Some),
    }
}

/// Who sends a `{ __typename }`, which reads no data: token claims this process already
/// matched against their user row are not read again (`user::known`); any other
/// credential is authenticated as for a mutation (a first token provisions its user).
async fn identify(app: &AppState, credential: Option<Credential>) -> Result<Option<uuid::Uuid>, Response> {
    Ok(match credential {
        None => None,
        Some(Credential::ApiToken(viewer)) => viewer.user_id(),
        Some(Credential::Token(identity)) => match app.known.user(&identity) {
            Some(user) => Some(user),
            None => provisioned(app, &identity, None).await?.0.user_id(),
        },
    })
}

/// The request's credential, verified before anything else is looked at (RULES.md §3:
/// authentication first; a present but invalid token is HTTP 401 whatever the body), within
/// the request's time limit.
async fn checked_credential(app: &AppState, headers: &HeaderMap) -> Result<Option<Credential>, Response> {
    match tokio::time::timeout(app.settings.limits.request_timeout, credential(app, headers)).await {
        Ok(checked) => checked,
        Err(_) => Err(timed_out()),
    }
}

/// Admission (the guard's bounds and measures), the viewer of the verified `credential`,
/// then execution under the request timeout (counted from `started`), which also covers
/// writing the answer.
async fn execute(
    app: &Arc<AppState>,
    credential: Option<Credential>,
    mut request: async_graphql::Request,
    method: Method,
    started: tokio::time::Instant,
) -> Response {
    let timeout = app.settings.limits.request_timeout;
    // The request holds its own copy of the document: the guard's is let go at once.
    let (kind, cost) = match tokio::time::timeout(timeout.saturating_sub(started.elapsed()), app.guard.admit(&mut request)).await
    {
        Ok(Ok(admitted)) => (admitted.kind, admitted.cost),
        Ok(Err(refused)) => return json_response(&refusal(refused)),
        Err(_) => return timed_out(),
    };
    match kind {
        OperationType::Query => {}
        OperationType::Mutation if method == Method::Post => {}
        OperationType::Subscription => {
            let refused = AppError::invalid("subscriptions run over the WebSocket endpoint /graphql/ws", None);
            return json_response(&refusal(refused));
        }
        OperationType::Mutation => {
            return reject(StatusCode::METHOD_NOT_ALLOWED, "mutations need POST", "GRAPHQL_VALIDATION_FAILED", None);
        }
    }
    // `{ __typename }` needs the viewer authenticated (an invalid token is 401, a new one
    // is provisioned) but nothing executed and no data read.
    if kind == OperationType::Query
        && let Some(answer) = crate::graphql::typename_only(&mut request)
    {
        let user = match identify(app, credential).await {
            Ok(user) => user,
            Err(response) => return response,
        };
        crate::graphql::observe::started(&mut request, user);
        let answer = crate::graphql::observe::finished(answer);
        return match serde_json::to_vec(&answer) {
            Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
            Err(_) => reject(StatusCode::INTERNAL_SERVER_ERROR, "internal error", "INTERNAL", None),
        };
    }
    // A query reads on one connection from its authentication on (`db::Reads`), and reads
    // the viewer's grants with the authentication, in the same statement.
    let query = kind == OperationType::Query;
    let reads = query.then(|| Reads::held(app.db.clone(), app.reads.as_ref()));
    let request = crate::graphql::answer_as_json(request);
    let run = async {
        // A query's connection goes back as this returns (before the answer is written).
        let response = authenticated_execution(app, credential, request, reads, query).await?;
        Ok(super::write_answer(cost, move || crate::graphql::answer_json(&response)).await)
    };
    // The limit stops authentication and execution (a query waits for its connection
    // under it); an answer it finished is sent, also one whose writing (bounded by the
    // cost limit) ends past it: a mutation's answer says what it did.
    match tokio::time::timeout(timeout.saturating_sub(started.elapsed()), run).await {
        Ok(Ok(Some(Ok(body)))) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Ok(Ok(_)) => reject(StatusCode::INTERNAL_SERVER_ERROR, "internal error", "INTERNAL", None),
        Ok(Err(refused)) => refused,
        Err(_) => timed_out(),
    }
}

/// The viewer authenticated, then the operation executed (`Err`: authentication refused).
///
/// A query of a token whose `sub` this process has authenticated before, whose user and
/// grants it keeps (`authz::memo`; no write committed here since they were last found
/// current) and whose claims would not change that user row, starts from them without
/// the authentication statement: its first statement carries
/// the condition that they and the user row are what that statement would read
/// (`db::Reads::provisional`), in the same snapshot, and a query that read nothing is
/// checked at its end. So a lookup is one round trip. When the condition did not hold
/// (a membership, a role, the user changed), the answer is dropped unsent and the query
/// runs again from the start, authenticated as any other: no answer is ever made from
/// grants not found current in its own request, and a change shows on the very next
/// request. PostgreSQL only (SQLite reads in-process, without round trips).
async fn authenticated_execution(
    app: &Arc<AppState>,
    credential: Option<Credential>,
    mut request: async_graphql::Request,
    reads: Option<Reads>,
    query: bool,
) -> Result<async_graphql::Response, Response> {
    if let (Some(Credential::Token(identity)), Some(held)) = (&credential, reads.as_ref().filter(|r| r.is_held()))
        && let Some(kept) = app.catalog.provisional(&identity.sub)
        && crate::user::service::unchanged_by(&kept.user, identity)
    {
        let again = super::replayable(&mut request);
        held.provisional(kept.guard());
        let viewer = Viewer::signed_in(kept.user.clone());
        let response = app.execute_with(request, viewer, Some(held.clone()), Some(kept.grants()), false).await;
        let current = held.settle().await;
        kept.settled(current);
        if current {
            return Ok(response);
        }
        tracing::debug!("kept grants out of date: the query runs again, authenticated");
        request = again;
    }
    let (viewer, grants) = authenticate_with(app, credential, reads.as_ref()).await?.unwrap_or((Viewer::Anonymous, None));
    Ok(app.execute_with(request, viewer, reads, grants, !query).await)
}

fn json_response(response: &async_graphql::Response) -> Response {
    if let Some(first) = response.errors.first() {
        ended_as(&crate::graphql::observe::code_of(first));
    }
    Json(response).into_response()
}
