//! `/metrics` in the Prometheus text format (0.0.4), with `prometheus-client`: one
//! registry per application (so each test server has its own), typed label sets whose
//! values are bounded (routes and codes are closed sets, operation names are capped).
//!
//! Counted per request: HTTP requests by method, route and status and their latency;
//! GraphQL requests by operation type, name and outcome code and their latency. Read at
//! scrape time: database pools, WebSocket connections, `invitationReceived`
//! subscriptions, the invitation outbox (backlog, given up), mail sent and failed, key set
//! fetches, and authorization decisions (process-wide atomics at `Grants::can`).

use crate::authz::grants::decision_counts;
use crate::http::jwks::Jwks;
use crate::invitation::mailer::Mailer;
use foldhash::HashSet;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sea_orm::DatabaseConnection;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: &'static str,
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation_type: &'static str,
    operation_name: String,
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabels {
    operation_type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency() -> Histogram {
    Histogram::new([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
}

/// Distinct operation names kept as label values; later ones count as `other`.
const MAX_OPERATION_NAMES: usize = 200;
/// The longest operation name shown as itself (a metric label, the access log).
pub const MAX_OPERATION_NAME_LEN: usize = 64;

/// The error codes of RULES.md §3 (and `OK`); anything else is `OTHER`.
const CODES: &[&str] = &[
    "OK",
    "UNAUTHENTICATED",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "FORBIDDEN",
    "CONFLICT",
    "FAILED_PRECONDITION",
    "RATE_LIMITED",
    "TIMEOUT",
    "INTERNAL",
];

pub fn known_code(code: &str) -> &'static str {
    CODES.iter().find(|c| **c == code).copied().unwrap_or("OTHER")
}

pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_latency: Histograms<RouteLabels>,
    graphql_requests: Family<OperationLabels, Counter>,
    graphql_latency: Histograms<TypeLabels>,
    pool_connections: Family<PoolLabels, Gauge>,
    pool_idle: Family<PoolLabels, Gauge>,
    pool_max: Family<PoolLabels, Gauge>,
    pub websocket_connections: Gauge,
    pub subscriptions: Gauge,
    pub deliveries_dropped: Gauge,
    pub outbox_backlog: Gauge,
    pub outbox_abandoned: Gauge,
    pub identity_keys: Gauge,
    operation_names: Mutex<HashSet<String>>,
    /// The request pool and the background pool (outbox, mail, trash purge).
    requests_db: DatabaseConnection,
    background_db: DatabaseConnection,
    /// One scrape at a time (gauges are set, then encoded).
    pub scrape: tokio::sync::Mutex<()>,
}

/// Sources counted elsewhere, read at each scrape.
struct Sources {
    mailer: Arc<Mailer>,
    jwks: Option<Arc<Jwks>>,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sources")
    }
}

