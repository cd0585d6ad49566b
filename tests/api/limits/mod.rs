//! The HTTP edge and the limits of RULES.md §3 and §8: content type, body size, no
//! batching, no mutations over GET, depth/complexity/alias limits with
//! `extensions.limit`, page sizes, malformed ids and cursors, production posture, and
//! that nothing internal leaks in error messages.

mod documents;
pub(crate) mod introspection;

use crate::both;
use crate::helpers::*;
use crate::ops::{CREATE_TEAM, CREATE_WORKSPACE};
use introspection::INTROSPECTION_QUERY;
use orgraph::config::Settings;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.addr)
}

async fn status_and_json(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// POSTs a raw body with a content type, authenticated as `client`.
async fn post_raw(
    app: &TestApp,
    client: &Client,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let mut req = app.http.post(url(app, "/graphql")).body(body);
    if let Some(ct) = content_type {
        req = req.header("Content-Type", ct);
    }
    if let Some(t) = &client.token {
        req = req.bearer_auth(t);
    }
    status_and_json(req.send().await.expect("request")).await
}

/// `GET /graphql` with the given query-string parameters.
async fn get_graphql(app: &TestApp, client: &Client, params: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut req = app.http.get(url(app, "/graphql")).query(params);
    if let Some(t) = &client.token {
        req = req.bearer_auth(t);
    }
    status_and_json(req.send().await.expect("request")).await
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("expected an error: {body}"))
}

fn limit(body: &Value) -> &str {
    body["errors"][0]["extensions"]["limit"].as_str().unwrap_or_else(|| panic!("expected extensions.limit: {body}"))
}

async fn organization_count(client: &Client) -> i64 {
    client.ok("{ viewer { organizations(first: 5) { totalCount } } }", json!({})).await["viewer"]["organizations"]["totalCount"]
        .as_i64()
        .expect("totalCount")
}

/// Messages that must never reach a client.
fn assert_no_leak(body: &Value) {
    let text = body.to_string();
    for needle in [
        "SELECT",
        "INSERT",
        "UPDATE ",
        "sqlx",
        "sea_orm",
        "SqlxError",
        "DbErr",
        ".rs:",
        "/src/",
        "/tmp/",
        "/work/",
        "panicked",
        "backtrace",
    ] {
        assert!(!text.contains(needle), "an error leaks {needle:?}: {body}");
    }
}

both!(post_requires_json_content_type, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let body = json!({ "query": "{ viewer { id } }" }).to_string();
    for ct in [Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/graphql"), None] {
        let (status, res) = post_raw(&app, &alice, ct, body.clone()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}: {res}");
        assert!(res["errors"][0]["extensions"]["code"].is_string(), "{ct:?}: {res}");
    }
    let (status, res) = post_raw(&app, &alice, Some("application/json; charset=utf-8"), body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert!(res["data"]["viewer"]["id"].is_string(), "{res}");
});

both!(a_body_over_256_kib_is_413, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let padding = " ".repeat(256 * 1024 + 1);
    let body = format!("{{\"query\": \"{{ viewer {{ id }} }}\"{padding}}}");
    let (status, res) = post_raw(&app, &alice, Some("application/json"), body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{res}");
    assert_eq!(limit(&res), "body", "{res}");
    // Authentication comes first (RULES.md §3): with a bad token the same body is 401.
    let forged = Client { token: Some("not-a-jwt".into()), ..app.anonymous() };
    let body = format!("{{\"query\": \"{{ viewer {{ id }} }}\"{padding}}}");
    let (status, res) = post_raw(&app, &forged, Some("application/json"), body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{res}");
    // Just under the limit is served.
    let padding = " ".repeat(200 * 1024);
    let body = format!("{{\"query\": \"{{ viewer {{ id }} }}\"{padding}}}");
    let (status, res) = post_raw(&app, &alice, Some("application/json"), body).await;
    assert_eq!(status, StatusCode::OK, "{res}");
});

fn small_bodies(s: &mut orgraph::config::Settings) {
    s.limits.body_bytes = 16 * 1024;
}

// hyper refuses URIs past 64 KiB itself (414); a smaller body limit holds for GET too.
both!(a_get_query_string_is_held_to_the_body_limit, settings = small_bodies, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let get = |len: usize| {
        let query = format!("%7Bviewer%7Bid%7D%7D{}", "%20".repeat(len / 3));
        app.http.get(format!("{}?query={query}", url(&app, "/graphql"))).bearer_auth(alice.token.as_deref().unwrap_or_default())
    };
    let res = get(16 * 1024 + 3).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let res: Value = res.json().await.expect("json");
    assert_eq!(limit(&res), "body", "{res}");
    let res = get(12 * 1024).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
});

