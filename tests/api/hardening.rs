//! Issue 10: no request of any shape or size crashes, starves or outgrows the server, over
//! POST, GET and WebSocket alike; limits that fit real clients; the smaller holes.

use crate::both;
use crate::helpers::*;
use crate::subscriptions::{Event, connect};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

fn code(res: &Value) -> &str {
    res["errors"][0]["extensions"]["code"].as_str().unwrap_or_default()
}

fn limit(res: &Value) -> &str {
    res["errors"][0]["extensions"]["limit"].as_str().unwrap_or_default()
}

async fn get(app: &TestApp, query: &str) -> (StatusCode, Value) {
    let res = app.http.get(format!("{}/graphql", app.addr)).query(&[("query", query)]).send().await.expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn alive(app: &TestApp) {
    let res = app.http.get(format!("{}/healthz", app.addr)).send().await.expect("the server is still up");
    assert_eq!(res.status(), StatusCode::OK);
}

/// The documents that aborted the process: 2,000 levels of list or object literals in an
/// argument, a variable default and a directive argument, and deep selection sets.
fn deep_documents() -> Vec<String> {
    let n = 2000;
    vec![
        format!("{{ __typename(x: {}1{}) }}", "[".repeat(n), "]".repeat(n)),
        format!("{{ __typename(x: {}1{}) }}", "{a: ".repeat(n), "}".repeat(n)),
        format!("query($v: Int = {}1{}) {{ __typename }}", "[".repeat(n), "]".repeat(n)),
        format!("{{ __typename @include(if: {}true{}) }}", "[".repeat(n), "]".repeat(n)),
        format!("{}{}", "{ viewer ".repeat(n), "}".repeat(n)),
    ]
}

both!(deeply_nested_documents_are_refused_on_every_transport_and_the_server_stays_up, |app: TestApp| async move {
    let anonymous = app.anonymous();
    for doc in deep_documents() {
        let (status, res) = anonymous.post(&doc, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{res}");
        assert_eq!(code(&res), "GRAPHQL_PARSE_FAILED", "{res}");
        assert_eq!(limit(&res), "nesting", "{res}");
        let (_, res) = get(&app, &doc).await;
        assert_eq!(code(&res), "GRAPHQL_PARSE_FAILED", "GET: {res}");
    }
    let mut ws = connect(&app, "graphql-transport-ws").await.expect("upgrade");
    ws.init(&token("alice", "alice@example.com", None)).await;
    for (i, doc) in deep_documents().iter().enumerate() {
        ws.send(json!({ "id": i.to_string(), "type": "subscribe", "payload": { "query": doc } })).await;
        match ws.recv(Duration::from_secs(10)).await {
            Event::Json(v) => {
                assert_eq!(v["type"], "error", "{v}");
                assert_eq!(v["payload"][0]["extensions"]["limit"], "nesting", "{v}");
            }
            other => panic!("expected an error message, got {other:?}"),
        }
    }
    alive(&app).await;
});

/// `k` fragments each spreading the next twice: 2^k fields in about a kilobyte.
fn exploding(k: usize) -> String {
    let mut doc = String::from("query { ...F0 }\n");
    for i in 0..k {
        doc.push_str(&format!("fragment F{i} on Query {{ ...F{n} ...F{n} }}\n", n = i + 1));
    }
    doc.push_str(&format!("fragment F{k} on Query {{ __typename }}\n"));
    doc
}

both!(fragment_explosions_are_refused_without_expanding_them, |app: TestApp| async move {
    let anonymous = app.anonymous();
    // Two at once, as in the report: each would have held a worker for 20 s.
    let (k24, k30) = (exploding(24), exploding(30));
    let (a, b) = tokio::join!(anonymous.post(&k24, json!({})), anonymous.post(&k30, json!({})));
    for (status, res) in [a, b] {
        assert_eq!(status, StatusCode::OK);
        assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "{res}");
        assert_eq!(limit(&res), "selections", "{res}");
    }
    // Depth and aliases count what the fragments expand to.
    let aliased = "query { ...A ...A } fragment A on Query { ...B ...B } fragment B on Query { ...C ...C }
        fragment C on Query { ...D ...D } fragment D on Query { a: __typename b: __typename c: __typename d: __typename e: __typename }";
    let (_, res) = anonymous.post(aliased, json!({})).await;
    assert_eq!(limit(&res), "aliases", "5 aliases × 16 spreads: {res}");
    alive(&app).await;
});

both!(
    typename_is_charged_like_any_field,
    settings = |s: &mut orgraph::config::Settings| s.limits.complexity = 100,
    |app: TestApp| async move {
        let alice = app.user("alice").await;
        let fields = |n: usize| format!("{{ {} }}", "__typename ".repeat(n));
        alice.ok(&fields(100), json!({})).await;
        let (_, res) = alice.post(&fields(101), json!({})).await;
        assert_eq!(limit(&res), "complexity", "{res}");
    }
);

both!(the_error_list_of_a_response_is_capped, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let doc = format!("{{ viewer {{ {} }} }}", (0..300).map(|i| format!("nope{i}")).collect::<Vec<_>>().join(" "));
    let (_, res) = alice.post(&doc, json!({})).await;
    assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "{res}");
    assert_eq!(res["errors"].as_array().map(Vec::len), Some(100), "{res}");
    assert_eq!(res["extensions"]["omittedErrors"], 200, "{res}");
});

