//! GraphQL over WebSocket (RULES.md §2, §6): `graphql-transport-ws` and legacy
//! `graphql-ws`, the close codes, the caps, and `invitationReceived` delivered to
//! exactly its addressee — in one instance, and across two instances sharing PostgreSQL.

use crate::both;
use crate::helpers::*;
use crate::ops::{CREATE_ORGANIZATION, INVITE, RESEND, REVOKE};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub(crate) type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[derive(Debug, PartialEq)]
pub(crate) enum Event {
    Json(Value),
    Closed(u16),
    Silent,
}

pub(crate) struct Ws(pub(crate) Socket);

pub(crate) async fn connect(app: &TestApp, protocol: &str) -> Result<Ws, u16> {
    let url = format!("{}/graphql/ws", app.addr.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert("Sec-WebSocket-Protocol", protocol.parse().expect("header"));
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(Ws(socket)),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("connect: {e}"),
    }
}

/// A socket signed in as `sub` (`sub@example.com`, verified), subscribed to
/// `invitationReceived` as operation "1", given 200 ms for the subscription to start.
pub(crate) async fn subscribed(app: &TestApp, sub: &str) -> Ws {
    let mut ws = connect(app, "graphql-transport-ws").await.expect("upgrade");
    ws.init(&token(sub, &format!("{sub}@example.com"), None)).await;
    ws.subscribe("1").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    ws
}

impl Ws {
    pub(crate) async fn send(&mut self, v: Value) {
        self.0.send(Message::Text(v.to_string().into())).await.expect("send");
    }
    pub(crate) async fn recv(&mut self, within: Duration) -> Event {
        loop {
            match tokio::time::timeout(within, self.0.next()).await {
                Err(_) => return Event::Silent,
                Ok(None) => return Event::Closed(1006),
                Ok(Some(Ok(Message::Text(t)))) => return Event::Json(serde_json::from_str(t.as_str()).expect("json")),
                Ok(Some(Ok(Message::Close(frame)))) => return Event::Closed(frame.map_or(1005, |f| u16::from(f.code))),
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_))) => return Event::Closed(1006),
            }
        }
    }
    /// The close frame's code and reason, if a close frame comes next within `within`.
    pub(crate) async fn close_frame(&mut self, within: Duration) -> Option<(u16, String)> {
        match tokio::time::timeout(within, self.0.next()).await {
            Ok(Some(Ok(Message::Close(Some(f))))) => Some((u16::from(f.code), f.reason.to_string())),
            _ => None,
        }
    }
    /// The next text message as sent (`None`: nothing within `within`, or not text).
    pub(crate) async fn recv_text(&mut self, within: Duration) -> Option<String> {
        match tokio::time::timeout(within, self.0.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => Some(t.as_str().to_string()),
            _ => None,
        }
    }
    /// `connection_init` with a token; expects the ack.
    pub(crate) async fn init(&mut self, token: &str) {
        self.send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })).await;
        match self.recv(Duration::from_secs(10)).await {
            Event::Json(v) if v["type"] == "connection_ack" => {}
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }
    pub(crate) async fn subscribe(&mut self, id: &str) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": "subscription { invitationReceived { id email status organization { slug } } }" } })).await;
    }
}

both!(a_subscriber_receives_exactly_its_own_invitations, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let mut bob = subscribed(&app, "bob").await;
    let mut carol = subscribed(&app, "carol").await;

    let sent = owner.ok(INVITE, json!({ "s": org.id, "e": "Bob@Example.com", "r": "worker" })).await;
    let id = sent["inviteMember"]["invitation"]["id"].clone();
    match bob.recv(Duration::from_secs(10)).await {
        Event::Json(v) => {
            assert_eq!(v["type"], "next");
            assert_eq!(v["id"], "1");
            let inv = &v["payload"]["data"]["invitationReceived"];
            assert_eq!(inv["id"], id);
            assert_eq!(inv["email"], "bob@example.com");
            assert_eq!(inv["status"], "PENDING");
            assert_eq!(inv["organization"]["slug"], "acme");
        }
        other => panic!("bob expected his invitation, got {other:?}"),
    }
    assert_eq!(carol.recv(Duration::from_millis(1500)).await, Event::Silent, "carol must not see bob's invitation");

    // A resend is delivered again.
    owner.ok(RESEND, json!({ "i": id })).await;
    assert!(
        matches!(bob.recv(Duration::from_secs(10)).await, Event::Json(v) if v["payload"]["data"]["invitationReceived"]["id"] == id)
    );

    // complete stops the stream: nothing more arrives for "1".
    bob.send(json!({ "id": "1", "type": "complete" })).await;
    owner.ok(INVITE, json!({ "s": org.team, "e": "bob@example.com", "r": "viewer" })).await;
    assert_eq!(bob.recv(Duration::from_millis(1500)).await, Event::Silent);
});

