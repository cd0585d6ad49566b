//! The hierarchy (RULES.md §4): names, sibling uniqueness, datasets as folders (move,
//! cycles, depth cap, ancestors), cascading deletes and pagination.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use serde_json::{Value, json};

const DATASET: &str = "query($id: ID!) { node(id: $id) { ... on Dataset { name depth parent { id } ancestors { name } children(first: 10) { totalCount nodes { name depth } } } } }";

async fn dataset(c: &Client, id: &str) -> Value {
    c.ok(DATASET, json!({ "id": id })).await["node"].clone()
}

both!(datasets_nest_like_folders, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let b = create_dataset(&owner, &p, Some(&a), "b").await;
    let c = create_dataset(&owner, &p, Some(&b), "c").await;
    let dc = dataset(&owner, &c).await;
    assert_eq!(dc["depth"], 2);
    assert_eq!(dc["ancestors"], json!([{ "name": "a" }, { "name": "b" }]));
    assert_eq!(dataset(&owner, &a).await["children"]["nodes"], json!([{ "name": "b", "depth": 1 }]));
    let top = owner
        .ok(
            "query($p: ID!) { node(id: $p) { ... on Project { datasets(first: 10) { totalCount nodes { name } } } } }",
            json!({ "p": p }),
        )
        .await;
    assert_eq!(top["node"]["datasets"]["totalCount"], 1, "sub-datasets are not top-level: {top}");

    // Move b (with c) to the top: depths follow.
    owner.ok(MOVE_DATASET, json!({ "d": b, "p": null })).await;
    assert_eq!(dataset(&owner, &c).await["depth"], 1);
    assert_eq!(dataset(&owner, &c).await["ancestors"], json!([{ "name": "b" }]));
    // And back under a.
    owner.ok(MOVE_DATASET, json!({ "d": b, "p": a })).await;
    assert_eq!(dataset(&owner, &c).await["depth"], 2);
});

both!(moving_a_dataset_under_itself_or_a_descendant_fails_and_changes_nothing, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let b = create_dataset(&owner, &p, Some(&a), "b").await;
    let before = dataset(&owner, &a).await;
    assert_eq!(owner.code(MOVE_DATASET, json!({ "d": a, "p": a })).await, "FAILED_PRECONDITION");
    assert_eq!(owner.code(MOVE_DATASET, json!({ "d": a, "p": b })).await, "FAILED_PRECONDITION");
    assert_eq!(dataset(&owner, &a).await, before);
    // A dataset of another project is not a valid parent.
    let q = create_project(&owner, &org.workspace, "Bikes").await;
    let other = create_dataset(&owner, &q, None, "x").await;
    assert_eq!(owner.code(MOVE_DATASET, json!({ "d": a, "p": other })).await, "FAILED_PRECONDITION");
    assert_eq!(dataset(&owner, &a).await, before);
});

both!(
    the_depth_cap_holds_for_create_and_move,
    settings = |s: &mut orgraph::config::Settings| s.max_dataset_depth = 3,
    |app: TestApp| async move {
        let owner = app.user("owner").await;
        let org = create_org(&owner, "acme").await;
        let p = create_project(&owner, &org.workspace, "Cars").await;
        let a = create_dataset(&owner, &p, None, "a").await;
        let b = create_dataset(&owner, &p, Some(&a), "b").await;
        let c = create_dataset(&owner, &p, Some(&b), "c").await;
        assert_eq!(owner.code(CREATE_DATASET, json!({ "p": p, "parent": c, "n": "d" })).await, "FAILED_PRECONDITION");
        // A two-level subtree cannot move under b (it would reach depth 3).
        let x = create_dataset(&owner, &p, None, "x").await;
        create_dataset(&owner, &p, Some(&x), "y").await;
        assert_eq!(owner.code(MOVE_DATASET, json!({ "d": x, "p": b })).await, "FAILED_PRECONDITION");
        assert_eq!(dataset(&owner, &x).await["depth"], 0);
        owner.ok(MOVE_DATASET, json!({ "d": x, "p": a })).await;
        assert_eq!(dataset(&owner, &x).await["depth"], 1);
    }
);

both!(sibling_names_are_unique_and_trimmed, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    assert_eq!(owner.code(CREATE_TEAM, json!({ "o": org.id, "n": "  Core " })).await, "CONFLICT");
    assert_eq!(owner.code(CREATE_WORKSPACE, json!({ "t": org.team, "n": "First Workspace" })).await, "CONFLICT");
    let d = owner.ok(CREATE_WORKSPACE, json!({ "t": org.team, "n": "  Second  " })).await;
    assert_eq!(d["createWorkspace"]["workspace"]["name"], "Second");
    let p = create_project(&owner, &org.workspace, "Cars").await;
    assert_eq!(owner.code(CREATE_PROJECT, json!({ "w": org.workspace, "n": "Cars" })).await, "CONFLICT");
    let a = create_dataset(&owner, &p, None, "a").await;
    create_dataset(&owner, &p, Some(&a), "a").await; // same name, other parent: fine
    assert_eq!(owner.code(CREATE_DATASET, json!({ "p": p, "parent": null, "n": "a" })).await, "CONFLICT");
    // Moving a dataset next to a sibling of the same name is a conflict too.
    let b = create_dataset(&owner, &p, None, "b").await;
    let inner_b = create_dataset(&owner, &p, Some(&a), "b").await;
    assert_eq!(owner.code(MOVE_DATASET, json!({ "d": inner_b, "p": null })).await, "CONFLICT");
    let _ = b;
    for bad in ["", "   ", &"x".repeat(129)] {
        assert_eq!(owner.code(CREATE_TEAM, json!({ "o": org.id, "n": bad })).await, "BAD_USER_INPUT");
    }
    let count = owner
        .ok("query($o: ID!) { node(id: $o) { ... on Organization { teams(first: 10) { totalCount } } } }", json!({ "o": org.id }))
        .await;
    assert_eq!(count["node"]["teams"]["totalCount"], 1, "nothing written by refused mutations");
});

