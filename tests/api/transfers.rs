//! Project transfers: to another workspace of the team, or to another team or
//! organization; delete rights at the source, create rights at the destination;
//! memberships that cannot follow are detached and reported.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::{Value, json};

const WHERE: &str = "query($p: ID!) { node(id: $p) { ... on Project { name workspace { id } team { id organization { id } }
    datasets(first: 5) { nodes { name } } members(first: 10) { nodes { user { id } role { key } } } } } }";

async fn where_is(c: &Client, p: &str) -> Value {
    c.ok(WHERE, json!({ "p": p })).await["node"].clone()
}

both!(a_project_moves_to_another_workspace_and_to_another_organization, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let a = create_org(&owner, "a-org").await;
    let p = create_project(&owner, &a.workspace, "Cars").await;
    create_dataset(&owner, &p, None, "train").await;
    let ws2 = create_workspace(&owner, &a.team, "Two").await;
    // Within the team.
    let d = owner.ok(TRANSFER_PROJECT, json!({ "p": p, "w": ws2 })).await;
    assert_eq!(d["transferProject"]["project"]["workspace"]["id"], ws2.as_str());
    assert_eq!(d["transferProject"]["detachedMemberships"], json!([]));

    // To another organization: a labeler who is only in a-org is detached; one in both stays.
    let b = create_org(&owner, "b-org").await;
    let (only_a, both_orgs) = (app.user("onlya").await, app.user("both").await);
    add_member(&owner, &a.id, &only_a, "worker").await;
    add_member(&owner, &a.id, &both_orgs, "worker").await;
    add_member(&owner, &b.id, &both_orgs, "worker").await;
    add_member(&owner, &p, &only_a, "labeler").await;
    add_member(&owner, &p, &both_orgs, "reviewer").await;
    let d = owner.ok(TRANSFER_PROJECT, json!({ "p": p, "w": b.workspace })).await;
    assert_eq!(
        d["transferProject"]["detachedMemberships"],
        json!([{ "user": { "id": only_a.id }, "role": { "key": "labeler" } }])
    );
    let now = where_is(&owner, &p).await;
    assert_eq!(now["team"]["id"], b.team.as_str());
    assert_eq!(now["team"]["organization"]["id"], b.id.as_str());
    assert_eq!(now["datasets"]["nodes"], json!([{ "name": "train" }]));
    assert_eq!(now["members"]["nodes"], json!([{ "user": { "id": both_orgs.id }, "role": { "key": "reviewer" } }]));
    // The detached labeler no longer sees it; the reviewer still does.
    assert!(only_a.ok(WHERE, json!({ "p": p })).await["node"].is_null());
    assert_eq!(both_orgs.ok(WHERE, json!({ "p": p })).await["node"]["name"], "Cars");
    // Both teams' activity logs record the transfer.
    let q = "query($t: ID!) { node(id: $t) { ... on Team { activity(first: 20) { nodes { action objectName } } } } }";
    for team in [&a.team, &b.team] {
        let log = owner.ok(q, json!({ "t": team })).await;
        assert!(log["node"]["activity"]["nodes"].as_array().expect("log").iter().any(|e| e["action"] == "transferred"), "{log}");
    }
});

