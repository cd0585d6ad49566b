//! Items and disk usage: items live only inside datasets; `sizeBytes` and `itemCount` roll
//! up through sub-datasets, projects, workspaces and teams, follow removals, deletes and
//! moves, count only what the viewer sees, and cost statements per level, not per row.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::{Value, json};

const TOTALS: &str = "query($id: ID!) { node(id: $id) {
    ... on Dataset { sizeBytes itemCount } ... on Project { sizeBytes itemCount }
    ... on Workspace { sizeBytes itemCount } ... on Team { sizeBytes itemCount } } }";
const USAGE: &str = "query($t: ID!) { node(id: $t) { ... on Team { sizeBytes itemCount
    diskUsage(first: 10) { project { name } sizeBytes itemCount } } } }";

/// `(sizeBytes, itemCount)` of a dataset, project, workspace or team.
async fn totals(c: &Client, id: &str) -> (f64, i64) {
    let d = c.ok(TOTALS, json!({ "id": id })).await;
    let n = &d["node"];
    // `as_i64`: a byte count is a JSON integer on the wire (`3`, never `3.0`).
    let bytes = n["sizeBytes"].as_i64().unwrap_or_else(|| panic!("sizeBytes of {id} is not a whole JSON number: {d}"));
    (bytes as f64, n["itemCount"].as_i64().expect("itemCount"))
}

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"].as_str().unwrap_or_default()
}