fn counters(encoder: &mut DescriptorEncoder, name: &str, help: &str, label: &str, values: &[(&str, u64)]) -> std::fmt::Result {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (value, n) in values {
        let labels = [(label, *value)];
        ConstCounter::new(*n).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

impl Collector for Sources {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let (allowed, denied) = decision_counts();
        let help = "Permission decisions at Grants::can (process-wide)";
        counters(&mut encoder, "orgraph_authz_decisions", help, "decision", &[("allowed", allowed), ("denied", denied)])?;
        let (answered, rerun) = crate::authz::provisional_counts();
        let help = "Queries started from kept grants without an authentication statement (PostgreSQL), by outcome \
                    (rerun: the grants or the user had changed, and the query ran again, authenticated)";
        counters(&mut encoder, "orgraph_kept_grants_queries", help, "outcome", &[("answered", answered), ("rerun", rerun)])?;
        let (sent, failed) = self.mailer.counts();
        let help = "Invitation mails by outcome (failed: one failed attempt, retried with backoff)";
        counters(&mut encoder, "orgraph_mailer_messages", help, "outcome", &[("sent", sent), ("failed", failed)])?;
        if let Some(jwks) = &self.jwks {
            use std::sync::atomic::Ordering::Relaxed;
            let s = &jwks.stats;
            let values = [("ok", s.fetches_ok.load(Relaxed)), ("failed", s.fetches_failed.load(Relaxed))];
            counters(&mut encoder, "orgraph_jwks_fetches", "Fetches of the identity provider's key set", "outcome", &values)?;
            let help = "Tokens naming a kid the cached key set lacks";
            let family = encoder.encode_descriptor("orgraph_jwks_unknown_kids", help, None, MetricType::Counter)?;
            ConstCounter::new(s.unknown_kid.load(Relaxed)).encode(family)?;
        }
        Ok(())
    }
}

impl Metrics {
    pub fn new(
        mailer: Arc<Mailer>,
        jwks: Option<Arc<Jwks>>,
        requests_db: DatabaseConnection,
        background_db: DatabaseConnection,
    ) -> Self {
        let mut registry = Registry::default();
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register("orgraph_http_requests", "HTTP requests by method, route and status", http_requests.clone());
        let http_latency: Histograms<RouteLabels> = Family::new_with_constructor(latency);
        registry.register("orgraph_http_request_duration_seconds", "HTTP request latency by route", http_latency.clone());
        let graphql_requests = Family::<OperationLabels, Counter>::default();
        let help = "GraphQL requests over HTTP by operation type, operation name and outcome (first error code, or OK)";
        registry.register("orgraph_graphql_requests", help, graphql_requests.clone());
        let graphql_latency: Histograms<TypeLabels> = Family::new_with_constructor(latency);
        registry.register(
            "orgraph_graphql_request_duration_seconds",
            "GraphQL request latency by operation type",
            graphql_latency.clone(),
        );
        let gauges = || Family::<PoolLabels, Gauge>::default();
        let (pool_connections, pool_idle, pool_max) = (gauges(), gauges(), gauges());
        registry.register("orgraph_db_pool_connections", "Open database connections per pool", pool_connections.clone());
        registry.register("orgraph_db_pool_idle_connections", "Idle database connections per pool", pool_idle.clone());
        registry.register("orgraph_db_pool_max_connections", "Configured maximum connections per pool", pool_max.clone());
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let websocket_connections = gauge(&mut registry, "orgraph_websocket_connections", "Signed-in WebSocket connections");
        let subscriptions = gauge(&mut registry, "orgraph_subscriptions", "Active invitationReceived subscriptions");
        let deliveries_dropped = gauge(
            &mut registry,
            "orgraph_subscription_deliveries_dropped",
            "Notifications dropped since start because their subscriber had stopped reading (256 waiting)",
        );
        let outbox_backlog =
            gauge(&mut registry, "orgraph_invitation_outbox_backlog", "Invitation events not mailed yet (still retried)");
        let outbox_abandoned = gauge(
            &mut registry,
            "orgraph_invitation_outbox_abandoned",
            "Invitation events whose mail was given up after every retry",
        );
        let identity_keys =
            gauge(&mut registry, "orgraph_jwks_keys", "Usable keys in the cached key set of the identity provider");
        registry.register_collector(Box::new(Sources { mailer, jwks }));
        Self {
            registry,
            http_requests,
            http_latency,
            graphql_requests,
            graphql_latency,
            pool_connections,
            pool_idle,
            pool_max,
            websocket_connections,
            subscriptions,
            deliveries_dropped,
            outbox_backlog,
            outbox_abandoned,
            identity_keys,
            operation_names: Mutex::default(),
            requests_db,
            background_db,
            scrape: tokio::sync::Mutex::new(()),
        }
    }

    pub fn record_http(&self, method: &http::Method, route: &'static str, status: u16, elapsed: Duration) {
        let method = match *method {
            http::Method::GET => "GET",
            http::Method::POST => "POST",
            http::Method::OPTIONS => "OPTIONS",
            http::Method::HEAD => "HEAD",
            _ => "OTHER",
        };
        self.http_requests.get_or_create(&HttpLabels { method, route, status }).inc();
        self.http_latency.get_or_create(&RouteLabels { route }).observe(elapsed.as_secs_f64());
    }

    pub fn record_graphql(&self, operation_type: &'static str, operation_name: Option<&str>, code: &str, elapsed: Duration) {
        let operation_name = self.bounded_name(operation_name);
        let labels = OperationLabels { operation_type, operation_name, code: known_code(code) };
        self.graphql_requests.get_or_create(&labels).inc();
        self.graphql_latency.get_or_create(&TypeLabels { operation_type }).observe(elapsed.as_secs_f64());
    }

    /// Operation names are chosen by clients: at most `MAX_OPERATION_NAMES` distinct ones
    /// become label values, so that no client can grow the metrics without bound.
    fn bounded_name(&self, name: Option<&str>) -> String {
        let Some(name) = name else { return String::new() };
        if name.len() > MAX_OPERATION_NAME_LEN {
            return "other".into();
        }
        let mut names = self.operation_names.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if names.contains(name) || names.len() < MAX_OPERATION_NAMES && names.insert(name.to_string()) {
            name.to_string()
        } else {
            "other".into()
        }
    }

    pub fn set_pool(&self, pool: &'static str, size: u32, idle: usize, max: u32) {
        let labels = PoolLabels { pool };
        self.pool_connections.get_or_create(&labels).set(i64::from(size));
        self.pool_idle.get_or_create(&labels).set(i64::try_from(idle).unwrap_or(i64::MAX));
        self.pool_max.get_or_create(&labels).set(i64::from(max));
    }

    pub fn pools(&self) -> [(&'static str, &DatabaseConnection); 2] {
        [("requests", &self.requests_db), ("background", &self.background_db)]
    }

    pub fn background(&self) -> &DatabaseConnection {
        &self.background_db
    }

    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}
