//! Writes and live delivery at scale (issue 12, deliverable 5), on SQLite and PostgreSQL.
//! Not run by default:
//! `cargo test --release --test api bench_live_delivery -- --ignored --nocapture`
//! (`LIVE_SOCKETS`, default 10,000; `LIVE_CLIENTS`, default 16; `LIVE_INVITATIONS`,
//! default 5,000; `LIVE_DATASETS`, default 10,000).
//!
//! The server is the release binary in its own process, so its memory is its own:
//! 1. `LIVE_SOCKETS` users each open one socket, sign in, then subscribe to
//!    `invitationReceived`; the server's resident memory before, after signing in and
//!    after subscribing, divided by the sockets, is the cost of an idle socket and of its
//!    subscription.
//! 2. `LIVE_CLIENTS` owners, one organization each, invite those users concurrently
//!    (every subscriber exactly once): invitations per second, and the delivery latency
//!    from sending the mutation to the subscriber reading the notification (p50, p99,
//!    max); every invitation must arrive exactly once at its addressee (0 lost).
//! 3. The same clients create `LIVE_DATASETS` datasets, each in its own project:
//!    `createDataset` per second.
//!
//! Figures are printed, never asserted; what is asserted is that nothing is lost.

use crate::helpers::*;
use crate::ops::{CREATE_DATASET, INVITE};
use crate::subscriptions::{Event, Ws, connect};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The release server in a process of its own; killed when dropped.
struct Server {
    child: std::process::Child,
    app: TestApp,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(db: Db) -> Self {
        let database_url = fresh_database_url(db).await;
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        let mut cmd = crate::cli::orgraph(&std::env::temp_dir());
        cmd.arg("serve")
            .env("DATABASE_URL", &database_url)
            .env("ORGRAPH_LISTEN", format!("127.0.0.1:{port}"))
            .env("ORGRAPH_JWT_SECRET", SECRET)
            .env("ORGRAPH_MAX_SOCKETS_PER_USER", "5")
            .env("ORGRAPH_LOG", "warn")
            .stdout(std::process::Stdio::null());
        let child = cmd.spawn().expect("start orgraph");
        let addr = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..600 {
            if http.get(format!("{addr}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let app = TestApp { addr, http, statements: Arc::default(), captured: Arc::default(), db, database_url };
        Server { child, app }
    }

    /// Resident memory of the server process, bytes.
    fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
        kb.unwrap_or(0u64) * 1024
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly"]
async fn bench_live_delivery() {
    let sockets = env_or("LIVE_SOCKETS", 10_000);
    let clients = env_or("LIVE_CLIENTS", 16);
    let invitations = env_or("LIVE_INVITATIONS", 5_000).min(sockets);
    let datasets = env_or("LIVE_DATASETS", 10_000);
    for db in [Db::Postgres, Db::Sqlite] {
        if db == Db::Postgres && !postgres_available() {
            continue;
        }
        let server = Server::start(db).await;
        let app = &server.app;
        println!("\n{db:?}: {sockets} sockets, {clients} clients, {invitations} invitations, {datasets} datasets");

        // 1. Idle subscribed sockets.
        let owners: Vec<Client> = {
            let mut v = Vec::new();
            for i in 0..clients {
                v.push(app.user(&format!("owner{i}")).await);
            }
            v
        };
        let mut orgs = Vec::new();
        for (i, o) in owners.iter().enumerate() {
            orgs.push(create_org(o, &format!("live{i}")).await);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let before = server.rss();
        let mut subscribers = open_sockets(app, sockets).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let acknowledged = server.rss();
        for (_, ws) in &mut subscribers {
            ws.subscribe("1").await;
        }
        wait_for_subscriptions(app, sockets).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = server.rss();
        let per = |from: u64, to: u64| to.saturating_sub(from) as f64 / sockets.max(1) as f64 / 1024.0;
        println!(
            "  idle subscribed sockets: {sockets}, server RSS {:.1} MB → {:.1} MB, {:.1} KB per socket ({:.1} KB signed in, {:.1} KB its subscription)",
            before as f64 / 1e6,
            after as f64 / 1e6,
            per(before, after),
            per(before, acknowledged),
            per(acknowledged, after),
        );

        // 2. Invitations, delivered live.
        let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
        let (received_tx, mut received_rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
        let mut readers = Vec::new();
        for (email, mut ws) in subscribers {
            let tx = received_tx.clone();
            readers.push(tokio::spawn(async move {
                loop {
                    match ws.recv(Duration::from_secs(3600)).await {
                        Event::Json(v) if v["type"] == "next" => {
                            let to = v["payload"]["data"]["invitationReceived"]["email"].as_str().unwrap_or_default().to_string();
                            assert_eq!(to, email, "delivered to the wrong subscriber: {v}");
                            let _ = tx.send((to, Instant::now()));
                        }
                        Event::Json(_) => {}
                        _ => return,
                    }
                }
            }));
        }
        drop(received_tx);
        let started = Instant::now();
        let mut senders = Vec::new();
        for (i, (owner, org)) in owners.iter().zip(&orgs).enumerate() {
            let (owner, org, sent) = (owner.clone(), org.id.clone(), sent.clone());
            let mine: Vec<usize> = (0..invitations).filter(|n| n % clients == i).collect();
            senders.push(tokio::spawn(async move {
                for n in mine {
                    let email = format!("sub{n}@example.com");
                    sent.lock().await.insert(email.clone(), Instant::now());
                    owner.ok(INVITE, json!({ "s": org, "e": email, "r": "worker" })).await;
                }
            }));
        }
        for s in senders {
            s.await.expect("sender");
        }
        let invite_time = started.elapsed();
        let mut latencies = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let deadline = Instant::now() + Duration::from_secs(15);
        while seen.len() < invitations {
            let Ok(Some((email, at))) = tokio::time::timeout_at(deadline.into(), received_rx.recv()).await else { break };
            assert!(seen.insert(email.clone()), "{email} received twice");
            let sent_at = sent.lock().await[&email];
            latencies.push(at.duration_since(sent_at));
        }
        latencies.sort();
        let lost = invitations - seen.len();
        println!(
            "  inviteMember: {invitations} in {:.2} s = {:.0}/s; delivery p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; lost {lost}",
            invite_time.as_secs_f64(),
            invitations as f64 / invite_time.as_secs_f64(),
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99)),
            ms(latencies.last().copied().unwrap_or_default()),
        );
        for r in &readers {
            r.abort();
        }

        // 3. createDataset.
        let mut projects = Vec::new();
        for (owner, org) in owners.iter().zip(&orgs) {
            projects.push(create_project(owner, &org.workspace, "bench").await);
        }
        let started = Instant::now();
        let mut writers = Vec::new();
        for (i, (owner, project)) in owners.iter().zip(&projects).enumerate() {
            let (owner, project) = (owner.clone(), project.clone());
            let mine = (0..datasets).filter(|n| n % clients == i).count();
            writers.push(tokio::spawn(async move {
                for n in 0..mine {
                    let d: Value = owner.ok(CREATE_DATASET, json!({ "p": project, "parent": null, "n": format!("d{n}") })).await;
                    assert!(d["createDataset"]["dataset"]["id"].is_string());
                }
            }));
        }
        for w in writers {
            w.await.expect("writer");
        }
        let write_time = started.elapsed();
        println!(
            "  createDataset: {datasets} in {:.2} s = {:.0}/s; server RSS now {:.1} MB",
            write_time.as_secs_f64(),
            datasets as f64 / write_time.as_secs_f64(),
            server.rss() as f64 / 1e6
        );
        assert_eq!(lost, 0, "{db:?}: {lost} invitations were not delivered");
        let url = app.database_url.clone();
        drop(server);
        discard(db, &url).await;
    }
}

/// `n` signed-in sockets, user `sub<i>` on the i-th.
async fn open_sockets(app: &TestApp, n: usize) -> Vec<(String, Ws)> {
    use futures_util::StreamExt;
    let opened: Vec<(String, Ws)> = futures_util::stream::iter(0..n)
        .map(|i| async move {
            let email = format!("sub{i}@example.com");
            let mut ws = connect(app, "graphql-transport-ws").await.expect("upgrade");
            ws.init(&token(&format!("sub{i}"), &email, None)).await;
            (email, ws)
        })
        .buffer_unordered(64)
        .collect()
        .await;
    opened
}

/// Until `/metrics` counts `n` open `invitationReceived` subscriptions (a subscription is
/// registered after its `subscribe` message is read, with no answer to wait for).
async fn wait_for_subscriptions(app: &TestApp, n: usize) {
    for _ in 0..600 {
        let text = app.http.get(format!("{}/metrics", app.addr)).send().await.expect("metrics").text().await.unwrap_or_default();
        let open = text.lines().find_map(|l| l.strip_prefix("orgraph_subscriptions ")).and_then(|v| v.trim().parse::<f64>().ok());
        if open.is_some_and(|o| o as usize >= n) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server never counted {n} subscriptions");
}