both!(sizes_and_counts_roll_up_through_sub_datasets_projects_workspaces_and_teams, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let b = create_dataset(&owner, &p, Some(&a), "b").await;
    let c = create_dataset(&owner, &p, Some(&b), "c").await;
    let x = create_dataset(&owner, &p, None, "x").await;
    let w2 = create_workspace(&owner, &org.team, "Second").await;
    let q = create_project(&owner, &w2, "Bikes").await;
    let y = create_dataset(&owner, &q, None, "y").await;

    // The payload shows the item and the dataset's new totals.
    let d = owner
        .ok(ADD_ITEMS, json!({ "d": a, "items": [{ "name": " cat.png ", "sizeBytes": 100, "contentType": "Image/PNG" }] }))
        .await;
    let item = &d["addItems"]["items"][0];
    assert_eq!(item["name"], "cat.png");
    assert_eq!(item["sizeBytes"], 100.0);
    assert_eq!(item["contentType"], "image/png");
    assert_eq!(item["dataset"]["id"], a.as_str());
    assert_eq!(item["createdBy"]["id"], owner.id.as_str());
    assert_eq!(d["addItems"]["dataset"], json!({ "id": a, "sizeBytes": 100, "itemCount": 1 }));
    add_items(&owner, &b, &[("1.png", 20), ("2.png", 30)]).await;
    add_items(&owner, &c, &[("1.png", 5)]).await;
    add_items(&owner, &x, &[("big.png", 1000)]).await;
    add_items(&owner, &y, &[("bike.png", 7)]).await;

    assert_eq!(totals(&owner, &c).await, (5.0, 1));
    assert_eq!(totals(&owner, &b).await, (55.0, 3), "b includes c");
    assert_eq!(totals(&owner, &a).await, (155.0, 4), "a includes b and c");
    assert_eq!(totals(&owner, &x).await, (1000.0, 1));
    assert_eq!(totals(&owner, &p).await, (1155.0, 5));
    assert_eq!(totals(&owner, &org.workspace).await, (1155.0, 5));
    assert_eq!(totals(&owner, &w2).await, (7.0, 1));
    assert_eq!(totals(&owner, &org.team).await, (1162.0, 6));
    // Datasets one below another in one batch (each walk stops at the next one and adds
    // its total): the same totals, each row counted once.
    let d = owner
        .ok("query($c: ID!) { node(id: $c) { ... on Dataset { ancestors { name sizeBytes itemCount } } } }", json!({ "c": c }))
        .await;
    assert_eq!(
        d["node"]["ancestors"],
        json!([{ "name": "a", "sizeBytes": 155, "itemCount": 4 }, { "name": "b", "sizeBytes": 55, "itemCount": 3 }]),
        "{d}"
    );
    let all =
        "query($p: ID!, $a: ID!, $c: ID!) { node(id: $p) { ... on Project { datasets(first: 10) { nodes { name sizeBytes } } } }
        x: node(id: $a) { ... on Dataset { sizeBytes } } y: node(id: $c) { ... on Dataset { sizeBytes } } }";
    let d = owner.ok(all, json!({ "p": p, "a": a, "c": c })).await;
    assert_eq!((d["x"]["sizeBytes"].clone(), d["y"]["sizeBytes"].clone()), (json!(155), json!(5)), "{d}");

    // `Dataset.items` lists the items directly in the dataset, paged; `node` finds one.
    let page = owner
        .ok(
            "query($d: ID!) { node(id: $d) { ... on Dataset { items(first: 1) { totalCount nodes { id name } pageInfo { hasNextPage endCursor } } } } }",
            json!({ "d": b }),
        )
        .await;
    let items = &page["node"]["items"];
    assert_eq!(items["totalCount"], 2);
    assert_eq!(items["nodes"][0]["name"], "1.png");
    assert_eq!(items["pageInfo"]["hasNextPage"], true);
    let next = owner
        .ok(
            "query($d: ID!, $after: String) { node(id: $d) { ... on Dataset { items(first: 5, after: $after) { nodes { name } } } } }",
            json!({ "d": b, "after": items["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(next["node"]["items"]["nodes"], json!([{ "name": "2.png" }]));
    let id = items["nodes"][0]["id"].as_str().expect("item id");
    let node = owner.ok("query($id: ID!) { node(id: $id) { ... on Item { name dataset { name } } } }", json!({ "id": id })).await;
    assert_eq!(node["node"], json!({ "name": "1.png", "dataset": { "name": "b" } }));

    // Byte counts past 32 bits are exact.
    add_items(&owner, &y, &[("huge.bin", 6_000_000_000)]).await;
    assert_eq!(totals(&owner, &q).await, (6_000_000_007.0, 2));
    // Up to 2^53 - 1 (read as text: the test client's JSON parser rounds such floats).
    let z = create_dataset(&owner, &q, None, "z").await;
    let max = add_items(&owner, &z, &[("max.bin", 9_007_199_254_740_991)]).await;
    let query =
        json!({ "query": "query($id: ID!) { node(id: $id) { ... on Item { sizeBytes } } }", "variables": { "id": max[0] } });
    let res = app.http.post(format!("{}/graphql", app.addr)).bearer_auth(owner.token.as_deref().expect("token")).json(&query);
    let text = res.send().await.expect("request").text().await.expect("body");
    assert!(text.contains("9007199254740991"), "{text}");
    let too_big =
        json!({ "d": z, "items": [{ "name": "n", "sizeBytes": 9_007_199_254_740_992_u64, "contentType": "image/png" }] });
    assert_eq!(owner.code(ADD_ITEMS, too_big).await, "BAD_USER_INPUT");
});

both!(removing_items_deleting_a_sub_dataset_and_moving_a_dataset_update_the_sums, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let b = create_dataset(&owner, &p, Some(&a), "b").await;
    let c = create_dataset(&owner, &p, Some(&b), "c").await;
    let x = create_dataset(&owner, &p, None, "x").await;
    let in_a = add_items(&owner, &a, &[("a1", 1), ("a2", 2)]).await;
    let in_b = add_items(&owner, &b, &[("b1", 10)]).await;
    add_items(&owner, &c, &[("c1", 100), ("c2", 200)]).await;
    add_items(&owner, &x, &[("x1", 1000)]).await;
    assert_eq!(totals(&owner, &a).await, (313.0, 5));

    // Removing items of two datasets at once; a repeated id counts once.
    let d = owner.ok(REMOVE_ITEMS, json!({ "ids": [in_a[0], in_b[0], in_a[0]] })).await;
    assert_eq!(d["removeItems"]["removedItemIds"], json!([in_a[0], in_b[0]]));
    assert_eq!(totals(&owner, &b).await, (300.0, 2));
    assert_eq!(totals(&owner, &a).await, (302.0, 3));
    assert_eq!(totals(&owner, &p).await, (1302.0, 4));
    // Removed items are gone: removing them again is NOT_FOUND and changes nothing.
    assert_eq!(owner.code(REMOVE_ITEMS, json!({ "ids": [in_a[0]] })).await, "NOT_FOUND");
    assert_eq!(owner.node(&in_a[0]).await, Value::Null);

    // Moving b (with c) under x: the sums follow the subtree.
    owner.ok(MOVE_DATASET, json!({ "d": b, "p": x })).await;
    assert_eq!(totals(&owner, &a).await, (2.0, 1));
    assert_eq!(totals(&owner, &x).await, (1300.0, 3));
    assert_eq!(totals(&owner, &p).await, (1302.0, 4), "a move stays inside the project");

    // Deleting c removes its items with it.
    owner.ok(DELETE_DATASET, json!({ "d": c })).await;
    assert_eq!(totals(&owner, &b).await, (0.0, 0));
    assert_eq!(totals(&owner, &x).await, (1000.0, 1));
    assert_eq!(totals(&owner, &p).await, (1002.0, 2));
    assert_eq!(totals(&owner, &org.team).await, (1002.0, 2));
    // Adding to b again after all that still adds up.
    add_items(&owner, &b, &[("b1", 5)]).await;
    assert_eq!(totals(&owner, &x).await, (1005.0, 2));

    // Deleting the project removes everything in it from the team's totals.
    owner.ok(DELETE_PROJECT, json!({ "p": p })).await;
    assert_eq!(totals(&owner, &org.team).await, (0.0, 0));
});

both!(disk_usage_lists_projects_by_size_and_only_those_the_viewer_sees, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let w2 = create_workspace(&owner, &org.team, "Second").await;
    let small = create_project(&owner, &org.workspace, "Small").await;
    let big = create_project(&owner, &w2, "Big").await;
    create_project(&owner, &org.workspace, "Empty").await;
    let ds = create_dataset(&owner, &small, None, "d").await;
    let sub = create_dataset(&owner, &small, Some(&ds), "sub").await;
    add_items(&owner, &ds, &[("1", 10)]).await;
    add_items(&owner, &sub, &[("2", 15)]).await;
    let db = create_dataset(&owner, &big, None, "d").await;
    add_items(&owner, &db, &[("1", 300)]).await;

    let d = owner.ok(USAGE, json!({ "t": org.team })).await;
    assert_eq!(
        d["node"]["diskUsage"],
        json!([
            { "project": { "name": "Big" }, "sizeBytes": 300, "itemCount": 1 },
            { "project": { "name": "Small" }, "sizeBytes": 25, "itemCount": 2 },
            { "project": { "name": "Empty" }, "sizeBytes": 0, "itemCount": 0 },
        ])
    );
    let top = owner
        .ok(
            "query($t: ID!) { node(id: $t) { ... on Team { diskUsage(first: 1) { project { name } } } } }",
            json!({ "t": org.team }),
        )
        .await;
    assert_eq!(top["node"]["diskUsage"], json!([{ "project": { "name": "Big" } }]));
    assert_eq!(
        owner
            .code(
                "query($t: ID!) { node(id: $t) { ... on Team { diskUsage(first: 0) { sizeBytes } } } }",
                json!({ "t": org.team })
            )
            .await,
        "BAD_USER_INPUT"
    );

    // An annotator sees the team but none of its projects: nothing to count.
    let ann = app.user("ann").await;
    add_member(&owner, &org.id, &ann, "worker").await;
    add_member(&owner, &org.team, &ann, "annotator").await;
    let d = ann.ok(USAGE, json!({ "t": org.team })).await;
    assert_eq!(d["node"], json!({ "sizeBytes": 0, "itemCount": 0, "diskUsage": [] }));
    let ws = ann.ok("query($w: ID!) { node(id: $w) { ... on Workspace { sizeBytes itemCount } } }", json!({ "w": w2 })).await;
    assert_eq!(ws["node"], json!({ "sizeBytes": 0, "itemCount": 0 }));

    // A labeler of Small sees the team through it, and only Small is counted.
    let lab = app.user("lab").await;
    add_member(&owner, &org.id, &lab, "worker").await;
    add_member(&owner, &small, &lab, "labeler").await;
    let d = lab.ok(USAGE, json!({ "t": org.team })).await;
    assert_eq!(
        d["node"],
        json!({ "sizeBytes": 25, "itemCount": 2, "diskUsage": [{ "project": { "name": "Small" }, "sizeBytes": 25, "itemCount": 2 }] })
    );
    assert_eq!(totals(&lab, &w2).await, (0.0, 0));
    assert_eq!(totals(&lab, &org.workspace).await, (25.0, 2));
});

