//! Personal access tokens (issue 6, item 7): created with a name, a lifetime and an
//! optional organization; the secret is shown once and works as a bearer beside JWTs
//! (HTTP and WebSocket); listed and revoked by their owner; refused when unknown,
//! revoked or expired; at most 50 live ones per user, also under concurrent creates; an
//! organization-restricted token acts as if its user belonged to that organization only.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use futures_util::future::join_all;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub(crate) const CREATE: &str = "mutation($n: String!, $s: Int!, $o: ID) {
  createApiToken(input: { name: $n, expiresInSeconds: $s, organizationId: $o }) {
    secret
    apiToken { id name prefix createdAt expiresAt lastUsedAt revoked organization { id slug } }
  }
}";
pub(crate) const REVOKE_TOKEN: &str =
    "mutation($t: ID!) { revokeApiToken(input: { apiTokenId: $t }) { apiToken { id revoked } } }";
const LIST: &str =
    "{ viewer { apiTokens(first: 50) { totalCount nodes { id name prefix lastUsedAt revoked organization { slug } } } } }";

/// A created token: its global id and its secret.
pub(crate) struct Pat {
    pub(crate) id: String,
    pub(crate) secret: String,
}

pub(crate) async fn create(by: &Client, name: &str, seconds: i64, org: Option<&str>) -> Pat {
    let d = by.ok(CREATE, json!({ "n": name, "s": seconds, "o": org })).await;
    let p = &d["createApiToken"];
    Pat {
        id: p["apiToken"]["id"].as_str().expect("token id").to_string(),
        secret: p["secret"].as_str().expect("secret").to_string(),
    }
}

/// The same user, signed in with a personal access token instead of a JWT.
pub(crate) fn with_pat(user: &Client, pat: &Pat) -> Client {
    Client { token: Some(pat.secret.clone()), ..user.clone() }
}

fn assert_unauthenticated(status: StatusCode, body: &Value, what: &str) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{what}: {body}");
    assert!(body.get("data").is_none_or(Value::is_null), "{what}: {body}");
}

async fn token_count(by: &Client) -> i64 {
    by.ok(LIST, json!({})).await["viewer"]["apiTokens"]["totalCount"].as_i64().expect("totalCount")
}

both!(a_token_signs_in_as_its_owner_and_is_listed_without_its_secret, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let d = alice.ok(CREATE, json!({ "n": "  CI pipeline ", "s": 3600 })).await;
    let created = &d["createApiToken"];
    let secret = created["secret"].as_str().expect("secret").to_string();
    let token = &created["apiToken"];
    assert!(secret.starts_with("orgraph_pat_") && secret.len() == "orgraph_pat_".len() + 43, "{secret}");
    assert_eq!(token["name"], "CI pipeline");
    let prefix = token["prefix"].as_str().expect("prefix");
    assert!(prefix.starts_with("orgraph_pat_") && secret.starts_with(prefix) && prefix.len() < 20, "{prefix}");
    assert_eq!(token["revoked"], false);
    assert!(token["lastUsedAt"].is_null() && token["organization"].is_null());
    let pat = Pat { id: token["id"].as_str().expect("id").to_string(), secret: secret.clone() };

    // The secret is a bearer for the same user.
    let via_pat = with_pat(&alice, &pat);
    let me = via_pat.ok("{ viewer { id email organizations { totalCount } } }", json!({})).await;
    assert_eq!(me["viewer"]["id"], alice.id.as_str());
    assert_eq!(me["viewer"]["email"], "alice@example.com");
    assert_eq!(me["viewer"]["organizations"]["totalCount"], 1);

    // Listed by its owner (use recorded), never with the secret.
    let list = alice.ok(LIST, json!({})).await;
    assert!(!list.to_string().contains(&secret), "the secret is shown only once: {list}");
    let tokens = &list["viewer"]["apiTokens"];
    assert_eq!(tokens["totalCount"], 1);
    assert_eq!(tokens["nodes"][0]["id"], pat.id.as_str());
    assert!(tokens["nodes"][0]["lastUsedAt"].is_string(), "{list}");
    let node = alice.ok("query($id: ID!) { node(id: $id) { id ... on ApiToken { name } } }", json!({ "id": pat.id })).await;
    assert_eq!(node["node"]["name"], "CI pipeline");

    // Nobody else sees it, even sharing an organization.
    let bob = app.user("bob").await;
    let org = create_org(&alice, "acme").await;
    add_member(&alice, &org.id, &bob, "worker").await;
    let other = bob
        .ok(
            "query($u: ID!, $t: ID!) { user: node(id: $u) { ... on User { id apiTokens { totalCount } } } token: node(id: $t) { id } }",
            json!({ "u": alice.id, "t": pat.id }),
        )
        .await;
    assert_eq!(other["user"]["id"], alice.id.as_str(), "bob sees alice: {other}");
    assert!(other["user"]["apiTokens"].is_null(), "{other}");
    assert!(other["token"].is_null(), "{other}");
    assert_eq!(token_count(&bob).await, 0);
});

