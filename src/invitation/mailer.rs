//! Consumes the outbox: every created or resent invitation is mailed once it is
//! committed. Rows are claimed with a lease (several instances may run), marked when
//! sent and retried with backoff (2 s, doubling, capped at 10 min) when sending fails, so
//! a crash loses nothing (at worst a message is sent twice). A row whose invitation no
//! longer reads PENDING when its turn comes is marked without sending. Without
//! `ORGRAPH_SMTP_URL` messages are logged at info level.

use entity::{invitation, invitation_event, organization};
use foldhash::{HashMap, HashMapExt};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use uuid::Uuid;

#[derive(Clone)]
pub enum Transport {
    Log,
    Smtp { url: String, from: String },
}

/// How the API names an invitation in a message (its global id, for `acceptInvitation`).
/// The composition root passes it in, so that invitations do not depend on the GraphQL
/// layer.
pub type InvitationName = fn(Uuid) -> String;

pub struct Mailer {
    wake: Notify,
    /// Messages sent, and failed attempts (each retried later), for `/metrics`.
    sent: AtomicU64,
    failed: AtomicU64,
}

impl Mailer {
    pub fn start(db: DatabaseConnection, transport: Transport, name: InvitationName) -> Arc<Self> {
        let mailer = Arc::new(Self { wake: Notify::new(), sent: AtomicU64::new(0), failed: AtomicU64::new(0) });
        tokio::spawn(run(mailer.clone(), db, transport, name));
        mailer
    }
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// (sent, failed attempts) since start.
    pub fn counts(&self) -> (u64, u64) {
        (self.sent.load(Ordering::Relaxed), self.failed.load(Ordering::Relaxed))
    }
}

/// Rows read per pass: the log mailer settles 50 at a time; SMTP takes one row per pass,
/// so an invitation's status is read right before its message is sent (a revocation
/// while earlier messages of a pass were being sent must stop it).
fn pass_size(transport: &Transport) -> usize {
    match transport {
        Transport::Log => 50,
        Transport::Smtp { .. } => 1,
    }
}

const LEASE: chrono::Duration = chrono::Duration::seconds(60);

/// After this many failed attempts (about two hours of retries) a message is given up
/// and logged as an error; the row stays, unmailed, for an operator to inspect.
pub const MAX_ATTEMPTS: i32 = 20;

/// Delay before the next attempt after `attempts` failed ones: 2 s, 4 s, 8 s, … capped
/// at 10 minutes.
fn backoff(attempts: i32) -> chrono::Duration {
    chrono::Duration::seconds((1i64 << attempts.clamp(1, 10)).min(600))
}

