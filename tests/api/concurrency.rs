//! Invariants under truly concurrent conflicting mutations (RULES.md §4–5): each test
//! fires at least 20 requests at once and checks the invariant afterwards, on SQLite
//! and PostgreSQL.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use futures_util::future::join_all;
use serde_json::{Value, json};

const N: usize = 20;

/// Fires `N` requests at once, the i-th built by `make(i)`; returns the error codes
/// (`None` for success).
async fn fire(client: &Client, make: impl Fn(usize) -> (&'static str, Value)) -> Vec<Option<String>> {
    let requests = (0..N).map(|i| {
        let (q, v) = make(i);
        let c = client.clone();
        tokio::spawn(async move {
            let (_, body) = c.post(q, v).await;
            body["errors"][0]["extensions"]["code"].as_str().map(str::to_string)
        })
    });
    join_all(requests).await.into_iter().map(|r| r.expect("task")).collect()
}

fn successes(codes: &[Option<String>]) -> usize {
    codes.iter().filter(|c| c.is_none()).count()
}

fn assert_only(codes: &[Option<String>], allowed: &[&str]) {
    for c in codes.iter().flatten() {
        assert!(allowed.contains(&c.as_str()), "unexpected error code {c} in {codes:?}");
    }
}

both!(parallel_demotions_keep_one_team_admin, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let (a, b) = (app.user("ann").await, app.user("ben").await);
    let org = create_org(&owner, "acme").await;
    add_member(&owner, &org.id, &a, "worker").await;
    add_member(&owner, &org.id, &b, "worker").await;
    let ma = add_member(&owner, &org.team, &a, "admin").await;
    let mb = add_member(&owner, &org.team, &b, "admin").await;
    owner.ok(LEAVE, json!({ "s": org.team })).await;

    let codes = fire(&owner, |i| (CHANGE_ROLE, json!({ "m": if i % 2 == 0 { &ma } else { &mb }, "r": "developer" }))).await;
    assert_only(&codes, &["FAILED_PRECONDITION"]);
    assert!(codes.iter().flatten().count() > 0, "some demotions must be refused: {codes:?}");

    let d = owner
        .ok(
            "query($t: ID!) { node(id: $t) { ... on Team { members(first: 10) { nodes { role { key } } } } } }",
            json!({ "t": org.team }),
        )
        .await;
    let admins =
        d["node"]["members"]["nodes"].as_array().expect("members").iter().filter(|m| m["role"]["key"] == "admin").count();
    assert_eq!(admins, 1, "exactly one admin must remain: {d}");
});

both!(parallel_deletes_never_remove_the_last_workspace, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let mut workspaces = vec![org.workspace.clone()];
    for i in 0..4 {
        workspaces.push(create_workspace(&owner, &org.team, &format!("ws{i}")).await);
    }
    let codes = fire(&owner, |i| (DELETE_WORKSPACE, json!({ "w": workspaces[i % workspaces.len()] }))).await;
    assert_only(&codes, &["FAILED_PRECONDITION", "NOT_FOUND"]);
    assert_eq!(successes(&codes), workspaces.len() - 1, "{codes:?}");
    let d = owner
        .ok("query($t: ID!) { node(id: $t) { ... on Team { workspaces(first: 10) { totalCount } } } }", json!({ "t": org.team }))
        .await;
    assert_eq!(d["node"]["workspaces"]["totalCount"], 1);
});

both!(parallel_moves_never_create_a_cycle, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let project = create_project(&owner, &org.workspace, "p").await;
    let ids: Vec<String> = [
        create_dataset(&owner, &project, None, "a").await,
        create_dataset(&owner, &project, None, "b").await,
        create_dataset(&owner, &project, None, "c").await,
    ]
    .to_vec();
    // a→b, b→c, c→a and the pairwise swaps, all at once: any cycle would need all of them.
    let codes = fire(&owner, |i| {
        let (from, to) = [(0, 1), (1, 2), (2, 0), (1, 0), (2, 1), (0, 2)][i % 6];
        (MOVE_DATASET, json!({ "d": ids[from], "p": ids[to] }))
    })
    .await;
    assert_only(&codes, &["FAILED_PRECONDITION"]);
    assert!(successes(&codes) > 0);

    // Every dataset's ancestor chain ends at the top, never contains itself, and its
    // depth equals the chain's length.
    let q = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Dataset { id depth parent { id } ancestors { id } } } }";
    let d = owner.ok(q, json!({ "ids": ids })).await;
    let nodes = d["nodes"].as_array().expect("nodes");
    let top = nodes.iter().filter(|n| n["parent"].is_null()).count();
    assert_eq!(top, 1, "exactly one of three datasets stays at the top: {d}");
    for n in nodes {
        let ancestors: Vec<&str> =
            n["ancestors"].as_array().expect("ancestors").iter().filter_map(|a| a["id"].as_str()).collect();
        assert!(!ancestors.contains(&n["id"].as_str().unwrap_or("")), "cycle: {d}");
        assert_eq!(n["depth"].as_u64(), Some(ancestors.len() as u64), "{d}");
    }
});

both!(parallel_transfers_leave_exactly_one_owner, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let mut members = Vec::new();
    for i in 0..4 {
        let m = app.user(&format!("m{i}")).await;
        add_member(&owner, &org.id, &m, "maintainer").await;
        members.push(m.id.clone());
    }
    let codes = fire(&owner, |i| (TRANSFER_OWNERSHIP, json!({ "o": org.id, "u": members[i % members.len()] }))).await;
    assert_only(&codes, &["FORBIDDEN", "FAILED_PRECONDITION"]);
    assert_eq!(successes(&codes), 1, "{codes:?}");
    let d = owner
        .ok(
            "query($o: ID!) { node(id: $o) { ... on Organization { owner { id } members(first: 10, role: \"owner\") { totalCount nodes { user { id } } } } } }",
            json!({ "o": org.id }),
        )
        .await;
    assert_eq!(d["node"]["members"]["totalCount"], 1, "{d}");
    assert_eq!(d["node"]["owner"]["id"], d["node"]["members"]["nodes"][0]["user"]["id"]);
    assert_ne!(d["node"]["owner"]["id"], owner.id.as_str());
});

both!(parallel_leaves_keep_the_users_last_team, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    // The owner belongs to their personal team and to "Core"; a second admin in each
    // team lets the owner leave either one.
    let helper = app.user("helper").await;
    add_member(&owner, &org.id, &helper, "worker").await;
    add_member(&owner, &org.team, &helper, "admin").await;
    let personal_team = personal_team(&owner).await;
    add_member(&owner, &personal_org(&owner).await, &helper, "worker").await;
    add_member(&owner, &personal_team, &helper, "admin").await;

    let teams = [org.team.clone(), personal_team];
    let codes = fire(&owner, |i| (LEAVE, json!({ "s": teams[i % 2] }))).await;
    assert_only(&codes, &["FAILED_PRECONDITION"]);
    assert_eq!(successes(&codes), 1, "{codes:?}");
    let d = owner.ok("{ viewer { teams(first: 5) { totalCount } } }", json!({})).await;
    assert_eq!(d["viewer"]["teams"]["totalCount"], 1);
});
