//! Project versions: snapshots of the dataset tree and item metadata, restored into a new
//! project (the original untouched), compared, retitled; denied cases change nothing; and
//! a version of an unchanged tree stores no new snapshot rows.

use crate::both;
use crate::helpers::*;
use crate::ops::*;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

const UPDATE: &str = "mutation($v: ID!, $t: String, $d: String) {
    updateProjectVersion(input: { versionId: $v, title: $t, description: $d }) { version { id title description } } }";
const COMPARE: &str = "query($a: ID!, $b: ID!) { compareProjectVersions(baseId: $a, targetId: $b) {
    datasetsAdded { nodes { path name } } datasetsRemoved { nodes { path name } } datasetsChanged { nodes { path name } }
    itemsAdded { nodes { path name } } itemsRemoved { nodes { path name } } itemsChanged { nodes { path name } } } }";
const VERSIONS: &str = "query($p: ID!) { node(id: $p) { ... on Project { versions(first: 10) { totalCount
    nodes { id number title description datasetCount itemCount } } } } }";
const LEVEL: &str = "query($id: ID!) { node(id: $id) {
    ... on Project { datasets(first: 20) { nodes { id name } } }
    ... on Dataset { children(first: 20) { nodes { id name } } items(first: 20) { nodes { name sizeBytes contentType } } } } }";

async fn version(c: &Client, project: &str, title: &str) -> Value {
    c.ok(CREATE_VERSION, json!({ "p": project, "title": title })).await["createProjectVersion"]["version"].clone()
}

/// The whole tree of a project, sorted: `/a`, `/a/b`, `/a/cat.png 10 image/png`.
async fn tree(c: &Client, project: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![(project.to_string(), String::new())];
    while let Some((id, prefix)) = todo.pop() {
        let d = c.ok(LEVEL, json!({ "id": id })).await;
        let level = if d["node"]["datasets"].is_null() { &d["node"]["children"] } else { &d["node"]["datasets"] };
        for ds in level["nodes"].as_array().expect("datasets") {
            let path = format!("{prefix}/{}", ds["name"].as_str().expect("name"));
            out.push(path.clone());
            todo.push((ds["id"].as_str().expect("id").to_string(), path));
        }
        for it in d["node"]["items"]["nodes"].as_array().into_iter().flatten() {
            out.push(format!(
                "{prefix}/{} {} {}",
                it["name"].as_str().expect("name"),
                it["sizeBytes"],
                it["contentType"].as_str().expect("ct")
            ));
        }
    }
    out.sort();
    out
}

/// The paths of a comparison list's page, sorted (lists run in creation order).
fn names(list: &Value) -> Vec<String> {
    let mut paths: Vec<String> =
        list["nodes"].as_array().expect("list").iter().map(|e| e["path"].as_str().expect("path").to_string()).collect();
    paths.sort();
    paths
}

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"].as_str().unwrap_or_default()
}

both!(restore_creates_a_new_project_with_the_old_state_and_leaves_the_original, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let b = create_dataset(&owner, &p, Some(&a), "b").await;
    let x = create_dataset(&owner, &p, None, "x").await;
    add_items(&owner, &a, &[("cat.png", 10)]).await;
    let dog = add_items(&owner, &b, &[("dog.png", 20), ("emu.png", 5)]).await;
    let before = tree(&owner, &p).await;
    assert_eq!(before.len(), 6, "{before:?}");

    let v1 = version(&owner, &p, "first").await;
    assert_eq!(v1["number"], 1);
    assert_eq!(v1["datasetCount"], 3);
    assert_eq!(v1["itemCount"], 3);
    assert_eq!(v1["createdBy"]["id"], owner.id.as_str());
    assert_eq!(v1["project"]["id"], p.as_str());

    // Change the tree and the items, then save a second version.
    owner.ok(DELETE_DATASET, json!({ "d": x })).await;
    owner.ok(UPDATE_DATASET, json!({ "d": b, "n": "bee" })).await;
    owner.ok(REMOVE_ITEMS, json!({ "ids": [dog[0]] })).await;
    add_items(&owner, &a, &[("new.png", 1)]).await;
    create_dataset(&owner, &p, None, "y").await;
    let v2 = version(&owner, &p, "second").await;
    assert_eq!(v2["number"], 2);
    let changed = tree(&owner, &p).await;
    assert_ne!(changed, before);

    // Restore version 1 into a second workspace.
    let w2 = create_workspace(&owner, &org.team, "Archive").await;
    let r = owner.ok(RESTORE_VERSION, json!({ "v": v1["id"], "w": w2, "n": "Cars (v1)" })).await;
    let q = r["restoreProjectVersion"]["project"]["id"].as_str().expect("project").to_string();
    assert_ne!(q, p);
    assert_eq!(r["restoreProjectVersion"]["project"]["name"], "Cars (v1)");
    assert_eq!(r["restoreProjectVersion"]["project"]["createdBy"]["id"], owner.id.as_str());
    assert_eq!(tree(&owner, &q).await, before, "the restored project has the state of version 1");
    assert_eq!(tree(&owner, &p).await, changed, "the original is untouched");
    let totals = owner
        .ok(
            "query($p: ID!) { node(id: $p) { ... on Project { sizeBytes itemCount versions(first: 5) { totalCount } } } }",
            json!({ "p": q }),
        )
        .await;
    assert_eq!(totals["node"], json!({ "sizeBytes": 35, "itemCount": 3, "versions": { "totalCount": 0 } }));
    let log = owner
        .ok(
            "query($p: ID!) { node(id: $p) { ... on Project { activity(first: 5) { nodes { action objectKind sourceId } } } } }",
            json!({ "p": q }),
        )
        .await;
    assert_eq!(log["node"]["activity"]["nodes"][0], json!({ "action": "created", "objectKind": "Project", "sourceId": p }));

    // Version 2 restores too (rows shared with version 1 and rows closed at 2 both count right).
    let r = owner.ok(RESTORE_VERSION, json!({ "v": v2["id"], "w": w2, "n": "Cars (v2)" })).await;
    let q2 = r["restoreProjectVersion"]["project"]["id"].as_str().expect("project").to_string();
    assert_eq!(tree(&owner, &q2).await, changed);
});