both!(
    production_gives_no_field_suggestions,
    settings = |s: &mut orgraph::config::Settings| s.dev = false,
    |app: TestApp| async move {
        let alice = app.user("alice").await;
        let (_, res) = alice.post("{ viewr { id } }", json!({})).await;
        assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "{res}");
        assert!(!res.to_string().contains("Did you mean"), "{res}");
    }
);

both!(no_suggestions_in_dev_either, |app: TestApp| async move {
    // Suggesting compares an unknown name with every field of its type: anonymous
    // documents of long unknown names held the runtime's workers for seconds.
    let (_, res) = app.anonymous().post("{ viewr { id } }", json!({})).await;
    assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "{res}");
    assert!(!res.to_string().contains("Did you mean"), "{res}");
});

both!(names_are_bounded_and_error_messages_cut, |app: TestApp| async move {
    // A 200,000-character name quoted by 100 errors (a fragment's undefined variable made
    // a 24 MB answer of a 242 KB request), or repeated in 60 errors' paths (an alias over
    // failing fields: 15 MB): a name over 256 characters is refused before parsing.
    let name = "v".repeat(200_000);
    let mut doc = format!("fragment F on Query {{ node(id: ${name}) {{ id }} }}\n");
    for i in 0..100 {
        doc += &format!("query Q{i} {{ ...F }}\n");
    }
    let c = app.anonymous();
    let post = |body: Value| c.http.post(format!("{}/graphql", c.addr)).json(&body).send();
    let res = post(json!({ "query": doc, "operationName": "Q1" })).await.expect("request").text().await.expect("body");
    assert!(res.len() < 2_000, "an answer of {} bytes", res.len());
    let res: Value = serde_json::from_str(&res).expect("json");
    assert_eq!((code(&res), res["errors"][0]["extensions"]["limit"].clone()), ("GRAPHQL_PARSE_FAILED", json!("name")));
    let alice = app.user("alice").await;
    let alias = format!("{{ {}: viewer {{ id }} }}", "a".repeat(257));
    assert_eq!(alice.code(&alias, json!({})).await, "GRAPHQL_PARSE_FAILED");
    alice.ok(&format!("{{ {}: viewer {{ id }} }}", "a".repeat(256)), json!({})).await;
    // Whatever else quotes the request is cut after 1,024 characters: a parse error quotes
    // its line, an unknown operation its name.
    let line = format!("{{ viewer {{ id }} }} {}", "x ".repeat(100_000));
    let unknown = "o".repeat(200_000);
    for body in [json!({ "query": line }), json!({ "query": "query A { __typename }", "operationName": unknown })] {
        let res = post(body).await.expect("request").text().await.expect("body");
        let res: Value = serde_json::from_str(&res).expect("json");
        let message = res["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.ends_with("more characters)") && message.chars().count() < 1100, "{message}");
    }
});

