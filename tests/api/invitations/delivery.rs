//! Delivery (RULES.md §6–7): every created or resent invitation writes an outbox row in
//! the same transaction; without SMTP the log mailer marks it mailed, with SMTP exactly one
//! message reaches the invitee, after retries when the server is down at first, and never
//! for an invitation revoked in the meantime. A tiny SMTP sink below receives the mail.

use super::*;
use crate::both;
use crate::helpers::*;
use crate::ops::*;
use entity::invitation_event;
use orgraph::config::Settings;
use sea_orm::EntityTrait;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

both!(every_created_or_resent_invitation_writes_an_outbox_row_that_the_log_mailer_marks_mailed, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let db = app.database().await;
    let id = invite(&t.owner, &t.org, "Ivy@Example.com", "worker").await;
    let rows = events(&db, &id).await;
    assert_eq!(rows.len(), 1, "the row exists once the mutation returned");
    assert_eq!(rows[0].kind, "created");
    assert_eq!(rows[0].email, "ivy@example.com");

    t.maintainer.ok(RESEND, id_vars(&id)).await;
    let rows = events(&db, &id).await;
    assert_eq!(rows.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(), ["created", "resent"]);

    // Refused mutations write nothing, and neither do revoke or decline.
    assert_eq!(t.worker.code(RESEND, id_vars(&id)).await, "NOT_FOUND");
    assert_eq!(t.owner.code(INVITE, invite_vars(&t.org, "ivy@example.com", "worker")).await, "CONFLICT");
    let other = invite(&t.owner, &t.org, "other@example.com", "worker").await;
    t.owner.ok(REVOKE, id_vars(&other)).await;
    assert_eq!(events(&db, &id).await.len(), 2);
    assert_eq!(events(&db, &other).await.len(), 1);
    let total = invitation_event::Entity::find().all(&db).await.expect("events").len();
    assert_eq!(total, 3);

    let mailed = eventually(Duration::from_secs(10), || async {
        invitation_event::Entity::find().all(&db).await.expect("events").iter().all(|e| e.mailed_at.is_some())
    })
    .await;
    assert!(mailed, "the log mailer marks every row: {:?}", invitation_event::Entity::find().all(&db).await);
});

both!(with_smtp_an_invitation_sends_exactly_one_message_to_the_invitee, settings = smtp_sink, |app: TestApp| async move {
    let listener = PARKED_SINKS.lock().expect("sinks").remove(&app.database_url).expect("a parked sink");
    listener.set_nonblocking(true).expect("nonblocking");
    let inbox = serve_smtp(tokio::net::TcpListener::from_std(listener).expect("tokio listener"));
    let t = DefaultOrg::new(&app).await;
    let db = app.database().await;

    let id = invite(&t.owner, &t.org, "Ivy@Example.com", "worker").await;
    assert!(eventually(Duration::from_secs(10), || async { !mails(&inbox).is_empty() }).await, "no message arrived");
    assert!(eventually(Duration::from_secs(5), || async { events(&db, &id).await[0].mailed_at.is_some() }).await);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = mails(&inbox);
    assert_eq!(got.len(), 1, "exactly one message: {got:?}");
    assert_eq!(got[0].to, vec!["ivy@example.com".to_string()]);
    assert!(got[0].data.contains(&id), "the body names the invitation {id}: {}", got[0].data);
    assert!(got[0].data.contains("acme"), "{}", got[0].data);

    // A resend sends one more, to the same invitee.
    t.owner.ok(RESEND, id_vars(&id)).await;
    assert!(eventually(Duration::from_secs(10), || async { mails(&inbox).len() == 2 }).await);
    let got = mails(&inbox);
    assert_eq!(got[1].to, vec!["ivy@example.com".to_string()]);
    assert!(got[1].data.contains(&id));
});

