//! The trash bin (seed 000): deleting a project or dataset moves its subtree into one
//! `trash_entries` row instead of erasing it, so every read path (lists, `node`, totals)
//! keeps reading live tables only. Entries are restored with the same ids, purged by
//! hand or after `Settings::trash_retention` by a background task.

pub mod loader;
pub mod restore;
pub mod schema;
pub mod service;

use sea_orm::DatabaseConnection;
use std::time::Duration;

/// Purges expired entries now and then until the process stops.
pub fn start_purger(db: DatabaseConnection, retention: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match service::purge_expired(&db, retention).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("trash: purged {n} expired entries"),
                Err(e) => tracing::warn!("trash: purging expired entries failed: {e:?}"),
            }
        }
    });
}