both!(a_100_kb_search_is_bad_input, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let org = create_org(&alice, "acme").await;
    let q =
        "query($o: ID!, $s: String) { node(id: $o) { ... on Organization { members(first: 5, search: $s) { totalCount } } } }";
    let (_, res) = alice.post(q, json!({ "o": org.id, "s": "a".repeat(100_000) })).await;
    assert_eq!(code(&res), "BAD_USER_INPUT", "{res}");
    assert_eq!(res["errors"][0]["extensions"]["field"], "search", "{res}");
});

both!(member_search_folds_case_and_composition_beyond_ascii_alike_on_both_databases, |app: TestApp| async move {
    // A case-insensitive prefix (the schema's word) for every name: SQLite's LOWER and
    // LIKE fold ASCII only, so `é` found `Élodie` on PostgreSQL alone. Names are folded in
    // Rust, once on write; a name typed decomposed is found by its composed spelling.
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    for (sub, name) in [("elodie", "Élodie Martin"), ("ivan", "Иван Петров"), ("zoe", "Zoe\u{308} Weiß"), ("al", "Alan")]
    {
        let mut c = app.anonymous();
        c.token = Some(token(sub, &format!("{sub}@example.com"), Some(name)));
        c.id = c.ok("{ viewer { id } }", json!({})).await["viewer"]["id"].as_str().expect("id").to_string();
        crate::fixtures::add_member(&owner, &org.id, &c, "worker").await;
    }
    let q = "query($o: ID!, $s: String) { node(id: $o) { ... on Organization { members(first: 10, search: $s) { totalCount nodes { user { name } } } } } }";
    let found = |s: &'static str| {
        let (owner, org) = (owner.clone(), org.id.clone());
        async move {
            let d = owner.ok(q, json!({ "o": org, "s": s })).await;
            let names: Vec<String> = d["node"]["members"]["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| n["user"]["name"].as_str().unwrap_or("").to_string())
                .collect();
            names
        }
    };
    for s in ["é", "É", "ÉLO", "e\u{301}l"] {
        assert_eq!(found(s).await, ["Élodie Martin"], "{s}");
    }
    for s in ["иван", "ИВ"] {
        assert_eq!(found(s).await, ["Иван Петров"], "{s}");
    }
    for s in ["zoë", "ZOË", "zoe\u{308}"] {
        assert_eq!(found(s).await, ["Zoe\u{308} Weiß"], "{s}");
    }
    assert_eq!(found("al").await, ["Alan"]);
    assert!(found("e").await.is_empty(), "a prefix, not a substring or an unaccented match");
    // Migration 000023 folds the names stored before it.
    use migration::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let db = app.database().await;
    db.execute_unprepared("ALTER TABLE users DROP COLUMN search_name").await.expect("drop");
    let forget = "DELETE FROM seaql_migrations WHERE version = 'm20261206_000023_user_search_names'";
    assert_eq!(db.execute_unprepared(forget).await.expect("forget").rows_affected(), 1);
    migration::Migrator::up(&db, None).await.expect("up");
    assert_eq!(found("ÉLO").await, ["Élodie Martin"]);
    assert_eq!(found("zoë").await, ["Zoe\u{308} Weiß"]);
});

both!(names_refuse_invisible_characters_and_are_unique_after_normalization, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let org = create_org(&alice, "acme").await;
    let create = "mutation($o: ID!, $n: String!) { createTeam(input: { organizationId: $o, name: $n }) { team { id name } } }";
    for bad in ["a\u{200b}b", "\u{202e}gnp.exe", "x\u{2066}y", "\u{feff}Core2"] {
        let (_, res) = alice.post(create, json!({ "o": org.id, "n": bad })).await;
        assert_eq!(code(&res), "BAD_USER_INPUT", "{bad:?}: {res}");
    }
    let d = alice.ok(create, json!({ "o": org.id, "n": "Caf\u{e9}" })).await;
    assert_eq!(d["createTeam"]["team"]["name"], "Caf\u{e9}");
    let (_, res) = alice.post(create, json!({ "o": org.id, "n": "Cafe\u{301}" })).await;
    assert_eq!(code(&res), "CONFLICT", "NFD spelling of the same name: {res}");
    // Item names too (a file name spoofed with a bidi override shows as `exe.png`).
    let project = create_project(&alice, &org.workspace, "Files").await;
    let dataset = create_dataset(&alice, &project, None, "raw").await;
    let add = "mutation($d: ID!, $n: String!) { addItems(input: { datasetId: $d, items: [{ name: $n, sizeBytes: 1, contentType: \"image/png\" }] }) {
        items { name } } }";
    for bad in ["\u{202e}gnp.exe", "a\u{200b}.png"] {
        let (_, res) = alice.post(add, json!({ "d": dataset, "n": bad })).await;
        assert_eq!(code(&res), "BAD_USER_INPUT", "{bad:?}: {res}");
        assert_eq!(res["errors"][0]["extensions"]["field"], "items[0].name", "{res}");
    }
    let d = alice.ok(add, json!({ "d": dataset, "n": "cafe\u{301}.png" })).await;
    assert_eq!(d["addItems"]["items"][0]["name"], "caf\u{e9}.png", "stored composed");
    // A Persian file name needs the zero-width non-joiner.
    alice.ok(add, json!({ "d": dataset, "n": "\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}.png" })).await;
});

