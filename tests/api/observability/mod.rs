//! Observability (issue 13 item 3): `/metrics` (present and moving after requests),
//! `x-request-id` (taken or made, echoed, in `INTERNAL` errors), `/readyz` (503 on a
//! read-only database, unknown migrations), and the JSON log format.

mod logs;
mod readiness;

use crate::both;
use crate::helpers::*;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub async fn get(base: &str, path: &str) -> (StatusCode, String) {
    let res = reqwest::get(format!("{base}{path}")).await.expect("request");
    (res.status(), res.text().await.unwrap_or_default())
}

/// The value of one series (`name{labels}` exactly as exposed), if present.
pub fn series(metrics: &str, name: &str) -> Option<f64> {
    metrics.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

pub async fn scrape(app: &TestApp) -> String {
    let (status, body) = get(&app.addr, "/metrics").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Polls `/metrics` (up to 15 s) until `name` reads `value`.
async fn metric_reaches(app: &TestApp, name: &str, value: f64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let metrics = scrape(app).await;
        if series(&metrics, name) == Some(value) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{name} never read {value}:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const OK_VIEWER: &str = "orgraph_graphql_requests_total{operation_type=\"query\",operation_name=\"Viewer\",code=\"OK\"}";
const POST_200: &str = "orgraph_http_requests_total{method=\"POST\",route=\"/graphql\",status=\"200\"}";
const UNAUTHENTICATED: &str =
    "orgraph_graphql_requests_total{operation_type=\"none\",operation_name=\"\",code=\"UNAUTHENTICATED\"}";
const ALLOWED: &str = "orgraph_authz_decisions_total{decision=\"allowed\"}";
const DENIED: &str = "orgraph_authz_decisions_total{decision=\"denied\"}";

both!(metrics_are_exposed_and_move_after_requests, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let before = scrape(&app).await;
    assert!(before.starts_with("# HELP"), "Prometheus text format: {before}");
    for name in ["orgraph_db_pool_connections{pool=\"requests\"}", "orgraph_db_pool_idle_connections{pool=\"background\"}"] {
        assert!(series(&before, name).is_some_and(|v| v >= 0.0), "{name}: {before}");
    }
    assert!(series(&before, "orgraph_db_pool_max_connections{pool=\"requests\"}").is_some_and(|v| v >= 1.0), "{before}");
    for name in ["orgraph_invitation_outbox_backlog", "orgraph_invitation_outbox_abandoned", "orgraph_websocket_connections"] {
        assert_eq!(series(&before, name), Some(0.0), "{name}: {before}");
    }

    // Twice: the first keeps the grants it reads (the owner's first request provisioned
    // them), the second starts from them on PostgreSQL.
    for _ in 0..2 {
        owner.ok("query Viewer { viewer { id } }", json!({})).await;
    }
    let (status, _) = app.anonymous().post("{ viewer { id } }", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let res =
        app.http.post(format!("{}/graphql", app.addr)).bearer_auth("not-a-token").json(&json!({"query": "{ viewer { id } }"}));
    assert_eq!(res.send().await.expect("request").status(), StatusCode::UNAUTHORIZED);
    let org = create_org(&owner, "metrics").await;
    let worker = app.user("worker").await;
    add_member(&owner, &org.id, &worker, "worker").await;
    let q = "query($o: ID!) { node(id: $o) { ... on Organization { viewerCan(permission: \"org.delete\") } } }";
    assert_eq!(worker.ok(q, json!({ "o": org.id })).await["node"]["viewerCan"], false);
    assert_eq!(owner.ok(q, json!({ "o": org.id })).await["node"]["viewerCan"], true);

    let after = scrape(&app).await;
    let moved = |name: &str, by: f64| {
        let (b, a) = (series(&before, name).unwrap_or(0.0), series(&after, name).unwrap_or(0.0));
        assert!(a >= b + by, "{name}: {b} → {a}\n{after}");
    };
    moved(OK_VIEWER, 1.0);
    moved(POST_200, 2.0);
    moved(UNAUTHENTICATED, 1.0);
    moved("orgraph_http_requests_total{method=\"POST\",route=\"/graphql\",status=\"401\"}", 1.0);
    moved("orgraph_graphql_request_duration_seconds_count{operation_type=\"query\"}", 2.0);
    moved("orgraph_graphql_request_duration_seconds_count{operation_type=\"mutation\"}", 3.0);
    moved(ALLOWED, 1.0);
    moved(DENIED, 1.0);
    assert!(series(&after, "orgraph_db_pool_connections{pool=\"requests\"}").is_some_and(|v| v >= 1.0), "{after}");
    // On PostgreSQL, HTTP queries read on connections of their own, which go back idle.
    let queries = ["orgraph_db_pool_connections{pool=\"queries\"}", "orgraph_db_pool_idle_connections{pool=\"queries\"}"];
    if app.db == crate::helpers::Db::Postgres {
        for name in queries {
            assert!(series(&after, name).is_some_and(|v| v >= 1.0), "{name}: {after}");
        }
        // The owner's second `Viewer` query started from the grants the first one kept.
        moved("orgraph_kept_grants_queries_total{outcome=\"answered\"}", 1.0);
    } else {
        assert!(queries.iter().all(|name| series(&after, name).is_none()), "{after}");
    }

    // Mail: the log transport sends the invitation; the counter moves.
    let invite = "mutation($s: ID!) { inviteMember(input: { scopeId: $s, email: \"new@example.org\", role: \"worker\" }) { invitation { id } } }";
    owner.ok(invite, json!({ "s": org.id })).await;
    metric_reaches(&app, "orgraph_mailer_messages_total{outcome=\"sent\"}", 1.0).await;
    metric_reaches(&app, "orgraph_invitation_outbox_backlog", 0.0).await;
});

both!(operation_names_chosen_by_clients_cannot_grow_the_metrics_without_bound, |app: TestApp| async move {
    let owner = app.user("owner").await;
    for i in 0..210 {
        owner.ok(&format!("query Op{i} {{ viewer {{ id }} }}"), json!({})).await;
    }
    owner.ok(&format!("query {} {{ viewer {{ id }} }}", "L".repeat(100)), json!({})).await;
    let metrics = scrape(&app).await;
    let names = metrics.lines().filter(|l| l.starts_with("orgraph_graphql_requests_total{")).count();
    assert!(names <= 202, "{names} series");
    assert!(
        series(&metrics, "orgraph_graphql_requests_total{operation_type=\"query\",operation_name=\"other\",code=\"OK\"}")
            .is_some()
    );
});

both!(
    answers_before_graphql_count_by_their_code_and_anonymous_names_are_not_labels,
    settings = |s: &mut orgraph::config::Settings| s.limits.request_timeout = Duration::from_secs(1),
    |app: TestApp| async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let anonymous = Client { token: None, ..app.user("someone").await };
        let (status, _) = anonymous.post("query Junk { __typename }", json!({})).await;
        assert_eq!(status, StatusCode::OK);
        // A body that never arrives: 408, a TIMEOUT (it counted as OK).
        let mut stream = tokio::net::TcpStream::connect(app.addr.trim_start_matches("http://")).await.expect("connect");
        let head = "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
        stream.write_all(head.as_bytes()).await.expect("write");
        let mut buf = [0u8; 256];
        let n = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf)).await.expect("answered").expect("read");
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"), "{}", String::from_utf8_lossy(&buf[..n]));
        let metrics = scrape(&app).await;
        let timeouts = "orgraph_graphql_requests_total{operation_type=\"none\",operation_name=\"\",code=\"TIMEOUT\"}";
        assert_eq!(series(&metrics, timeouts), Some(1.0), "{metrics}");
        assert!(!metrics.contains("operation_name=\"Junk\""), "{metrics}");
    }
);