both!(a_revoked_expired_or_unknown_token_is_refused, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let revoked = create(&alice, "revoke me", 3600, None).await;
    let expired = create(&alice, "short", 60, None).await;
    let kept = create(&alice, "kept", 3600, None).await;
    for pat in [&revoked, &expired, &kept] {
        with_pat(&alice, pat).ok("{ viewer { id } }", json!({})).await;
    }

    // Revoked: 401 at once; revoking twice is an invariant failure; listed as revoked.
    let d = alice.ok(REVOKE_TOKEN, json!({ "t": revoked.id })).await;
    assert_eq!(d["revokeApiToken"]["apiToken"]["revoked"], true);
    let (status, body) = with_pat(&alice, &revoked).post("{ viewer { id } }", json!({})).await;
    assert_unauthenticated(status, &body, "revoked token");
    assert_eq!(alice.code(REVOKE_TOKEN, json!({ "t": revoked.id })).await, "FAILED_PRECONDITION");

    // Expired: moved into the past in the database.
    let db = app.database().await;
    let past = chrono::Utc::now() - chrono::Duration::seconds(5);
    let prefix = alice.ok(LIST, json!({})).await["viewer"]["apiTokens"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|t| t["name"] == "short")
        .expect("short token")["prefix"]
        .as_str()
        .expect("prefix")
        .to_string();
    let changed = entity::api_token::Entity::update_many()
        .col_expr(entity::api_token::Column::ExpiresAt, sea_orm::sea_query::Expr::value(past))
        .filter(entity::api_token::Column::Prefix.eq(prefix))
        .filter(entity::api_token::Column::Name.eq("short"))
        .exec(&db)
        .await
        .expect("expire");
    assert_eq!(changed.rows_affected, 1);
    db.close().await.ok();
    let (status, body) = with_pat(&alice, &expired).post("{ viewer { id } }", json!({})).await;
    assert_unauthenticated(status, &body, "expired token");

    // Unknown or mangled secrets.
    for bogus in ["orgraph_pat_", "orgraph_pat_nope", &format!("{}x", kept.secret), &kept.secret.to_uppercase()] {
        let c = Client { token: Some(bogus.to_string()), ..alice.clone() };
        let (status, body) = c.post("{ viewer { id } }", json!({})).await;
        assert_unauthenticated(status, &body, bogus);
    }

    // The others keep working; the list shows all three with their state.
    with_pat(&alice, &kept).ok("{ viewer { id } }", json!({})).await;
    let list = alice.ok(LIST, json!({})).await;
    let nodes = list["viewer"]["apiTokens"]["nodes"].as_array().expect("nodes").clone();
    let revoked_flags: Vec<(String, bool)> =
        nodes.iter().map(|t| (t["name"].as_str().unwrap_or_default().to_string(), t["revoked"] == true)).collect();
    assert_eq!(revoked_flags, vec![("revoke me".to_string(), true), ("short".to_string(), false), ("kept".to_string(), false)]);
});

