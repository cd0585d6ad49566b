//! Consumes the outbox: every created or resent invitation is mailed once it is
//! committed. Rows are claimed with a lease (several instances may run), marked when
//! sent and retried with backoff when sending fails, so a crash loses nothing (at worst a
//! message is sent twice). Without `ORGRAPH_SMTP_URL` messages are logged at info level.

use chrono::Utc;
use entity::{invitation, invitation_event, organization};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Clone)]
pub enum Transport {
    Log,
    Smtp { url: String, from: String },
}

pub struct Mailer {
    wake: Notify,
}

impl Mailer {
    pub fn start(db: DatabaseConnection, transport: Transport) -> Arc<Self> {
        let mailer = Arc::new(Self { wake: Notify::new() });
        tokio::spawn(run(mailer.clone(), db, transport));
        mailer
    }
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

const LEASE: chrono::Duration = chrono::Duration::seconds(60);

fn backoff(attempts: i32) -> chrono::Duration {
    chrono::Duration::seconds((2i64 << attempts.clamp(0, 9)).min(600))
}

async fn run(mailer: Arc<Mailer>, db: DatabaseConnection, transport: Transport) {
    loop {
        if let Err(e) = drain(&db, &transport).await {
            tracing::warn!(error = %e, "mailer pass failed");
        }
        tokio::select! {
            () = mailer.wake.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

async fn drain(db: &DatabaseConnection, transport: &Transport) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    let due = invitation_event::Entity::find()
        .filter(invitation_event::Column::MailedAt.is_null())
        .filter(Condition::any().add(invitation_event::Column::MailClaimedUntil.is_null()).add(invitation_event::Column::MailClaimedUntil.lt(now)))
        .order_by_asc(invitation_event::Column::Id)
        .limit(50)
        .all(db)
        .await?;
    for event in due {
        // Claim: only one instance sends a given row at a time.
        let claimed = invitation_event::Entity::update_many()
            .col_expr(invitation_event::Column::MailClaimedUntil, Expr::value(now + LEASE))
            .filter(invitation_event::Column::Id.eq(event.id))
            .filter(invitation_event::Column::MailedAt.is_null())
            .filter(Condition::any().add(invitation_event::Column::MailClaimedUntil.is_null()).add(invitation_event::Column::MailClaimedUntil.lt(now)))
            .exec(db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let message = compose(db, &event).await?;
        match send(transport, &event.email, &message).await {
            Ok(()) => {
                invitation_event::Entity::update_many()
                    .col_expr(invitation_event::Column::MailedAt, Expr::value(Utc::now()))
                    .filter(invitation_event::Column::Id.eq(event.id))
                    .exec(db)
                    .await?;
            }
            Err(e) => {
                let attempts = event.mail_attempts + 1;
                tracing::warn!(error = %e, event = %event.id, attempts, "sending invitation mail failed; will retry");
                invitation_event::Entity::update_many()
                    .col_expr(invitation_event::Column::MailAttempts, Expr::value(attempts))
                    .col_expr(invitation_event::Column::MailClaimedUntil, Expr::value(Utc::now() + backoff(attempts)))
                    .filter(invitation_event::Column::Id.eq(event.id))
                    .exec(db)
                    .await?;
            }
        }
    }
    Ok(())
}

pub struct Message {
    pub subject: String,
    pub body: String,
}

async fn compose(db: &DatabaseConnection, event: &invitation_event::Model) -> Result<Message, sea_orm::DbErr> {
    let inv = invitation::Entity::find_by_id(event.invitation_id).one(db).await?;
    let org = match &inv {
        Some(i) => organization::Entity::find_by_id(i.organization_id).one(db).await?,
        None => None,
    };
    let org_name = org.map_or_else(|| "an organization".to_string(), |o| o.name);
    let gid = crate::graphql::ids::encode(crate::graphql::ids::Kind::Invitation, event.invitation_id);
    Ok(Message {
        subject: format!("You are invited to {org_name}"),
        body: format!(
            "You have been invited to {org_name}.\n\nTo accept, sign in and run:\n  mutation {{ acceptInvitation(input: {{ invitationId: \"{}\" }}) {{ membership {{ id }} }} }}\n\nInvitation id: {}\n",
            gid.as_str(),
            gid.as_str()
        ),
    })
}

async fn send(transport: &Transport, to: &str, message: &Message) -> Result<(), String> {
    match transport {
        Transport::Log => {
            tracing::info!(to, subject = %message.subject, body = %message.body, "invitation mail (log mailer)");
            Ok(())
        }
        Transport::Smtp { url, from } => {
            use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor};
            let mail = Mail::builder()
                .from(from.parse().map_err(|e| format!("from address: {e}"))?)
                .to(to.parse().map_err(|e| format!("to address: {e}"))?)
                .subject(message.subject.clone())
                .body(message.body.clone())
                .map_err(|e| e.to_string())?;
            let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| e.to_string())?.build();
            smtp.send(mail).await.map(|_| ()).map_err(|e| e.to_string())
        }
    }
}
