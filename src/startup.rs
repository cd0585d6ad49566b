//! Builds the application (database, migrations, catalog, schema, router) and serves
//! it until a shutdown signal; in-flight requests finish.

use crate::config::Settings;
use crate::http::auth::TokenVerifier;
use crate::http::{AppState, metrics_router, router};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    /// `ORGRAPH_METRICS_LISTEN`, bound at build so that a taken address fails at startup.
    metrics_listener: Option<TcpListener>,
    state: Arc<AppState>,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, String> {
        // Refuse before touching the database (or creating a SQLite file).
        check_listen(&settings)?;
        let db = crate::db::connect(&settings).await.map_err(|e| format!("database: {e}"))?;
        Self::build_with(settings, db).await
    }

    /// With an existing connection (tests install a statement counter on it).
    pub async fn build_with(settings: Settings, db: DatabaseConnection) -> Result<Self, String> {
        check_listen(&settings)?;
        crate::db::migrate(&db).await.map_err(|e| format!("migrations: {e}"))?;
        let catalog = Arc::new(crate::authz::CatalogCell::load(&db).await.map_err(|e| format!("role catalog: {e:?}"))?);
        let verifier = TokenVerifier::from_settings(&settings)?;
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
        let background = crate::db::connect(&settings).await.map_err(|e| format!("database: {e}"))?;
        crate::trash::start_purger(background.clone(), settings.trash_retention);
        let notifiers = Arc::new(crate::invitation::Notifiers {
            hub: crate::invitation::hub::Hub::start(background.clone(), &settings.database_url),
            mailer: crate::invitation::mailer::Mailer::start(background.clone(), transport, crate::graphql::ids::invitation_name),
        });
        let metrics =
            crate::telemetry::metrics::Metrics::new(notifiers.mailer.clone(), verifier.jwks().cloned(), db.clone(), background);
        let listener = TcpListener::bind(settings.listen).await.map_err(|e| format!("listen on {}: {e}", settings.listen))?;
        let metrics_listener = match settings.metrics_listen {
            Some(addr) => Some(TcpListener::bind(addr).await.map_err(|e| format!("ORGRAPH_METRICS_LISTEN {addr}: {e}"))?),
            None => None,
        };
        let state = Arc::new(AppState {
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
        });
        Ok(Self { listener, metrics_listener, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.state.settings.listen)
    }

    /// The address of `ORGRAPH_METRICS_LISTEN`, when configured.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub async fn run_until_stopped(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> Result<(), String> {
        let addr = self.local_addr();
        let s = &self.state.settings;
        let kind = if s.is_sqlite() { "sqlite" } else { "postgres" };
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
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        });
        let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            if rx.wait_for(|stopped| *stopped).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let metrics_addr = self.metrics_addr();
        match (self.metrics_listener, metrics_addr) {
            (Some(listener), Some(maddr)) => {
                tracing::info!("metrics at http://{maddr}/metrics (ORGRAPH_METRICS_LISTEN)");
                let serve = axum::serve(listener, metrics_router(self.state.clone()))
                    .with_graceful_shutdown(until_stopped(stopped.clone()));
                tokio::spawn(async move {
                    if let Err(e) = serve.await {
                        tracing::error!(error = %e, "metrics listener failed");
                    }
                });
            }
            _ if s.dev => {
                tracing::info!("metrics at http://{addr}/metrics (dev mode; set ORGRAPH_METRICS_LISTEN for production)")
            }
            _ => tracing::info!("metrics off: set ORGRAPH_METRICS_LISTEN to serve /metrics on a private address"),
        }
        let app = router(self.state.clone());
        axum::serve(self.listener, app).with_graceful_shutdown(until_stopped(stopped)).await.map_err(|e| e.to_string())?;
        tracing::info!("orgraph stopped");
        Ok(())
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

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
