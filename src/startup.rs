//! Builds the application (database, migrations, catalog, schema, router) and serves
//! it until a shutdown signal; in-flight requests finish.

use crate::config::Settings;
use crate::http::auth::TokenVerifier;
use crate::http::serve::{Connections, serve};
use crate::http::{AppState, metrics_router, router};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    /// The SQLite file's lock (`db::lock_sqlite`), held until the process ends.
    _lock: Option<crate::db::FileLock>,
    /// The background pool, closed with the request pool at shutdown.
    background: DatabaseConnection,
    /// What the startup log reports: where the database and the secret are, which
    /// migrations ran.
    report: Vec<String>,
    /// `ORGRAPH_METRICS_LISTEN`, bound at build so that a taken address fails at startup.
    metrics_listener: Option<TcpListener>,
    state: Arc<AppState>,
}

impl Application {
    /// Checks every setting, binds the addresses and locks a SQLite file before the
    /// database is touched (or a SQLite file created); then connects and migrates.
    pub async fn build(settings: Settings) -> Result<Self, String> {
        let pre = Preflight::run(&settings, true).await?;
        let db = crate::db::open(&settings, crate::db::Checked::AfterIdle).await?;
        Self::build_from(settings, db, pre).await
    }

    /// With an existing connection (tests install a statement counter on it, and run
    /// several instances on one SQLite file in one process: no file lock is taken).
    pub async fn build_with(settings: Settings, db: DatabaseConnection) -> Result<Self, String> {
        let pre = Preflight::run(&settings, false).await?;
        Self::build_from(settings, db, pre).await
    }

    async fn build_from(settings: Settings, db: DatabaseConnection, pre: Preflight) -> Result<Self, String> {
        let Preflight { listener, metrics_listener, verifier, lock, mut report } = pre;
        let ran = crate::db::migrate(&db).await.map_err(|e| format!("migrations: {e}"))?;
        report.push(if ran.is_empty() {
            "migrations: none pending, the schema is current".to_string()
        } else {
            format!("migrations: ran {} ({})", ran.len(), ran.join(", "))
        });
        let catalog = Arc::new(crate::authz::CatalogCell::load(&db).await.map_err(|e| format!("role catalog: {e:?}"))?);
        verifier.start().await;
        let schema = crate::graphql::build(&settings.limits, settings.dev);
        let plain = crate::graphql::build_plain(&settings.limits, settings.dev);
        let guard = Arc::new(crate::graphql::guard(&settings)?);
        let transport = match &settings.smtp_url {
            Some(url) => crate::invitation::mailer::Transport::Smtp { url: url.clone(), from: settings.smtp_from.clone() },
            None => crate::invitation::mailer::Transport::Log,
        };
        // Background work (outbox polling, mail) gets its own small pool: it never waits
        // behind requests, and request statement counts stay the requests' own.
        let background = crate::db::open(&settings, crate::db::Checked::EveryUse).await?;
        crate::trash::start_purger(background.clone(), settings.trash_retention);
        let notifiers = Arc::new(crate::invitation::Notifiers {
            hub: crate::invitation::hub::Hub::start(background.clone(), &settings.database_url),
            mailer: crate::invitation::mailer::Mailer::start(background.clone(), transport, crate::graphql::ids::invitation_name),
        });
        let metrics = crate::telemetry::metrics::Metrics::new(
            notifiers.mailer.clone(),
            verifier.jwks().cloned(),
            db.clone(),
            background.clone(),
        );
        let persisted = AppState::persisted_queries(&settings);
        let state = Arc::new(AppState {
            persisted,
            reads: crate::db::ReadPool::of(&db, crate::db::REQUEST_CONNECTIONS, crate::db::ACQUIRE_TIMEOUT),
            db,
            settings: Arc::new(settings),
            catalog,
            schema,
            plain,
            guard,
            verifier,
            notifiers,
            sockets: Default::default(),
            metrics: Arc::new(metrics),
            shutdown: Default::default(),
            known: Default::default(),
        });
        Ok(Self { listener, _lock: lock, background, report, metrics_listener, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.state.settings.listen)
    }

    /// The connections of HTTP queries (PostgreSQL; `db::Reads`), e.g. to count their
    /// statements (`ReadPool::set_metric_callback`).
    pub fn read_pool(&self) -> Option<&crate::db::ReadPool> {
        self.state.reads.as_ref()
    }

    /// The address of `ORGRAPH_METRICS_LISTEN`, when configured.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub async fn run_until_stopped(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> Result<(), String> {
        let addr = self.local_addr();
        let s = &self.state.settings;
        let kind = if s.is_sqlite() { "sqlite" } else { "postgres" };
        for line in &self.report {
            tracing::info!("{line}");
        }
        if s.dev {
            tracing::info!(
                "orgraph listening on http://{addr} (database: {kind}, dev mode: on — GraphiQL at http://{addr}/ and introspection enabled)"
            );
        } else {
            tracing::info!(
                "orgraph listening on http://{addr} (database: {kind}, dev mode: off — GraphiQL and introspection disabled)"
            );
        }
        // One shutdown signal for the API and the metrics listener.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let state = self.state.clone();
        tokio::spawn(async move {
            shutdown.await;
            // WebSockets outlive the HTTP connections they were upgraded from: tell them
            // to go (close code 1001) while in-flight requests finish.
            state.shutdown.begin();
            let _ = stop.send(true);
        });
        let connections = Connections { max: s.limits.connections, header_timeout: s.limits.header_timeout };
        let metrics_addr = self.metrics_addr();
        match (self.metrics_listener, metrics_addr) {
            (Some(listener), Some(maddr)) => {
                tracing::info!("metrics at http://{maddr}/metrics (ORGRAPH_METRICS_LISTEN)");
                tokio::spawn(serve(listener, metrics_router(self.state.clone()), connections, stopped.clone()));
            }
            _ if s.dev => {
                tracing::info!("metrics at http://{addr}/metrics (dev mode; set ORGRAPH_METRICS_LISTEN for production)")
            }
            _ => tracing::info!("metrics off: set ORGRAPH_METRICS_LISTEN to serve /metrics on a private address"),
        }
        let app = router(self.state.clone());
        serve(self.listener, app, connections, stopped).await;
        // Give the WebSockets told to go a moment, then fold the WAL into the file.
        self.state.shutdown.drained(std::time::Duration::from_secs(5)).await;
        self.background.close().await.ok();
        if let Some(reads) = &self.state.reads {
            reads.close();
        }
        match crate::db::checkpoint(&self.state.db).await {
            // PostgreSQL: nothing to fold, nothing to say.
            Ok(true) if self.state.db.get_database_backend() != sea_orm::DbBackend::Sqlite => {}
            Ok(true) => tracing::info!("database checkpointed: the database file alone holds every committed write"),
            Ok(false) => tracing::warn!("WAL checkpoint incomplete (a reader was busy); SQLite completes it at the next start"),
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; SQLite completes it at the next start"),
        }
        self.state.db.clone().close().await.ok();
        tracing::info!("orgraph stopped");
        Ok(())
    }
}

