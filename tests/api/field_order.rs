//! Objects answer their fields in the order the query selects them (the GraphQL
//! specification's `CollectFields`), also when a field waits for a batch and the fields
//! after it do not; with fragments, aliases, `__typename` and a key selected twice; the
//! same bytes over HTTP and over a WebSocket.

use crate::both;
use crate::fixtures::{create_dataset, create_org, create_project};
use crate::helpers::*;
use crate::subscriptions::connect;
use serde_json::json;
use std::time::Duration;

const QUERY: &str = "query($p: ID!) { project: node(id: $p) { ... on Project { datasets(first: 5) {
    nodes { children(first: 5) { nodes { name } } name ...Depth __typename key: id children(first: 5) { totalCount } }
    edges { node { project { name } items(first: 1) { totalCount } id ... on Dataset { depth } } } } } } }
    fragment Depth on Dataset { depth createdBy { name } }";

/// The keys of the answer's objects, in the order the raw JSON text lists them.
fn keys_in_order(text: &str, object_start: &str) -> Vec<String> {
    let from = text.find(object_start).unwrap_or_else(|| panic!("{object_start} not in {text}"));
    let mut keys = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut current) = (0usize, false, false, String::new());
    for c in text[from + object_start.len() - 1..].chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => current.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                current.clear();
            }
            ':' if depth == 1 => keys.push(current.clone()),
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    keys
}

both!(a_list_objects_fields_come_in_selection_order, |app: TestApp| async move {
    let owner = app.user("order-owner").await;
    let org = create_org(&owner, "order-org").await;
    let project = create_project(&owner, &org.workspace, "P").await;
    let top = create_dataset(&owner, &project, None, "top").await;
    create_dataset(&owner, &project, Some(&top), "child").await;

    let (_, text) = owner.post_text(QUERY, json!({ "p": project })).await;
    assert!(!text.contains("\"errors\""), "{text}");

    let node = keys_in_order(&text, "\"nodes\":[{");
    assert_eq!(node, ["children", "name", "depth", "createdBy", "__typename", "key"], "{text}");
    let edge_node = keys_in_order(&text, "\"node\":{");
    assert_eq!(edge_node, ["project", "items", "id", "depth"], "{text}");

    // The key selected twice merges both selections into the first one's place.
    let body: serde_json::Value = serde_json::from_str(&text).expect("json");
    let first = &body["data"]["project"]["datasets"]["nodes"][0];
    assert_eq!(first["children"]["totalCount"], 1, "{text}");
    assert_eq!(first["children"]["nodes"][0]["name"], "child", "{text}");
});

/// The answer of `query` over a `graphql-transport-ws` socket, as the text sent: the
/// `payload` of its `next` message.
pub(crate) async fn over_a_socket(app: &TestApp, client: &Client, query: &str, variables: serde_json::Value) -> String {
    let mut ws = connect(app, "graphql-transport-ws").await.expect("upgrade");
    ws.init(client.token.as_deref().expect("token")).await;
    ws.send(json!({ "id": "q", "type": "subscribe", "payload": { "query": query, "variables": variables } })).await;
    let text = ws.recv_text(Duration::from_secs(30)).await.expect("an answer");
    let (head, tail) = (r#"{"type":"next","id":"q","payload":"#, "}");
    assert!(text.starts_with(head) && text.ends_with(tail), "{text}");
    text[head.len()..text.len() - tail.len()].to_string()
}

both!(every_object_answers_in_selection_order_the_same_bytes_over_http_and_a_socket, |app: TestApp| async move {
    let owner = app.user("order-ws").await;
    let org = create_org(&owner, "order-ws-org").await;
    let project = create_project(&owner, &org.workspace, "P").await;
    for i in 0..3 {
        let top = create_dataset(&owner, &project, None, &format!("top-{i}")).await;
        create_dataset(&owner, &project, Some(&top), "child").await;
    }
    // Small: written on the worker; large (costing more than 2,000): written off it. Root
    // fields, connections and single objects whose fields wait for batches in between.
    let large = "query($p: ID!) { node(id: $p) { ... on Project { items: datasets(first: 100) { totalCount nodes {
        name id children(first: 50) { nodes { name depth id } totalCount } __typename } pageInfo { hasNextPage } } name } }
        viewer { organizations(first: 5) { nodes { slug } totalCount } name id } }";
    for (query, keys) in [
        (QUERY, &["children", "name", "depth", "createdBy", "__typename", "key"][..]),
        (large, &["name", "id", "children", "__typename"]),
    ] {
        let (_, http) = owner.post_text(query, json!({ "p": project })).await;
        assert!(!http.contains("\"errors\"") && http.contains("child"), "{http}");
        assert_eq!(keys_in_order(&http, "\"nodes\":[{"), keys, "{http}");
        // The same bytes every time, over HTTP and over a socket.
        for _ in 0..3 {
            assert_eq!(owner.post_text(query, json!({ "p": project })).await.1, http);
            assert_eq!(over_a_socket(&app, &owner, query, json!({ "p": project })).await, http);
        }
    }
    let (_, http) = owner.post_text(large, json!({ "p": project })).await;
    assert_eq!(keys_in_order(&http, "{\"data\":{"), ["node", "viewer"], "{http}");
    assert_eq!(keys_in_order(&http, "\"node\":{"), ["items", "name"], "{http}");
    assert_eq!(keys_in_order(&http, "\"items\":{"), ["totalCount", "nodes", "pageInfo"], "{http}");
    assert_eq!(keys_in_order(&http, "\"viewer\":{"), ["organizations", "name", "id"], "{http}");
    assert_eq!(keys_in_order(&http, "\"organizations\":{"), ["nodes", "totalCount"], "{http}");
    let (_, http) = owner.post_text(QUERY, json!({ "p": project })).await;
    assert_eq!(keys_in_order(&http, "\"datasets\":{"), ["nodes", "edges"], "{http}");
});

