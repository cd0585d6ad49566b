//! A failed field answers `null`, and a `null` where the schema allows none makes its
//! parent `null`, up to the nearest nullable place (the GraphQL specification, "Handling
//! Execution Errors"). async-graphql 7 left a failed field's key out of the answer: a
//! client generated from `schema.graphql` met a missing key where it expected a value,
//! or an object where its non-null field had no answer.

use crate::both;
use crate::helpers::*;
use serde_json::{Value, json};

/// The answer's `data`, with its first error's code and path.
async fn answer(c: &Client, query: &str, variables: Value) -> (Value, String, Value) {
    let (_, body) = c.post(query, variables).await;
    let first = &body["errors"][0];
    assert!(body.get("data").is_some(), "executed: {body}");
    (body["data"].clone(), first["extensions"]["code"].as_str().unwrap_or_default().to_string(), first["path"].clone())
}

both!(a_failed_field_answers_null_and_a_null_in_a_non_null_place_nulls_its_parent, |app: TestApp| async move {
    let t = crate::fixtures::DefaultOrg::new(&app).await;
    let c = &t.owner;

    // A nullable root field: its key stays, null; its sibling answers.
    let (data, code, path) = answer(c, "{ viewer { id } node(id: \"zzz\") { id } }", json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(path, json!(["node"]));
    assert_eq!(data["viewer"]["id"], c.id.as_str(), "{data}");
    assert!(data.as_object().is_some_and(|o| o.contains_key("node")) && data["node"].is_null(), "{data}");

    // A nullable field of an object: null there (every other field of the object failing
    // or not: async-graphql made the object null when none answered).
    let (data, code, path) = answer(c, "{ viewer { organizations(first: 0) { totalCount } } }", json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(path, json!(["viewer", "organizations"]));
    assert_eq!(data, json!({ "viewer": { "organizations": null } }));

    // A non-null root field: `data` itself is null.
    let (data, code, path) = answer(c, "{ viewer { id } nodes(ids: [\"zzz\"]) { id } }", json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(path, json!(["nodes"]));
    assert!(data.is_null(), "{data}");

    // A nullable field answers null inside its object; a non-null one nulls the object,
    // and that stops at the nullable `node`.
    let team = "query($t: ID!) { node(id: $t) { ... on Team { name invitations(first: 0) { totalCount } } } }";
    let (data, _, _) = answer(c, team, json!({ "t": t.team })).await;
    assert_eq!(data["node"]["name"], "Core", "{data}");
    assert!(data["node"].as_object().is_some_and(|o| o.contains_key("invitations")), "{data}");
    assert!(data["node"]["invitations"].is_null(), "{data}");
    let team = "query($t: ID!) { node(id: $t) { ... on Team { name workspaces(first: 0) { totalCount } } } }";
    let (data, _, _) = answer(c, team, json!({ "t": t.team })).await;
    assert_eq!(data, json!({ "node": null }));

    // In its place among the object's keys, in a list's objects as in any other.
    let placed = "{ viewer { organizations(first: 5) { nodes { slug invitations(first: 0) { totalCount } name } } } }";
    let (_, text) = c.post_text(placed, json!({})).await;
    assert!(text.contains(r#""slug":"acme","invitations":null,"name":"#), "{text}");

    // In a list of non-null items: the failed item nulls the list, the list its
    // non-null connection, and so on up to `node`.
    let teams = "query($o: ID!) { v: viewer { id } node(id: $o) { ... on Organization { slug
        teams(first: 10) { nodes { id workspaces(first: 0) { totalCount } } } } } }";
    let (data, code, _) = answer(c, teams, json!({ "o": t.org })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(data["v"]["id"], c.id.as_str(), "{data}");
    assert!(data.as_object().is_some_and(|o| o.contains_key("node")) && data["node"].is_null(), "{data}");

    // Every field of an object failed: nullable fields answer null, the object stays.
    let only = "query($o: ID!) { node(id: $o) { ... on Organization { invitations(first: 0) { totalCount } } } }";
    let (data, _, _) = answer(c, only, json!({ "o": t.org })).await;
    assert_eq!(data, json!({ "node": { "invitations": null } }));

    // A key selected twice: the copy made null takes the merge with it, whichever finished
    // first (the merge kept the other copy, without the failed key). On an interface the
    // merged object's type must be known: by `__typename`, or its keys.
    let twice = "query($t: ID!) { a: node(id: $t) { __typename id }
        a: node(id: $t) { ... on Team { workspaces(first: 0) { totalCount } } } }";
    let (data, _, _) = answer(c, twice, json!({ "t": t.team })).await;
    assert_eq!(data, json!({ "a": null }));
    let twice = "query($t: ID!) { node(id: $t) { ... on Team { x: workspaces(first: 1) { totalCount }
        x: workspaces(first: 1) { nodes { projects(first: 0) { totalCount } } } } } }";
    let (data, _, _) = answer(c, twice, json!({ "t": t.team })).await;
    assert_eq!(data, json!({ "node": null }));

    // A mutation's failed root field: null where its payload is non-null means `data`
    // is null, as for a query.
    let create = "mutation { createOrganization(input: { slug: \"Not A Slug!\" }) { organization { id } } }";
    let (data, code, _) = answer(c, create, json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(data.is_null(), "{data}");
});

