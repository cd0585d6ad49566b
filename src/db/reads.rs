//! A query's reads on PostgreSQL, all on one connection that the request holds from its
//! authentication (or, started from kept grants, its first statement, which carries
//! their check: `Reads::provisional`) to its answer (`Reads`), from a pool of their own
//! (`ReadPool`).
//!
//! sqlx checks a pooled connection with a round trip each time one goes back to its pool
//! (`PoolConnection::return_to_pool`, not configurable), so every statement outside a
//! transaction cost two round trips: a lookup (authentication, then the object) was
//! four. Here a connection goes back unchecked, so a statement is one round trip — but
//! only a connection whose last statement ended: one whose statement was cancelled
//! mid-way (the request timed out, the client went away) or failed on the connection
//! itself is closed instead. One idle for 500 ms is checked before it is used again, as
//! the requests' pool does (`Checked::AfterIdle`): one the server or a proxy closed
//! while the pool was quiet is replaced unseen.
//!
//! A request holds at most one of these connections; its statements run on it one at a
//! time (a level's loader batches queue for it instead of running side by side). While
//! it holds one it may wait for the requests' pool (a token's changed claims are written
//! there; `assignableRoles` reads there), but nothing that holds a connection of the
//! requests' pool ever waits for this one: mutations, WebSocket operations and
//! subscriptions read through the requests' pool, statement by statement, as before
//! (`Reads::pool`), as does everything on SQLite. So the pools cannot deadlock.
//! `Reads` carries reads only: statements without rows (`execute_*`) go to the
//! requests' pool, and nothing writes through it.

use super::read_guard::{ReadGuard, check, guarded, stale_err};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::{self, Connection};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement, Values};
use sea_query_sqlx::SqlxValues;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A connection idle for longer is checked with a round trip before it is used again.
const IDLE_CHECK: Duration = Duration::from_millis(500);

/// How long a connection whose statement was cancelled may take to be ready again
/// before it is closed.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);

/// Counts a statement (the tests' statement counts; `sea_orm::metric::Info`).
pub type MetricCallback = Arc<dyn Fn(&sea_orm::metric::Info<'_>) + Send + Sync>;

/// The queries' connections (PostgreSQL only).
#[derive(Clone)]
pub struct ReadPool {
    inner: Arc<Inner>,
}

struct Inner {
    options: PgConnectOptions,
    idle: Mutex<Vec<(PgConnection, Instant)>>,
    permits: Arc<Semaphore>,
    max: usize,
    /// Connections made and not yet closed.
    open: AtomicUsize,
    acquire_timeout: Duration,
    metric: OnceLock<MetricCallback>,
}

impl ReadPool {
    /// A pool of at most `max` connections made as `db`'s are (PostgreSQL), else none.
    pub fn of(db: &DatabaseConnection, max: usize, acquire_timeout: Duration) -> Option<Self> {
        if db.get_database_backend() != DbBackend::Postgres {
            return None;
        }
        let options = (*db.get_postgres_connection_pool().connect_options()).clone();
        Some(Self {
            inner: Arc::new(Inner {
                options,
                idle: Mutex::default(),
                permits: Arc::new(Semaphore::new(max)),
                max,
                open: AtomicUsize::new(0),
                acquire_timeout,
                metric: OnceLock::new(),
            }),
        })
    }

    /// Counts every statement of this pool with `callback`, as
    /// `DatabaseConnection::set_metric_callback` does for the requests' pool (set once:
    /// a later callback is ignored).
    pub fn set_metric_callback(&self, callback: MetricCallback) {
        let _ = self.inner.metric.set(callback);
    }

    /// Closes its idle connections (the server is stopping).
    pub fn close(&self) {
        let idle = std::mem::take(&mut *self.inner.idle.lock().unwrap_or_else(PoisonError::into_inner));
        self.inner.open.fetch_sub(idle.len(), Ordering::Relaxed);
    }

    /// Its open and idle connections, and its maximum (the `/metrics` pool gauges).
    pub fn stats(&self) -> (u32, usize, u32) {
        let idle = self.inner.idle.lock().unwrap_or_else(PoisonError::into_inner).len();
        let open = u32::try_from(self.inner.open.load(Ordering::Relaxed)).unwrap_or(u32::MAX);
        (open, idle, u32::try_from(self.inner.max).unwrap_or(u32::MAX))
    }

    async fn acquire(&self) -> Result<Held, DbErr> {
        let permit = tokio::time::timeout(self.inner.acquire_timeout, self.inner.permits.clone().acquire_owned())
            .await
            .map_err(|_| conn_err(sqlx::Error::PoolTimedOut))?
            .map_err(|_| conn_err(sqlx::Error::PoolClosed))?;
        loop {
            let next = self.inner.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let Some((conn, since)) = next else { break };
            // Not clean until checked: one that fails its check, or whose check is
            // cancelled, is closed when `held` drops.
            let mut held = Held { conn: Some(conn), clean: false, pool: self.inner.clone(), permit: None };
            let checked = since.elapsed() < IDLE_CHECK || held.conn_mut().ping().await.is_ok();
            if checked {
                held.clean = true;
                held.permit = Some(permit);
                return Ok(held);
            }
        }
        // Bounded like sqlx's pool bounds its connects: by the acquire timeout.
        let connect = tokio::time::timeout(self.inner.acquire_timeout, PgConnection::connect_with(&self.inner.options));
        let conn = connect.await.map_err(|_| conn_err(sqlx::Error::PoolTimedOut))?.map_err(conn_err)?;
        self.inner.open.fetch_add(1, Ordering::Relaxed);
        Ok(Held { conn: Some(conn), clean: true, pool: self.inner.clone(), permit: Some(permit) })
    }
}

/// A connection out of the pool; back to it on drop if its last statement ended.
struct Held {
    conn: Option<PgConnection>,
    /// False while a statement runs, and after one failed on the connection itself.
    clean: bool,
    pool: Arc<Inner>,
    /// Its place among the pool's connections (absent only while it is being checked).
    permit: Option<OwnedSemaphorePermit>,
}

impl Held {
    fn conn_mut(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("a held connection is present until dropped")
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        if self.clean {
            self.pool.idle.lock().unwrap_or_else(PoisonError::into_inner).push((conn, Instant::now()));
            return;
        }
        let (Some(permit), Ok(runtime)) = (self.permit.take(), tokio::runtime::Handle::try_current()) else {
            // Failed its check (or its check was cancelled): closed.
            self.pool.open.fetch_sub(1, Ordering::Relaxed);
            return;
        };
        // Its statement was cancelled or the connection failed: its session may still be
        // running the statement. As sqlx's pool does, it keeps its place in the pool while
        // a check waits for the session to be ready again (so the sessions on the server
        // stay within the pool's size), then goes back, or is closed.
        let pool = self.pool.clone();
        runtime.spawn(async move {
            let drained = tokio::time::timeout(DRAIN_LIMIT, conn.ping()).await;
            if matches!(drained, Ok(Ok(()))) {
                pool.idle.lock().unwrap_or_else(PoisonError::into_inner).push((conn, Instant::now()));
            } else {
                pool.open.fetch_sub(1, Ordering::Relaxed);
            }
            drop(permit);
        });
    }
}

fn conn_err(e: sqlx::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)))
}