both!(denied_item_changes_answer_in_rule_order_and_change_nothing, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (owner, vic, ann, out) = (&t.owner, &t.viewer, &t.annotator, &t.outsider);
    let p = t.project.clone();
    let d = create_dataset(owner, &p, None, "d").await;
    let existing = add_items(owner, &d, &[("taken.png", 10)]).await;
    let lab = app.user("lab").await;
    add_member(owner, &t.org, &lab, "worker").await;
    add_member(owner, &p, &lab, "labeler").await;
    let one = |name: &str| json!({ "d": d, "items": [{ "name": name, "sizeBytes": 1, "contentType": "image/png" }] });

    // Input first, for anyone, with the field named.
    let bad = [
        (json!({ "d": d, "items": [] }), "items"),
        (json!({ "d": d, "items": [{ "name": "  ", "sizeBytes": 1, "contentType": "image/png" }] }), "items[0].name"),
        (json!({ "d": d, "items": [{ "name": "a".repeat(256), "sizeBytes": 1, "contentType": "image/png" }] }), "items[0].name"),
        (
            json!({ "d": d, "items": [{ "name": "ok", "sizeBytes": 1, "contentType": "image/png" }, { "name": "b", "sizeBytes": -1, "contentType": "image/png" }] }),
            "items[1].sizeBytes",
        ),
        (json!({ "d": d, "items": [{ "name": "b", "sizeBytes": 1.5, "contentType": "image/png" }] }), "items[0].sizeBytes"),
        (json!({ "d": d, "items": [{ "name": "b", "sizeBytes": 1, "contentType": "png" }] }), "items[0].contentType"),
        (json!({ "d": "not-an-id", "items": [{ "name": "b", "sizeBytes": 1, "contentType": "image/png" }] }), "datasetId"),
    ];
    for (vars, expected) in bad {
        for c in [owner, out] {
            let (_, body) = c.post(ADD_ITEMS, vars.clone()).await;
            assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{vars}: {body}");
            assert_eq!(field(&body), expected, "{body}");
        }
    }
    let too_many: Vec<Value> =
        (0..1001).map(|i| json!({ "name": format!("{i}"), "sizeBytes": 1, "contentType": "image/png" })).collect();
    assert_eq!(owner.code(ADD_ITEMS, json!({ "d": d, "items": too_many })).await, "BAD_USER_INPUT");
    assert_eq!(owner.code(REMOVE_ITEMS, json!({ "ids": [] })).await, "BAD_USER_INPUT");
    assert_eq!(owner.code(REMOVE_ITEMS, json!({ "ids": [existing[0], "nope"] })).await, "BAD_USER_INPUT");

    // Then visibility: outsiders and annotators do not see the project, even for a taken name.
    for c in [out, ann] {
        assert_eq!(c.code(ADD_ITEMS, one("new.png")).await, "NOT_FOUND");
        assert_eq!(c.code(ADD_ITEMS, one("taken.png")).await, "NOT_FOUND");
        assert_eq!(c.code(REMOVE_ITEMS, json!({ "ids": [existing[0]] })).await, "NOT_FOUND");
    }
    // An id of another kind is not an item.
    assert_eq!(owner.code(REMOVE_ITEMS, json!({ "ids": [d] })).await, "NOT_FOUND");
    assert_eq!(
        owner.code(ADD_ITEMS, json!({ "d": p, "items": [{ "name": "n", "sizeBytes": 1, "contentType": "image/png" }] })).await,
        "NOT_FOUND"
    );

    // Then permission: viewers and labelers see the dataset but may not change it.
    for c in [vic, &lab] {
        assert_eq!(c.code(ADD_ITEMS, one("new.png")).await, "FORBIDDEN");
        assert_eq!(c.code(ADD_ITEMS, one("taken.png")).await, "FORBIDDEN");
        assert_eq!(c.code(REMOVE_ITEMS, json!({ "ids": [existing[0]] })).await, "FORBIDDEN");
        let read = c
            .ok(
                "query($d: ID!) { node(id: $d) { ... on Dataset { itemCount items(first: 5) { nodes { name } } } } }",
                json!({ "d": d }),
            )
            .await;
        assert_eq!(
            read["node"],
            json!({ "itemCount": 1, "items": { "nodes": [{ "name": "taken.png" }] } }),
            "reading needs only dataset visibility"
        );
    }

    // Then uniqueness, all or nothing: a taken name or a name twice in the batch.
    let (_, body) = owner
        .post(ADD_ITEMS, json!({ "d": d, "items": [{ "name": "fresh.png", "sizeBytes": 5, "contentType": "image/png" }, { "name": "taken.png", "sizeBytes": 5, "contentType": "image/png" }] }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT", "{body}");
    assert_eq!(field(&body), "items[1].name");
    // Several taken: the first of the batch is named, whichever row a database returns
    // first (SQLite returned the byte-smallest name, "taken.png").
    let png = |name: &str| json!({ "name": name, "sizeBytes": 5, "contentType": "image/png" });
    let added = owner.ok(ADD_ITEMS, json!({ "d": d, "items": [png("\u{e9}mile.png")] })).await;
    let (_, body) =
        owner.post(ADD_ITEMS, json!({ "d": d, "items": [png("fresh.png"), png("\u{e9}mile.png"), png("taken.png")] })).await;
    assert_eq!(field(&body), "items[1].name", "{body}");
    owner.ok(REMOVE_ITEMS, json!({ "ids": [added["addItems"]["items"][0]["id"]] })).await;
    let (_, body) = owner
        .post(ADD_ITEMS, json!({ "d": d, "items": [{ "name": "twice", "sizeBytes": 5, "contentType": "image/png" }, { "name": "twice", "sizeBytes": 5, "contentType": "image/png" }] }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT", "{body}");

    // A removal that includes an item the viewer may not change removes nothing.
    let q = create_project(owner, &t.workspace, "Lab project").await;
    let dq = create_dataset(owner, &q, None, "d").await;
    let theirs = add_items(owner, &dq, &[("q.png", 3)]).await;
    add_member(owner, &q, &lab, "manager").await;
    let mine = add_items(&lab, &dq, &[("by-lab.png", 4)]).await;
    assert_eq!(lab.code(REMOVE_ITEMS, json!({ "ids": [mine[0], existing[0]] })).await, "FORBIDDEN");
    assert_eq!(totals(owner, &dq).await, (7.0, 2));
    lab.ok(REMOVE_ITEMS, json!({ "ids": [mine[0], theirs[0]] })).await;
    assert_eq!(totals(owner, &dq).await, (0.0, 0));

    // Nothing changed in the first dataset.
    assert_eq!(totals(owner, &d).await, (10.0, 1));
    let names = owner
        .ok("query($d: ID!) { node(id: $d) { ... on Dataset { items(first: 10) { nodes { name } } } } }", json!({ "d": d }))
        .await;
    assert_eq!(names["node"]["items"]["nodes"], json!([{ "name": "taken.png" }]));
});

const TREE: &str = "query($p: ID!) { node(id: $p) { ... on Project { datasets(first: 20) { nodes { sizeBytes itemCount
    children(first: 5) { nodes { sizeBytes } } } } } } }";

