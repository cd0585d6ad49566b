//! Builds the application (database, migrations, catalog, schema, router) and serves
//! it until a shutdown signal; in-flight requests finish.

use crate::config::Settings;
use crate::http::auth::TokenVerifier;
use crate::http::{AppState, router};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
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
        let schema = crate::graphql::build(&settings.limits, settings.dev);
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
            mailer: crate::invitation::mailer::Mailer::start(background, transport, crate::graphql::ids::invitation_name),
        });
        let listener = TcpListener::bind(settings.listen).await.map_err(|e| format!("listen on {}: {e}", settings.listen))?;
        let state = Arc::new(AppState {
            db,
            settings: Arc::new(settings),
            catalog,
            schema,
            verifier,
            notifiers,
            sockets: Default::default(),
        });
        Ok(Self { listener, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.state.settings.listen)
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
        let app = router(self.state.clone());
        axum::serve(self.listener, app).with_graceful_shutdown(shutdown).await.map_err(|e| e.to_string())?;
        tracing::info!("orgraph stopped");
        Ok(())
    }
}

/// With no configured secret or key, only a loopback address may be served (RULES.md §1).
fn check_listen(settings: &Settings) -> Result<(), String> {
    if !settings.has_configured_key() && !settings.listen.ip().is_loopback() {
        return Err(format!(
            "refusing to listen on {} without ORGRAPH_JWT_SECRET or ORGRAPH_JWT_PUBLIC_KEY: the generated secret is for local use only",
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
