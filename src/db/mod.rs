//! Database plumbing shared by every concept: connecting, migrating, write transactions
//! that guard invariants, and a small SQL builder for the batched queries of loaders.

use crate::config::Settings;
use crate::error::AppResult;
use migration::MigratorTrait;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, SqliteTransactionMode,
    Statement, TransactionOptions, TransactionTrait, Value,
};
use std::time::Duration;

/// The current instant to the microsecond, as PostgreSQL's `timestamptz` keeps it: an
/// answer built from a row just written says what reading the row back says, on both
/// databases (a mutation answered nanoseconds that a later read had lost).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// How a pooled PostgreSQL connection is checked (a round trip) before it is handed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    /// Only after 500 ms idle: the requests' pool, where the check was a round trip per
    /// statement.
    AfterIdle,
    /// At every hand-out: the background pool (the mailer's statements rarely meet a
    /// closed connection; the probes never report one as the database's state), the
    /// command line.
    EveryUse,
}

/// How long a statement waits for a pooled connection before it fails.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// At most this many PostgreSQL connections in each pool of a process: the requests'
/// (writes, WebSocket operations), the background work's and the HTTP queries' (`ReadPool`).
pub const REQUEST_CONNECTIONS: usize = 16;

/// The requests' pool (`Checked::AfterIdle`).
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, sea_orm::DbErr> {
    connect_with(settings, Checked::AfterIdle).await
}

pub async fn connect_with(settings: &Settings, checked: Checked) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut opts = ConnectOptions::new(settings.database_url.clone());
    opts.sqlx_logging(false).acquire_timeout(ACQUIRE_TIMEOUT);
    if settings.is_sqlite() {
        // The SQLite pool defaults to one connection: loaders and authz outside an open
        // write transaction would wait for it. WAL lets readers run beside the writer;
        // writers queue on `BEGIN IMMEDIATE` with a busy timeout.
        opts.max_connections(8).min_connections(1);
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
        });
    } else {
        opts.max_connections(REQUEST_CONNECTIONS as u32).min_connections(1);
        // sqlx checks a pooled connection with a round trip each time it is handed out; a
        // statement outside a transaction paid it every time (a lookup: two statements,
        // four round trips). The requests' pool checks only a connection idle for 500 ms,
        // as HikariCP does: one the server, a proxy or a firewall closed while the pool
        // was quiet is still replaced unseen (`tests/api/pool.rs`). One closed under a
        // busy pool fails the statement that finds it, once, and is dropped.
        if checked == Checked::AfterIdle {
            opts.test_before_acquire_if_idle_for(Duration::from_millis(500));
            // A statement runs on after the request that sent it gave up (`TIMEOUT`): the
            // server stops it two seconds after the request's time limit, so an abandoned
            // slow statement cannot hold a connection (and a core) for minutes. The
            // requests' and the queries' pools (`ReadPool` copies these options); not the
            // background pool; migrations lift it for their transaction.
            let limit = (settings.limits.request_timeout + Duration::from_secs(2)).as_millis();
            opts.map_sqlx_postgres_opts(move |o| o.options([("statement_timeout", format!("{limit}ms"))]));
        }
    }
    Database::connect(opts).await
}

/// Runs pending migrations and returns the names of those it ran (empty: the schema was
/// current). On PostgreSQL any number of instances may start at once: the migrations run
/// in one transaction that first takes a database-wide advisory lock, so the others
/// wait, then find nothing left to do (two racing `CREATE TABLE IF NOT EXISTS` collided
/// on `pg_type_typname_nsp_index`). SQLite is one process per file (`lock_sqlite`).
pub async fn migrate(db: &DatabaseConnection) -> Result<Vec<String>, sea_orm::DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        let pending: Vec<String> =
            migration::Migrator::get_pending_migrations(db).await?.iter().map(|m| m.name().to_string()).collect();
        migration::Migrator::up(db, None).await?;
        return Ok(pending);
    }
    #[expect(clippy::disallowed_methods, reason = "migrations run before any request, in one transaction")]
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!("SET LOCAL statement_timeout = 0; SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")).await?;
    let pending: Vec<String> =
        migration::Migrator::get_pending_migrations(&txn).await?.iter().map(|m| m.name().to_string()).collect();
    migration::Migrator::up(&txn, None).await?;
    txn.commit().await?;
    Ok(pending)
}

/// The advisory lock key of migrations (`orgraph` in ASCII).
const MIGRATION_LOCK: i64 = 0x006f_7267_7261_7068;