both!(strings_of_any_length_never_answer_internal, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let org = create_org(&alice, "acme").await;
    let big = "x".repeat(100_000);
    let requests = [
        ("mutation($s: String!) { createOrganization(input: { slug: $s }) { organization { id } } }", json!({ "s": big })),
        ("query($s: String!) { organization(slug: $s) { id } }", json!({ "s": big })),
        (
            "mutation($o: ID!, $n: String!) { createTeam(input: { organizationId: $o, name: $n }) { team { id } } }",
            json!({ "o": org.id, "n": big }),
        ),
        (
            "mutation($w: ID!, $n: String!) { createProject(input: { workspaceId: $w, name: \"p\", description: $n }) { project { id } } }",
            json!({ "w": org.workspace, "n": big }),
        ),
        (
            "mutation($o: ID!, $e: String!) { inviteMember(input: { scopeId: $o, email: $e, role: \"worker\" }) { invitation { id } } }",
            json!({ "o": org.id, "e": big }),
        ),
        (
            "mutation($o: ID!, $r: String!) { inviteMember(input: { scopeId: $o, email: \"b@example.com\", role: $r }) { invitation { id } } }",
            json!({ "o": org.id, "r": big }),
        ),
        (
            "query($o: ID!, $p: String!) { node(id: $o) { ... on Organization { viewerCan(permission: $p) } } }",
            json!({ "o": org.id, "p": big }),
        ),
        (
            "query($o: ID!, $a: String!) { node(id: $o) { ... on Organization { auditLog(action: $a) { totalCount } } } }",
            json!({ "o": org.id, "a": big }),
        ),
        (
            "query($o: ID!, $a: String!) { node(id: $o) { ... on Organization { teams(after: $a) { totalCount } } } }",
            json!({ "o": org.id, "a": big }),
        ),
        ("mutation($n: String!) { createApiToken(input: { name: $n, expiresInSeconds: 3600 }) { secret } }", json!({ "n": big })),
        (
            "mutation($o: ID!, $n: String!) { updateOrganization(input: { organizationId: $o, location: $n }) { organization { id } } }",
            json!({ "o": org.id, "n": big }),
        ),
    ];
    for (q, vars) in requests {
        let (status, res) = alice.post(q, vars).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        if res.get("errors").is_some() {
            let c = code(&res);
            assert!(!c.is_empty() && c != "INTERNAL", "{q}: {res}");
        }
    }
});