both!(a_subscription_event_is_completed_at_its_root_too, |app: TestApp| async move {
    use crate::subscriptions::{Event, connect};
    let owner = app.user("owner").await;
    let org = crate::fixtures::create_org(&owner, "acme").await;
    let mut ws = connect(&app, "graphql-transport-ws").await.expect("upgrade");
    ws.init(&token("bob", "bob@example.com", None)).await;
    // `Organization.teams` fails: the organization, then the invitation, then `data`.
    let query = "subscription { invitationReceived { id organization { teams(first: 0) { totalCount } } } }";
    ws.send(json!({ "id": "1", "type": "subscribe", "payload": { "query": query } })).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    owner.ok(crate::ops::INVITE, json!({ "s": org.id, "e": "bob@example.com", "r": "worker" })).await;
    match ws.recv(std::time::Duration::from_secs(10)).await {
        Event::Json(v) => {
            assert_eq!(v["type"], "next", "{v}");
            assert!(v["payload"].get("data").is_some_and(Value::is_null), "{v}");
            assert_eq!(v["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{v}");
        }
        other => panic!("expected the event, got {other:?}"),
    }
});

both!(fields_an_ordinary_viewer_reaches_never_fail_for_their_place, |app: TestApp| async move {
    // Non-null fields that failed for a legitimate viewer, which now nulls their parents.
    let t = crate::fixtures::DefaultOrg::new(&app).await;
    // `assignableRoles` of an organization reached through a published project (or an
    // invitation) by someone outside it: empty, as `roles` is, not NOT_FOUND (which made
    // the whole `explore` answer null).
    t.owner.ok(crate::ops::PUBLISH_PROJECT, json!({ "p": t.project })).await;
    let explore = "{ explore(first: 5) { nodes { name team { organization { slug roles { key } assignableRoles { key } } } } } }";
    let d = t.outsider.ok(explore, json!({})).await;
    assert_eq!(d["explore"]["nodes"][0]["team"]["organization"]["assignableRoles"], json!([]), "{d}");
    // One role key filtering the members of each of the viewer's organizations: a custom
    // role of one is no input error in the other, where nobody holds it.
    let create = "mutation($o: ID!) { createRole(input: { organizationId: $o, key: \"qa\", name: \"QA\",
        scopeKind: ORGANIZATION, permissions: [\"org.read\"] }) { role { key } } }";
    t.owner.ok(create, json!({ "o": t.org })).await;
    let members = "{ viewer { organizations(first: 10) { nodes { slug members(role: \"qa\") { totalCount } } } } }";
    let d = t.owner.ok(members, json!({})).await;
    let nodes = d["viewer"]["organizations"]["nodes"].as_array().expect("organizations").clone();
    assert_eq!(nodes.len(), 2, "the personal organization and acme: {d}");
    assert!(nodes.iter().all(|n| n["members"]["totalCount"] == 0), "{d}");
    // A key no organization of the viewer knows stays an input error.
    assert_eq!(
        t.owner
            .code("{ viewer { organizations(first: 10) { nodes { members(role: \"nope\") { totalCount } } } } }", json!({}))
            .await,
        "BAD_USER_INPUT"
    );
});

// Errors are recorded as fields fail, as async-graphql records them: an object's field
// that fails at once comes before the errors of its slower fields' objects, wherever the
// object is (a root field's object, a list's item, behind `node`).
both!(an_objects_own_error_comes_before_its_slower_fields_errors, |app: TestApp| async move {
    let t = crate::fixtures::DefaultOrg::new(&app).await;
    let c = &t.owner;
    let paths = |body: &Value| body["errors"].as_array().expect("errors").iter().map(|e| e["path"].clone()).collect::<Vec<_>>();

    let query = "query($s: String!) { organization(slug: $s) { invitations(first: 0) { totalCount }
        teams(first: 5) { nodes { invitations(first: 0) { totalCount } } } } }";
    let (_, body) = c.post(query, json!({ "s": t.slug })).await;
    let paths = paths(&body);
    assert_eq!(paths[0], json!(["organization", "invitations"]), "{body}");
    assert_eq!(paths[1], json!(["organization", "teams", "nodes", 0, "invitations"]), "{body}");
});