both!(compare_reports_added_removed_and_changed_datasets_and_items, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    let a = create_dataset(&owner, &p, None, "a").await;
    let b = create_dataset(&owner, &p, Some(&a), "b").await;
    let x = create_dataset(&owner, &p, None, "x").await;
    let c = create_dataset(&owner, &p, None, "c").await;
    let gone = add_items(&owner, &b, &[("dog.png", 20), ("emu.png", 5)]).await;
    let v1 = version(&owner, &p, "base").await;

    owner.ok(DELETE_DATASET, json!({ "d": x })).await;
    owner.ok(UPDATE_DATASET, json!({ "d": b, "n": "bee" })).await;
    owner.ok(MOVE_DATASET, json!({ "d": c, "p": a })).await;
    owner.ok(REMOVE_ITEMS, json!({ "ids": [gone[0]] })).await;
    let n = create_dataset(&owner, &p, Some(&a), "new").await;
    add_items(&owner, &n, &[("fox.png", 3)]).await;
    let v2 = version(&owner, &p, "target").await;

    let d = owner.ok(COMPARE, json!({ "a": v1["id"], "b": v2["id"] })).await;
    let cmp = &d["compareProjectVersions"];
    assert_eq!(names(&cmp["datasetsAdded"]), ["/a/new"]);
    assert_eq!(names(&cmp["datasetsRemoved"]), ["/x"]);
    assert_eq!(names(&cmp["datasetsChanged"]), ["/a/bee", "/a/c"], "renamed and moved");
    assert_eq!(names(&cmp["itemsAdded"]), ["/a/new/fox.png"]);
    assert_eq!(names(&cmp["itemsRemoved"]), ["/a/b/dog.png"]);
    assert_eq!(cmp["itemsChanged"]["nodes"], json!([]));
    assert_eq!(cmp["datasetsAdded"]["nodes"][0]["name"], "new");

    // The other way round, additions and removals swap.
    let d = owner.ok(COMPARE, json!({ "a": v2["id"], "b": v1["id"] })).await;
    let cmp = &d["compareProjectVersions"];
    assert_eq!(names(&cmp["datasetsAdded"]), ["/x"]);
    assert_eq!(names(&cmp["datasetsRemoved"]), ["/a/new"]);
    assert_eq!(names(&cmp["itemsRemoved"]), ["/a/new/fox.png"]);
    // A version compared with itself: nothing.
    let d = owner.ok(COMPARE, json!({ "a": v2["id"], "b": v2["id"] })).await;
    for list in ["datasetsAdded", "datasetsRemoved", "datasetsChanged", "itemsAdded", "itemsRemoved", "itemsChanged"] {
        assert_eq!(d["compareProjectVersions"][list]["nodes"], json!([]), "{list}");
    }
});

