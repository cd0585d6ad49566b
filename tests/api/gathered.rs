//! A connection field of a list's items is answered for all of them together
//! (`graphql::gather`): each item's connection must be the very bytes its own resolver
//! answers, read on that one object through `node`, for every kind of selection and
//! argument, with a refused argument's error at each item's path; the same over a socket.

use crate::both;
use crate::field_order::over_a_socket;
use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};

/// One object read alone: its text, or its errors (message, path after `node`).
type Alone = Result<String, Vec<(String, Vec<Value>)>>;

/// The `{ id <selection> }` object of each of `ids` read alone (`node`).
async fn alone(client: &Client, on: &str, selection: &str, ids: &[String]) -> Vec<Alone> {
    let query = format!("query($id: ID!) {{ node(id: $id) {{ ... on {on} {{ id {selection} }} }} }}");
    let mut each = Vec::new();
    for id in ids {
        let (_, text) = client.post_text(&query, json!({ "id": id })).await;
        let answer: Value = serde_json::from_str(&text).expect("JSON");
        let errors: Vec<(String, Vec<Value>)> = answer["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| (e["message"].as_str().expect("message").to_string(), e["path"].as_array().expect("path")[1..].to_vec()))
            .collect();
        each.push(match text.strip_prefix("{\"data\":{\"node\":").and_then(|t| t.strip_suffix("}}")) {
            Some(object) if errors.is_empty() => Ok(object.to_string()),
            _ => Err(errors),
        });
    }
    each
}

/// An answer as text, with its errors (if any) sorted: several errors may be recorded in
/// either order.
fn sorted_errors(text: &str) -> String {
    let mut answer: Value = serde_json::from_str(text).expect("JSON");
    match answer.get_mut("errors").and_then(Value::as_array_mut) {
        Some(errors) => {
            errors.sort_by_key(Value::to_string);
            answer.to_string()
        }
        None => text.to_string(),
    }
}

/// What a list query reads: its text and variables, and where its items are: the text
/// before and after them (when none fails), the path of the list.
struct List<'a> {
    query: String,
    vars: Value,
    around: (&'a str, &'a str),
    path: &'a [&'a str],
}