/// What is checked, bound and locked before the database is touched.
struct Preflight {
    listener: TcpListener,
    /// `ORGRAPH_METRICS_LISTEN`, bound at build so that a taken address fails at startup.
    metrics_listener: Option<TcpListener>,
    verifier: TokenVerifier,
    lock: Option<crate::db::FileLock>,
    report: Vec<String>,
}

impl Preflight {
    async fn run(settings: &Settings, lock: bool) -> Result<Self, String> {
        check_listen(settings)?;
        crate::db::check_sqlite_path(settings)?;
        let secret = describe_secret(settings);
        // Reads (or generates) the secret file and parses keys: a bad one fails here.
        let verifier = TokenVerifier::from_settings(settings)?;
        let listener = TcpListener::bind(settings.listen).await.map_err(|e| format!("listen on {}: {e}", settings.listen))?;
        let metrics_listener = match settings.metrics_listen {
            Some(addr) => Some(TcpListener::bind(addr).await.map_err(|e| format!("ORGRAPH_METRICS_LISTEN {addr}: {e}"))?),
            None => None,
        };
        let lock = if lock { crate::db::lock_sqlite(settings)? } else { None };
        let report = vec![format!("database: {}", crate::db::where_is(settings)), format!("token secret: {secret}")];
        Ok(Self { listener, metrics_listener, verifier, lock, report })
    }
}

/// Where the HS256 secret comes from, said before it is read (so "generated" is true).
fn describe_secret(settings: &Settings) -> String {
    if settings.jwt_secret.is_some() {
        return "ORGRAPH_JWT_SECRET".into();
    }
    if settings.has_identity_provider() {
        return "none: HS256 tokens are refused, only the identity provider's are accepted".into();
    }
    let path = settings.secret_file();
    let shown = std::path::absolute(&path).unwrap_or(path.clone());
    if path.exists() {
        format!("{} (read from the file)", shown.display())
    } else {
        format!("{} (generated now, mode 0600; set ORGRAPH_JWT_SECRET in production)", shown.display())
    }
}

/// With no configured secret or key, only a loopback address may be served (RULES.md §1).
fn check_listen(settings: &Settings) -> Result<(), String> {
    if !settings.has_configured_key() && !settings.listen.ip().is_loopback() {
        return Err(format!(
            "refusing to listen on {} without ORGRAPH_JWT_SECRET, ORGRAPH_JWT_PUBLIC_KEY or ORGRAPH_JWT_JWKS_URL: the generated secret is for local use only",
            settings.listen
        ));
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled: a SIGTERM that arrives as soon as the server answers (a
/// supervisor's quick restart) still shuts it down cleanly instead of killing it.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send {
    #[cfg(unix)]
    let (mut term, mut int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::terminate()).ok(), signal(SignalKind::interrupt()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let term = async {
                match term.as_mut() {
                    Some(s) => _ = s.recv().await,
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(s) => _ = s.recv().await,
                    None => _ = tokio::signal::ctrl_c().await,
                }
            };
            tokio::select! {
                () = term => {},
                () = int => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing in-flight requests");
    }
}