both!(
    bad_tokens_and_protocol_misuse_get_their_close_codes,
    settings = |s: &mut orgraph::config::Settings| {
        s.limits.connection_init_timeout = Duration::from_millis(500);
    },
    |app: TestApp| async move {
        // Unknown subprotocol: HTTP 400.
        assert_eq!(connect(&app, "chat").await.err(), Some(400));
        // Bad token: 4403.
        let mut ws = connect(&app, "graphql-transport-ws").await.expect("upgrade");
        ws.send(json!({ "type": "connection_init", "payload": { "authorization": "Bearer not-a-jwt" } })).await;
        // The reason says why, as the HTTP answer does.
        let (code, reason) = ws.close_frame(Duration::from_secs(5)).await.expect("a close frame");
        assert_eq!(code, 4403);
        assert!(reason.starts_with("Forbidden: ") && reason.contains("token"), "{reason}");
        // Missing token: 4403.
        let mut ws = connect(&app, "graphql-transport-ws").await.expect("upgrade");
        ws.send(json!({ "type": "connection_init", "payload": {} })).await;
        assert_eq!(ws.recv(Duration::from_secs(5)).await, Event::Closed(4403));
        // {"token": …} is accepted too.
        let mut ws = connect(&app, "graphql-transport-ws").await.expect("upgrade");
        ws.send(json!({ "type": "connection_init", "payload": { "token": token("t", "t@example.com", None) } })).await;
        assert!(matches!(ws.recv(Duration::from_secs(5)).await, Event::Json(v) if v["type"] == "connection_ack"));
        // Subscribe before ack: 4401.
        let mut ws = connect(&app, "graphql-transport-ws").await.expect("upgrade");
        ws.subscribe("1").await;
        assert_eq!(ws.recv(Duration::from_secs(5)).await, Event::Closed(4401));
        // No connection_init in time: 4408.
        let mut ws = connect(&app, "graphql-transport-ws").await.expect("upgrade");
        assert_eq!(ws.recv(Duration::from_secs(5)).await, Event::Closed(4408));
        // Legacy protocol: connection_error, then close.
        let mut ws = connect(&app, "graphql-ws").await.expect("upgrade");
        ws.send(json!({ "type": "connection_init", "payload": { "Authorization": "Bearer nope" } })).await;
        assert!(matches!(ws.recv(Duration::from_secs(5)).await, Event::Json(v) if v["type"] == "connection_error"));
        assert_eq!(ws.recv(Duration::from_secs(5)).await, Event::Closed(4403));
    }
);

both!(the_socket_closes_when_the_token_expires, |app: TestApp| async move {
    // Expired 28 s ago: inside the 30 s leeway, as HTTP accepts it, for two more seconds.
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({ "sub": "brief", "email": "brief@example.com", "exp": now - 28, "iat": now - 600 });
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let short = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).expect("sign");
    let mut ws = connect(&app, "graphql-transport-ws").await.expect("upgrade");
    ws.init(&short).await;
    ws.subscribe("1").await;
    assert_eq!(ws.recv(Duration::from_secs(10)).await, Event::Closed(4403));
});

