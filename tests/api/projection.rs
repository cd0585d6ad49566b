//! A list of datasets selects only the columns its nodes' fields read (`Dataset::columns_of`,
//! `PageArgs::columns`). Every field of `Dataset`, selected alone beside `id`, answers the
//! same through the lists (top-level and nested, `nodes` and `edges`) as through `node`,
//! which reads the whole row: a field reading a column its list left out would answer a
//! default (an empty name, no description, depth 0, the epoch) and differ here.

use crate::both;
use crate::fixtures::{add_items, create_dataset, create_org, create_project, create_team};
use crate::helpers::*;
use serde_json::{Value, json};

const FIELDS: &str = "query($t: String!) { __type(name: $t) { fields { name
    args { name type { kind } }
    type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }";

/// The named type under a field's list and non-null wrappers: (kind, name).
fn named(mut t: &Value) -> (String, String) {
    while t["name"].is_null() {
        t = &t["ofType"];
    }
    (t["kind"].as_str().unwrap_or_default().to_string(), t["name"].as_str().unwrap_or_default().to_string())
}

async fn fields_of(c: &Client, type_name: &str) -> Vec<Value> {
    let d = c.ok(FIELDS, json!({ "t": type_name })).await;
    d["__type"]["fields"].as_array().cloned().unwrap_or_default()
}

/// The fields of `type_name` taking no required argument whose type is a scalar or an enum.
async fn leaves(c: &Client, type_name: &str) -> String {
    let mut out = vec!["__typename".to_string()];
    for f in fields_of(c, type_name).await {
        let required = f["args"].as_array().into_iter().flatten().any(|a| a["type"]["kind"] == "NON_NULL");
        if !required && matches!(named(&f["type"]).0.as_str(), "SCALAR" | "ENUM") {
            out.push(f["name"].as_str().unwrap_or_default().to_string());
        }
    }
    out.join(" ")
}

/// Each field of `Dataset` as a selection: a leaf as is; an object with its leaves, and a
/// connection with its nodes' leaves too.
async fn dataset_selections(c: &Client) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in fields_of(c, "Dataset").await {
        let name = f["name"].as_str().unwrap_or_default().to_string();
        let required: Vec<&Value> =
            f["args"].as_array().into_iter().flatten().filter(|a| a["type"]["kind"] == "NON_NULL").collect();
        assert!(required.is_empty(), "Dataset.{name} takes a required argument: give this test a value for it");
        let (kind, type_name) = named(&f["type"]);
        let selection = if kind == "OBJECT" {
            let nodes = fields_of(c, &type_name).await.into_iter().find(|n| n["name"] == "nodes");
            let nodes = match nodes {
                Some(n) => format!(" nodes {{ {} }}", leaves(c, &named(&n["type"]).1).await),
                None => String::new(),
            };
            format!("{name} {{ {}{nodes} }}", leaves(c, &type_name).await)
        } else {
            name.clone()
        };
        out.push((name, selection));
    }
    out
}

both!(every_dataset_field_answers_the_same_through_a_list_as_through_node, |app: TestApp| async move {
    let owner = app.user("projection-owner").await;
    let org = create_org(&owner, "projection-org").await;
    let project = create_project(&owner, &org.workspace, "P").await;
    let top = create_dataset(&owner, &project, None, "top").await;
    let child = create_dataset(&owner, &project, Some(&top), "child").await;
    let grandchild = create_dataset(&owner, &project, Some(&child), "grandchild").await;
    for (d, text) in [(&top, "the top"), (&child, "a child"), (&grandchild, "a grandchild")] {
        owner
            .ok(
                "mutation($d: ID!, $t: String!) { updateDataset(input: { datasetId: $d, description: $t }) { dataset { id } } }",
                json!({ "d": d, "t": text }),
            )
            .await;
    }
    add_items(&owner, &grandchild, &[("a.png", 10), ("b.png", 32)]).await;
    add_items(&owner, &child, &[("c.png", 5)]).await;

    let selections = dataset_selections(&owner).await;
    assert!(selections.len() >= 10, "{selections:?}");
    for (field, selection) in selections {
        let lists = format!(
            "query($p: ID!, $top: ID!, $child: ID!) {{
               p: node(id: $p) {{ ... on Project {{ datasets(first: 50) {{ nodes {{ id {selection} }} }} }} }}
               top: node(id: $top) {{ ... on Dataset {{ children(first: 50) {{ edges {{ node {{ id {selection} }} }} }} }} }}
               child: node(id: $child) {{ ... on Dataset {{ children(first: 50) {{ nodes {{ id ... F }} }} }} }} }}
             fragment F on Dataset {{ {selection} }}"
        );
        let d = owner.ok(&lists, json!({ "p": project, "top": top, "child": child })).await;
        let listed: Vec<&Value> = d["p"]["datasets"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(d["top"]["children"]["edges"].as_array().into_iter().flatten().map(|e| &e["node"]))
            .chain(d["child"]["children"]["nodes"].as_array().into_iter().flatten())
            .collect();
        assert_eq!(listed.len(), 3, "{field}: {d}");
        for row in listed {
            let id = row["id"].as_str().unwrap_or_default();
            let whole = owner
                .ok(
                    &format!("query($id: ID!) {{ node(id: $id) {{ ... on Dataset {{ id {selection} }} }} }}"),
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(row, &whole["node"], "Dataset.{field} of {id} differs between a list and node");
        }
    }
});

