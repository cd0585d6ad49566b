//! Wakes subscribers when invitations are created or resent, on every instance. The
//! durable outbox (`invitation_events`) is the source of truth: the hub re-reads it on
//! every wake-up. Wake-ups come from this process (after commit) and, on PostgreSQL,
//! from `LISTEN orgraph_invitations` (payloads carry ids only), with a periodic poll as
//! a safety net.

use super::service::CHANNEL;
use crate::authz::Grants;
use crate::error::AppResult;
use crate::request::RequestCtx;
use chrono::Utc;
use entity::{invitation, invitation_event, user};
use futures_util::{Stream, StreamExt};
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, broadcast};
use tokio_stream::wrappers::BroadcastStream;
use uuid::Uuid;

/// One delivery: an invitation addressed to `email` was created or resent. `addressee`
/// is the user whose verified e-mail `email` is, read when the event is delivered (one
/// lookup per event, not per subscriber); `None` when nobody holds it verified.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub event_id: Uuid,
    pub invitation_id: Uuid,
    pub email: String,
    pub addressee: Option<Uuid>,
}

/// One `labelingJobAssigned` delivery (issue 15): `user` was assigned to `job`.
#[derive(Clone, Debug)]
pub struct Assignment {
    pub event_id: Uuid,
    pub job_id: Uuid,
    pub user_id: Uuid,
}

pub struct Hub {
    tx: broadcast::Sender<Delivery>,
    /// Labeling-job assignments, from their own outbox (`labeling_job_events`), read on
    /// the same wake-ups.
    assigned_tx: broadcast::Sender<Assignment>,
    wake: Notify,
}

/// Events are re-read this far back, so one committed late (after a newer one) is not
/// skipped; ids already delivered are remembered for as long.
const LOOKBACK: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_secs(2);

impl Hub {
    pub fn start(db: DatabaseConnection, database_url: &str) -> Arc<Self> {
        let (tx, _) = broadcast::channel(1024);
        let (assigned_tx, _) = broadcast::channel(1024);
        let hub = Arc::new(Self { tx, assigned_tx, wake: Notify::new() });
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

    /// Assignments of the request's viewer from now on (issue 15): each delivered only to
    /// the assigned user, and only while the assignment still opens the job — the job and
    /// the viewer's grants (within the credential's reach) are read at delivery.
    pub fn assignments_to(&self, req: &RequestCtx) -> AppResult<impl Stream<Item = entity::labeling_job::Model> + use<>> {
        let user_id = req.user()?.id;
        let (db, viewer, catalogs) = (req.db().clone(), req.viewer.clone(), req.catalog_cell());
        let stream = BroadcastStream::new(self.assigned_tx.subscribe()).filter_map(move |delivery| {
            let (db, viewer, catalogs) = (db.clone(), viewer.clone(), catalogs.clone());
            async move {
                let a = delivery.ok()?;
                if a.user_id != user_id {
                    return None;
                }
                let job = entity::labeling_job::Entity::find_by_id(a.job_id).one(&db).await.ok()??;
                let grants = Grants::load(&db, &catalogs, user_id, viewer.only_org()).await.ok()?;
                let grants = if viewer.is_api_token() { grants.within_api_token_reach() } else { grants };
                grants.assignment(job.id).is_some().then_some(job)
            }
        });
        Ok(stream)
    }

    /// Called after a commit that wrote events.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The invitations delivered to the request's viewer from now on (RULES.md §9.7): each
    /// only if it is addressed to the subscriber's current verified e-mail, read at
    /// delivery (`Delivery::addressee`: a socket whose user lost an address receives
    /// nothing more for it), and within the reach of the viewer's credential, also read at
    /// delivery.
    pub fn deliveries_to(&self, req: &RequestCtx) -> AppResult<impl Stream<Item = invitation::Model> + use<>> {
        let user_id = req.user()?.id;
        let (db, viewer, catalogs) = (req.db().clone(), req.viewer.clone(), req.catalog_cell());
        let stream = BroadcastStream::new(self.subscribe()).filter_map(move |delivery| {
            let (db, viewer, catalogs) = (db.clone(), viewer.clone(), catalogs.clone());
            async move {
                let d = delivery.ok()?;
                if d.addressee != Some(user_id) {
                    return None;
                }
                let inv = invitation::Entity::find_by_id(d.invitation_id).one(&db).await.ok()??;
                if inv.email != d.email || !viewer.reaches(inv.organization_id) {
                    return None;
                }
                if viewer.is_api_token() {
                    let grants = Grants::load(&db, &catalogs, user_id, viewer.only_org()).await.ok()?;
                    if !grants.within_api_token_reach().admits(inv.organization_id) {
                        return None;
                    }
                }
                Some(inv)
            }
        });
        Ok(stream)
    }
}

/// The user whose verified e-mail `email` is, now (RULES.md §2: at most one).
async fn verified_owner(db: &DatabaseConnection, email: &str) -> AppResult<Option<Uuid>> {
    let owner =
        user::Entity::find().filter(user::Column::Email.eq(email)).filter(user::Column::EmailVerified.eq(true)).one(db).await?;
    Ok(owner.map(|u| u.id))
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
                    if seen.contains(&e.id) {
                        continue;
                    }
                    // Unread (a failed lookup) is retried with the next wake-up.
                    let Ok(addressee) = verified_owner(&db, &e.email).await else { continue };
                    seen.insert(e.id);
                    order.push_back((e.id, std::time::Instant::now()));
                    let _ = hub.tx.send(Delivery { event_id: e.id, invitation_id: e.invitation_id, email: e.email, addressee });
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading invitation events failed; retrying"),
        }
        let assignments = entity::labeling_job_event::Entity::find()
            .filter(entity::labeling_job_event::Column::Id.gte(bound))
            .order_by_asc(entity::labeling_job_event::Column::Id)
            .limit(10_000)
            .all(&db)
            .await;
        match assignments {
            Ok(events) => {
                for e in events {
                    if seen.insert(e.id) {
                        order.push_back((e.id, std::time::Instant::now()));
                        let _ = hub.assigned_tx.send(Assignment { event_id: e.id, job_id: e.job_id, user_id: e.user_id });
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading labeling job events failed; retrying"),
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