both!(dataset_totals_cost_statements_per_level_not_per_dataset, settings = counting_statements, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let mut projects = Vec::new();
    for (name, n) in [("two", 2), ("twenty", 20)] {
        let p = create_project(&owner, &org.workspace, name).await;
        for i in 0..n {
            let top = create_dataset(&owner, &p, None, &format!("d{i}")).await;
            let child = create_dataset(&owner, &p, Some(&top), "child").await;
            add_items(&owner, &top, &[("t", 1)]).await;
            add_items(&owner, &child, &[("c", 2)]).await;
        }
        projects.push((p, n));
    }
    // Once before counting: the first query after writes reads the grants, the next
    // start from them (PostgreSQL: one statement fewer; `authz::memo`).
    owner.ok("{ viewer { id } }", json!({})).await;
    let mut counts = Vec::new();
    for (p, n) in &projects {
        let before = app.statement_count();
        let d = owner.ok(TREE, json!({ "p": p })).await;
        counts.push(app.statement_count() - before);
        let nodes = d["node"]["datasets"]["nodes"].as_array().expect("datasets");
        assert_eq!(nodes.len(), *n);
        for ds in nodes {
            assert_eq!((ds["sizeBytes"].as_i64(), ds["itemCount"].as_i64()), (Some(3), Some(2)), "{ds}");
            assert_eq!(ds["children"]["nodes"], json!([{ "sizeBytes": 2 }]));
        }
    }
    assert_eq!(counts[0], counts[1], "statements depend on the number of datasets: {counts:?}");
    eprintln!("dataset tree with totals: {} statements", counts[1]);
});