/// Whether the connection itself failed (the request's next statement takes another),
/// as opposed to its statement: a transport error, or a server error that ends the
/// session (SQLSTATE classes 08, connection exception, and 57P, e.g. 57P01 when an
/// administrator terminates it).
fn broken(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => e.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

/// Where a request's statements run: the requests' pool, or (a query on PostgreSQL) one
/// connection of the `ReadPool` taken at its first statement and held until the request
/// ends (the last clone is dropped).
#[derive(Clone)]
pub struct Reads {
    db: DatabaseConnection,
    held: Option<Arc<Slot>>,
}

struct Slot {
    pool: ReadPool,
    conn: tokio::sync::Mutex<Option<Held>>,
    /// A query started from kept grants (`Reads::provisional`): the condition its next
    /// statement carries, until one proves it held.
    guard: Mutex<Option<ReadGuard>>,
    /// The condition did not hold: the query is answered again, authenticated.
    stale: AtomicBool,
}

impl Reads {
    /// Statement by statement on the requests' pool.
    pub fn pool(db: DatabaseConnection) -> Self {
        Self { db, held: None }
    }

    /// On one connection of `pool` when there is one (PostgreSQL), else on `db`.
    pub fn held(db: DatabaseConnection, pool: Option<&ReadPool>) -> Self {
        let held = pool.map(|pool| {
            Arc::new(Slot {
                pool: pool.clone(),
                conn: tokio::sync::Mutex::new(None),
                guard: Mutex::new(None),
                stale: AtomicBool::new(false),
            })
        });
        Self { db, held }
    }

    /// Whether its statements run on one held connection (PostgreSQL).
    pub fn is_held(&self) -> bool {
        self.held.is_some()
    }

    /// Starts a query whose viewer and grants were taken without reading them: its next
    /// statement on the held connection carries `guard` (its rows only while the guard
    /// holds, in that statement's snapshot), and so does every later one until one
    /// answers rows, or answers none and a check finds the guard holding. A guard that
    /// does not hold makes this and every later statement fail; `settle` says so.
    /// Without a held connection (SQLite), nothing is checked: callers start queries
    /// this way only on a held one (`is_held`).
    pub fn provisional(&self, guard: ReadGuard) {
        if let Some(slot) = &self.held {
            slot.stale.store(false, Ordering::SeqCst);
            *slot.guard.lock().unwrap_or_else(PoisonError::into_inner) = Some(guard);
        }
    }

    /// Whether a query started `provisional` may stand: its guard was proved, or is
    /// checked now (a query that read nothing on the held connection, or whose guarded
    /// statements failed). `false`: it did not hold (or could not be checked) and the
    /// query must be answered again, authenticated; these reads are then ready for it,
    /// without a guard.
    pub async fn settle(&self) -> bool {
        let Some(slot) = &self.held else { return true };
        let pending = slot.guard.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let holds = if slot.stale.load(Ordering::SeqCst) {
            false
        } else if let Some(guard) = pending {
            let mut conn = slot.conn.lock().await;
            let stmt = check(self.db.get_database_backend(), &guard);
            matches!(self.exec(slot, &mut conn, &stmt, |conn, q| Box::pin(q.fetch_optional(conn))).await, Ok(Some(_)))
        } else {
            true
        };
        *slot.guard.lock().unwrap_or_else(PoisonError::into_inner) = None;
        slot.stale.store(false, Ordering::SeqCst);
        holds
    }

    /// The requests' pool itself (what the request's writes begin on).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Runs `stmt` on the held connection (taken now if not yet), counted like the
    /// requests' pool counts its statements; guarded while the query is provisional
    /// (`provisional`; `empty`: whether an answer has no rows).
    async fn run<T>(
        &self,
        slot: &Slot,
        stmt: &Statement,
        go: impl for<'c> FnOnce(
            &'c mut PgConnection,
            sqlx::query::Query<'c, sqlx::Postgres, SqlxValues>,
        ) -> futures_util::future::BoxFuture<'c, Result<T, sqlx::Error>>,
        empty: impl Fn(&T) -> bool,
    ) -> Result<T, DbErr> {
        // Under the connection's lock: the query's other statements wait for the guard's
        // outcome, and one cancelled mid-way leaves the guard to the next.
        let mut conn = slot.conn.lock().await;
        if slot.stale.load(Ordering::SeqCst) {
            return Err(stale_err());
        }
        let guard = slot.guard.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let Some(guard) = guard else { return self.exec(slot, &mut conn, stmt, go).await };
        let answer = self.exec(slot, &mut conn, &guarded(stmt, &guard), go).await?;
        // No rows: the guard failed, or the statement has none. A check tells, in a later
        // snapshot; that is enough because what it compares only moves one way: the
        // versions rise, and every change to the user row raises the access version
        // (migration 000025). A guard that failed once never holds again.
        let holds = !empty(&answer) || {
            let check = check(stmt.db_backend, &guard);
            self.exec(slot, &mut conn, &check, |conn, q| Box::pin(q.fetch_optional(conn))).await?.is_some()
        };
        if !holds {
            slot.stale.store(true, Ordering::SeqCst);
            return Err(stale_err());
        }
        *slot.guard.lock().unwrap_or_else(PoisonError::into_inner) = None;
        Ok(answer)
    }

    /// `run`'s statement on the held connection, `conn` (its lock held).
    async fn exec<T>(
        &self,
        slot: &Slot,
        conn: &mut Option<Held>,
        stmt: &Statement,
        go: impl for<'c> FnOnce(
            &'c mut PgConnection,
            sqlx::query::Query<'c, sqlx::Postgres, SqlxValues>,
        ) -> futures_util::future::BoxFuture<'c, Result<T, sqlx::Error>>,
    ) -> Result<T, DbErr> {
        // A statement of this request was cancelled on it (a sibling field failed and its
        // future was dropped): the connection may be mid-exchange. It goes (drained, see
        // `Held`'s drop) and this statement takes another.
        if conn.as_ref().is_some_and(|held| !held.clean) {
            *conn = None;
        }
        if conn.is_none() {
            *conn = Some(slot.pool.acquire().await?);
        }
        let held = conn.as_mut().expect("taken above");
        let values = stmt.values.clone().unwrap_or(Values(Vec::new()));
        let query = sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values));
        let started = Instant::now();
        // Not clean while it runs: a statement cancelled at an await leaves the
        // connection mid-exchange (see above).
        held.clean = false;
        // With no span current: sqlx would enter the request's at every row (`unspanned`).
        let result = crate::telemetry::unspanned::unspanned(go(held.conn_mut(), query)).await;
        held.clean = !result.as_ref().is_err_and(broken);
        if !held.clean {
            // Let go now; the request's next statement takes another connection.
            *conn = None;
        }
        if let Some(callback) = slot.pool.inner.metric.get() {
            callback(&sea_orm::metric::Info { elapsed: started.elapsed(), statement: stmt, failed: result.is_err() });
        }
        result.map_err(|e| DbErr::Query(RuntimeErr::SqlxError(Arc::new(e))))
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Reads {
    fn get_database_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        // Not on the held connection: it takes reads only (see the module's docs).
        self.db.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let Some(slot) = &self.held else { return self.db.query_one_raw(stmt).await };
        let row = self.run(slot, &stmt, |conn, q| Box::pin(q.fetch_optional(conn)), Option::is_none).await?;
        Ok(row.map(QueryResult::from))
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let Some(slot) = &self.held else { return self.db.query_all_raw(stmt).await };
        let rows = self.run(slot, &stmt, |conn, q| Box::pin(q.fetch_all(conn)), Vec::is_empty).await?;
        Ok(rows.into_iter().map(QueryResult::from).collect())
    }
}
