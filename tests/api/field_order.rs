//! The objects of a list answer their fields in the order the query selects them (the
//! GraphQL specification's `CollectFields`), also when a field waits for a batch and the
//! fields after it do not; with fragments, aliases, `__typename` and a key selected twice.

use crate::both;
use crate::fixtures::{create_dataset, create_org, create_project};
use crate::helpers::*;
use serde_json::json;

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