both!(batched_requests_are_400, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let batch = json!([
        { "query": "{ viewer { id } }" },
        { "query": "mutation { createOrganization(input: { slug: \"batched\" }) { organization { id } } }" }
    ]);
    let (status, res) = post_raw(&app, &alice, Some("application/json"), batch.to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{res}");
    assert!(res["errors"][0]["extensions"]["code"].is_string(), "{res}");
    assert_eq!(organization_count(&alice).await, 1, "nothing of the batch ran");
    // Not JSON at all, or JSON that is not a request.
    for body in ["{ viewer { id } }", "\"query\"", "{\"query\": 1}"] {
        let (status, res) = post_raw(&app, &alice, Some("application/json"), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {res}");
        assert_eq!(code(&res), "GRAPHQL_PARSE_FAILED", "{body}: {res}");
        assert_no_leak(&res);
    }
});

both!(get_never_runs_mutations, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let create = "mutation { createOrganization(input: { slug: \"viaget\" }) { organization { id } } }";
    let (status, res) = get_graphql(&app, &alice, &[("query", create)]).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{res}");
    // Named, and hidden behind a query of the same document.
    let doc = "query Q { viewer { id } } mutation M { createOrganization(input: { slug: \"viaget\" }) { organization { id } } }";
    let (status, res) = get_graphql(&app, &alice, &[("query", doc), ("operationName", "M")]).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{res}");
    let (status, res) = get_graphql(
        &app,
        &alice,
        &[("query", "mutation M { createOrganization(input: { slug: \"viaget\" }) { organization { id } } }")],
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{res}");
    // Not a mutation of another name either.
    let (_, res) = get_graphql(&app, &alice, &[("query", doc)]).await;
    assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "a document of two operations needs operationName: {res}");
    let (_, res) = get_graphql(&app, &alice, &[("query", doc), ("operationName", "Nope")]).await;
    assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "unknown operation: {res}");
    let (_, res) = alice.post(doc, json!({})).await;
    assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "POST: {res}");
    assert_eq!(organization_count(&alice).await, 1, "nothing was created");
    let d = alice.ok("{ organization(slug: \"viaget\") { id } }", json!({})).await;
    assert!(d["organization"].is_null());
});

