//! The HTTP edge: routes, limits of RULES.md §8, authentication (token → viewer) and the
//! GraphiQL page. The ready-made async-graphql service is not mounted: it would accept
//! batches, mutations over GET and any content type.

mod apq;
pub mod auth;
mod graphiql;
mod handler;
pub mod jwks;
mod observe;
mod probes;
pub mod serve;
pub mod userinfo;
mod verified;
mod ws;

use crate::authz::Grants;
use crate::config::Settings;
use crate::db::{ReadPool, Reads};
use crate::graphql::OrgraphSchema;
use crate::request::{RequestCtx, Viewer};
use auth::TokenVerifier;
use axum::Router;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Operations costing more than this have their answer serialized without holding a worker.
const INLINE_ANSWER_COST: u64 = 2_000;

/// Writes the answer of an operation costing `cost` (HTTP and WebSocket alike). A large
/// answer is written without holding a worker: `block_in_place` hands the worker's other
/// tasks to another thread while this one writes. The answer stays on the thread that
/// built it (sending it to the blocking pool cost a handoff and freeing its memory from
/// another thread: `nested-org` 153-156 -> 161-168 req/s, 32 clients). A current-thread
/// runtime has no worker to hand over: there the blocking pool writes it.
pub(crate) async fn write_answer<R: Send + 'static>(cost: u64, write: impl FnOnce() -> R + Send + 'static) -> Option<R> {
    if cost <= INLINE_ANSWER_COST {
        Some(write())
    } else if tokio::runtime::Handle::current().runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
        Some(tokio::task::block_in_place(write))
    } else {
        tokio::task::spawn_blocking(write).await.ok()
    }
}

/// Everything a request needs, shared by all requests.
pub struct AppState {
    pub db: DatabaseConnection,
    /// The connections HTTP queries hold for all of their reads (PostgreSQL; `db::Reads`).
    pub reads: Option<ReadPool>,
    pub settings: Arc<Settings>,
    pub catalog: Arc<crate::authz::CatalogCell>,
    pub schema: OrgraphSchema,
    /// The same schema without extensions, for queries (`AppState::execute`): with any
    /// extension async-graphql runs a hook chain around every field and list item.
    pub plain: OrgraphSchema,
    /// Bounds and measures every document before the schema sees it (HTTP and WebSocket).
    pub guard: Arc<crate::graphql::guard::Guard>,
    pub verifier: TokenVerifier,
    pub notifiers: Arc<crate::invitation::Notifiers>,
    /// Open WebSocket connections per user (RULES.md §8 caps them).
    pub sockets: std::sync::Mutex<foldhash::HashMap<uuid::Uuid, usize>>,
    pub metrics: Arc<crate::telemetry::metrics::Metrics>,
    /// Tells open WebSockets that the server is stopping (they close with 1001).
    pub shutdown: Shutdown,
    /// Query texts of Apollo's automatic persisted queries (HTTP only).
    pub persisted: apq::PersistedQueries,
    /// Token claims already matched against their user row, for `{ __typename }` only.
    pub known: crate::user::known::KnownIdentities,
}

/// The shutdown signal of WebSockets, and how many are open.
#[derive(Default)]
pub struct Shutdown {
    stopping: tokio::sync::watch::Sender<bool>,
    open: std::sync::atomic::AtomicUsize,
}