both!(transfers_need_delete_rights_at_the_source_and_create_rights_at_the_destination, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let a = create_org(&owner, "a-org").await;
    let dev = app.user("dev").await;
    add_member(&owner, &a.id, &dev, "worker").await;
    add_member(&owner, &a.team, &dev, "developer").await;
    let theirs = create_project(&owner, &a.workspace, "Owners").await;
    let mine = create_project(&dev, &a.workspace, "Mine").await;
    // Another team of the organization where the developer is only a viewer.
    let (other_team, other_ws) = create_team(&owner, &a.id, "Other").await;
    add_member(&owner, &other_team, &dev, "viewer").await;
    let stranger = app.user("stranger").await;
    let hidden = create_org(&stranger, "hidden").await;

    let before = where_is(&owner, &mine).await;
    // Not their project: delete rights missing.
    assert_eq!(dev.code(TRANSFER_PROJECT, json!({ "p": theirs, "w": other_ws })).await, "FORBIDDEN");
    // Their project, but only a viewer at the destination.
    assert_eq!(dev.code(TRANSFER_PROJECT, json!({ "p": mine, "w": other_ws })).await, "FORBIDDEN");
    // A destination they cannot see.
    assert_eq!(dev.code(TRANSFER_PROJECT, json!({ "p": mine, "w": hidden.workspace })).await, "NOT_FOUND");
    // Already there.
    assert_eq!(owner.code(TRANSFER_PROJECT, json!({ "p": mine, "w": a.workspace })).await, "FAILED_PRECONDITION");
    // A name taken at the destination.
    create_project(&owner, &other_ws, "Mine").await;
    assert_eq!(owner.code(TRANSFER_PROJECT, json!({ "p": mine, "w": other_ws })).await, "CONFLICT");
    assert_eq!(where_is(&owner, &mine).await, before, "nothing changed");
    // Promoted to developer there, the developer moves their own project.
    let membership = membership_id(&owner, &other_team, &dev).await;
    owner.ok(CHANGE_ROLE, json!({ "m": membership, "r": "developer" })).await;
    let clash = owner
        .ok(
            "query($w: ID!) { node(id: $w) { ... on Workspace { projects(first: 10) { nodes { id name } } } } }",
            json!({ "w": other_ws }),
        )
        .await;
    let clash_id = clash["node"]["projects"]["nodes"]
        .as_array()
        .expect("projects")
        .iter()
        .find(|p| p["name"] == "Mine")
        .expect("clash")["id"]
        .clone();
    owner.ok(DELETE_PROJECT, json!({ "p": clash_id })).await;
    let d = dev.ok(TRANSFER_PROJECT, json!({ "p": mine, "w": other_ws })).await;
    assert_eq!(d["transferProject"]["project"]["team"]["id"], other_team.as_str());
});

both!(roles_follow_a_project_into_another_organization_only_when_it_has_them, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let a = create_org(&owner, "a-org").await;
    let p = create_project(&owner, &a.workspace, "Cars").await;
    owner
        .ok(
            "mutation($o: ID!) { createRole(input: { organizationId: $o, key: \"peek\", name: \"Peek\", scopeKind: PROJECT,
               permissions: [\"project.read\", \"dataset.read\"] }) { role { key } } }",
            json!({ "o": a.id }),
        )
        .await;
    // The destination runs the LABELBOX preset: it has `reviewer` but no `lead` project role.
    let d = owner.ok(CREATE_ORGANIZATION, json!({ "s": "b-org", "p": "LABELBOX" })).await;
    let b_id = d["createOrganization"]["organization"]["id"].as_str().expect("org").to_string();
    let (_, b_ws) = create_team(&owner, &b_id, "Core").await;
    let (peek, rev, lead) = (app.user("peek").await, app.user("rev").await, app.user("lead").await);
    for (u, role) in [(&peek, "peek"), (&rev, "reviewer"), (&lead, "lead")] {
        add_member(&owner, &a.id, u, "worker").await;
        add_member(&owner, &b_id, u, "member").await;
        add_member(&owner, &p, u, role).await;
    }
    let d = owner.ok(TRANSFER_PROJECT, json!({ "p": p, "w": b_ws })).await;
    let mut detached: Vec<String> = d["transferProject"]["detachedMemberships"]
        .as_array()
        .expect("list")
        .iter()
        .map(|m| m["role"]["key"].as_str().unwrap_or_default().to_string())
        .collect();
    detached.sort();
    assert_eq!(detached, ["lead", "peek"]);
    // The reviewer holds LABELBOX's reviewer role now; a-org's role managers no longer
    // reach the project through `peek`.
    assert_eq!(
        where_is(&owner, &p).await["members"]["nodes"],
        json!([{ "user": { "id": rev.id }, "role": { "key": "reviewer" } }])
    );
    assert!(peek.ok(WHERE, json!({ "p": p })).await["node"].is_null());
    // And a-org can go, custom role and all.
    owner.ok(DELETE_ORGANIZATION, json!({ "o": a.id })).await;
});