both!(get_runs_queries_with_a_token, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let (status, res) = get_graphql(&app, &alice, &[("query", "{viewer{id}}")]).await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(res["data"]["viewer"]["id"], alice.id.as_str(), "{res}");
    let (status, res) = get_graphql(
        &app,
        &alice,
        &[
            ("query", "query Q($n: Int) { viewer { organizations(first: $n) { totalCount } } }"),
            ("operationName", "Q"),
            ("variables", "{\"n\": 1}"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(res["data"]["viewer"]["organizations"]["totalCount"], 1, "{res}");
    // A bad token on GET is 401 too.
    let mut bad = alice.clone();
    bad.token = Some("not-a-token".into());
    let (status, res) = get_graphql(&app, &bad, &[("query", "{viewer{id}}")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{res}");
    assert_eq!(code(&res), "UNAUTHENTICATED");
});

both!(healthz_answers_200, |app: TestApp| async move {
    let res = app.http.get(url(&app, "/healthz")).send().await.expect("request");
    assert_eq!(res.status(), StatusCode::OK);
});

both!(dev_mode_serves_graphiql, |app: TestApp| async move {
    for path in ["/", "/graphql"] {
        let res = app.http.get(url(&app, path)).header("Accept", "text/html").send().await.expect("request");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.text().await.unwrap_or_default().contains("GraphiQL"), "{path}");
    }
});

both!(
    production_posture_turns_off_graphiql_and_introspection,
    settings = |s: &mut Settings| s.dev = false,
    |app: TestApp| async move {
        for path in ["/", "/graphql"] {
            let res = app.http.get(url(&app, path)).header("Accept", "text/html").send().await.expect("request");
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        }
        let alice = app.user("alice").await;
        for q in ["{ __schema { queryType { name } } }", "{ __type(name: \"User\") { name } }", INTROSPECTION_QUERY] {
            for client in [&alice, &app.anonymous()] {
                let (status, res) = client.post(q, json!({})).await;
                assert_eq!(status, StatusCode::OK, "{res}");
                assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "introspection must be refused: {res}");
                assert!(res["data"].is_null(), "{res}");
            }
        }
        // Hidden in a fragment, or via GET.
        let (_, res) = alice.post("{ ...F } fragment F on Query { __schema { queryType { name } } }", json!({})).await;
        assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "{res}");
        let (_, res) = get_graphql(&app, &alice, &[("query", "{ __type(name: \"Query\") { name } }")]).await;
        assert_eq!(code(&res), "GRAPHQL_VALIDATION_FAILED", "{res}");
        // `__typename` is not introspection of the schema.
        let d = alice.ok("{ __typename viewer { __typename } }", json!({})).await;
        assert_eq!(d["viewer"]["__typename"], "User");
        let d = alice.ok("{ viewer { id organizations(first: 1) { totalCount } } }", json!({})).await;
        assert_eq!(d["viewer"]["organizations"]["totalCount"], 1);
        let res = app.http.get(url(&app, "/healthz")).send().await.expect("request");
        assert_eq!(res.status(), StatusCode::OK);
    }
);

both!(uncoded_errors_are_masked_and_nothing_internal_leaks, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let org = create_org(&alice, "acme").await;
    let requests: Vec<(&str, Value)> = vec![
        // NUL bytes: PostgreSQL refuses them in text columns.
        (
            "mutation($n: String!) { createTeam(input: { organizationId: $o, name: $n }) { team { id } } }",
            json!({ "n": "a\u{0}b" }),
        ),
        (
            "mutation($o: ID!, $n: String!) { createTeam(input: { organizationId: $o, name: $n }) { team { id } } }",
            json!({ "o": org.id, "n": "a\u{0}b" }),
        ),
        ("mutation($s: String!) { createOrganization(input: { slug: $s }) { organization { id } } }", json!({ "s": "x\u{0}" })),
        ("query($s: String!) { organization(slug: $s) { id } }", json!({ "s": "a\u{0}b" })),
        (
            "query($o: ID!) { node(id: $o) { ... on Organization { members(first: 5, search: \"\\u0000%_'\") { totalCount } } } }",
            json!({ "o": org.id }),
        ),
        ("{ viewer { organizations(first: 99999999999) { totalCount } } }", json!({})),
        ("query($n: Int) { viewer { organizations(first: $n) { totalCount } } }", json!({ "n": "ten" })),
        ("query($id: ID!) { node(id: $id) { id } }", json!({ "id": "T3JnYW5pemF0aW9uOicgT1IgMT0xIC0t" })),
        ("{ organization(slug: \"' OR 1=1 --\") { id } }", json!({})),
    ];
    for (q, vars) in requests {
        let (status, res) = alice.post(q, vars).await;
        assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST, "{q}: {status} {res}");
        assert_no_leak(&res);
        for e in res["errors"].as_array().into_iter().flatten() {
            assert!(e["extensions"]["code"].is_string(), "every error carries a code: {q}: {res}");
            if e["extensions"]["code"] == "INTERNAL" {
                assert_eq!(e["message"], "internal error", "{res}");
            }
        }
    }
});