async fn run(mailer: Arc<Mailer>, db: DatabaseConnection, transport: Transport, name: InvitationName) {
    loop {
        match drain(&mailer, &db, &transport, name).await {
            // A full pass: more may be due now.
            Ok(n) if n == pass_size(&transport) => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "mailer pass failed"),
        }
        tokio::select! {
            () = mailer.wake.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

/// One pass over at most `pass_size` due rows; how many were due.
async fn drain(
    mailer: &Mailer,
    db: &DatabaseConnection,
    transport: &Transport,
    name: InvitationName,
) -> Result<usize, sea_orm::DbErr> {
    let now = crate::db::now();
    let due = invitation_event::Entity::find()
        .filter(invitation_event::Column::MailedAt.is_null())
        .filter(invitation_event::Column::MailAttempts.lt(MAX_ATTEMPTS))
        .filter(
            Condition::any()
                .add(invitation_event::Column::MailClaimedUntil.is_null())
                .add(invitation_event::Column::MailClaimedUntil.lt(now)),
        )
        .order_by_asc(invitation_event::Column::Id)
        .limit(pass_size(transport) as u64)
        .all(db)
        .await?;
    let due_count = due.len();
    // Claim: only one instance sends a given row at a time.
    let mut claimed = Vec::with_capacity(due.len());
    for event in due {
        let claim = invitation_event::Entity::update_many()
            .col_expr(invitation_event::Column::MailClaimedUntil, Expr::value(now + LEASE))
            .filter(invitation_event::Column::Id.eq(event.id))
            .filter(invitation_event::Column::MailedAt.is_null())
            .filter(
                Condition::any()
                    .add(invitation_event::Column::MailClaimedUntil.is_null())
                    .add(invitation_event::Column::MailClaimedUntil.lt(now)),
            )
            .exec(db)
            .await?;
        if claim.rows_affected == 1 {
            claimed.push(event);
        }
    }
    let messages = compose(db, &claimed, name).await?;
    let mut settled = Vec::with_capacity(claimed.len());
    for event in &claimed {
        let Some(message) = messages.get(&event.id) else {
            // Revoked, answered, expired or deleted since: a mail would only mislead. The
            // row is settled without sending (a resend writes a new row).
            tracing::info!(event = %event.id, invitation = %event.invitation_id, "invitation no longer pending; not mailed");
            settled.push(event.id);
            continue;
        };
        match send(transport, &event.email, message).await {
            Ok(()) => {
                mailer.sent.fetch_add(1, Ordering::Relaxed);
                settled.push(event.id);
            }
            Err(e) => {
                mailer.failed.fetch_add(1, Ordering::Relaxed);
                // An address the mail library cannot read stays so: no retries (made
                // before `inviteMember` checked addresses, or one it lets through, like
                // `taro..yamada@docomo.ne.jp`).
                let attempts = if e.unsendable { MAX_ATTEMPTS } else { event.mail_attempts + 1 };
                if attempts >= MAX_ATTEMPTS {
                    tracing::error!(error = %e, event = %event.id, attempts, "sending invitation mail failed; giving up");
                } else {
                    tracing::warn!(error = %e, event = %event.id, attempts, "sending invitation mail failed; will retry");
                }
                let recorded = invitation_event::Entity::update_many()
                    .col_expr(invitation_event::Column::MailAttempts, Expr::value(attempts))
                    .col_expr(invitation_event::Column::MailClaimedUntil, Expr::value(crate::db::now() + backoff(attempts)))
                    .filter(invitation_event::Column::Id.eq(event.id))
                    .exec(db)
                    .await;
                // Not a reason to leave this pass's sent mails unsettled (they would go
                // out again after the lease): this row is tried again after its lease.
                if let Err(e) = recorded {
                    tracing::warn!(error = %e, event = %event.id, "recording a failed mail attempt failed");
                }
            }
        }
    }
    // Settling is idempotent: once more on an error (a connection closed under the pool).
    if mark_settled(db, &settled).await.is_err() {
        mark_settled(db, &settled).await?;
    }
    Ok(due_count)
}

/// Marks rows done (`mailed_at`): sent, or deliberately not sent. One statement for the
/// pass: a crash before it sends those messages again (at most a pass's 50), as the
/// lease already allows.
async fn mark_settled(db: &DatabaseConnection, ids: &[Uuid]) -> Result<(), sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    invitation_event::Entity::update_many()
        .col_expr(invitation_event::Column::MailedAt, Expr::value(crate::db::now()))
        .filter(invitation_event::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

pub struct Message {
    pub subject: String,
    pub body: String,
}

/// The messages of `events` by event id; an event whose invitation no longer reads
/// PENDING has none. Two statements, whatever the number of events.
async fn compose(
    db: &DatabaseConnection,
    events: &[invitation_event::Model],
    name: InvitationName,
) -> Result<HashMap<Uuid, Message>, sea_orm::DbErr> {
    if events.is_empty() {
        return Ok(HashMap::new());
    }
    let now = crate::db::now();
    let invitations: HashMap<Uuid, invitation::Model> = invitation::Entity::find()
        .filter(invitation::Column::Id.is_in(events.iter().map(|e| e.invitation_id)))
        .all(db)
        .await?
        .into_iter()
        .filter(|inv| super::service::status_at(inv, now) == "PENDING")
        .map(|inv| (inv.id, inv))
        .collect();
    let orgs: HashMap<Uuid, String> = organization::Entity::find()
        .filter(organization::Column::Id.is_in(invitations.values().map(|i| i.organization_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let mut messages = HashMap::new();
    for event in events {
        let Some(inv) = invitations.get(&event.invitation_id) else { continue };
        let org_name = orgs.get(&inv.organization_id).map_or("an organization", String::as_str);
        let gid = name(event.invitation_id);
        messages.insert(
            event.id,
            Message {
                subject: format!("You are invited to {org_name}"),
                body: format!(
                    "You have been invited to {org_name}.\n\nTo accept, sign in and run:\n  mutation {{ acceptInvitation(input: {{ invitationId: \"{}\" }}) {{ membership {{ id }} }} }}\n\nInvitation id: {}\n",
                    gid, gid
                ),
            },
        );
    }
    Ok(messages)
}

/// Why a mail did not go out; `unsendable` when retrying cannot help (the address).
#[derive(Debug)]
struct Failure {
    message: String,
    unsendable: bool,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self { message, unsendable: false }
    }
}

async fn send(transport: &Transport, to: &str, message: &Message) -> Result<(), Failure> {
    match transport {
        Transport::Log => {
            tracing::info!(to, subject = %message.subject, body = %message.body, "invitation mail (log mailer)");
            Ok(())
        }
        Transport::Smtp { url, from } => {
            use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor};
            let mail = Mail::builder()
                .from(from.parse().map_err(|e| format!("from address: {e}"))?)
                .to(to.parse().map_err(|e| Failure { message: format!("to address: {e}"), unsendable: true })?)
                .subject(message.subject.clone())
                .body(message.body.clone())
                .map_err(|e| e.to_string())?;
            let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| e.to_string())?.build();
            smtp.send(mail).await.map(|_| ()).map_err(|e| Failure::from(e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_address_mail_cannot_go_to_is_not_retried_and_a_server_down_is() {
        // Port 9 on localhost: nothing listens, so the one attempt that connects fails.
        let transport = Transport::Smtp { url: "smtp://127.0.0.1:9".into(), from: "orgraph@example.com".into() };
        let message = Message { subject: "s".into(), body: "b".into() };
        let bad = send(&transport, "trail@example.com.", &message).await.expect_err("no such address");
        assert!(bad.unsendable, "{bad}");
        let down = send(&transport, "ann@example.com", &message).await.expect_err("nothing listens");
        assert!(!down.unsendable, "{down}");
    }
}