both!(a_key_selected_twice_and_skipped_root_fields_answer_in_selection_order, |app: TestApp| async move {
    let owner = app.user("order-twice").await;
    let org = create_org(&owner, "order-twice-org").await;
    let project = create_project(&owner, &org.workspace, "P").await;
    create_dataset(&owner, &project, None, "top").await;
    // The first `viewer` is skipped: the root answers `node` first. The second and third
    // merge: `organizations` (waits for a batch) before `id name` (do not). Inside `node`,
    // `datasets` is selected twice, counted in one selection and listed in the other.
    let query = "query($p: ID!, $no: Boolean!) {
        viewer @skip(if: $no) { id }
        node(id: $p) { ... on Project { datasets(first: 5) { totalCount } ...F } }
        viewer { organizations(first: 5) { totalCount } }
        viewer { id name } }
        fragment F on Project { datasets(first: 5) { nodes { name } } name }";
    for _ in 0..3 {
        let (_, text) = owner.post_text(query, json!({ "p": project, "no": true })).await;
        assert!(!text.contains("\"errors\""), "{text}");
        assert_eq!(keys_in_order(&text, "{\"data\":{"), ["node", "viewer"], "{text}");
        assert_eq!(keys_in_order(&text, "\"viewer\":{"), ["organizations", "id", "name"], "{text}");
        assert_eq!(keys_in_order(&text, "\"node\":{"), ["datasets", "name"], "{text}");
        assert_eq!(keys_in_order(&text, "\"datasets\":{"), ["totalCount", "nodes"], "{text}");
        // `node` (an interface) selected twice without `__typename`: the one type whose
        // fragments select exactly its keys is the Project; its fragment's order stands.
        let typeless = "query($p: ID!) { node(id: $p) { ... on Dataset { id name depth } ... on Project { name id } }
            node(id: $p) { id } }";
        let (_, text) = owner.post_text(typeless, json!({ "p": project })).await;
        assert_eq!(keys_in_order(&text, "\"node\":{"), ["name", "id"], "{text}");
    }
});

/// Every `nodes` entry beside its `edges` twin (`node`), at any depth of `value`; returns
/// how many connections were compared.
fn compare_twins(value: &serde_json::Value) -> usize {
    let mut compared = 0;
    match value {
        serde_json::Value::Object(map) => {
            if let (Some(nodes), Some(edges)) =
                (map.get("nodes").and_then(|n| n.as_array()), map.get("edges").and_then(|e| e.as_array()))
            {
                assert_eq!(nodes.len(), edges.len(), "{value}");
                for (node, edge) in nodes.iter().zip(edges) {
                    let twin = edge["node"].as_object().expect("an edge's node");
                    for (key, expected) in twin {
                        assert_eq!(&node[key], expected, "`{key}` in a list and through its edge: {value}");
                    }
                }
                compared += usize::from(!nodes.is_empty());
            }
            compared += map.values().map(compare_twins).sum::<usize>();
        }
        serde_json::Value::Array(items) => compared += items.iter().map(compare_twins).sum::<usize>(),
        _ => {}
    }
    compared
}