both!(
    sockets_per_user_and_subscriptions_per_socket_are_capped,
    settings = |s: &mut orgraph::config::Settings| {
        s.limits.sockets_per_user = 2;
        s.limits.subscriptions_per_socket = 2;
    },
    |app: TestApp| async move {
        let t = token("dave", "dave@example.com", None);
        let mut a = connect(&app, "graphql-transport-ws").await.expect("upgrade");
        a.init(&t).await;
        let mut b = connect(&app, "graphql-transport-ws").await.expect("upgrade");
        b.init(&t).await;
        let mut c = connect(&app, "graphql-transport-ws").await.expect("upgrade");
        c.send(json!({ "type": "connection_init", "payload": { "token": t } })).await;
        assert_eq!(c.recv(Duration::from_secs(5)).await, Event::Closed(4429));
        // Closing one frees a slot.
        drop(b);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut d = connect(&app, "graphql-transport-ws").await.expect("upgrade");
        d.init(&t).await;
        a.subscribe("1").await;
        a.subscribe("2").await;
        a.subscribe("3").await;
        assert_eq!(a.recv(Duration::from_secs(5)).await, Event::Closed(4429));
        // Queries work over the socket too.
        d.send(json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ viewer { email } }" } })).await;
        assert!(
            matches!(d.recv(Duration::from_secs(5)).await, Event::Json(v) if v["payload"]["data"]["viewer"]["email"] == "dave@example.com")
        );
        assert!(matches!(d.recv(Duration::from_secs(5)).await, Event::Json(v) if v["type"] == "complete"));
    }
);

/// Delivery latency over `n` invitations to the subscriber's address (invite, await
/// the message, revoke, repeat): prints median and worst; asserts only delivery.
async fn measure(label: &str, inviter: &Client, scope: &str, email: &str, subscriber: &mut Ws, n: usize) {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        let sent = inviter.ok(INVITE, json!({ "s": scope, "e": email, "r": "worker" })).await;
        let id = sent["inviteMember"]["invitation"]["id"].clone();
        match subscriber.recv(Duration::from_secs(10)).await {
            Event::Json(v) if v["payload"]["data"]["invitationReceived"]["id"] == id => samples.push(start.elapsed()),
            other => panic!("{label}: expected invitation {id}, got {other:?}"),
        }
        inviter.ok(REVOKE, json!({ "i": id })).await;
    }
    samples.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    eprintln!(
        "delivery latency {label} over {n} invitations (inviteMember call to message): median {:.1} ms, worst {:.1} ms",
        ms(samples[n / 2]),
        ms(samples[n - 1])
    );
}

both!(delivery_latency_same_instance, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let mut gina = subscribed(&app, "gina").await;
    measure(&format!("same instance ({:?})", app.db), &owner, &org.id, "gina@example.com", &mut gina, 100).await;
});

postgres_gate::gated! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn invitations_reach_a_subscriber_on_another_instance() {
        require_postgres();
        let a = spawn_app(Db::Postgres).await;
        let b = spawn_instance(Db::Postgres, a.database_url.clone(), |_| {}).await;
        let owner = a.user("owner").await;
        let org = create_org(&owner, "acme").await;
        let mut erin = connect(&b, "graphql-transport-ws").await.expect("upgrade");
        erin.init(&token("erin", "erin@example.com", None)).await;
        erin.subscribe("1").await;
        let mut frank = connect(&b, "graphql-transport-ws").await.expect("upgrade");
        frank.init(&token("frank", "frank@example.com", None)).await;
        frank.subscribe("1").await;
        tokio::time::sleep(Duration::from_millis(300)).await;

        let mut samples = Vec::new();
        let scopes = [org.id.clone(), org.team.clone()];
        for (i, scope) in scopes.iter().enumerate() {
            let start = Instant::now();
            let role = if i == 0 { "worker" } else { "viewer" };
            let sent = owner.ok(INVITE, json!({ "s": scope, "e": "erin@example.com", "r": role })).await;
            match erin.recv(Duration::from_secs(10)).await {
                Event::Json(v) => {
                    assert_eq!(v["payload"]["data"]["invitationReceived"]["id"], sent["inviteMember"]["invitation"]["id"], "{i}")
                }
                other => panic!("erin expected an invitation from the other instance, got {other:?}"),
            }
            samples.push(start.elapsed());
        }
        assert_eq!(frank.recv(Duration::from_millis(1500)).await, Event::Silent, "frank must not see erin's invitations");
        eprintln!("cross-instance delivery, first two: {samples:?}");
        let other = create_org(&owner, "acme2").await;
        measure("across instances (PostgreSQL)", &owner, &other.id, "erin@example.com", &mut erin, 100).await;
    }
}