/// Opens a write transaction in which decisions are made on current data (RULES.md §9.2).
///
/// SQLite: `BEGIN IMMEDIATE`, so writers serialize before they read anything. PostgreSQL:
/// the transaction first takes one database-wide advisory lock (`pg_advisory_xact_lock`,
/// released at commit or rollback), so writes serialize exactly as on SQLite: every grant,
/// role and row a mutation reads afterwards (READ COMMITTED takes a snapshot per statement)
/// includes every write that committed before it, and a demotion that committed first is
/// always honored. One lock taken first by every writer is also one lock order: no two
/// writers wait on each other's rows, so they cannot deadlock. Reads never take it.
/// Inside a request, mutations open theirs with `RequestCtx::begin_write` (clippy.toml
/// refuses this function elsewhere).
pub async fn begin_write(db: &DatabaseConnection) -> AppResult<DatabaseTransaction> {
    let options = TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    #[expect(clippy::disallowed_methods, reason = "the one place that opens write transactions")]
    let txn = db.begin_with_options(options).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // READ COMMITTED said, not assumed: under a server whose default is REPEATABLE READ
        // the snapshot would be taken before the lock is held, and every read after it
        // would miss what committed while this transaction waited. One round trip.
        txn.execute_unprepared(&format!(
            "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({WRITE_LOCK})"
        ))
        .await?;
    }
    Ok(txn)
}

/// The advisory lock key of write transactions (`orgwrite` in ASCII); see `begin_write`.
pub const WRITE_LOCK: i64 = 0x6f72_6777_7269_7465;

/// A SQL text with bound values, rendering placeholders for the connection's dialect.
#[derive(PartialEq)]
pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Self { backend, text: String::new(), values: Vec::new() }
    }
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }
    /// `(v1, v2, …)`; an empty list renders `(NULL)`, which matches nothing.
    pub fn bind_list<V: Into<Value> + Clone>(&mut self, values: &[V]) -> &mut Self {
        self.text.push('(');
        if values.is_empty() {
            self.text.push_str("NULL");
        }
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(v.clone());
        }
        self.text.push(')');
        self
    }
    /// `column` is one of `ids`. PostgreSQL: `column = ANY($n)`, the list bound as one
    /// array, so the statement's text (and its prepared statement and plan) is the same
    /// for any number of ids; a list of n ids written as n placeholders is a statement of
    /// its own, planned at each call. SQLite: `column IN (…)`.
    pub fn any_of(&mut self, column: &str, ids: &[uuid::Uuid]) -> &mut Self {
        self.text.push_str(column);
        match self.backend {
            DbBackend::Postgres => self.push(" = ANY(").bind(ids.to_vec()).push(")"),
            _ => self.push(" IN ").bind_list(ids),
        }
    }
    pub fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

/// Whether a row of `E` under the same parent (`parent_col` = `parent`), other than
/// `except`, already has `name`: the sibling-name rule of RULES.md §4, checked before the
/// unique index would refuse it, so the answer is a `CONFLICT` in the documented order.
pub async fn sibling_name_taken<E: sea_orm::EntityTrait, C: ConnectionTrait>(
    db: &C,
    parent_col: E::Column,
    parent: uuid::Uuid,
    name: &str,
    except: Option<uuid::Uuid>,
) -> AppResult<bool> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait};
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut q = E::find().filter(parent_col.eq(parent)).filter(ExprTrait::eq(Expr::col(Alias::new("name")), name));
    if let Some(id) = except {
        q = q.filter(ExprTrait::ne(Expr::col(Alias::new("id")), id));
    }
    Ok(q.one(db).await?.is_some())
}

/// Rows whose creator (`col`, a `created_by`) is not `viewer`: someone else, or a user
/// since deleted (null) — what RULES.md §5 `.own` keys do not cover.
pub fn created_by_other<C: sea_orm::ColumnTrait>(col: C, viewer: uuid::Uuid) -> sea_orm::Condition {
    sea_orm::Condition::any().add(col.is_null()).add(col.ne(viewer))
}

pub fn backend<C: ConnectionTrait>(conn: &C) -> DbBackend {
    conn.get_database_backend()
}

mod admin;
mod inserts;
pub use admin::{FileLock, backup, check_sqlite_path, checkpoint, lock_sqlite, open, where_is};
pub use inserts::Inserts;
pub mod page;
mod pages;
pub mod positional;
mod read_guard;
mod reads;
pub use pages::{
    ChildPages, ChildTable, PAGED_BY_INDEX, hand_out, load_child_pages, load_grouped, load_pages, shared, shared_reads,
};
pub use read_guard::{ReadGuard, is_superseded};
pub use reads::{MetricCallback, ReadPool, Reads};