both!(updates_rename_and_describe, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let d = owner
        .ok(
            "mutation($t: ID!, $w: ID!, $p: ID!, $d: ID!) {
               updateTeam(input: { teamId: $t, name: \"Platform\" }) { team { name } }
               updateWorkspace(input: { workspaceId: $w, name: \"Main\", description: \"all work\" }) { workspace { name description } }
               updateProject(input: { projectId: $p, description: \"cars and trucks\" }) { project { name description } }
               updateDataset(input: { datasetId: $d, name: \"train\" }) { dataset { name } } }",
            json!({ "t": org.team, "w": org.workspace, "p": p, "d": a }),
        )
        .await;
    assert_eq!(d["updateTeam"]["team"]["name"], "Platform");
    assert_eq!(d["updateWorkspace"]["workspace"], json!({ "name": "Main", "description": "all work" }));
    assert_eq!(d["updateProject"]["project"], json!({ "name": "Cars", "description": "cars and trucks" }));
    assert_eq!(d["updateDataset"]["dataset"]["name"], "train");
    let org2 = owner
        .ok(
            "mutation($o: ID!) { updateOrganization(input: { organizationId: $o, name: \"Acme Inc\", location: \"Berlin\", contactEmail: \"OPS@acme.io\" }) { organization { name location contactEmail slug } } }",
            json!({ "o": org.id }),
        )
        .await;
    assert_eq!(
        org2["updateOrganization"]["organization"],
        json!({ "name": "Acme Inc", "location": "Berlin", "contactEmail": "ops@acme.io", "slug": "acme" })
    );
});

both!(deletes_remove_everything_below, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let b = create_dataset(&owner, &p, Some(&a), "b").await;
    owner.ok(DELETE_DATASET, json!({ "d": a })).await;
    let gone = owner.ok(NODES, json!({ "ids": [a, b, p] })).await;
    assert_eq!(gone["nodes"][0], Value::Null);
    assert_eq!(gone["nodes"][1], Value::Null);
    assert!(gone["nodes"][2].is_object());
    let c = create_dataset(&owner, &p, None, "c").await;
    create_workspace(&owner, &org.team, "second").await;
    owner.ok(DELETE_WORKSPACE, json!({ "w": org.workspace })).await;
    let gone = owner.ok(NODES, json!({ "ids": [p, c] })).await;
    assert_eq!(gone["nodes"], json!([null, null]));
    owner.ok(DELETE_TEAM, json!({ "t": org.team })).await;
    owner.ok(DELETE_ORGANIZATION, json!({ "o": org.id })).await;
    assert!(owner.node(&org.id).await.is_null());
    // The personal organization is the owner's only one now: it cannot be deleted.
    let mine = owner.ok("{ viewer { organizations(first: 5) { nodes { id } } } }", json!({})).await;
    let personal = mine["viewer"]["organizations"]["nodes"][0]["id"].clone();
    assert_eq!(owner.code(DELETE_ORGANIZATION, json!({ "o": personal })).await, "FAILED_PRECONDITION");
});

both!(connections_page_in_creation_order_with_opaque_cursors, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    for i in 0..25 {
        create_dataset(&owner, &p, None, &format!("d{i:02}")).await;
    }
    let q = "query($p: ID!, $after: String) { node(id: $p) { ... on Project { datasets(first: 10, after: $after) { totalCount
             pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } } } } } }";
    let mut after = Value::Null;
    let mut names = Vec::new();
    loop {
        let d = owner.ok(q, json!({ "p": p, "after": after })).await;
        let conn = &d["node"]["datasets"];
        assert_eq!(conn["totalCount"], 25);
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], !after.is_null());
        for e in conn["edges"].as_array().expect("edges") {
            names.push(e["node"]["name"].as_str().expect("name").to_string());
        }
        assert_eq!(
            conn["pageInfo"]["endCursor"],
            conn["edges"].as_array().and_then(|e| e.last()).map_or(Value::Null, |e| e["cursor"].clone())
        );
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    let expected: Vec<String> = (0..25).map(|i| format!("d{i:02}")).collect();
    assert_eq!(names, expected);
    // Default page size is 20.
    let d =
        owner.ok("query($p: ID!) { node(id: $p) { ... on Project { datasets { nodes { name } } } } }", json!({ "p": p })).await;
    assert_eq!(d["node"]["datasets"]["nodes"].as_array().map(Vec::len), Some(20));
});