both!(a_request_whose_first_use_waits_on_a_revocation_is_refused_once_it_commits, |app: TestApp| async move {
    use sea_orm::TransactionTrait;
    use sea_orm::sea_query::Expr;
    // The first use of a token records it (`lastUsedAt`), a write on the token's row that
    // waits for a revocation in progress (its row lock; SQLite's write lock): once that
    // commits, the request is refused, not run with the revoked token.
    let alice = app.user("alice").await;
    let script = with_pat(&alice, &create(&alice, "script", 3600, None).await);
    let db = app.database().await;
    let revoking = db.begin().await.expect("begin");
    entity::api_token::Entity::update_many()
        .col_expr(entity::api_token::Column::RevokedAt, Expr::value(chrono::Utc::now()))
        .exec(&revoking)
        .await
        .expect("revoke");
    let request = tokio::spawn(async move { script.post("{ viewer { id } }", json!({})).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    revoking.commit().await.expect("commit");
    let (status, body) = request.await.expect("request");
    assert_unauthenticated(status, &body, "revoked while its first use waited");
});

both!(input_errors_and_the_fifty_token_limit, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let bobs = create_org(&bob, "bobs").await;
    let too_long = "x".repeat(129);
    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (json!({ "n": "", "s": 3600 }), "BAD_USER_INPUT", Some("name")),
        (json!({ "n": "   ", "s": 3600 }), "BAD_USER_INPUT", Some("name")),
        (json!({ "n": too_long, "s": 3600 }), "BAD_USER_INPUT", Some("name")),
        (json!({ "n": "t", "s": 59 }), "BAD_USER_INPUT", Some("expiresInSeconds")),
        (json!({ "n": "t", "s": 0 }), "BAD_USER_INPUT", Some("expiresInSeconds")),
        (json!({ "n": "t", "s": -60 }), "BAD_USER_INPUT", Some("expiresInSeconds")),
        (json!({ "n": "t", "s": 31_536_001 }), "BAD_USER_INPUT", Some("expiresInSeconds")),
        (json!({ "n": "", "s": 1 }), "BAD_USER_INPUT", Some("name")),
        (json!({ "n": "t", "s": 60, "o": "not-an-id" }), "BAD_USER_INPUT", Some("organizationId")),
        // Not a member of bob's organization: it does not exist for alice.
        (json!({ "n": "t", "s": 60, "o": bobs.id }), "NOT_FOUND", None),
        // An id of another kind.
        (json!({ "n": "t", "s": 60, "o": bobs.team }), "NOT_FOUND", None),
    ];
    for (vars, code, field) in cases {
        let e = alice.error(CREATE, vars.clone()).await["extensions"].clone();
        assert_eq!(e["code"], code, "{vars}: {e}");
        if let Some(field) = field {
            assert_eq!(e["field"], field, "{vars}: {e}");
        }
    }
    assert_eq!(token_count(&alice).await, 0, "nothing written");
    assert_eq!(alice.code(REVOKE_TOKEN, json!({ "t": "garbage" })).await, "BAD_USER_INPUT");
    assert_eq!(alice.code(REVOKE_TOKEN, json!({ "t": bobs.id })).await, "NOT_FOUND");

    // Bounds are inclusive.
    create(&alice, "one minute", 60, None).await;
    create(&alice, &"y".repeat(128), 31_536_000, None).await;

    // 50 live tokens; the 51st is refused and not written; revoking frees a slot.
    let mut last = None;
    for i in 2..50 {
        last = Some(create(&alice, &format!("t{i}"), 3600, None).await);
    }
    assert_eq!(token_count(&alice).await, 50);
    assert_eq!(alice.code(CREATE, json!({ "n": "t51", "s": 3600 })).await, "FAILED_PRECONDITION");
    assert_eq!(token_count(&alice).await, 50);
    alice.ok(REVOKE_TOKEN, json!({ "t": last.expect("a token").id })).await;
    create(&alice, "t51", 3600, None).await;
    assert_eq!(alice.code(CREATE, json!({ "n": "t52", "s": 3600 })).await, "FAILED_PRECONDITION");
    assert_eq!(token_count(&alice).await, 51, "50 live and 1 revoked");
    // The limit is per user.
    create(&bob, "bob's", 3600, None).await;
});

both!(someone_elses_token_is_not_found, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let pat = create(&alice, "mine", 3600, None).await;
    assert_eq!(bob.code(REVOKE_TOKEN, json!({ "t": pat.id })).await, "NOT_FOUND");
    // Nor through bob's own personal access token.
    let bobs = create(&bob, "bob's", 3600, None).await;
    assert_eq!(with_pat(&bob, &bobs).code(REVOKE_TOKEN, json!({ "t": pat.id })).await, "NOT_FOUND");
    assert!(bob.node(&pat.id).await.is_null());
    // Still alive and unrevoked.
    with_pat(&alice, &pat).ok("{ viewer { id } }", json!({})).await;
    assert_eq!(alice.ok(LIST, json!({})).await["viewer"]["apiTokens"]["nodes"][0]["revoked"], false);
    // Without a viewer at all.
    assert_eq!(app.anonymous().code(REVOKE_TOKEN, json!({ "t": pat.id })).await, "UNAUTHENTICATED");
    assert_eq!(app.anonymous().code(CREATE, json!({ "n": "x", "s": 60 })).await, "UNAUTHENTICATED");
});

