//! Relay's backward pagination (issue 13, "client interop"): `last`/`before` on every
//! connection, pages still in the list's order, `after` and `before` narrowing one
//! window; single lists, batched nested lists and the newest-first audit log alike.

use crate::both;
use crate::helpers::*;
use serde_json::{Value, json};

const DATASETS: &str = "query($p: ID!, $first: Int, $after: String, $last: Int, $before: String) { node(id: $p) {
    ... on Project { datasets(first: $first, after: $after, last: $last, before: $before) { totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } } } } } }";

fn names(conn: &Value) -> Vec<String> {
    conn["edges"].as_array().expect("edges").iter().map(|e| e["node"]["name"].as_str().expect("name").to_string()).collect()
}

fn cursor_of(conn: &Value, name: &str) -> Value {
    conn["edges"].as_array().expect("edges").iter().find(|e| e["node"]["name"] == name).expect("edge")["cursor"].clone()
}

both!(last_and_before_page_back_from_the_end_in_creation_order, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    for i in 0..25 {
        create_dataset(&owner, &p, None, &format!("d{i:02}")).await;
    }
    let page = |vars: Value| {
        let owner = owner.clone();
        let p = p.clone();
        async move {
            let mut vars = vars;
            vars["p"] = json!(p);
            owner.ok(DATASETS, vars).await["node"]["datasets"].clone()
        }
    };
    let expected: Vec<String> = (0..25).map(|i| format!("d{i:02}")).collect();

    // From the end backward, by startCursor, until nothing precedes.
    let mut before = Value::Null;
    let mut pages = Vec::new();
    loop {
        let conn = page(json!({ "last": 10, "before": before })).await;
        assert_eq!(conn["totalCount"], 25);
        assert_eq!(conn["pageInfo"]["hasNextPage"], !before.is_null(), "{conn}");
        let edges = conn["edges"].as_array().expect("edges");
        assert_eq!(conn["pageInfo"]["startCursor"], edges[0]["cursor"]);
        pages.push(names(&conn));
        if conn["pageInfo"]["hasPreviousPage"] != true {
            break;
        }
        before = conn["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 5]);
    let all: Vec<String> = pages.into_iter().rev().flatten().collect();
    assert_eq!(all, expected, "the pages, put back together, are the list in creation order");

    // `after` and `before` narrow one window; `first` takes its start, `last` its end.
    let full = page(json!({ "first": 25 })).await;
    let (after, before) = (cursor_of(&full, "d02"), cursor_of(&full, "d10"));
    let conn = page(json!({ "last": 3, "after": after, "before": before })).await;
    assert_eq!(names(&conn), ["d07", "d08", "d09"]);
    assert_eq!(
        (conn["pageInfo"]["hasPreviousPage"].clone(), conn["pageInfo"]["hasNextPage"].clone()),
        (json!(true), json!(true))
    );
    let conn = page(json!({ "first": 3, "after": after, "before": before })).await;
    assert_eq!(names(&conn), ["d03", "d04", "d05"]);
    let conn = page(json!({ "last": 20, "after": after, "before": before })).await;
    assert_eq!(names(&conn).len(), 7, "d03..d09");
    assert_eq!(conn["pageInfo"]["hasPreviousPage"], false, "nothing of the window precedes");
    // `before` alone pages backward with the default size.
    let conn = page(json!({ "before": cursor_of(&full, "d03") })).await;
    assert_eq!(names(&conn), ["d00", "d01", "d02"]);

    // Refused: both sizes, a size out of range, a malformed cursor.
    let p_vars = |v: Value| {
        let mut v = v;
        v["p"] = json!(p);
        v
    };
    let e = owner.error(DATASETS, p_vars(json!({ "first": 2, "last": 2 }))).await;
    assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e}");
    let e = owner.error(DATASETS, p_vars(json!({ "last": 0 }))).await;
    assert_eq!(
        (e["extensions"]["code"].as_str(), e["extensions"]["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("last")),
        "{e}"
    );
    let e = owner.error(DATASETS, p_vars(json!({ "last": 2, "before": "nonsense" }))).await;
    assert_eq!(e["extensions"]["field"], "before", "{e}");
});

both!(nested_connections_page_backward_in_one_batch, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let a = create_org(&owner, "acme").await;
    let b = create_org(&owner, "bolt").await;
    for (org, prefix) in [(&a, "a"), (&b, "b")] {
        for i in 1..=3 {
            create_team(&owner, &org.id, &format!("{prefix}{i}")).await;
        }
    }
    // Each organization: Core, x1, x2, x3; the last two of each, per organization.
    let q = "{ viewer { organizations(first: 10) { nodes { slug teams(last: 2) { totalCount
        pageInfo { hasPreviousPage hasNextPage } nodes { name } } } } } }";
    let d = owner.ok(q, json!({})).await;
    let orgs = d["viewer"]["organizations"]["nodes"].as_array().expect("orgs").clone();
    for (slug, want) in [("acme", ["a2", "a3"]), ("bolt", ["b2", "b3"])] {
        let org = orgs.iter().find(|o| o["slug"] == slug).expect("org");
        let got: Vec<&str> = org["teams"]["nodes"].as_array().expect("teams").iter().filter_map(|t| t["name"].as_str()).collect();
        assert_eq!(got, want, "{org}");
        assert_eq!(org["teams"]["totalCount"], 4);
        assert_eq!(org["teams"]["pageInfo"]["hasPreviousPage"], true);
        assert_eq!(org["teams"]["pageInfo"]["hasNextPage"], false);
    }
});

both!(the_newest_first_audit_log_pages_backward_to_its_oldest_entries, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    for i in 1..=4 {
        create_team(&owner, &org.id, &format!("t{i}")).await;
    }
    let q = "query($o: ID!, $first: Int, $last: Int, $before: String) { node(id: $o) { ... on Organization {
        auditLog(first: $first, last: $last, before: $before) { totalCount pageInfo { hasPreviousPage hasNextPage startCursor }
        edges { cursor node { id } } } } } }";
    let ids = |conn: &Value| -> Vec<Value> {
        conn["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].clone()).collect()
    };
    let all = owner.ok(q, json!({ "o": org.id, "first": 50 })).await["node"]["auditLog"].clone();
    let every = ids(&all);
    assert_eq!(every.len(), 6, "{all}");
    let tail = owner.ok(q, json!({ "o": org.id, "last": 2 })).await["node"]["auditLog"].clone();
    assert_eq!(ids(&tail), every[4..].to_vec(), "the two oldest, still newest first");
    assert_eq!(tail["pageInfo"]["hasPreviousPage"], true);
    let before = tail["pageInfo"]["startCursor"].clone();
    let prev = owner.ok(q, json!({ "o": org.id, "last": 3, "before": before })).await["node"]["auditLog"].clone();
    assert_eq!(ids(&prev), every[1..4].to_vec());
    assert_eq!(
        (prev["pageInfo"]["hasPreviousPage"].clone(), prev["pageInfo"]["hasNextPage"].clone()),
        (json!(true), json!(true))
    );
});
