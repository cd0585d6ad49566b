//! `{ __typename }` reads no data (`user::known`): it still authenticates every token and
//! provisions a first one, but claims already matched against their user row in this
//! process are not read again. Every request that reads data still reads its user.

use crate::both;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn typename(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let res = app.http.post(format!("{}/graphql", app.addr)).bearer_auth(token).json(&json!({ "query": "{ __typename }" }));
    let res = res.send().await.expect("request");
    (res.status(), res.json().await.expect("json"))
}

/// The statements one request costs.
async fn statements_of(app: &TestApp, token: &str) -> (usize, StatusCode) {
    let before = app.statement_count();
    let (status, _) = typename(app, token).await;
    (app.statement_count() - before, status)
}

both!(typename_provisions_a_first_token_then_reads_nothing_for_the_same_claims, |app: TestApp| async move {
    let first = token("ghost", "ghost@example.com", Some("Ghost"));
    let (n, status) = statements_of(&app, &first).await;
    assert_eq!(status, StatusCode::OK);
    assert!(n > 0, "a first token provisions its user");
    let (n, status) = statements_of(&app, &first).await;
    assert_eq!((n, status), (0, StatusCode::OK), "the same claims again read nothing");
    let viewer = json!({ "query": "{ viewer { name email } }" });
    let res = app.http.post(format!("{}/graphql", app.addr)).bearer_auth(&first).json(&viewer).send().await.expect("request");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["data"]["viewer"]["name"], "Ghost", "{body}");

    // New claims for the same `sub`: read, and the row refreshed, before the answer.
    let renamed = token("ghost", "ghost@example.com", Some("Casper"));
    let (n, status) = statements_of(&app, &renamed).await;
    assert_eq!(status, StatusCode::OK);
    assert!(n > 0, "claims not seen before are matched against the row");
    let db = app.database().await;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let users = entity::user::Entity::find().filter(entity::user::Column::Sub.eq("ghost")).all(&db).await.expect("users");
    db.close().await.ok();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].name.as_deref(), Some("Casper"), "a later token updates the name");
    // The row no longer holds the first claims: they are matched (and written) again.
    let (n, _) = statements_of(&app, &first).await;
    assert!(n > 0, "claims the row no longer holds are read again");
    assert_eq!(statements_of(&app, &first).await.0, 0);
});

both!(typename_still_refuses_a_known_identity_with_a_bad_signature, |app: TestApp| async move {
    let good = token("ghost", "ghost@example.com", Some("Ghost"));
    assert_eq!(typename(&app, &good).await.0, StatusCode::OK);
    // The same claims under another signature: the claims are known, the token is not.
    let (head, _) = good.rsplit_once('.').expect("a JWT");
    let forged = format!("{head}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let (status, body) = typename(&app, &forged).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
});