both!(an_organization_restricted_token_sees_only_its_organization, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let acme = create_org(&alice, "acme").await;
    let beta = create_org(&alice, "beta").await;
    let bobs = create_org(&bob, "bobs").await;
    add_member(&bob, &bobs.id, &alice, "worker").await;
    let beta_project = create_project(&alice, &beta.workspace, "Beta project").await;
    let acme_project = create_project(&alice, &acme.workspace, "Acme project").await;

    let full = with_pat(&alice, &create(&alice, "everything", 3600, None).await);
    let restricted_pat = create(&alice, "acme only", 3600, Some(&acme.id)).await;
    let restricted = with_pat(&alice, &restricted_pat);
    let listed = alice.ok(LIST, json!({})).await;
    assert_eq!(listed["viewer"]["apiTokens"]["nodes"][1]["organization"]["slug"], "acme", "{listed}");

    const COUNTS: &str = "{ viewer { organizations(first: 10) { totalCount nodes { slug } } teams(first: 10) { totalCount } memberships(first: 10) { totalCount } } }";
    let all = full.ok(COUNTS, json!({})).await;
    assert_eq!(all["viewer"]["organizations"]["totalCount"], 4, "personal, acme, beta, bobs: {all}");
    let only = restricted.ok(COUNTS, json!({})).await;
    assert_eq!(only["viewer"]["organizations"]["totalCount"], 1, "{only}");
    assert_eq!(only["viewer"]["organizations"]["nodes"][0]["slug"], "acme");
    assert_eq!(only["viewer"]["teams"]["totalCount"], 1, "{only}");
    assert_eq!(only["viewer"]["memberships"]["totalCount"], 2, "acme owner and Core admin: {only}");

    // `node`: objects of other organizations do not exist for the token.
    let ids = json!([
        acme.id,
        acme.team,
        acme.workspace,
        acme_project,
        beta.id,
        beta.team,
        beta.workspace,
        beta_project,
        bobs.id,
        bob.id
    ]);
    let seen = restricted.ok(NODES, json!({ "ids": ids })).await["nodes"].clone();
    let visible: Vec<bool> = seen.as_array().expect("nodes").iter().map(|n| !n.is_null()).collect();
    assert_eq!(visible, vec![true, true, true, true, false, false, false, false, false, false], "{seen}");
    let seen = full.ok(NODES, json!({ "ids": ids })).await["nodes"].clone();
    assert!(seen.as_array().expect("nodes").iter().all(|n| !n.is_null()), "the full token sees everything: {seen}");
    let slug =
        restricted.ok("{ a: organization(slug: \"acme\") { id } b: organization(slug: \"beta\") { id } }", json!({})).await;
    assert!(slug["a"]["id"].is_string() && slug["b"].is_null(), "{slug}");

    // Mutations elsewhere: NOT_FOUND; in acme they work with alice's real role.
    assert_eq!(restricted.code(CREATE_PROJECT, json!({ "w": beta.workspace, "n": "Nope" })).await, "NOT_FOUND");
    assert_eq!(restricted.code(UPDATE_TEAM, json!({ "t": beta.team, "n": "X" })).await, "NOT_FOUND");
    assert_eq!(restricted.code(ADD_MEMBER, json!({ "s": beta.id, "u": bob.id, "r": "worker" })).await, "NOT_FOUND");
    assert_eq!(restricted.code(LEAVE, json!({ "s": bobs.id })).await, "NOT_FOUND");
    restricted.ok(CREATE_PROJECT, json!({ "w": acme.workspace, "n": "Via token" })).await;
    assert_eq!(
        alice
            .ok(
                "query($w: ID!) { node(id: $w) { ... on Workspace { projects { totalCount } } } }",
                json!({ "w": acme.workspace })
            )
            .await["node"]["projects"]["totalCount"],
        2
    );

    // No token management with a restricted token, not even of itself.
    let e = restricted.error(CREATE, json!({ "n": "more", "s": 3600 })).await["extensions"].clone();
    assert_eq!(e["code"], "FORBIDDEN", "{e}");
    assert_eq!(restricted.code(CREATE, json!({ "n": "more", "s": 3600, "o": acme.id })).await, "FORBIDDEN");
    assert_eq!(restricted.code(CREATE, json!({ "n": "more", "s": 3600, "o": beta.id })).await, "NOT_FOUND");
    assert_eq!(restricted.code(REVOKE_TOKEN, json!({ "t": restricted_pat.id })).await, "FORBIDDEN");
    assert_eq!(token_count(&alice).await, 2, "nothing written");
    with_pat(&alice, &restricted_pat).ok("{ viewer { id } }", json!({})).await;

    // The JWT of the same user is not restricted.
    assert_eq!(alice.ok(COUNTS, json!({})).await["viewer"]["organizations"]["totalCount"], 4);
});