both!(with_smtp_down_at_first_the_message_arrives_after_a_retry, settings = smtp_down, |app: TestApp| async move {
    let port = DOWN_PORTS.lock().expect("ports").remove(&app.database_url).expect("a port");
    let t = DefaultOrg::new(&app).await;
    let db = app.database().await;
    let id = invite(&t.owner, &t.org, "ivy@example.com", "worker").await;
    let withdrawn = invite(&t.owner, &t.org, "joe@example.com", "worker").await;

    // The first attempts fail (nothing listens) and are recorded.
    for inv in [&id, &withdrawn] {
        assert!(
            eventually(Duration::from_secs(10), || async { events(&db, inv).await[0].mail_attempts >= 1 }).await,
            "no failed attempt recorded"
        );
        assert!(events(&db, inv).await[0].mailed_at.is_none());
    }
    // Revoked while the mail was waiting: it is never sent.
    t.owner.ok(REVOKE, id_vars(&withdrawn)).await;
    let inbox = serve_smtp(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind the late sink"));

    assert!(eventually(Duration::from_secs(15), || async { !mails(&inbox).is_empty() }).await, "the retry never arrived");
    let got = mails(&inbox);
    assert_eq!(got[0].to, vec!["ivy@example.com".to_string()]);
    assert!(got[0].data.contains(&id));
    assert!(eventually(Duration::from_secs(5), || async { events(&db, &id).await[0].mailed_at.is_some() }).await);
    assert!(eventually(Duration::from_secs(10), || async { events(&db, &withdrawn).await[0].mailed_at.is_some() }).await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = mails(&inbox);
    assert_eq!(got.len(), 1, "sent once, and nothing for the revoked invitation: {got:?}");
});

/// Polls `check` every 100 ms until it holds or `limit` passes; returns whether it held.
async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------- a tiny SMTP sink

/// One message the sink accepted: the RCPT TO addresses and the DATA (headers and body).
#[derive(Clone, Debug)]
struct Mail {
    to: Vec<String>,
    data: String,
}

type Inbox = Arc<Mutex<Vec<Mail>>>;

/// Listeners bound while the server's settings are built, keyed by the test database URL
/// (unique per test), picked up by the test body.
static PARKED_SINKS: LazyLock<Mutex<HashMap<String, std::net::TcpListener>>> = LazyLock::new(Default::default);
/// Ports nothing listens on yet, keyed the same way.
static DOWN_PORTS: LazyLock<Mutex<HashMap<String, u16>>> = LazyLock::new(Default::default);

/// Settings: SMTP at a sink that listens from the start.
fn smtp_sink(s: &mut Settings) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
    let port = listener.local_addr().expect("addr").port();
    s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    s.smtp_from = "orgraph <no-reply@example.com>".into();
    PARKED_SINKS.lock().expect("sinks").insert(s.database_url.clone(), listener);
}

/// Settings: SMTP at a port where nothing listens (yet).
fn smtp_down(s: &mut Settings) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("pick a port").local_addr().expect("addr").port();
    s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    DOWN_PORTS.lock().expect("ports").insert(s.database_url.clone(), port);
}

fn serve_smtp(listener: tokio::net::TcpListener) -> Inbox {
    let inbox: Inbox = Arc::default();
    let out = inbox.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let inbox = inbox.clone();
            tokio::spawn(async move {
                let _ = smtp_session(stream, inbox).await;
            });
        }
    });
    out
}

fn angle_address(line: &str) -> String {
    let inner = line.split_once('<').and_then(|(_, rest)| rest.split_once('>')).map_or("", |(addr, _)| addr);
    inner.to_string()
}

/// Just enough SMTP: 220, EHLO/HELO 250, MAIL/RCPT 250, DATA 354 … "." 250, QUIT 221,
/// anything else (RSET, NOOP) 250.
async fn smtp_session(stream: tokio::net::TcpStream, inbox: Inbox) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 sink.example.com ESMTP ready\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 sink.example.com\r\n"
        } else if command.starts_with("MAIL") {
            to.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT") {
            to.push(angle_address(&line));
            b"250 OK\r\n"
        } else if command == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if read.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(&line);
            }
            inbox.lock().expect("inbox").push(Mail { to: std::mem::take(&mut to), data });
            b"250 OK queued\r\n"
        } else if command == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        write.write_all(reply).await?;
    }
}

fn mails(inbox: &Inbox) -> Vec<Mail> {
    inbox.lock().expect("inbox").clone()
}
