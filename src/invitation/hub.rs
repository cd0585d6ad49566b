//! Wakes subscribers when invitations are created or resent, on every instance. The
//! durable outbox (`invitation_events`) is the source of truth: the hub reads it when
//! woken and hands each event to its addressee's subscriptions only (`Routes`). Wake-ups
//! come from this process (after commit) and, on PostgreSQL, from
//! `LISTEN orgraph_invitations` (payloads carry event ids only), with a periodic pass
//! over the last `LOOKBACK` as a safety net.
//!
//! What one wake-up reads is bounded by what is new: the events after the newest one
//! delivered (writes serialize and ids grow within a process, so this process's own
//! commits arrive in id order), plus the ids NOTIFY named (another instance's commits,
//! whose clock may differ). The periodic pass reads only ids, then the unseen rows.

use super::routes::{Routes, Subscription};
use super::service::CHANNEL;
use crate::error::AppResult;
use crate::request::{RequestCtx, Step, delivered};
use entity::{invitation, invitation_event, labeling_job_event, user};
use foldhash::{HashMap, HashSet, HashSetExt};
use futures_util::future::BoxFuture;
use futures_util::{Stream, StreamExt};
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use uuid::Uuid;

/// One delivery: an invitation was created or resent; `invitation` as read when the
/// event was delivered, addressed to the verified e-mail of the user it is routed to.
#[derive(Debug)]
pub struct Delivery {
    pub event_id: Uuid,
    pub invitation: invitation::Model,
}

/// One `labelingJobAssigned` delivery (issue 15): `user` was assigned to `job`.
#[derive(Clone, Debug)]
pub struct Assignment {
    pub event_id: Uuid,
    pub job_id: Uuid,
    pub user_id: Uuid,
}

pub struct Hub {
    invitations: Arc<Routes<Arc<Delivery>>>,
    /// Labeling-job assignments, from their own outbox (`labeling_job_events`), read on
    /// the same wake-ups.
    assignments: Arc<Routes<Assignment>>,
    /// Event ids named by NOTIFY and not read yet.
    named: Mutex<Vec<Uuid>>,
    /// The next pass re-reads the whole `LOOKBACK` (the LISTEN connection was (re)made).
    full: AtomicBool,
    wake: Notify,
}

/// Events are re-read this far back, so one committed late (after a newer one) is not
/// skipped; ids already delivered are remembered for as long.
const LOOKBACK: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_secs(2);
/// Ids per `IN (…)` list.
const CHUNK: usize = 1000;

impl Hub {
    pub fn start(db: DatabaseConnection, database_url: &str) -> Arc<Self> {
        let hub = Arc::new(Self {
            invitations: Routes::new(),
            assignments: Routes::new(),
            named: Mutex::default(),
            full: AtomicBool::new(false),
            wake: Notify::new(),
        });
        tokio::spawn(run(hub.clone(), db.clone()));
        if db.get_database_backend() == DbBackend::Postgres {
            tokio::spawn(listen(hub.clone(), database_url.to_string()));
        }
        hub
    }

    /// Open `invitationReceived` subscriptions of this process (for `/metrics`).
    pub fn subscribers(&self) -> usize {
        self.invitations.open()
    }

    /// Notifications dropped since start because their subscriber stopped reading.
    pub fn dropped(&self) -> u64 {
        self.invitations.dropped() + self.assignments.dropped()
    }

    /// Called after a commit that wrote events.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    fn named(&self) -> std::sync::MutexGuard<'_, Vec<Uuid>> {
        self.named.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    // Each event's future is boxed: an adapter keeps its pending future inline in the
    // subscription, for as long as the subscription is open.