both!(titles_and_descriptions_are_editable_and_versions_list_in_order, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Cars").await;
    create_dataset(&owner, &p, None, "a").await;
    let v1 = owner.ok(CREATE_VERSION, json!({ "p": p, "title": " First ", "description": "initial import" })).await["createProjectVersion"]["version"]
        .clone();
    assert_eq!(v1["title"], "First");
    assert_eq!(v1["description"], "initial import");
    let v2 = version(&owner, &p, "Second").await;

    let d = owner.ok(UPDATE, json!({ "v": v1["id"], "t": "Renamed" })).await;
    assert_eq!(
        d["updateProjectVersion"]["version"],
        json!({ "id": v1["id"], "title": "Renamed", "description": "initial import" })
    );
    let d = owner.ok(UPDATE, json!({ "v": v1["id"], "d": "" })).await;
    assert_eq!(d["updateProjectVersion"]["version"]["description"], Value::Null);

    let d = owner.ok(VERSIONS, json!({ "p": p })).await;
    let list = &d["node"]["versions"];
    assert_eq!(list["totalCount"], 2);
    assert_eq!(
        list["nodes"][0],
        json!({ "id": v1["id"], "number": 1, "title": "Renamed", "description": null, "datasetCount": 1, "itemCount": 0 })
    );
    assert_eq!(list["nodes"][1]["id"], v2["id"]);
    let d = owner
        .ok("query($v: ID!) { node(id: $v) { ... on ProjectVersion { number project { name } } } }", json!({ "v": v2["id"] }))
        .await;
    assert_eq!(d["node"], json!({ "number": 2, "project": { "name": "Cars" } }));
});

both!(denied_requests_answer_codes_and_change_nothing, |app: TestApp| async move {
    let t = DefaultOrg::new(&app).await;
    let (owner, viewer, outsider) = (&t.owner, &t.viewer, &t.outsider);
    let p = t.project.clone();
    create_project(owner, &t.workspace, "Taken").await;
    create_dataset(owner, &p, None, "a").await;
    let v = version(owner, &p, "v1").await;
    let vid = v["id"].as_str().expect("id").to_string();

    // Input first.
    let (_, body) = owner.post(CREATE_VERSION, json!({ "p": p, "title": "  " })).await;
    assert_eq!((body["errors"][0]["extensions"]["code"].as_str(), field(&body)), (Some("BAD_USER_INPUT"), "title"));
    let (_, body) = owner.post(RESTORE_VERSION, json!({ "v": "nope", "w": t.workspace, "n": "X" })).await;
    assert_eq!((body["errors"][0]["extensions"]["code"].as_str(), field(&body)), (Some("BAD_USER_INPUT"), "versionId"));
    let (_, body) = owner.post(COMPARE, json!({ "a": vid, "b": "nope" })).await;
    assert_eq!(field(&body), "targetId");
    // A project id where a version id is expected.
    assert_eq!(owner.code(UPDATE, json!({ "v": p, "t": "x" })).await, "NOT_FOUND");

    // Outsiders see nothing.
    assert_eq!(outsider.code(CREATE_VERSION, json!({ "p": p, "title": "x" })).await, "NOT_FOUND");
    assert_eq!(outsider.code(UPDATE, json!({ "v": vid, "t": "x" })).await, "NOT_FOUND");
    assert_eq!(outsider.code(RESTORE_VERSION, json!({ "v": vid, "w": t.workspace, "n": "X" })).await, "NOT_FOUND");
    assert_eq!(outsider.code(COMPARE, json!({ "a": vid, "b": vid })).await, "NOT_FOUND");
    let d = outsider.ok("query($v: ID!) { node(id: $v) { id } }", json!({ "v": vid })).await;
    assert_eq!(d["node"], Value::Null);

    // A team viewer reads versions but may not create, edit or restore into the team.
    let d = viewer.ok(VERSIONS, json!({ "p": p })).await;
    assert_eq!(d["node"]["versions"]["totalCount"], 1);
    viewer.ok(COMPARE, json!({ "a": vid, "b": vid })).await;
    assert_eq!(viewer.code(CREATE_VERSION, json!({ "p": p, "title": "x" })).await, "FORBIDDEN");
    assert_eq!(viewer.code(UPDATE, json!({ "v": vid, "t": "x" })).await, "FORBIDDEN");
    assert_eq!(viewer.code(RESTORE_VERSION, json!({ "v": vid, "w": t.workspace, "n": "X" })).await, "FORBIDDEN");
    // The viewer's own workspace is a valid destination; the outsider's is invisible to the owner.
    let own_ws = viewer.ok("{ viewer { organizations(first: 5) { nodes { personal teams(first: 1) { nodes { workspaces(first: 1) { nodes { id } } } } } } } }", json!({})).await;
    let personal = own_ws["viewer"]["organizations"]["nodes"]
        .as_array()
        .expect("orgs")
        .iter()
        .find(|o| o["personal"] == true)
        .expect("personal org")["teams"]["nodes"][0]["workspaces"]["nodes"][0]["id"]
        .as_str()
        .expect("ws")
        .to_string();
    assert_eq!(owner.code(RESTORE_VERSION, json!({ "v": vid, "w": personal, "n": "X" })).await, "NOT_FOUND");
    // Name taken in the destination.
    assert_eq!(owner.code(RESTORE_VERSION, json!({ "v": vid, "w": t.workspace, "n": "Taken" })).await, "CONFLICT");

    // Nothing changed.
    let d = owner.ok(VERSIONS, json!({ "p": p })).await;
    assert_eq!(d["node"]["versions"]["totalCount"], 1);
    assert_eq!(d["node"]["versions"]["nodes"][0]["title"], "v1");
    let d = owner
        .ok(
            "query($w: ID!) { node(id: $w) { ... on Workspace { projects(first: 10) { totalCount } } } }",
            json!({ "w": t.workspace }),
        )
        .await;
    assert_eq!(d["node"]["projects"]["totalCount"], 2);

    // And the viewer may restore into their own workspace.
    let r = viewer.ok(RESTORE_VERSION, json!({ "v": vid, "w": personal, "n": "Mine" })).await;
    assert_eq!(r["restoreProjectVersion"]["project"]["createdBy"]["id"], viewer.id.as_str());
});

