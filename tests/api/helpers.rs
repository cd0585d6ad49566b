//! `spawn_app()` gives each test a fresh database (a SQLite file, or a new database on
//! the PostgreSQL server named by `ORGRAPH_TEST_DATABASE_URL`) with real migrations, and
//! a real server on a random port. Clients talk to it over HTTP like any web client.
//! The shared operations are in `ops`, the organizations tests start from in `fixtures`
//! (re-exported here, so `use crate::helpers::*` is all a test file needs).

use orgraph::config::{Limits, Secret, Settings};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub use crate::fixtures::*;

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub addr: String,
    pub http: reqwest::Client,
    pub statements: Arc<AtomicUsize>,
    /// The text of each statement while `Some` (see `statements_of`).
    pub captured: Arc<std::sync::Mutex<Option<Vec<String>>>>,
    pub db: Db,
    pub database_url: String,
}

/// Runs a test body once per database: `<name>::sqlite` and `<name>::postgres`. The
/// PostgreSQL variant is compiled as ignored when no PostgreSQL is configured (see
/// `tests/postgres-gate`), so a run without it reports it as ignored, not passed.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        $crate::both!($name, settings = |_: &mut orgraph::config::Settings| {}, $body);
    };
    ($name:ident, settings = $configure:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let app = $crate::helpers::spawn_app_with($crate::helpers::Db::Sqlite, $configure).await;
                let url = app.database_url.clone();
                ($body)(app).await;
                $crate::helpers::discard($crate::helpers::Db::Sqlite, &url).await;
            }
            postgres_gate::gated! {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    $crate::helpers::require_postgres();
                    let app = $crate::helpers::spawn_app_with($crate::helpers::Db::Postgres, $configure).await;
                    let url = app.database_url.clone();
                    ($body)(app).await;
                    $crate::helpers::discard($crate::helpers::Db::Postgres, &url).await;
                }
            }
        }
    };
}

const NO_POSTGRES: &str = "this test needs PostgreSQL: set ORGRAPH_TEST_DATABASE_URL (scripts/test starts a throwaway server)";

/// First line of a test that needs PostgreSQL (wrapped in `postgres_gate::gated!`, so it
/// runs only when PostgreSQL was configured at build time): fails, saying why, when the
/// URL is missing at run time — with `ORGRAPH_TEST_REQUIRE_POSTGRES=1` (CI), or when the
/// test binary is run by hand without it.
pub fn require_postgres() {
    assert!(has_postgres_url(), "{NO_POSTGRES}");
}

/// For code that decides at run time (benchmarks looping over both databases): whether
/// `ORGRAPH_TEST_DATABASE_URL` is set. Fails when `ORGRAPH_TEST_REQUIRE_POSTGRES=1` and
/// it is not.
pub fn postgres_available() -> bool {
    let required = std::env::var("ORGRAPH_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    assert!(has_postgres_url() || !required, "ORGRAPH_TEST_REQUIRE_POSTGRES=1: {NO_POSTGRES}");
    has_postgres_url()
}

fn has_postgres_url() -> bool {
    std::env::var("ORGRAPH_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty())
}

/// `TEST_LOG=1` sends the servers' logs to the test output (libtest shows it for failing
/// tests, or for all with `--nocapture`), filtered by `ORGRAPH_LOG` or `RUST_LOG`
/// (default: `info`, quiet SQL). Installed once for the whole test binary; each test's
/// server logs from the test's own threads, so its lines land in its own output.
pub fn init_test_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if !std::env::var("TEST_LOG").is_ok_and(|v| !v.is_empty() && v != "0") {
            return;
        }
        let filter = ["ORGRAPH_LOG", "RUST_LOG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| "info,sqlx=warn,sea_orm=warn".into());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .with_test_writer()
            .try_init();
    });
}

pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

/// Test databases are named `t<UUIDv7>`: the id's time tells their age. Once per test
/// process, those older than an hour (left by runs that ended or crashed) are removed, so
/// repeated runs do not fill the disk. Fresh ones, maybe another process's, are left alone.
static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