    /// Assignments of the request's viewer from now on (issue 15): each delivered only to
    /// the assigned user, and only while the assignment still opens the job — the job, the
    /// credential and the viewer's grants (within the credential's reach) are read at
    /// delivery, and the event resolves with them. A credential that no longer stands
    /// (a revoked token) ends the subscription.
    pub fn assignments_to(&self, req: &RequestCtx) -> AppResult<impl Stream<Item = entity::labeling_job::Model> + use<>> {
        let live = req.live();
        let steps = self.assignments.subscribe(req.user()?.id).then(move |a| {
            let live = live.clone();
            let step: BoxFuture<'static, Step<entity::labeling_job::Model>> = Box::pin(async move {
                let viewer = match live.viewer().await {
                    Ok(viewer) => viewer,
                    Err(step) => return step,
                };
                let Ok(Some(job)) = entity::labeling_job::Entity::find_by_id(a.job_id).one(live.db()).await else {
                    return Step::Skip;
                };
                let Ok(grants) = live.grants(&viewer).await else { return Step::Skip };
                if grants.assignment(job.id).is_none() {
                    return Step::Skip;
                }
                live.resolve_with(viewer, Some(grants)).await;
                Step::Deliver(job)
            });
            step
        });
        Ok(delivered(steps))
    }

    /// The invitations delivered to the request's viewer from now on (RULES.md §9.7): each
    /// only if it is addressed to the subscriber's current verified e-mail and within the
    /// reach of their credential, both read at delivery (a socket whose user lost an
    /// address receives nothing more for it); the event resolves with them. A credential
    /// that no longer stands (a revoked token) ends the subscription.
    pub fn deliveries_to(&self, req: &RequestCtx) -> AppResult<impl Stream<Item = invitation::Model> + use<>> {
        let live = req.live();
        let deliveries: Subscription<Arc<Delivery>> = self.invitations.subscribe(req.user()?.id);
        let steps = deliveries.then(move |d| {
            let live = live.clone();
            let step: BoxFuture<'static, Step<invitation::Model>> = Box::pin(async move {
                let viewer = match live.viewer().await {
                    Ok(viewer) => viewer,
                    Err(step) => return step,
                };
                let inv = &d.invitation;
                let addressed = viewer.user().is_ok_and(|u| u.email_verified && u.email == inv.email);
                if !addressed || !viewer.reaches(inv.organization_id) {
                    return Step::Skip;
                }
                let mut grants = None;
                if viewer.is_api_token() {
                    let Ok(g) = live.grants(&viewer).await else { return Step::Skip };
                    if !g.admits(inv.organization_id) {
                        return Step::Skip;
                    }
                    grants = Some(g);
                }
                live.resolve_with(viewer, grants).await;
                Step::Deliver(inv.clone())
            });
            step
        });
        Ok(delivered(steps))
    }
}

fn lower_bound(since: Duration) -> Uuid {
    let ms = (crate::db::now() - chrono::Duration::from_std(since).unwrap_or_default()).timestamp_millis().max(0) as u64;
    uuid::Builder::from_unix_timestamp_millis(ms, &[0u8; 10]).into_uuid()
}

/// Event ids delivered within the last `2 × LOOKBACK`, and the newest of them.
struct Seen {
    ids: HashSet<Uuid>,
    order: VecDeque<(Uuid, std::time::Instant)>,
}

impl Seen {
    fn insert(&mut self, id: Uuid) -> bool {
        let new = self.ids.insert(id);
        if new {
            self.order.push_back((id, std::time::Instant::now()));
        }
        new
    }
    fn forget_old(&mut self) {
        while self.order.front().is_some_and(|(_, t)| t.elapsed() > LOOKBACK * 2) {
            if let Some((id, _)) = self.order.pop_front() {
                self.ids.remove(&id);
            }
        }
    }
}

/// Which events one pass reads, per outbox: those after `after`, or (a full pass) all
/// ids since `LOOKBACK`; plus `named`.
#[derive(Clone, Copy)]
enum Span {
    After(Uuid),
    Lookback(Uuid),
}