both!(concurrent_item_changes_keep_names_unique_and_totals_exact, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let d = create_dataset(&owner, &p, None, "d").await;
    let one =
        |name: String, size: u64| json!({ "d": d, "items": [{ "name": name, "sizeBytes": size, "contentType": "image/png" }] });

    // The same name eight times at once: exactly one wins.
    let same = (0..8).map(|_| owner.post(ADD_ITEMS, one("same.png".into(), 1)));
    let results = futures_util::future::join_all(same).await;
    let codes: Vec<&str> = results.iter().map(|(_, b)| b["errors"][0]["extensions"]["code"].as_str().unwrap_or("OK")).collect();
    assert_eq!(codes.iter().filter(|c| **c == "OK").count(), 1, "{codes:?}");
    assert!(codes.iter().all(|c| *c == "OK" || *c == "CONFLICT"), "{codes:?}");

    // Distinct names at once all land, and the totals add up.
    let distinct = (0..8).map(|i| owner.post(ADD_ITEMS, one(format!("{i}.png"), 10)));
    for (_, body) in futures_util::future::join_all(distinct).await {
        assert!(body.get("errors").is_none(), "{body}");
    }
    assert_eq!(totals(&owner, &d).await, (81.0, 9));

    // The same item removed four times at once: removed once, counted once.
    let ids: Vec<String> = {
        let data = owner
            .ok("query($d: ID!) { node(id: $d) { ... on Dataset { items(first: 20) { nodes { id } } } } }", json!({ "d": d }))
            .await;
        data["node"]["items"]["nodes"]
            .as_array()
            .expect("items")
            .iter()
            .map(|n| n["id"].as_str().expect("id").to_string())
            .collect()
    };
    let removals = (0..4).map(|_| owner.post(REMOVE_ITEMS, json!({ "ids": [ids[0]] })));
    let ok = futures_util::future::join_all(removals).await.iter().filter(|(_, b)| b.get("errors").is_none()).count();
    assert_eq!(ok, 1);
    assert_eq!(totals(&owner, &d).await, (80.0, 8));
});