both!(
    a_websocket_operation_meets_the_http_limits,
    settings = |s: &mut orgraph::config::Settings| s.limits.subscriptions_per_socket = 2,
    |app: TestApp| async move {
        let mut ws = connect(&app, "graphql-transport-ws").await.expect("upgrade");
        ws.init(&token("alice", "alice@example.com", None)).await;
        // A document over the body limit is refused by itself; the socket stays usable.
        let huge = format!("{{ __typename }} # {}", "x".repeat(300 * 1024));
        ws.send(json!({ "id": "big", "type": "subscribe", "payload": { "query": huge } })).await;
        match ws.recv(Duration::from_secs(10)).await {
            Event::Json(v) => assert_eq!(v["payload"][0]["extensions"]["limit"], "body", "{v}"),
            other => panic!("expected an error, got {other:?}"),
        }
        // The complexity limit holds too.
        let costly = "{ viewer { organizations(first: 100) { nodes { teams(first: 100) { nodes { workspaces(first: 100) { nodes { id } } } } } } } }";
        ws.send(json!({ "id": "costly", "type": "subscribe", "payload": { "query": costly } })).await;
        match ws.recv(Duration::from_secs(10)).await {
            Event::Json(v) => assert_eq!(v["payload"][0]["extensions"]["limit"], "complexity", "{v}"),
            other => panic!("expected an error, got {other:?}"),
        }
        // Queries do not count against the subscription cap.
        ws.subscribe("s1").await;
        ws.subscribe("s2").await;
        ws.send(json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ viewer { email } }" } })).await;
        let mut answered = false;
        for _ in 0..3 {
            match ws.recv(Duration::from_secs(10)).await {
                Event::Json(v) if v["id"] == "q" && v["type"] == "next" => {
                    assert_eq!(v["payload"]["data"]["viewer"]["email"], "alice@example.com", "{v}");
                    answered = true;
                }
                Event::Json(v) if v["id"] == "q" && v["type"] == "complete" => break,
                Event::Json(_) => {}
                other => panic!("the socket must stay open: {other:?}"),
            }
        }
        assert!(answered, "the query was answered");
        // A third subscription is over the cap.
        ws.subscribe("s3").await;
        assert_eq!(ws.recv(Duration::from_secs(10)).await, Event::Closed(4429));
    }
);

/// Holds the database's writers (SQLite: an open `BEGIN IMMEDIATE`; PostgreSQL: an exclusive
/// lock on `organizations`) so that a mutation waits longer than the request timeout.
async fn hold_writers(app: &TestApp) -> sea_orm::DatabaseTransaction {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let db = sea_orm::Database::connect(&app.database_url).await.expect("connect");
    let opts = sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let txn = db.begin_with_options(opts).await.expect("begin");
    if app.db == Db::Postgres {
        txn.execute_unprepared("LOCK TABLE organizations IN ACCESS EXCLUSIVE MODE").await.expect("lock");
    }
    txn
}

const CREATE_ORG: &str = "mutation($s: String!) { createOrganization(input: { slug: $s }) { organization { id } } }";

both!(
    an_operation_stops_at_the_request_timeout_on_a_socket_as_over_http_and_writes_nothing,
    settings = |s: &mut orgraph::config::Settings| s.limits.request_timeout = Duration::from_secs(1),
    |app: TestApp| async move {
        let alice = app.user("alice").await;
        let mut ws = connect(&app, "graphql-transport-ws").await.expect("upgrade");
        ws.init(&token("alice", "alice@example.com", None)).await;
        let held = hold_writers(&app).await;
        ws.send(json!({ "id": "m", "type": "subscribe", "payload": { "query": CREATE_ORG, "variables": { "s": "late-ws" } } }))
            .await;
        match ws.recv(Duration::from_secs(10)).await {
            Event::Json(v) => assert_eq!(v["payload"][0]["extensions"]["code"], "TIMEOUT", "{v}"),
            other => panic!("expected a timeout, got {other:?}"),
        }
        let (_, res) = alice.post(CREATE_ORG, json!({ "s": "late-http" })).await;
        assert_eq!(code(&res), "TIMEOUT", "and over HTTP: {res}");
        held.rollback().await.expect("release");
        let d = alice.ok("{ viewer { organizations { nodes { slug } } } }", json!({})).await;
        let slugs = d["viewer"]["organizations"]["nodes"].to_string();
        assert!(!slugs.contains("late"), "a stopped mutation wrote nothing: {slugs}");
    }
);

both!(a_token_expired_within_the_leeway_works_on_a_socket_as_over_http, |app: TestApp| async move {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({ "sub": "late", "email": "late@example.com", "exp": now - 10, "iat": now - 600 });
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let late = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).expect("sign");
    let res = app.http.post(format!("{}/graphql", app.addr)).bearer_auth(&late).json(&json!({ "query": "{ viewer { id } }" }));
    assert_eq!(res.send().await.expect("request").status(), StatusCode::OK);
    let mut ws = connect(&app, "graphql-transport-ws").await.expect("upgrade");
    ws.init(&late).await;
    ws.send(json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ viewer { email } }" } })).await;
    match ws.recv(Duration::from_secs(10)).await {
        Event::Json(v) => assert_eq!(v["payload"]["data"]["viewer"]["email"], "late@example.com", "{v}"),
        other => panic!("the socket must answer until the leeway ends: {other:?}"),
    }
});