async fn run(hub: Arc<Hub>, db: DatabaseConnection) {
    let mut seen = Seen { ids: HashSet::new(), order: VecDeque::new() };
    // Only events from now on: older ones were delivered (or missed by a subscriber that
    // was not connected, who re-reads `pendingInvitations`).
    let start = lower_bound(Duration::ZERO);
    let (mut newest_invitation, mut newest_assignment) = (start, start);
    // The look back runs every `POLL` even while wake-ups keep coming (a LISTEN
    // connection can die silently; steady local writes must not starve the safety net).
    let mut last_full = std::time::Instant::now();
    loop {
        let full = hub.full.swap(false, Ordering::Relaxed) || last_full.elapsed() >= POLL;
        if full {
            last_full = std::time::Instant::now();
        }
        let named: Vec<Uuid> = std::mem::take(&mut *hub.named());
        let span = |newest: Uuid| if full { Span::Lookback(lower_bound(LOOKBACK).max(start)) } else { Span::After(newest) };
        match unseen::<invitation_event::Entity>(
            &db,
            invitation_event::Column::Id,
            |e| e.id,
            span(newest_invitation),
            &named,
            &seen,
        )
        .await
        {
            Ok(events) => match deliver_invitations(&hub, &db, &events).await {
                Ok(()) => {
                    for e in &events {
                        seen.insert(e.id);
                        newest_invitation = newest_invitation.max(e.id);
                    }
                }
                // Unread (a failed lookup) is retried with the next wake-up.
                Err(e) => tracing::warn!(error = %e, "reading invitation addressees failed; retrying"),
            },
            Err(e) => tracing::warn!(error = %e, "reading invitation events failed; retrying"),
        }
        match unseen::<labeling_job_event::Entity>(
            &db,
            labeling_job_event::Column::Id,
            |e| e.id,
            span(newest_assignment),
            &named,
            &seen,
        )
        .await
        {
            Ok(events) => {
                for e in events {
                    if seen.insert(e.id) {
                        newest_assignment = newest_assignment.max(e.id);
                        hub.assignments.send(e.user_id, &Assignment { event_id: e.id, job_id: e.job_id, user_id: e.user_id });
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading labeling job events failed; retrying"),
        }
        seen.forget_old();
        tokio::select! {
            () = hub.wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// The unseen events of one outbox (`E`, its primary key `id`, read by `id_of`) in
/// `span` and `named`, in id order.
async fn unseen<E>(
    db: &DatabaseConnection,
    id: E::Column,
    id_of: fn(&E::Model) -> Uuid,
    span: Span,
    named: &[Uuid],
    seen: &Seen,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
{
    let mut ids: Vec<Uuid> = named.iter().copied().filter(|i| !seen.ids.contains(i)).collect();
    let mut events = Vec::new();
    match span {
        Span::After(after) => {
            events = E::find().filter(id.gt(after)).order_by_asc(id).limit(10_000).all(db).await?;
            ids.retain(|i| *i <= after);
        }
        Span::Lookback(since) => {
            let recent: Vec<Uuid> = E::find().select_only().column(id).filter(id.gte(since)).into_tuple().all(db).await?;
            ids.extend(recent.into_iter().filter(|i| !seen.ids.contains(i)));
        }
    }
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(CHUNK) {
        events.extend(E::find().filter(id.is_in(chunk.iter().copied())).all(db).await?);
    }
    events.retain(|e| !seen.ids.contains(&id_of(e)));
    events.sort_by_key(id_of);
    events.dedup_by_key(|e| id_of(e));
    Ok(events)
}

/// Routes each event to the user whose verified e-mail it is addressed to now (RULES.md
/// §2: at most one), with its invitation as it reads now; two statements per chunk of
/// events, whatever the number of subscribers.
async fn deliver_invitations(hub: &Hub, db: &DatabaseConnection, events: &[invitation_event::Model]) -> Result<(), DbErr> {
    for chunk in events.chunks(CHUNK) {
        let emails: HashSet<&str> = chunk.iter().map(|e| e.email.as_str()).collect();
        let owners: HashMap<String, Uuid> = user::Entity::find()
            .filter(user::Column::Email.is_in(emails))
            .filter(user::Column::EmailVerified.eq(true))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.email, u.id))
            .collect();
        let addressed: Vec<&invitation_event::Model> = chunk.iter().filter(|e| owners.contains_key(&e.email)).collect();
        let invitations: HashMap<Uuid, invitation::Model> = invitation::Entity::find()
            .filter(invitation::Column::Id.is_in(addressed.iter().map(|e| e.invitation_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        for e in addressed {
            let (Some(owner), Some(inv)) = (owners.get(&e.email), invitations.get(&e.invitation_id)) else { continue };
            if inv.email == e.email {
                hub.invitations.send(*owner, &Arc::new(Delivery { event_id: e.id, invitation: inv.clone() }));
            }
        }
    }
    Ok(())
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
                    hub.full.store(true, Ordering::Relaxed);
                    hub.wake();
                    while let Ok(notification) = listener.recv().await {
                        match Uuid::parse_str(notification.payload()) {
                            Ok(id) => hub.named().push(id),
                            Err(_) => hub.full.store(true, Ordering::Relaxed),
                        }
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