both!(a_list_selected_twice_with_different_fields_is_read_once, |app: TestApp| async move {
    let owner = app.user("projection-twice").await;
    let org = create_org(&owner, "projection-twice").await;
    let project = create_project(&owner, &org.workspace, "P").await;
    let top = create_dataset(&owner, &project, None, "top").await;
    for name in ["a", "b"] {
        create_dataset(&owner, &project, Some(&top), name).await;
    }
    // The two selections of `children` merge row by row: both must come from one statement
    // (reads are not one transaction), which reads the columns of both and counts.
    let query = "query($d: ID!) { node(id: $d) { ... on Dataset { children(first: 5) { nodes { id } } ...F } } }
        fragment F on Dataset { children(first: 5) { totalCount nodes { name depth } } }";
    let (statements, d) = app.statements_of(owner.ok(query, json!({ "d": top }))).await;
    let lists: Vec<&String> = statements.iter().filter(|s| s.contains("FROM datasets t")).collect();
    assert_eq!(lists.iter().filter(|s| !s.contains("COUNT(")).count(), 1, "{lists:#?}");
    assert_eq!(lists.iter().filter(|s| s.contains("COUNT(")).count(), 1, "{lists:#?}");
    let children = &d["node"]["children"];
    assert_eq!(children["totalCount"], 2, "{d}");
    let names: Vec<(&str, i64)> = children["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| (n["name"].as_str().unwrap_or_default(), n["depth"].as_i64().unwrap_or_default()))
        .collect();
    assert_eq!(names, [("a", 1), ("b", 1)], "{d}");
    assert!(children["nodes"].as_array().into_iter().flatten().all(|n| n["id"].is_string()), "{d}");
});

both!(any_child_list_selected_twice_one_with_its_count_is_read_once, |app: TestApp| async move {
    let owner = app.user("twice-lists").await;
    let org = create_org(&owner, "twice-lists-org").await;
    create_team(&owner, &org.id, "second").await;
    for name in ["p1", "p2"] {
        create_project(&owner, &org.workspace, name).await;
    }
    // Lists narrowed by the viewer's visibility: the two selections (one counting) have
    // the same filter and are read by one statement, and counted by one.
    let cases =
        [("Organization", &org.id, "teams", "FROM teams t", 2), ("Workspace", &org.workspace, "projects", "FROM projects t", 2)];
    for (ty, id, list, table, n) in cases {
        let query = format!(
            "query($i: ID!) {{ node(id: $i) {{ ... on {ty} {{ {list}(first: 5) {{ nodes {{ id }} }} ...F }} }} }}
            fragment F on {ty} {{ {list}(first: 5) {{ totalCount nodes {{ name }} }} }}"
        );
        let (statements, d) = app.statements_of(owner.ok(&query, json!({ "i": id }))).await;
        let lists: Vec<&String> = statements.iter().filter(|s| s.contains(table)).collect();
        assert_eq!(lists.iter().filter(|s| !s.contains("COUNT(")).count(), 1, "{lists:#?}");
        assert_eq!(lists.iter().filter(|s| s.contains("COUNT(")).count(), 1, "{lists:#?}");
        let page = &d["node"][list];
        assert_eq!(page["totalCount"], n, "{d}");
        let nodes = page["nodes"].as_array().cloned().unwrap_or_default();
        assert_eq!(nodes.len(), n, "{d}");
        assert!(nodes.iter().all(|node| node["id"].is_string() && node["name"].is_string()), "{d}");
    }
});

both!(the_viewers_own_lists_selected_twice_one_with_its_count_are_read_once, |app: TestApp| async move {
    let owner = app.user("twice-own").await;
    let org = create_org(&owner, "twice-own-org").await;
    create_team(&owner, &org.id, "second").await;
    // Root-level lists (`load_pages`): the two selections, one counting, read the same
    // rows by one statement and count them by one.
    let cases = [
        ("organizations", "FROM organizations t"),
        ("teams", "FROM teams t"),
        ("memberships", "FROM memberships t"),
        ("apiTokens", "FROM api_tokens t"),
    ];
    for (list, table) in cases {
        let query = format!(
            "{{ viewer {{ {list}(first: 5) {{ nodes {{ id }} }} ...F }} }}
            fragment F on User {{ {list}(first: 5) {{ totalCount nodes {{ id }} }} }}"
        );
        let (statements, d) = app.statements_of(owner.ok(&query, json!({}))).await;
        let lists: Vec<&String> = statements.iter().filter(|s| s.contains(table)).collect();
        assert_eq!(lists.iter().filter(|s| !s.contains("COUNT(")).count(), 1, "{list}: {lists:#?}");
        assert_eq!(lists.iter().filter(|s| s.contains("COUNT(")).count(), 1, "{list}: {lists:#?}");
        let page = &d["viewer"][list];
        let nodes = page["nodes"].as_array().cloned().unwrap_or_default();
        assert_eq!(page["totalCount"], json!(nodes.len()), "{d}");
    }
});
