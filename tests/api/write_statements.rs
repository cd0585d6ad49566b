//! What a write costs in statements. Every write transaction holds the one write lock
//! (`db::begin_write`) from its first statement to its commit, so each statement inside it
//! is a round trip that no other write can overlap: writes per second follow their count
//! (README "Performance"). The counts below are the statements of one request, the
//! viewer's authentication included; a change that adds one is deliberate.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::{Value, json};

/// The statements one request costs, with its answer.
async fn counted(app: &TestApp, client: &Client, query: &str, variables: Value) -> (usize, Value) {
    let before = app.statement_count();
    let (_, body) = client.post(query, variables).await;
    (app.statement_count() - before, body)
}

fn on_postgres(app: &TestApp) -> bool {
    app.database_url.starts_with("postgres")
}

both!(create_dataset_finds_and_locks_its_project_in_one_statement, settings = counting_statements, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    // Authentication, grants, the project found and locked, then the dataset and its
    // activity entry: one statement on PostgreSQL, two on SQLite (BEGIN, the write lock
    // and COMMIT are not counted).
    let inserts = if on_postgres(&app) { 1 } else { 2 };
    let (n, body) = counted(&app, &owner, CREATE_DATASET, json!({ "p": p, "parent": null, "n": "a" })).await;
    let a = body["data"]["createDataset"]["dataset"]["id"].as_str().expect("created").to_string();
    assert_eq!(n, 3 + inserts, "a top-level dataset: {body}");
    // …and the parent, read once: the project's lock is already held when it is read.
    let (n, body) = counted(&app, &owner, CREATE_DATASET, json!({ "p": p, "parent": a, "n": "b" })).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(n, 4 + inserts, "a child dataset");
});

both!(a_taken_dataset_name_is_found_by_the_unique_index_with_the_same_answer, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    create_dataset(&owner, &p, Some(&a), "a").await;
    for parent in [Value::Null, json!(a)] {
        let (_, body) = owner.post(CREATE_DATASET, json!({ "p": p, "parent": parent, "n": "a" })).await;
        let e = &body["errors"][0];
        assert_eq!(e["extensions"]["code"], "CONFLICT", "{body}");
        assert_eq!(e["extensions"]["field"], "name", "{body}");
        assert_eq!(e["message"], "a dataset with this name exists at that place", "{body}");
    }
    // Nothing was written, and the next write goes through (the refused one rolled back).
    let (_, body) = owner
        .post("query($p: ID!) { node(id: $p) { ... on Project { datasets(first: 10) { nodes { name } } } } }", json!({ "p": p }))
        .await;
    assert_eq!(body["data"]["node"]["datasets"]["nodes"], json!([{ "name": "a" }]), "{body}");
    create_dataset(&owner, &p, None, "b").await;
});

both!(invite_member_finds_and_locks_its_scope_in_one_statement, settings = counting_statements, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let member = app.user("member").await;
    owner.ok(ADD_MEMBER, json!({ "s": org.id, "u": member.id, "r": "worker" })).await;
    let (n, body) = counted(&app, &owner, INVITE, json!({ "s": org.id, "e": "new@example.com", "r": "worker" })).await;
    assert!(body["errors"].is_null(), "{body}");
    // Authentication, grants, the organization found and locked, its role catalog, the
    // member check, a pending invitation; then the invitation, its outbox row and (on
    // PostgreSQL) the NOTIFY to the other instances: one statement there, two on SQLite.
    let inserts = if on_postgres(&app) { 1 } else { 2 };
    assert_eq!(n, 6 + inserts, "an invitation: {body}");
    // A member's e-mail: CONFLICT, found by one statement over memberships and users.
    let (_, body) = owner.post(INVITE, json!({ "s": org.id, "e": "member@example.com", "r": "worker" })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["message"], "already a member here", "{body}");
});