both!(totals_hold_at_the_largest_exact_size_and_never_overflow, |app: TestApp| async move {
    // RULES.md §9.9: no input reaches INTERNAL. A total past 2^53 − 1 (the most a size says
    // exactly) answers 2^53 − 1 on both databases (SQLite's SUM fails past 64 bits,
    // PostgreSQL's cast back from NUMERIC); a dataset's own bytes stay within 64 bits.
    const MAX: i64 = (1 << 53) - 1;
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let b = create_dataset(&owner, &p, Some(&a), "b").await;
    add_items(&owner, &a, &[("max", MAX as u64)]).await;
    add_items(&owner, &b, &[("one", 1)]).await;
    assert_eq!(totals(&owner, &p).await, (MAX as f64, 2), "held at the bound");
    // Datasets near 2^63 each (what about a thousand full batches would store).
    use sea_orm::ConnectionTrait;
    let db = app.database().await;
    db.execute_unprepared(&format!("UPDATE datasets SET own_size_bytes = {}", i64::MAX / 2 + 1)).await.expect("inflate");
    for id in [&a, &p, &org.workspace, &org.team] {
        assert_eq!(totals(&owner, id).await.0, MAX as f64, "{id}");
    }
    let d = owner.ok(USAGE, json!({ "t": org.team })).await;
    assert_eq!(d["node"]["diskUsage"][0]["sizeBytes"], MAX, "{d}");
    db.execute_unprepared(&format!("UPDATE datasets SET own_size_bytes = {}", i64::MAX - 10)).await.expect("fill");
    let more = json!({ "d": b, "items": [{ "name": "more", "sizeBytes": 11, "contentType": "image/png" }] });
    assert_eq!(owner.code(ADD_ITEMS, more).await, "FAILED_PRECONDITION");
    let fits = json!({ "d": b, "items": [{ "name": "fits", "sizeBytes": 10, "contentType": "image/png" }] });
    owner.ok(ADD_ITEMS, fits).await;
});