both!(sockets_and_subscriptions_are_gauges, |app: TestApp| async move {
    app.user("bob").await;
    let url = format!("{}/graphql/ws", app.addr.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
    let init = json!({ "type": "connection_init", "payload": { "token": token("bob", "bob@example.com", None) } });
    ws.send(Message::Text(init.to_string().into())).await.expect("send");
    let ack = ws.next().await.expect("ack").expect("ack");
    assert!(ack.to_text().expect("text").contains("connection_ack"), "{ack:?}");
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { invitationReceived { id } }" } });
    ws.send(Message::Text(sub.to_string().into())).await.expect("send");
    metric_reaches(&app, "orgraph_websocket_connections", 1.0).await;
    metric_reaches(&app, "orgraph_subscriptions", 1.0).await;
    ws.close(None).await.expect("close");
    metric_reaches(&app, "orgraph_subscriptions", 0.0).await;
    metric_reaches(&app, "orgraph_websocket_connections", 0.0).await;
});

both!(
    metrics_listen_serves_metrics_on_its_own_address_only,
    settings = |s: &mut orgraph::config::Settings| s.dev = false,
    |app: TestApp| async move {
        // Production without ORGRAPH_METRICS_LISTEN: not served.
        assert_eq!(get(&app.addr, "/metrics").await.0, StatusCode::NOT_FOUND);
        let mut settings = orgraph::config::Settings::with_database(app.database_url.clone());
        settings.listen = "127.0.0.1:0".parse().expect("addr");
        settings.metrics_listen = Some("127.0.0.1:0".parse().expect("addr"));
        settings.jwt_secret = Some(orgraph::config::Secret::new(SECRET.as_bytes().to_vec()));
        let db = orgraph::db::connect(&settings).await.expect("connect");
        let server = orgraph::startup::Application::build_with(settings, db).await.expect("build");
        let (api, metrics) =
            (format!("http://{}", server.local_addr()), format!("http://{}", server.metrics_addr().expect("metrics")));
        tokio::spawn(server.run_until_stopped(std::future::pending()));
        assert_eq!(get(&api, "/metrics").await.0, StatusCode::NOT_FOUND, "not beside the API, even in dev");
        let (status, body) = get(&metrics, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("orgraph_http_requests_total"), "{body}");
        assert_eq!(get(&metrics, "/readyz").await.0, StatusCode::OK);
        assert_eq!(get(&metrics, "/graphql").await.0, StatusCode::NOT_FOUND, "only metrics and probes there");
    }
);

/// POST with an optional `x-request-id`: (status, echoed id, body).
async fn post_with_id(app: &TestApp, id: Option<&str>, token: Option<&str>, query: &str) -> (StatusCode, String, Value) {
    let mut req = app.http.post(format!("{}/graphql", app.addr)).json(&json!({ "query": query }));
    if let Some(id) = id {
        req = req.header("x-request-id", id);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let echoed = res.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("x-request-id").to_string();
    (status, echoed, res.json().await.unwrap_or(Value::Null))
}

fn is_uuid_v7(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok_and(|u| u.get_version_num() == 7)
}

both!(request_ids_are_taken_when_sound_made_otherwise_and_echoed, |app: TestApp| async move {
    let q = "{ __typename }";
    let (_, echoed, _) = post_with_id(&app, Some("req-42.abc:DEF"), None, q).await;
    assert_eq!(echoed, "req-42.abc:DEF");
    let (_, a, _) = post_with_id(&app, None, None, q).await;
    let (_, b, _) = post_with_id(&app, None, None, q).await;
    assert!(is_uuid_v7(&a) && is_uuid_v7(&b) && a != b, "{a} {b}");
    for bad in ["x".repeat(129), "has space".into(), "tab\there".into(), String::new()] {
        let (_, echoed, _) = post_with_id(&app, Some(&bad), None, q).await;
        assert!(is_uuid_v7(&echoed), "{bad:?} replaced by a new id, got {echoed}");
    }
    // Every answer carries one, errors included.
    let (status, echoed, _) = post_with_id(&app, Some("refused-1"), Some("bad"), q).await;
    assert_eq!((status, echoed.as_str()), (StatusCode::UNAUTHORIZED, "refused-1"));
    let res = app.http.get(format!("{}/healthz", app.addr)).send().await.expect("healthz");
    assert!(res.headers().get("x-request-id").is_some());
});
