//! What standard clients expect of the HTTP endpoint (issue 13, "client interop"):
//! Apollo's automatic persisted queries over POST and GET, JSON (never the GraphiQL page)
//! for a client that asks for JSON, and CORS preflights that allow the headers Apollo
//! Client and tracing send, cached for `Access-Control-Max-Age`.

use crate::both;
use crate::helpers::*;
use orgraph::config::Settings;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn post(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    let res = app.http.post(format!("{}/graphql", app.addr)).bearer_auth(token).json(&body).send().await.expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, token: &str, params: &[(&str, &str)]) -> (StatusCode, Value) {
    let res = app.http.get(format!("{}/graphql", app.addr)).bearer_auth(token).query(params).send().await.expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

both!(automatic_persisted_queries_run_by_hash_once_registered, |app: TestApp| async move {
    let alice = app.user("alice").await;
    let token = alice.token.clone().expect("token");
    let query = "query Me { viewer { email } }";
    let hash = sha256(query);

    // Apollo's protocol: the hash alone first; the server does not know it yet.
    let (status, body) = post(&app, &token, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound", "{body}");
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");
    // Then the query with its hash: it runs and is registered.
    let (_, body) = post(&app, &token, json!({ "query": query, "extensions": persisted(&hash) })).await;
    assert_eq!(body["data"]["viewer"]["email"], "alice@example.com", "{body}");
    // From now on the hash alone runs it, over POST and GET.
    let (_, body) = post(&app, &token, json!({ "extensions": persisted(&hash), "operationName": "Me" })).await;
    assert_eq!(body["data"]["viewer"]["email"], "alice@example.com", "{body}");
    let ext = persisted(&hash).to_string();
    let (status, body) = get(&app, &token, &[("extensions", &ext), ("operationName", "Me")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["viewer"]["email"], "alice@example.com", "{body}");

    // A hash that is not the query's is refused: no hash can be bound to another query.
    let (_, body) = post(&app, &token, json!({ "query": "{ __typename }", "extensions": persisted(&hash) })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    let (_, body) = post(&app, &token, json!({ "extensions": persisted("zz") })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    // Persisting keeps the rules of the transport: no mutation over GET.
    let mutation = "mutation { createOrganization(input: { slug: \"x-apq\" }) { __typename } }";
    let mhash = sha256(mutation);
    let (_, _) = post(&app, &token, json!({ "query": mutation, "extensions": persisted(&mhash) })).await;
    let ext = persisted(&mhash).to_string();
    let (status, _) = get(&app, &token, &[("extensions", &ext)]).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
});

both!(
    persisted_queries_turned_off_answer_not_supported,
    settings = |s: &mut Settings| s.persisted_queries_bytes = 0,
    |app: TestApp| async move {
        let alice = app.user("alice").await;
        let token = alice.token.clone().expect("token");
        let query = "{ viewer { id } }";
        let (_, body) = post(&app, &token, json!({ "query": query, "extensions": persisted(&sha256(query)) })).await;
        assert_eq!(body["errors"][0]["message"], "PersistedQueryNotSupported", "{body}");
        assert_eq!(code(&body), "PERSISTED_QUERY_NOT_SUPPORTED");
    }
);

both!(a_client_asking_for_json_never_gets_the_graphiql_page, |app: TestApp| async move {
    let url = format!("{}/graphql", app.addr);
    for accept in [None, Some("application/json"), Some("application/graphql-response+json, application/json")] {
        let mut req = app.http.get(&url);
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        let res = req.send().await.expect("request");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{accept:?}");
        let ct = res.headers()["content-type"].to_str().expect("ct").to_string();
        assert!(ct.starts_with("application/json"), "{accept:?}: {ct}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(code(&body), "GRAPHQL_PARSE_FAILED", "{body}");
    }
    // A browser (dev mode) still gets GraphiQL.
    let res = app.http.get(&url).header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8").send().await.expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.expect("html").contains("<html"), "GraphiQL for browsers");
});

async fn preflight(app: &TestApp, origin: &str, headers: &str) -> reqwest::Response {
    app.http
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.addr))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", headers)
        .send()
        .await
        .expect("preflight")
}

fn allowed_headers(res: &reqwest::Response) -> String {
    res.headers().get("access-control-allow-headers").and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase()
}

both!(
    cors_allows_apollo_and_tracing_headers_and_caches_preflights,
    settings = |s: &mut Settings| {
        s.cors_origins = vec!["https://app.example.com".into()];
    },
    |app: TestApp| async move {
        let res =
            preflight(&app, "https://app.example.com", "authorization,content-type,apollographql-client-name,traceparent").await;
        assert!(res.status().is_success(), "{}", res.status());
        assert_eq!(res.headers()["access-control-allow-origin"], "https://app.example.com");
        let allowed = allowed_headers(&res);
        for h in [
            "authorization",
            "content-type",
            "apollographql-client-name",
            "apollographql-client-version",
            "traceparent",
            "x-request-id",
        ] {
            assert!(allowed.contains(h), "{h} allowed: {allowed}");
        }
        assert!(!allowed.contains("x-tenant"), "{allowed}");
        assert_eq!(res.headers()["access-control-max-age"], "600");
        // Another origin gets no permission.
        let res = preflight(&app, "https://evil.example.com", "authorization").await;
        assert!(res.headers().get("access-control-allow-origin").is_none());
        // Scripts of the allowed origin can read the request id of an answer.
        let res = app
            .http
            .post(format!("{}/graphql", app.addr))
            .header("Origin", "https://app.example.com")
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .expect("post");
        let exposed = res.headers().get("access-control-expose-headers").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(exposed.to_ascii_lowercase().contains("x-request-id"), "{exposed}");
    }
);

both!(
    cors_headers_and_max_age_are_configurable,
    settings = |s: &mut Settings| {
        s.cors_origins = vec!["https://app.example.com".into()];
        s.cors_allow_headers.push("x-tenant".into());
        s.cors_max_age = std::time::Duration::from_secs(3600);
    },
    |app: TestApp| async move {
        let res = preflight(&app, "https://app.example.com", "x-tenant").await;
        assert!(allowed_headers(&res).contains("x-tenant"), "{}", allowed_headers(&res));
        assert_eq!(res.headers()["access-control-max-age"], "3600");
    }
);