fn stale(name: &str) -> bool {
    let Some(id) = name.strip_prefix('t').and_then(|id| uuid::Uuid::parse_str(id).ok()) else { return false };
    let Some((secs, _)) = id.get_timestamp().map(|t| t.to_unix()) else { return false };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    now.saturating_sub(secs) > 3600
}

async fn sweep(dir: &std::path::Path) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if stale(name.split('.').next().unwrap_or_default()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let Ok(admin_url) = std::env::var("ORGRAPH_TEST_DATABASE_URL") else { return };
    let Ok(admin) = sea_orm::Database::connect(&admin_url).await else { return };
    let list = sea_orm::Statement::from_string(admin.get_database_backend(), "SELECT datname FROM pg_database");
    for row in admin.query_all_raw(list).await.unwrap_or_default() {
        if let Ok(name) = row.try_get::<String>("", "datname")
            && stale(&name)
        {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await;
        }
    }
    admin.close().await.ok();
}

/// Removes a passed test's database (a failed one stays for inspection, until swept).
pub async fn discard(db: Db, url: &str) {
    match db {
        Db::Sqlite => {
            if let Some(path) = url.strip_prefix("sqlite://").and_then(|r| r.split('?').next()) {
                for suffix in ["", "-wal", "-shm", ".lock"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
        }
        Db::Postgres => {
            let (Ok(admin_url), Some((_, name))) = (std::env::var("ORGRAPH_TEST_DATABASE_URL"), url.rsplit_once('/')) else {
                return;
            };
            if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                admin.close().await.ok();
            }
        }
    }
}

pub async fn fresh_database_url(db: Db) -> String {
    let dir = std::env::temp_dir().join("orgraph-tests");
    SWEPT.get_or_init(|| sweep(&dir)).await;
    let name = format!("t{}", uuid::Uuid::now_v7().simple());
    match db {
        Db::Sqlite => {
            std::fs::create_dir_all(&dir).expect("temp dir");
            format!("sqlite://{}?mode=rwc", dir.join(format!("{name}.db")).display())
        }
        Db::Postgres => {
            let admin_url = std::env::var("ORGRAPH_TEST_DATABASE_URL").expect(NO_POSTGRES);
            let admin = sea_orm::Database::connect(&admin_url).await.expect("connect to PostgreSQL");
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
            admin.close().await.ok();
            let (base, _) = admin_url.rsplit_once('/').expect("URL with a database name");
            format!("{base}/{name}")
        }
    }
}

pub async fn spawn_app_with(db: Db, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let database_url = fresh_database_url(db).await;
    spawn_instance(db, database_url, configure).await
}

/// Another server process on an existing database (PostgreSQL: several instances).
pub async fn spawn_instance(db: Db, database_url: String, configure: impl FnOnce(&mut Settings)) -> TestApp {
    init_test_log();
    let mut settings = Settings::with_database(database_url.clone());
    settings.listen = "127.0.0.1:0".parse().expect("addr");
    settings.jwt_secret = Some(Secret::new(SECRET.as_bytes().to_vec()));
    settings.limits = Limits::default();
    configure(&mut settings);
    let mut conn = orgraph::db::connect(&settings).await.expect("connect");
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    let captured: Arc<std::sync::Mutex<Option<Vec<String>>>> = Arc::default();
    let capture = captured.clone();
    let count: orgraph::db::MetricCallback = Arc::new(move |m| {
        // DEBUG_SQL=1 prints every counted statement (to see what a statement-count test counts).
        if std::env::var_os("DEBUG_SQL").is_some() {
            eprintln!("SQL: {}", m.statement.sql);
        }
        if let Some(texts) = capture.lock().expect("capture").as_mut() {
            texts.push(m.statement.sql.clone());
        }
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let counted = count.clone();
    conn.set_metric_callback(move |m| counted(m));
    let app = orgraph::startup::Application::build_with(settings, conn).await.expect("build app");
    // HTTP queries read on connections of their own (`db::Reads`): counted the same way.
    if let Some(reads) = app.read_pool() {
        reads.set_metric_callback(count);
    }
    let addr = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    TestApp { addr, http: reqwest::Client::new(), statements, captured, db, database_url }
}

/// For statement-count tests: a batch window wide enough that a busy machine cannot split
/// one level of a nested query into two batches (the count must not depend on timing).
pub fn counting_statements(s: &mut Settings) {
    s.loader_batch_delay = Duration::from_millis(50);
}

pub fn token(sub: &str, email: &str, name: Option<&str>) -> String {
    orgraph::http::auth::mint_hs256(&Secret::new(SECRET.as_bytes().to_vec()), sub, email, name, Duration::from_secs(3600))
        .expect("mint")
}

/// A signed-in user of the test server.
#[derive(Clone)]
pub struct Client {
    pub addr: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
    /// Global id of the user (`viewer.id`).
    pub id: String,
    pub sub: String,
}

impl TestApp {
    /// Signs in `sub` (e-mail `sub@example.com`, name = sub) and provisions them.
    pub async fn user(&self, sub: &str) -> Client {
        let mut c = Client {
            addr: self.addr.clone(),
            http: self.http.clone(),
            token: Some(token(sub, &format!("{sub}@example.com"), Some(sub))),
            id: String::new(),
            sub: sub.into(),
        };
        c.id = c.ok("{ viewer { id } }", json!({})).await["viewer"]["id"].as_str().expect("viewer id").to_string();
        c
    }

    pub fn anonymous(&self) -> Client {
        Client { addr: self.addr.clone(), http: self.http.clone(), token: None, id: String::new(), sub: String::new() }
    }

    /// A second connection to the test database, for checks the API cannot make (rows
    /// written, secrets hashed).
    pub async fn database(&self) -> sea_orm::DatabaseConnection {
        sea_orm::Database::connect(&self.database_url).await.expect("connect to the test database")
    }

    pub fn statement_count(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// The texts of the statements the server ran while `work` ran.
    pub async fn statements_of<T>(&self, work: impl std::future::Future<Output = T>) -> (Vec<String>, T) {
        *self.captured.lock().expect("capture") = Some(Vec::new());
        let out = work.await;
        (self.captured.lock().expect("capture").take().unwrap_or_default(), out)
    }
}

impl Client {
    /// POSTs a GraphQL request; returns (HTTP status, JSON body).
    pub async fn post(&self, query: &str, variables: Value) -> (StatusCode, Value) {
        let (status, text) = self.post_text(query, variables).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// POSTs a GraphQL request; returns (HTTP status, the body's text as sent).
    pub async fn post_text(&self, query: &str, variables: Value) -> (StatusCode, String) {
        let mut req = self.http.post(format!("{}/graphql", self.addr)).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        (status, res.text().await.unwrap_or_default())
    }

    /// The `data` of a request that must succeed.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors for {query}: {body}");
        body["data"].clone()
    }

    /// `node(id)` as this client sees it: id and name (`ops::NODE`), null when hidden.
    pub async fn node(&self, id: &str) -> Value {
        self.ok(crate::ops::NODE, json!({ "id": id })).await["node"].clone()
    }

    /// The first error (message, `extensions`) of a request that must fail.
    pub async fn error(&self, query: &str, variables: Value) -> Value {
        let (_, body) = self.post(query, variables).await;
        assert!(body["errors"][0]["extensions"]["code"].is_string(), "expected an error for {query}, got {body}");
        body["errors"][0].clone()
    }

    /// The `extensions.code` of the first error of a request that must fail.
    pub async fn code(&self, query: &str, variables: Value) -> String {
        let (_, body) = self.post(query, variables).await;
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error for {query}, got {body}"))
            .to_string()
    }
}

/// The `(t, c)` rows of a catalog query, the SQLite or the PostgreSQL text by the app's
/// database (both select two text columns named `t` and `c`).
pub async fn catalog_pairs(app: &TestApp, sqlite: &str, postgres: &str) -> std::collections::BTreeSet<(String, String)> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = orgraph::db::connect(&orgraph::config::Settings::with_database(app.database_url.clone())).await.expect("connect");
    let sql = match app.db {
        Db::Sqlite => sqlite,
        Db::Postgres => postgres,
    };
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect("catalog");
    rows.iter().map(|r| (r.try_get::<String>("", "t").expect("t"), r.try_get::<String>("", "c").expect("c"))).collect()
}