/// `list` answers `{"data":` + the text before + the objects of `ids` (of type `on`) as
/// each answers `{ id <selection> }` alone + the text after + `}`, byte for byte; or,
/// when they fail alone, each of their errors at the item's path. Over HTTP and over a
/// socket alike.
async fn answered_as_alone(app: &TestApp, client: &Client, list: &List<'_>, on: &str, selection: &str, ids: &[String]) {
    let (_, text) = client.post_text(&list.query, list.vars.clone()).await;
    let socket = over_a_socket(app, client, &list.query, list.vars.clone()).await;
    assert_eq!(sorted_errors(&socket), sorted_errors(&text), "{}", list.query);
    let each = alone(client, on, selection, ids).await;
    if each.iter().all(Result::is_ok) {
        let objects: Vec<String> = each.into_iter().map(|o| o.expect("checked")).collect();
        let (before, after) = list.around;
        assert_eq!(text, format!("{{\"data\":{before}{}{after}}}", objects.join(",")), "{selection}");
        return;
    }
    let answer: Value = serde_json::from_str(&text).expect("JSON");
    let mut got: Vec<(String, Value)> = answer["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["message"].as_str().expect("message").to_string(), e["path"].clone()))
        .collect();
    let mut wanted = Vec::new();
    for (index, errors) in each.into_iter().enumerate() {
        for (message, rest) in errors.err().unwrap_or_default() {
            let mut path: Vec<Value> = list.path.iter().map(|p| json!(p)).collect();
            path.push(json!(index));
            path.extend(rest);
            wanted.push((message, Value::Array(path)));
        }
    }
    got.sort_by_key(|e| e.1.to_string());
    wanted.sort_by_key(|e| e.1.to_string());
    assert!(!wanted.is_empty());
    assert_eq!(got, wanted, "{selection}: {text}");
}

/// Connection selections every gathered field is read with: plain ones (written as text),
/// ones that need resolvers (resolved item by item), aliases, paging both ways, refused
/// arguments, and a plain connection beside a failing one.
fn selections(field: &str, node: &str) -> Vec<String> {
    [
        format!("{field} {{ nodes {{ id name }} }}"),
        format!("{field}(first: 2) {{ nodes {{ id name __typename }} totalCount __typename }}"),
        format!("{field}(last: 2) {{ nodes {{ name }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }}"),
        format!("{field}(first: 5) {{ edges {{ cursor node {{ name }} }} totalCount }}"),
        format!("{field}(first: 3) {{ nodes {{ id name {node} }} totalCount }}"),
        format!("c: {field}(first: 1) {{ n: nodes {{ i: id }} t: totalCount }}"),
        format!("{field}(first: 0) {{ nodes {{ id }} }}"),
        format!("{field}(first: 2, last: 2) {{ totalCount }}"),
        // Written as text beside a field that fails in every item.
        format!("{field}(first: 2) {{ nodes {{ id name }} totalCount }} refused: {field}(first: 0) {{ totalCount }}"),
    ]
    .into()
}

both!(connections_of_a_list_answered_together_are_what_each_item_answers_alone, |app: TestApp| async move {
    let owner = app.user("gather-owner").await;
    let org = create_org(&owner, "gather-org").await;
    let (team, first) = create_team(&owner, &org.id, "Second \"team\"").await;
    let second = create_workspace(&owner, &team, "Other ws é").await;
    let mut projects = Vec::new();
    for (w, workspace) in [&first, &second, &org.workspace].into_iter().enumerate() {
        for p in 0..w + 1 {
            projects.push(create_project(&owner, workspace, &format!("project {w}.{p} 😀")).await);
        }
    }
    let project = &projects[0];
    let mut tops = Vec::new();
    for (i, children) in [0, 1, 3, 7].into_iter().enumerate() {
        let top = create_dataset(&owner, project, None, &format!("top {i}")).await;
        for c in 0..children {
            create_dataset(&owner, project, Some(&top), &format!("child \"{c}\" <é>")).await;
        }
        tops.push(top);
    }
    // Children whose answers are long: above 1 KiB each level's text holds its children's
    // by reference (a rope, `async_graphql::json`), written out only into the answer.
    let long = create_dataset(&owner, project, None, "top with long names").await;
    for c in 0..9 {
        create_dataset(&owner, project, Some(&long), &format!("{c} \"long\" {}", "name é😀 ".repeat(12))).await;
    }
    tops.push(long);

    // Dataset.children, in a project's datasets.
    for selection in selections("children", "depth description parent { name } createdBy { name }") {
        let query = format!(
            "query($p: ID!) {{ node(id: $p) {{ ... on Project {{ datasets(first: 10) {{ nodes {{ id {selection} }} }} }} }} }}"
        );
        let list = List {
            query,
            vars: json!({ "p": project }),
            around: ("{\"node\":{\"datasets\":{\"nodes\":[", "]}}}"),
            path: &["node", "datasets", "nodes"],
        };
        answered_as_alone(&app, &owner, &list, "Dataset", &selection, &tops).await;
    }

    // Team.workspaces, in an organization's teams.
    let teams = vec![org.team.clone(), team.clone()];
    for selection in selections("workspaces", "description projects(first: 3) { nodes { name } }") {
        let query = format!(
            "query($o: ID!) {{ node(id: $o) {{ ... on Organization {{ teams(first: 5) {{ nodes {{ id {selection} }} }} }} }} }}"
        );
        let list = List {
            query,
            vars: json!({ "o": org.id }),
            around: ("{\"node\":{\"teams\":{\"nodes\":[", "]}}}"),
            path: &["node", "teams", "nodes"],
        };
        answered_as_alone(&app, &owner, &list, "Team", &selection, &teams).await;
    }

    // The whole tree at once, its long texts shared from level to level: the same bytes as
    // over a socket (answers written by serde_json, whole).
    let tree = "query($o: ID!) { node(id: $o) { ... on Organization { teams(first: 5) { nodes { id name
        workspaces(first: 5) { nodes { id name projects(first: 5) { nodes { id name datasets(first: 10) { nodes {
        id name children(first: 10) { nodes { id name } totalCount } } } } } } } } } } } }";
    let (_, http) = owner.post_text(tree, json!({ "o": org.id })).await;
    assert!(http.contains("long") && http.len() > 4_000 && !http.contains("errors"), "{}: {http}", http.len());
    assert_eq!(http, over_a_socket(&app, &owner, tree, json!({ "o": org.id })).await);

    // Workspace.projects, in a team's workspaces.
    let workspaces = vec![first.clone(), second.clone()];
    for selection in selections("projects", "description datasets(first: 2) { nodes { name } }") {
        let query = format!(
            "query($t: ID!) {{ node(id: $t) {{ ... on Team {{ workspaces(first: 5) {{ nodes {{ id {selection} }} }} }} }} }}"
        );
        let list = List {
            query,
            vars: json!({ "t": team }),
            around: ("{\"node\":{\"workspaces\":{\"nodes\":[", "]}}}"),
            path: &["node", "workspaces", "nodes"],
        };
        answered_as_alone(&app, &owner, &list, "Workspace", &selection, &workspaces).await;
    }
});