// A list's objects answer their plain fields (`id`, `name`, `slug`) without running their
// resolvers (`async_graphql::Immediate`); an edge's `node` runs them. Both must agree.
both!(plain_fields_in_a_list_answer_what_their_resolvers_answer, |app: TestApp| async move {
    let owner = app.user("plain-owner").await;
    let org = create_org(&owner, "plain-org").await;
    let project = create_project(&owner, &org.workspace, "P \"quoted\" \u{e9}t\u{e9}").await;
    let top = create_dataset(&owner, &project, None, "top \\ slash").await;
    create_dataset(&owner, &project, Some(&top), "child").await;

    let d = owner
        .ok(
            "{ viewer { organizations(first: 3) { nodes { id slug name __typename teams(first: 3) {
                nodes { id name workspaces(first: 3) {
                  nodes { id name projects(first: 5) {
                    nodes { id name datasets(first: 5) {
                      nodes { id name children(first: 5) { nodes { id name } edges { node { id name } } } }
                      edges { node { id name } } } }
                    edges { node { id name } } } }
                  edges { node { id name } } } }
                edges { node { id name } } } }
              edges { node { id slug name __typename } } } } }",
            json!({}),
        )
        .await;
    // Organizations, teams, workspaces, projects, datasets and children: each level once at least.
    assert!(compare_twins(&d) >= 6, "{d}");
    let orgs = d["viewer"]["organizations"]["nodes"].as_array().expect("organizations");
    let plain = orgs.iter().find(|o| o["slug"] == "plain-org").expect("plain-org");
    let project = &plain["teams"]["nodes"][0]["workspaces"]["nodes"][0]["projects"]["nodes"][0];
    assert_eq!(project["name"], "P \"quoted\" \u{e9}t\u{e9}", "{d}");
});

// A variable left out takes its declared default, in `@skip`/`@include` too (async-graphql
// read only the variables sent there, and left `name @include(if: $i)` out); one sent wins.
both!(skip_and_include_take_a_left_out_variables_default, |app: TestApp| async move {
    let owner = app.user("defaults-owner").await;
    create_org(&owner, "defaults-org").await;
    let query = "query($i: Boolean = true, $s: Boolean = true) {
        viewer { key: id @skip(if: $s) name @include(if: $i) organizations(first: 5) { nodes { ... @include(if: $i) { slug } } } }
        t: __typename @skip(if: $s) }";

    let d = owner.ok(query, json!({})).await;
    let viewer = d["viewer"].as_object().expect("viewer");
    assert_eq!(viewer.keys().collect::<Vec<_>>(), ["name", "organizations"], "{d}");
    assert!(d.get("t").is_none(), "{d}");
    let nodes = d["viewer"]["organizations"]["nodes"].as_array().expect("nodes");
    assert!(nodes.iter().any(|n| n["slug"] == "defaults-org"), "{d}");

    let d = owner.ok(query, json!({ "i": false, "s": false })).await;
    let viewer = d["viewer"].as_object().expect("viewer");
    assert_eq!(viewer.keys().collect::<Vec<_>>(), ["key", "organizations"], "{d}");
    assert_eq!(d["t"], "Query", "{d}");
    assert!(d["viewer"]["organizations"]["nodes"].as_array().expect("nodes").iter().all(|n| n.get("slug").is_none()), "{d}");
});

// An HTTP answer is written as its objects resolve (`async_graphql::JsonAnswers`: their
// JSON text, not a map each), when its document selects no key twice; a socket's answer
// is serialized from the whole answer's tree. The same bytes, with names to escape, with
// and without a key selected twice, and with a field failing beside lists already written.
both!(answers_written_as_objects_resolve_are_the_bytes_of_the_whole_tree, |app: TestApp| async move {
    let owner = app.user("written-owner").await;
    let org = create_org(&owner, "written-org").await;
    let odd = "q\"b\\s/ é 😀 <tag> &amp;";
    let project = create_project(&owner, &org.workspace, odd).await;
    for i in 0..3 {
        let top = create_dataset(&owner, &project, None, &format!("{odd} {i}")).await;
        create_dataset(&owner, &project, Some(&top), &format!("child {odd}")).await;
    }
    let tree = "node(id: $p) { ... on Project { name datasets(first: 5) { totalCount nodes { id name __typename
        children(first: 5) { nodes { n: name id depth parent { name } } pageInfo { hasNextPage endCursor } } }
        edges { cursor node { name createdBy { name } } } } } }
        viewer { organizations(first: 5) { nodes { slug name teams(first: 5) { nodes { name } } } } }";
    let once = format!("query($p: ID!) {{ {tree} }}");
    // `n` twice: merged, so this one is answered as a tree, HTTP too.
    let twice = once.replace("n: name id", "n: name id n: name");
    let failing = format!(
        "query($p: ID!) {{ {tree} bad: node(id: $p) {{ ... on Project {{ datasets(first: 5) {{ nodes {{ name items(first: 0) {{ totalCount }} }} }} }} }} }}"
    );
    let (_, http) = owner.post_text(&once, json!({ "p": project })).await;
    assert!(!http.contains("\"errors\"") && http.contains("child q\\\"b\\\\s/ é 😀 <tag>"), "{http}");
    assert_eq!(owner.post_text(&twice, json!({ "p": project })).await.1, http);
    for query in [&once, &twice, &failing] {
        let (_, http) = owner.post_text(query, json!({ "p": project })).await;
        assert_eq!(over_a_socket(&app, &owner, query, json!({ "p": project })).await, http, "{query}");
    }
    let (_, http) = owner.post_text(&failing, json!({ "p": project })).await;
    assert!(http.contains("\"errors\"") && http.contains("\"bad\":"), "{http}");
});