both!(
    websocket_origins_are_checked,
    settings = |s: &mut orgraph::config::Settings| {
        s.cors_origins = vec!["https://app.example.com".into()];
    },
    |app: TestApp| async move {
        let attempt = |origin: &'static str| {
            let url = format!("{}/graphql/ws", app.addr.replacen("http://", "ws://", 1));
            async move {
                let mut request = url.into_client_request().expect("request");
                request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
                request.headers_mut().insert("Origin", origin.parse().expect("header"));
                match tokio_tungstenite::connect_async(request).await {
                    Ok(_) => 101,
                    Err(tokio_tungstenite::tungstenite::Error::Http(r)) => r.status().as_u16(),
                    Err(e) => panic!("{e}"),
                }
            }
        };
        assert_eq!(attempt("https://evil.example.net").await, 403);
        assert_eq!(attempt("https://app.example.com").await, 101);
    }
);

// A transaction that committed late (its outbox id older than the newest delivered) and
// whose NOTIFY was lost is still delivered, by the hub's look back, even while other
// invitations keep waking the hub every 200 ms (wake-ups must not starve the look back).
both!(a_late_unannounced_event_is_delivered_by_the_look_back_while_wake_ups_keep_coming, |app: TestApp| async move {
    use entity::invitation_event;
    use sea_orm::{EntityTrait, IntoActiveModel};
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let mut bob = subscribed(&app, "bob").await;
    owner.ok(INVITE, json!({ "s": org.id, "e": "bob@example.com", "r": "worker" })).await;
    let first = match bob.recv(Duration::from_secs(10)).await {
        Event::Json(v) if v["type"] == "next" => v["payload"]["data"]["invitationReceived"]["id"].clone(),
        other => panic!("expected the invitation, got {other:?}"),
    };

    let db = app.database().await;
    let delivered = invitation_event::Entity::find().one(&db).await.expect("events").expect("the outbox row");
    let (secs, nanos) = delivered.id.get_timestamp().expect("v7").to_unix();
    let older = secs * 1000 + u64::from(nanos / 1_000_000) - 100;
    let late = invitation_event::Model {
        id: uuid::Builder::from_unix_timestamp_millis(older, &[7; 10]).into_uuid(),
        kind: "resent".into(),
        mailed_at: Some(chrono::Utc::now()),
        ..delivered
    };
    invitation_event::Entity::insert(late.into_active_model()).exec(&db).await.expect("insert the late row");

    let busy = owner.clone();
    let org_id = org.id.clone();
    let waking = tokio::spawn(async move {
        for i in 0..40 {
            busy.ok(INVITE, json!({ "s": org_id, "e": format!("n{i}@example.com"), "r": "worker" })).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let again = bob.recv(Duration::from_secs(8)).await;
    waking.abort();
    match again {
        Event::Json(v) if v["type"] == "next" => assert_eq!(v["payload"]["data"]["invitationReceived"]["id"], first),
        other => panic!("the late event was not delivered: {other:?}"),
    }
});

both!(a_root_field_failing_during_execution_is_a_next_message_as_over_http, |app: TestApp| async move {
    let owner = app.user("ws-failing").await;
    create_org(&owner, "ws-failing-org").await;
    // The slug is taken: the mutation executes and fails at its field (`data: null`, an
    // error with a path), which HTTP answers as data; a socket sends it as `next`.
    let mut ws = connect(&app, "graphql-transport-ws").await.expect("upgrade");
    ws.init(owner.token.as_deref().expect("token")).await;
    let payload = json!({ "query": CREATE_ORGANIZATION, "variables": { "s": "ws-failing-org" } });
    ws.send(json!({ "id": "m", "type": "subscribe", "payload": payload })).await;
    match ws.recv(Duration::from_secs(10)).await {
        Event::Json(v) => {
            assert_eq!(v["type"], "next", "{v}");
            assert_eq!(v["payload"]["data"], Value::Null, "{v}");
            assert_eq!(v["payload"]["errors"][0]["extensions"]["code"], "CONFLICT", "{v}");
            assert_eq!(v["payload"]["errors"][0]["path"][0], "createOrganization", "{v}");
        }
        other => panic!("expected next, got {other:?}"),
    }
    assert!(matches!(ws.recv(Duration::from_secs(10)).await, Event::Json(v) if v["type"] == "complete"));
});
