//! `GET /healthz` (liveness: the process answers and the database answers a ping, no
//! write), `GET /readyz` (readiness) and `GET /metrics` (Prometheus).
//!
//! Ready means: the database takes a write (the one row of `readiness` is updated and
//! committed: a read-only SQLite file or a read-only PostgreSQL is not ready), the applied
//! migrations are exactly the compiled ones (none pending, none unknown to this binary),
//! the role catalog is loaded, and — with a JWKS URL — the identity provider's keys have
//! been fetched. Otherwise 503 with a JSON body naming each failed check. The whole check
//! is bounded (5 s).

use super::AppState;
use crate::authz::keys;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

const TIME_LIMIT: Duration = Duration::from_secs(5);

type Check = Result<(), String>;

pub async fn readyz(State(app): State<Arc<AppState>>) -> Response {
    let checks = match tokio::time::timeout(TIME_LIMIT, checks(&app)).await {
        Ok(checks) => checks,
        Err(_) => vec![("database", Err(format!("no answer within {} s", TIME_LIMIT.as_secs())))],
    };
    let failed: Vec<&str> = checks.iter().filter(|(_, c)| c.is_err()).map(|(name, _)| *name).collect();
    let mut detail = Map::new();
    for (name, check) in &checks {
        detail.insert((*name).into(), Value::String(check.as_ref().err().cloned().unwrap_or_else(|| "ok".into())));
    }
    if failed.is_empty() {
        (StatusCode::OK, Json(json!({ "status": "ready", "checks": detail }))).into_response()
    } else {
        tracing::warn!(failed = ?failed, "not ready");
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "failed": failed, "checks": detail })))
            .into_response()
    }
}

/// `GET /healthz`: the database answers a ping (no write), within `TIME_LIMIT`.
pub async fn healthz(State(app): State<Arc<AppState>>) -> Response {
    match tokio::time::timeout(TIME_LIMIT, probed(&app).ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

/// The pool the probes use: the background pool, whose connections are checked at every
/// hand-out (`db::Checked::EveryUse`), so that a connection the server closed is
/// replaced, not reported as the database's state (the requests' pool checks only after
/// 500 ms idle).
fn probed(app: &AppState) -> &DatabaseConnection {
    app.metrics.background()
}

async fn checks(app: &AppState) -> Vec<(&'static str, Check)> {
    let db = probed(app);
    let mut checks = vec![("database", writable(db).await), ("migrations", migrations_current(db).await)];
    let catalog = app.catalog.get();
    let loaded = catalog.is_known_permission(keys::ORG_READ.as_str()) && catalog.knows_role_key("owner");
    checks.push(("catalog", if loaded { Ok(()) } else { Err("the role catalog is not loaded".into()) }));
    if let Some(jwks) = app.verifier.jwks() {
        let keys = if jwks.loaded() { Ok(()) } else { Err("the identity provider's keys could not be fetched yet".into()) };
        checks.push(("identityProvider", keys));
    }
    checks
}

async fn writable(db: &DatabaseConnection) -> Check {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "UPDATE readiness SET checked_at = $1 WHERE id = 1",
        _ => "UPDATE readiness SET checked_at = ? WHERE id = 1",
    };
    let stmt = Statement::from_sql_and_values(backend, sql, [crate::db::now().into()]);
    match db.execute_raw(stmt).await {
        Ok(r) if r.rows_affected() == 1 => Ok(()),
        Ok(_) => Err("the readiness row is missing".into()),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database refused a write");
            Err("the database does not take writes".into())
        }
    }
}

async fn migrations_current(db: &DatabaseConnection) -> Check {
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), "SELECT version FROM seaql_migrations"))
        .await
        .map_err(|e| format!("cannot read the applied migrations: {e}"))?;
    let applied: BTreeSet<String> = rows.iter().filter_map(|r| r.try_get::<String>("", "version").ok()).collect();
    let compiled: BTreeSet<String> = migration::Migrator::migrations().iter().map(|m| m.name().to_string()).collect();
    let pending: Vec<&String> = compiled.difference(&applied).collect();
    let unknown: Vec<&String> = applied.difference(&compiled).collect();
    match (pending.is_empty(), unknown.is_empty()) {
        (true, true) => Ok(()),
        (false, _) => Err(format!("pending migrations: {pending:?}")),
        (true, false) => Err(format!("the database has migrations this binary does not know (a newer version ran): {unknown:?}")),
    }
}

/// Scrape: gauges read now, then everything encoded.
pub async fn metrics(State(app): State<Arc<AppState>>) -> Response {
    let m = &app.metrics;
    let _one = m.scrape.lock().await;
    for (label, db) in m.pools() {
        if let Some((size, idle, max)) = pool_stats(db) {
            m.set_pool(label, size, idle, max);
        }
    }
    if let Some(reads) = &app.reads {
        let (size, idle, max) = reads.stats();
        m.set_pool("queries", size, idle, max);
    }
    let sockets: usize = app.sockets.lock().map(|s| s.values().sum()).unwrap_or(0);
    m.websocket_connections.set(i64::try_from(sockets).unwrap_or(i64::MAX));
    m.subscriptions.set(i64::try_from(app.notifiers.hub.subscribers()).unwrap_or(i64::MAX));
    m.deliveries_dropped.set(i64::try_from(app.notifiers.hub.dropped()).unwrap_or(i64::MAX));
    if let Some(jwks) = app.verifier.jwks() {
        m.identity_keys.set(i64::try_from(jwks.key_count()).unwrap_or(i64::MAX));
    }
    match tokio::time::timeout(TIME_LIMIT, outbox(m.background())).await {
        Ok(Ok((backlog, abandoned))) => {
            m.outbox_backlog.set(backlog);
            m.outbox_abandoned.set(abandoned);
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "metrics: counting the invitation outbox failed"),
        Err(_) => tracing::warn!("metrics: counting the invitation outbox timed out"),
    }
    match m.encode() {
        Ok(text) => ([(header::CONTENT_TYPE, crate::telemetry::metrics::CONTENT_TYPE)], text).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "metrics could not be encoded").into_response(),
    }
}

fn pool_stats(db: &DatabaseConnection) -> Option<(u32, usize, u32)> {
    use sea_orm::DatabaseConnectionType as T;
    match &db.inner {
        T::SqlxSqlitePoolConnection(_) => {
            let p = db.get_sqlite_connection_pool();
            Some((p.size(), p.num_idle(), p.options().get_max_connections()))
        }
        T::SqlxPostgresPoolConnection(_) => {
            let p = db.get_postgres_connection_pool();
            Some((p.size(), p.num_idle(), p.options().get_max_connections()))
        }
        _ => None,
    }
}

/// (not mailed yet and still retried, given up) invitation events.
async fn outbox(db: &DatabaseConnection) -> Result<(i64, i64), sea_orm::DbErr> {
    use crate::invitation::mailer::MAX_ATTEMPTS;
    use entity::invitation_event::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let unsent = || Entity::find().filter(Column::MailedAt.is_null());
    let backlog = unsent().filter(Column::MailAttempts.lt(MAX_ATTEMPTS)).count(db).await?;
    let abandoned = unsent().filter(Column::MailAttempts.gte(MAX_ATTEMPTS)).count(db).await?;
    Ok((i64::try_from(backlog).unwrap_or(i64::MAX), i64::try_from(abandoned).unwrap_or(i64::MAX)))
}