both!(sixty_concurrent_creates_leave_fifty_live_tokens, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let requests = (0..60).map(|i| {
        let c = alice.clone();
        tokio::spawn(async move {
            let (_, body) = c.post(CREATE, json!({ "n": format!("t{i}"), "s": 3600 })).await;
            body["errors"][0]["extensions"]["code"].as_str().map(str::to_string)
        })
    });
    let codes: Vec<Option<String>> = join_all(requests).await.into_iter().map(|r| r.expect("task")).collect();
    let ok = codes.iter().filter(|c| c.is_none()).count();
    assert_eq!(ok, 50, "{codes:?}");
    assert!(codes.iter().flatten().all(|c| c == "FAILED_PRECONDITION"), "{codes:?}");
    let list = alice.ok(LIST, json!({})).await;
    assert_eq!(list["viewer"]["apiTokens"]["totalCount"], 50, "{list}");
    assert!(list["viewer"]["apiTokens"]["nodes"].as_array().expect("nodes").iter().all(|t| t["revoked"] == false));
});

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn socket(app: &TestApp) -> Socket {
    let url = format!("{}/graphql/ws", app.addr.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    tokio_tungstenite::connect_async(request).await.expect("upgrade").0
}

/// The next JSON message, or `Err(close code)`.
async fn next(ws: &mut Socket) -> Result<Value, u16> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("an answer within 10 s") {
            Some(Ok(Message::Text(t))) => return Ok(serde_json::from_str(t.as_str()).expect("json")),
            Some(Ok(Message::Close(frame))) => return Err(frame.map_or(1005, |f| u16::from(f.code))),
            Some(Ok(_)) => continue,
            None | Some(Err(_)) => return Err(1006),
        }
    }
}

async fn init(ws: &mut Socket, token: &str) -> Result<Value, u16> {
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::Text(init.to_string().into())).await.expect("send");
    next(ws).await
}

both!(a_token_works_in_connection_init, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let acme = create_org(&alice, "acme").await;
    let pat = create(&alice, "socket", 3600, Some(&acme.id)).await;

    let mut ws = socket(&app).await;
    assert_eq!(init(&mut ws, &pat.secret).await.expect("ack")["type"], "connection_ack");
    let query =
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ viewer { id organizations { totalCount } } }" } });
    ws.send(Message::Text(query.to_string().into())).await.expect("send");
    let answer = next(&mut ws).await.expect("next");
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(answer["payload"]["data"]["viewer"]["id"], alice.id.as_str(), "{answer}");
    assert_eq!(answer["payload"]["data"]["viewer"]["organizations"]["totalCount"], 1, "restricted over the socket too: {answer}");

    // A revoked (or unknown) token closes the socket with 4403.
    alice.ok(REVOKE_TOKEN, json!({ "t": pat.id })).await;
    let mut ws = socket(&app).await;
    assert_eq!(init(&mut ws, &pat.secret).await, Err(4403));
    let mut ws = socket(&app).await;
    assert_eq!(init(&mut ws, "orgraph_pat_unknown").await, Err(4403));
});

both!(a_restricted_token_lists_only_its_organizations_pending_invitations, |app: TestApp| async move {
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let a = create_org(&ann, "a-org").await;
    let b = create_org(&bob, "b-org").await;
    // Carol is a member of a-org and invited to both organizations.
    let carol = app.user("carol").await;
    add_member(&ann, &a.id, &carol, "worker").await;
    ann.ok(INVITE, json!({ "s": a.team, "e": "carol@example.com", "r": "viewer" })).await;
    bob.ok(INVITE, json!({ "s": b.id, "e": "carol@example.com", "r": "worker" })).await;
    let pending = "{ viewer { pendingInvitations { organization { slug } } } }";
    assert_eq!(carol.ok(pending, json!({})).await["viewer"]["pendingInvitations"].as_array().map(Vec::len), Some(2));
    let pat = create(&carol, "a only", 3600, Some(&a.id)).await;
    let restricted = with_pat(&carol, &pat);
    let d = restricted.ok(pending, json!({})).await;
    assert_eq!(d["viewer"]["pendingInvitations"], json!([{ "organization": { "slug": "a-org" } }]));
});