fn signed(claims: &Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), claims, &key).expect("sign")
}

both!(token_claims_are_bounded_and_refusals_speak_our_words, |app: TestApp| async move {
    let now = jsonwebtoken::get_current_timestamp();
    let ok = |extra: Value| {
        let mut c = json!({ "sub": "s", "email": "s@example.com", "exp": now + 600, "iat": now });
        for (k, v) in extra.as_object().expect("object") {
            c[k] = v.clone();
        }
        c
    };
    let refused = [
        ("a long sub", ok(json!({ "sub": "s".repeat(256) }))),
        ("a long e-mail", ok(json!({ "email": format!("{}@example.com", "e".repeat(250)) }))),
        ("a long name", ok(json!({ "name": "n".repeat(2000) }))),
        ("a lifetime past the maximum", ok(json!({ "exp": now + 2 * 86_400 }))),
        ("a lifetime past the maximum without iat", json!({ "sub": "s", "email": "s@example.com", "exp": now + 2 * 86_400 })),
        ("iat in the future", ok(json!({ "iat": now + 3600, "exp": now + 3700 }))),
        ("an expired token", ok(json!({ "exp": now - 3600, "iat": now - 7200 }))),
    ];
    for (what, claims) in refused {
        let res = app
            .http
            .post(format!("{}/graphql", app.addr))
            .bearer_auth(signed(&claims))
            .json(&json!({ "query": "{ __typename }" }));
        let res = res.send().await.expect("request");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(code(&body), "UNAUTHENTICATED", "{what}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        for internal in ["ExpiredSignature", "InvalidSignature", "Error(", "Json(", "kind"] {
            assert!(!message.contains(internal), "{what}: {message}");
        }
    }
    let forged = signed(&ok(json!({}))).replace('.', ".x");
    let res = app.http.post(format!("{}/graphql", app.addr)).bearer_auth(forged).json(&json!({ "query": "{ __typename }" }));
    let body: Value = res.send().await.expect("request").json().await.expect("json");
    assert!(!body.to_string().contains("Base64"), "{body}");
});

both!(comparison_lists_are_pages, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "P").await;
    let version = "mutation($p: ID!) { createProjectVersion(input: { projectId: $p, title: \"v\" }) { version { id } } }";
    let v1 = owner.ok(version, json!({ "p": p })).await["createProjectVersion"]["version"]["id"].clone();
    for i in 0..5 {
        create_dataset(&owner, &p, None, &format!("d{i}")).await;
    }
    let v2 = owner.ok(version, json!({ "p": p })).await["createProjectVersion"]["version"]["id"].clone();
    let q = "query($a: ID!, $b: ID!, $after: String) { compareProjectVersions(baseId: $a, targetId: $b) {
        datasetsAdded(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { path } } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = owner.ok(q, json!({ "a": v1, "b": v2, "after": after })).await;
        let page = &d["compareProjectVersions"]["datasetsAdded"];
        assert_eq!(page["totalCount"], 5);
        seen.extend(page["nodes"].as_array().expect("nodes").iter().map(|n| n["path"].as_str().expect("path").to_string()));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, ["/d0", "/d1", "/d2", "/d3", "/d4"], "creation order, every one once");
});

postgres_gate::gated! {
    /// Issue 10: two instances starting together on a fresh PostgreSQL database crashed in
    /// migrations (3 of 3 tries). Five at once, three times.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn instances_starting_together_on_a_fresh_postgresql_database_all_start() {
        require_postgres();
        for _ in 0..3 {
            let url = fresh_database_url(Db::Postgres).await;
            let starts = (0..5).map(|_| spawn_instance(Db::Postgres, url.clone(), |_| {}));
            let apps = futures_util::future::join_all(starts).await;
            for (i, app) in apps.iter().enumerate() {
                let user = app.user(&format!("u{i}")).await;
                assert!(!user.id.is_empty());
            }
            discard(Db::Postgres, &url).await;
        }
    }
}
