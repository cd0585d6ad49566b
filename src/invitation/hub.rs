//! Wakes subscribers when invitations are created or resent, on every instance. The
//! durable outbox (`invitation_events`) is the source of truth: the hub re-reads it on
//! every wake-up. Wake-ups come from this process (after commit) and, on PostgreSQL,
//! from `LISTEN orgraph_invitations` (payloads carry ids only), with a periodic poll as
//! a safety net.

use super::service::CHANNEL;
use chrono::Utc;
use entity::invitation_event;
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, broadcast};
use uuid::Uuid;

/// One delivery: an invitation addressed to `email` was created or resent.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub event_id: Uuid,
    pub invitation_id: Uuid,
    pub email: String,
}

pub struct Hub {
    tx: broadcast::Sender<Delivery>,
    wake: Notify,
}

/// Events are re-read this far back, so one committed late (after a newer one) is not
/// skipped; ids already delivered are remembered for as long.
const LOOKBACK: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_secs(2);

impl Hub {
    pub fn start(db: DatabaseConnection, database_url: &str) -> Arc<Self> {
        let (tx, _) = broadcast::channel(1024);
        let hub = Arc::new(Self { tx, wake: Notify::new() });
        tokio::spawn(run(hub.clone(), db.clone()));
        if db.get_database_backend() == DbBackend::Postgres {
            tokio::spawn(listen(hub.clone(), database_url.to_string()));
        }
        hub
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Delivery> {
        self.tx.subscribe()
    }

    /// Open `invitationReceived` subscriptions of this process (for `/metrics`).
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }

    /// Called after a commit that wrote events.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

fn lower_bound(since: Duration) -> Uuid {
    let ms = (Utc::now() - chrono::Duration::from_std(since).unwrap_or_default()).timestamp_millis().max(0) as u64;
    uuid::Builder::from_unix_timestamp_millis(ms, &[0u8; 10]).into_uuid()
}

async fn run(hub: Arc<Hub>, db: DatabaseConnection) {
    let mut seen: HashSet<Uuid> = HashSet::new();
    let mut order: VecDeque<(Uuid, std::time::Instant)> = VecDeque::new();
    // Only events from now on: older ones were delivered (or missed by a subscriber that
    // was not connected, who re-reads `pendingInvitations`).
    let start = lower_bound(Duration::ZERO);
    loop {
        let bound = lower_bound(LOOKBACK).max(start);
        let events = invitation_event::Entity::find()
            .filter(invitation_event::Column::Id.gte(bound))
            .order_by_asc(invitation_event::Column::Id)
            .limit(10_000)
            .all(&db)
            .await;
        match events {
            Ok(events) => {
                for e in events {
                    if seen.insert(e.id) {
                        order.push_back((e.id, std::time::Instant::now()));
                        let _ = hub.tx.send(Delivery { event_id: e.id, invitation_id: e.invitation_id, email: e.email });
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading invitation events failed; retrying"),
        }
        while order.front().is_some_and(|(_, t)| t.elapsed() > LOOKBACK * 2) {
            if let Some((id, _)) = order.pop_front() {
                seen.remove(&id);
            }
        }
        tokio::select! {
            () = hub.wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

async fn listen(hub: Arc<Hub>, url: String) {
    use sea_orm::sqlx::postgres::PgListener;
    let mut backoff = Duration::from_millis(200);
    loop {
        match PgListener::connect(&url).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => {
                    backoff = Duration::from_millis(200);
                    // Catch up on anything committed while (re)connecting.
                    hub.wake();
                    while let Ok(_notification) = listener.recv().await {
                        hub.wake();
                    }
                    tracing::warn!("LISTEN connection lost; reconnecting");
                }
                Err(e) => tracing::warn!(error = %e, "LISTEN failed"),
            },
            Err(e) => tracing::warn!(error = %e, "LISTEN connection failed"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}