both!(a_version_of_an_unchanged_tree_stores_no_new_snapshot_rows, |app: TestApp| async move {
    let owner = app.user("owner").await;
    let org = create_org(&owner, "acme").await;
    let p = create_project(&owner, &org.workspace, "Big").await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let top = create_dataset(&owner, &p, None, &format!("d{i}")).await;
        for j in 0..9 {
            let child = create_dataset(&owner, &p, Some(&top), &format!("s{j}")).await;
            ids.push(child);
        }
        ids.push(top);
    }
    assert_eq!(ids.len(), 200);
    add_items(&owner, &ids[0], &[("a.png", 1), ("b.png", 2)]).await;
    let db = app.database().await;
    let rows = || async { entity::snapshot_row::Entity::find().count(&db).await.expect("count") };

    let v1 = version(&owner, &p, "v1").await;
    assert_eq!(v1["datasetCount"], 200);
    assert_eq!(rows().await, 202, "the first version stores every row once");
    version(&owner, &p, "v2").await;
    assert_eq!(rows().await, 202, "an unchanged tree adds no rows");
    owner.ok(UPDATE_DATASET, json!({ "d": ids[5], "n": "renamed" })).await;
    let v3 = version(&owner, &p, "v3").await;
    assert_eq!(rows().await, 203, "one renamed dataset adds one row");
    let d = owner.ok(COMPARE, json!({ "a": v1["id"], "b": v3["id"] })).await;
    assert_eq!(d["compareProjectVersions"]["datasetsChanged"]["nodes"].as_array().expect("list").len(), 1);
    assert_eq!(entity::project_version::Entity::find().count(&db).await.expect("count"), 3);
});

both!(a_restored_project_lists_its_datasets_in_the_original_order, |app: TestApp| async move {
    // The version's rows were read in each database's scan order and copied in it: SQLite
    // (following an index on the version range) answered B, C, A2 for A2, B, C.
    let alice = app.user("alice").await;
    let org = create_org(&alice, "acme").await;
    let project = create_project(&alice, &org.workspace, "P").await;
    let mut ids = Vec::new();
    for name in ["A", "B", "C"] {
        let d = alice.ok(CREATE_DATASET, json!({ "p": project, "n": name })).await;
        ids.push(d["createDataset"]["dataset"]["id"].as_str().expect("id").to_string());
    }
    let v1 = version(&alice, &project, "v1").await;
    alice.ok(UPDATE_DATASET, json!({ "d": ids[0], "n": "A2" })).await;
    let v2 = version(&alice, &project, "v2").await;
    for (v, first) in [(&v1, "A"), (&v2, "A2")] {
        let d = alice.ok(RESTORE_VERSION, json!({ "v": v["id"], "w": org.workspace, "n": format!("from {first}") })).await;
        let copy = d["restoreProjectVersion"]["project"]["id"].clone();
        let level = alice.ok(LEVEL, json!({ "id": copy })).await;
        let listed: Vec<&str> = level["node"]["datasets"]["nodes"]
            .as_array()
            .expect("datasets")
            .iter()
            .map(|n| n["name"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(listed, [first, "B", "C"]);
    }
});