impl Shutdown {
    pub fn begin(&self) {
        self.stopping.send_replace(true);
    }
    /// Resolves once `begin` was called.
    pub async fn stopping(&self) {
        let mut rx = self.stopping.subscribe();
        if rx.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
    /// Waits until every WebSocket has closed, at most `limit`.
    pub async fn drained(&self, limit: std::time::Duration) {
        let until = tokio::time::Instant::now() + limit;
        while self.open.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < until {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    /// Counts a WebSocket as open until the returned guard drops.
    pub(crate) fn track(&self) -> OpenSocket<'_> {
        self.open.fetch_add(1, Ordering::SeqCst);
        OpenSocket(&self.open)
    }
}

pub(crate) struct OpenSocket<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for OpenSocket<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl AppState {
    /// Attaches the per-request data to one GraphQL operation of `viewer`: the request
    /// context and the invitation notifiers. HTTP and WebSocket operations both go
    /// through here.
    pub fn prepare(&self, request: async_graphql::Request, viewer: Viewer) -> async_graphql::Request {
        self.prepare_with(request, viewer, Reads::pool(self.db.clone()), None).request
    }

    /// `prepare`, reading through `reads`, with the grants read with the viewer's
    /// authentication (if any), also returning the operation's count of committed writes
    /// and its loader batches.
    fn prepare_with(&self, request: async_graphql::Request, viewer: Viewer, reads: Reads, grants: Option<Grants>) -> Prepared {
        let ctx = RequestCtx::with_grants(reads, self.settings.clone(), self.catalog.clone(), viewer, grants);
        let (commits, batches) = (ctx.commits(), ctx.batches());
        let request = request.data(ctx).data(self.notifiers.clone()).data(self.notifiers.hub.clone());
        Prepared { request, commits, batches }
    }

    /// Executes one admitted query or mutation of `viewer` (HTTP and WebSocket alike),
    /// reading statement by statement on the requests' pool.
    pub async fn execute(&self, request: async_graphql::Request, viewer: Viewer, mutation: bool) -> async_graphql::Response {
        self.execute_with(request, viewer, None, None, mutation).await
    }

    /// `execute`, a query reading through `reads` when given (an HTTP query: the connection
    /// it was authenticated on, `db::Reads`), else on the requests' pool, with the viewer's
    /// grants when they were read with the authentication. A mutation always reads on the
    /// requests' pool: it must never hold a query's connection while it waits for the
    /// write lock.
    /// A query runs on the schema without extensions and gets their work done around it
    /// (`graphql::finish_executed`); a document that failed before anything executed runs
    /// again on the schema with them, which codes the failure by its phase (nothing ran,
    /// so nothing happens twice). When PostgreSQL aborted a write to break a deadlock or
    /// serialization conflict and none of the operation's writes had committed, a mutation
    /// runs again from the start, at most `CONTENTION_RETRIES` times; the last answer
    /// stands (`RATE_LIMITED`, reason `CONTENDED`, never `INTERNAL`). Writes serialize on
    /// one lock (`db::begin_write`), so this only meets conflicts with writers outside
    /// orgraph's transactions.
    pub async fn execute_with(
        &self,
        mut request: async_graphql::Request,
        viewer: Viewer,
        reads: Option<Reads>,
        grants: Option<Grants>,
        mutation: bool,
    ) -> async_graphql::Response {
        if !mutation {
            let reads = reads.unwrap_or_else(|| Reads::pool(self.db.clone()));
            let mut again = replayable(&mut request);
            crate::graphql::observe::started(&mut request, viewer.user_id());
            let p = self.prepare_with(request, viewer.clone(), reads.clone(), grants);
            let mut response = crate::request::drive(p.batches, self.plain.execute(p.request)).await;
            if crate::graphql::executed(&response) {
                crate::graphql::ordered::complete_root(&mut response, &mut again);
                return crate::graphql::finish_executed(response, self.settings.limits.errors);
            }
            let p = self.prepare_with(again, viewer, reads, None);
            return crate::request::drive(p.batches, self.schema.execute(p.request)).await;
        }
        drop(reads);
        let mut attempt = 0;
        loop {
            let mut again = replayable(&mut request);
            let p = self.prepare_with(request, viewer.clone(), Reads::pool(self.db.clone()), None);
            let mut response = crate::request::drive(p.batches, self.schema.execute(p.request)).await;
            let contended = response.errors.iter().any(|e| {
                e.extensions.as_ref().and_then(|x| x.get("reason")) == Some(&async_graphql::Value::from(crate::error::CONTENDED))
            });
            if !contended || p.commits.load(Ordering::SeqCst) > 0 || attempt >= CONTENTION_RETRIES {
                if crate::graphql::executed(&response) {
                    crate::graphql::ordered::complete_root(&mut response, &mut again);
                }
                return response;
            }
            attempt += 1;
            tracing::info!(attempt, "re-running an operation a database conflict aborted");
            tokio::time::sleep(std::time::Duration::from_millis(10 * u64::from(attempt))).await;
            request = again;
        }
    }
}

/// One operation made ready to execute (`AppState::prepare_with`).
struct Prepared {
    request: async_graphql::Request,
    commits: Arc<AtomicU32>,
    batches: Arc<crate::request::Batches>,
}

/// How many times an operation a database conflict aborted runs again (see `execute`).
const CONTENTION_RETRIES: u32 = 3;

/// A copy of an admitted request to run again: its text, name, variables, extensions,
/// parsed document (parsed and measured once, by the guard) and `JsonAnswers` mark.
pub(super) fn replayable(request: &mut async_graphql::Request) -> async_graphql::Request {
    let mut copy = async_graphql::Request::new(request.query.clone()).variables(request.variables.clone());
    copy.operation_name.clone_from(&request.operation_name);
    copy.extensions.clone_from(&request.extensions);
    copy.introspection_mode = request.introspection_mode;
    if request.data.contains_key(&std::any::TypeId::of::<async_graphql::JsonAnswers>()) {
        copy = copy.data(async_graphql::JsonAnswers);
    }
    if let Ok(doc) = request.parsed_query() {
        copy.set_parsed_query(doc.clone());
    }
    copy
}

pub fn router(state: Arc<AppState>) -> Router {
    let cors = cors(&state.settings);
    let mut app = Router::new()
        .route("/", get(graphiql::page))
        .route(&format!("{}/{{name}}", graphiql::ASSETS_PATH), get(graphiql::asset))
        .route("/graphql", get(handler::graphql_get).post(handler::graphql_post))
        .route("/graphql/ws", get(ws::upgrade))
        .route("/healthz", get(probes::healthz))
        .route("/readyz", get(probes::readyz));
    // Without a separate metrics address, `/metrics` is served beside the API in dev only.
    if state.settings.metrics_listen.is_none() && state.settings.dev {
        app = app.route("/metrics", get(probes::metrics));
    }
    app.layer(cors).layer(axum::middleware::from_fn_with_state(state.clone(), observe::layer)).with_state(state)
}

/// The router of `ORGRAPH_METRICS_LISTEN`: `/metrics` and the probes, nothing else.
pub fn metrics_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/metrics", get(probes::metrics))
        .route("/healthz", get(probes::healthz))
        .route("/readyz", get(probes::readyz))
        .layer(axum::middleware::from_fn_with_state(state.clone(), observe::layer))
        .with_state(state)
}

impl AppState {
    /// The store of automatic persisted queries for `settings`.
    pub fn persisted_queries(settings: &Settings) -> apq::PersistedQueries {
        apq::PersistedQueries::new(settings.persisted_queries_bytes)
    }
}

fn is_loopback_origin(origin: &[u8]) -> bool {
    let Ok(origin) = std::str::from_utf8(origin) else { return false };
    let rest = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).unwrap_or("");
    let host = if rest.starts_with('[') {
        rest.split(']').next().map(|h| &h[1..]).unwrap_or("")
    } else {
        rest.split(':').next().unwrap_or("")
    };
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// Configured origins; in dev with none configured, any loopback origin.
pub fn origin_allowed(settings: &Settings, origin: &[u8]) -> bool {
    if settings.cors_origins.is_empty() {
        return settings.dev && is_loopback_origin(origin);
    }
    settings.cors_origins.iter().any(|o| o.as_bytes() == origin)
}

/// Origins of `ORGRAPH_CORS_ORIGINS` (checked at startup), request headers of
/// `ORGRAPH_CORS_ALLOW_HEADERS` beside the defaults, preflights cached for
/// `ORGRAPH_CORS_MAX_AGE_SECONDS`; the request id is readable by scripts.
fn cors(settings: &Arc<Settings>) -> CorsLayer {
    let s = settings.clone();
    let headers: Vec<http::HeaderName> =
        settings.cors_allow_headers.iter().filter_map(|h| http::HeaderName::from_bytes(h.as_bytes()).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| origin_allowed(&s, origin.as_bytes())))
        .allow_methods([http::Method::GET, http::Method::POST])
        .allow_headers(headers)
        .expose_headers([http::HeaderName::from_static("x-request-id")])
        .max_age(settings.cors_max_age)
}
